"""Sample requests, matches and exchanges, with financing and results. Every record is a
sample (``is_sample``) and its text says so: the people, figures and dates are invented
to show how the loop from demand to evidence works, not documented facts.

Built with the hubs and sample solutions of hubs.demo and catalogue.demo, through the same
services a person would use. Only adds what is missing: a sample that exists (matched by its
title) is left as it is, whatever people did with it since; ``load_demo --reset`` deletes the
samples nobody else's rows depend on, to create them again.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.models import Group

from accounts.models import User
from catalogue.models import SDG, Solution
from core.demo_support import creating, delete_samples
from hubs.models import Hub, PriorityArea

from . import services
from .models import Exchange, KnowledgeRequest

SAMPLE = "Sample record, invented for the demonstration. "


def _at(year: int, month: int, day: int = 1) -> datetime.datetime:
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


def _user(email: str, name: str, group: str | None = None) -> User:
    from allauth.account.models import EmailAddress

    user, created = User.objects.get_or_create(email=email, defaults={"name": name})
    if created:
        user.set_unusable_password()
        user.save()
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if group:
            user.groups.add(Group.objects.get(name=group))
    return user


def _hub(slug: str) -> Hub:
    return Hub.objects.get(slug=slug)


def _area(slug: str) -> PriorityArea:
    return PriorityArea.objects.get(slug=slug)


def _solutions(*slugs: str) -> list[Solution]:
    return list(Solution.objects.filter(slug__in=slugs, published__isnull=False))


def _editor_of(*slugs: str) -> User:
    """The sample editor of catalogue.demo, made an editor of these hubs too."""
    editor = _user("sample.editor@example.org", "Sample hub editor")
    for hub in Hub.objects.filter(slug__in=slugs):
        hub.editors.add(editor)
    return editor


def _post(user: User, *, now, sdgs=(), **data) -> KnowledgeRequest:
    request = services.request_post(
        user=user,
        data={
            **data,
            "challenge": SAMPLE + data["challenge"],
            "sdgs": SDG.objects.filter(number__in=sdgs),
        },
        now=now,
    )
    KnowledgeRequest.objects.filter(pk=request.pk).update(is_sample=True)
    request.is_sample = True
    return request


def _exists(model, title: str) -> bool:
    return model.objects.filter(title=title, is_sample=True).exists()


# --- The loop closed: milk banks for Mozambique ----------------------------------------------


def _milk_banks(requester: User, editor: User, curator: User) -> None:
    title = "Human milk banks for maternity hospitals in Maputo"
    if _exists(KnowledgeRequest, title):
        return
    request = _post(
        requester,
        now=_at(2024, 1, 15),
        title=title,
        challenge=(
            "Premature babies in our maternity hospitals often have no breast milk. We want to "
            "collect, pasteurise and distribute donated human milk safely."
        ),
        tried="Informal milk sharing between mothers, without quality control.",
        institution="Ministry of Health of Mozambique",
        country="MZ",
        priority_area=_area("health"),
        sdgs=[3],
        modalities=["field_visit", "workshop"],
        timeline="2024",
        language="en",
    )
    fiocruz, milk = _hub("fiocruz"), _solutions("human-milk-banks")
    services.offer_make(
        request=request,
        hub=fiocruz,
        user=editor,
        message=SAMPLE + "We can host a field visit to the Brazilian network of milk banks.",
        solutions=milk,
        modalities=["field_visit"],
        now=_at(2024, 1, 22),
    )
    match = services.match_propose(
        request=request,
        curator=curator,
        hubs=[fiocruz],
        solutions=milk,
        modality="field_visit",
        note=SAMPLE + "FIOCRUZ runs the network this request describes.",
        now=_at(2024, 2, 1),
    )
    exchange = services.match_accept(match=match, user=requester, now=_at(2024, 2, 5))
    services.exchange_update(
        exchange=exchange,
        user=editor,
        data={
            "start_date": datetime.date(2024, 3, 4),
            "end_date": datetime.date(2024, 9, 27),
            "participants": 14,
            "participants_description": SAMPLE + "Nurses, paediatricians and laboratory staff.",
            "financing": [
                {"source": "international", "amount": Decimal("48000"), "share": 60},
                {"source": "national", "amount": Decimal("32000"), "share": 40},
            ],
        },
    )
    services.exchange_set_status(
        exchange=exchange, user=editor, status="under_way", now=_at(2024, 3, 4)
    )
    services.result_report(
        exchange=exchange,
        user=editor,
        data={
            "side": "provider",
            "outcome": "enhanced_skills",
            "description": SAMPLE + "Fourteen staff trained in pasteurisation and quality control.",
        },
        now=_at(2024, 6, 1),
    )
    services.exchange_set_status(
        exchange=exchange, user=requester, status="completed", now=_at(2024, 9, 27)
    )
    services.result_report(
        exchange=exchange,
        user=requester,
        data={
            "side": "recipient",
            "outcome": "new_actions",
            "description": SAMPLE + "The first human milk bank opened at the central hospital.",
            "evidence_url": "https://example.org/sample/maputo-milk-bank",
            "is_adoption": True,
        },
        now=_at(2024, 10, 15),
    )
    services.usefulness_rate(
        exchange=exchange, user=requester, rating=5, comment=SAMPLE + "Practical and concrete."
    )
    services.replication_from_exchange(
        exchange=exchange, user=curator, solution=milk[0], now=_at(2024, 11, 1)
    )


# --- Requests in other states ---------------------------------------------------------------


def _declined(requester: User, editor: User, curator: User) -> None:
    title = "Early warning for floods in river villages"
    if _exists(KnowledgeRequest, title):
        return
    request = _post(
        requester,
        now=_at(2025, 2, 10),
        title=title,
        challenge="Villages along the river need evacuation routes and early warning for floods.",
        institution="County disaster management office",
        country="KE",
        priority_area=_area("disaster-risk"),
        sdgs=[11, 13],
        modalities=["workshop"],
        language="en",
    )
    hub = _hub("indonesia-coordinating-team")
    services.offer_make(
        request=request,
        hub=hub,
        user=editor,
        message=SAMPLE + "Our community risk maps could be adapted.",
        solutions=_solutions("disaster-risk-management"),
        now=_at(2025, 2, 20),
    )
    match = services.match_propose(
        request=request,
        curator=curator,
        hubs=[hub],
        solutions=_solutions("disaster-risk-management"),
        modality="field_visit",
        now=_at(2025, 3, 1),
    )
    services.match_decline(
        match=match,
        user=requester,
        reason=SAMPLE + "We cannot travel this year; we would prefer a videoconference.",
        now=_at(2025, 3, 10),
    )


def _restricted(requester: User, curator: User) -> None:
    title = "Budget reform in a post-conflict ministry of finance"
    if _exists(KnowledgeRequest, title):
        return
    request = _post(
        requester,
        now=_at(2025, 5, 5),
        title=title,
        challenge="Our budget process needs peer advice before the reform is announced.",
        institution="Ministry of Finance",
        country="AO",
        priority_area=_area("public-finance"),
        sdgs=[16],
        modalities=["joint_study"],
        language="en",
        visibility="restricted",
    )
    services.match_propose(
        request=request,
        curator=curator,
        hubs=[_hub("cabri")],
        solutions=_solutions("budget-reform-network"),
        modality="joint_study",
        note=SAMPLE + "CABRI's peer network could help in confidence.",
        now=_at(2025, 5, 20),
    )


def _open(requester: User, editor: User) -> None:
    title = "School meals bought from family farmers"
    if _exists(KnowledgeRequest, title):
        return
    request = _post(
        requester,
        now=_at(2026, 1, 12),
        title=title,
        challenge="We want school meals to buy food from local family farmers.",
        institution="Ministry of Education",
        country="GH",
        priority_area=_area("education"),
        sdgs=[2, 4],
        modalities=["field_visit"],
        language="en",
    )
    services.offer_make(
        request=request,
        hub=_hub("abc-brazil"),
        user=editor,
        message=SAMPLE + "Brazil's school meals programme buys from family farming.",
        solutions=_solutions("school-meals-education"),
        now=_at(2026, 1, 20),
    )


# --- Exchanges recorded directly by hub editors ---------------------------------------------

DIRECT = [
    {
        "title": "Joint Fund Mexico–Chile: sample projects 2023",
        "provider_hubs": ["amexcid"],
        "provider_institution": "AMEXCID",
        "provider_country": "MX",
        "recipient_institution": "Chilean Agency for International Development Cooperation",
        "recipient_country": "CL",
        "area": "governance",
        "solutions": ["joint-funds"],
        "modality": "joint_fund",
        "start_date": datetime.date(2023, 1, 16),
        "end_date": datetime.date(2023, 12, 15),
        "status": "completed",
        "financing": [
            {"source": "national", "amount": Decimal("1000000"), "share": 50},
            {"source": "cost_sharing", "amount": Decimal("1000000"), "share": 50},
        ],
        "results": [("provider", "stronger_connections", "Twelve joint projects were financed.")],
    },
    {
        "title": "Joint Fund Mexico–Uruguay: sample projects 2025",
        "provider_hubs": ["amexcid"],
        "provider_institution": "AMEXCID",
        "provider_country": "MX",
        "recipient_institution": "Uruguayan Agency for International Cooperation",
        "recipient_country": "UY",
        "area": "governance",
        "solutions": ["joint-funds"],
        "modality": "joint_fund",
        "start_date": datetime.date(2025, 2, 3),
        "status": "under_way",
        "financing": [
            {"source": "national", "amount": Decimal("500000"), "share": 50},
            {"source": "cost_sharing", "amount": Decimal("500000"), "share": 50},
        ],
        "results": [("provider", "improved_consensus", "Both agencies agreed shared criteria.")],
    },
    {
        "title": "Community risk maps with Indonesian villages",
        "provider_hubs": ["embrapa"],
        "provider_institution": "EMBRAPA",
        "provider_country": "BR",
        "recipient_hub": "indonesia-coordinating-team",
        "recipient_institution": "BAPPENAS",
        "recipient_country": "ID",
        "area": "agriculture",
        "solutions": ["agricultural-research-biotech"],
        "modality": "joint_study",
        "start_date": datetime.date(2025, 6, 2),
        "end_date": datetime.date(2025, 11, 28),
        "status": "completed",
        "financing": [
            {"source": "international", "amount": Decimal("60000"), "share": 70},
            {"source": "private", "amount": Decimal("15000"), "share": 30},
        ],
        "results": [
            ("provider", "new_knowledge", "Soil trials adapted to two Indonesian provinces."),
            ("recipient", "enhanced_skills", "Twenty extension workers trained."),
        ],
    },
    {
        "title": "Low-cost sanitation networks for Colombian cities",
        "provider_hubs": ["abc-brazil"],
        "provider_institution": "ABC",
        "provider_country": "BR",
        "recipient_hub": "apc-colombia",
        "recipient_institution": "APC-Colombia",
        "recipient_country": "CO",
        "area": "water-sanitation",
        "solutions": ["sanitation-engineering"],
        "modality": "workshop",
        "start_date": datetime.date(2026, 4, 6),
        "status": "planned",
        "financing": [{"source": "national", "amount": Decimal("20000")}],
        "results": [],
    },
    {
        "title": "REDD+ workshop cancelled for lack of funds",
        "provider_hubs": ["semarnat"],
        "provider_institution": "SEMARNAT",
        "provider_country": "MX",
        "recipient_institution": "Ministry of Environment",
        "recipient_country": "GT",
        "area": "environment",
        "solutions": ["redd-forest-policy"],
        "modality": "workshop",
        "start_date": datetime.date(2025, 9, 1),
        "status": "planned",
        "cancel": True,
        "financing": [],
        "results": [],
    },
]


def _direct(editor: User) -> None:
    for sample in DIRECT:
        if _exists(Exchange, sample["title"]):
            continue
        with creating(f"sample exchange “{sample['title']}”"):
            _direct_one(editor, sample)


def _direct_one(editor: User, sample: dict) -> None:
    recipient_hub = _hub(sample["recipient_hub"]) if sample.get("recipient_hub") else None
    start = sample["start_date"]
    now = _at(start.year, start.month, start.day)
    exchange = services.exchange_record(
        user=editor,
        data={
            "title": sample["title"],
            "provider_hubs": [_hub(slug) for slug in sample["provider_hubs"]],
            "provider_institution": sample["provider_institution"],
            "provider_country": sample["provider_country"],
            "recipient_hub": recipient_hub,
            "recipient_institution": sample["recipient_institution"],
            "recipient_country": sample["recipient_country"],
            "priority_area": _area(sample["area"]),
            "solutions": _solutions(*sample["solutions"]),
            "modality": sample["modality"],
            "start_date": start,
            "end_date": sample.get("end_date"),
            "objectives": SAMPLE + "Objectives would be stated here.",
            "status": sample["status"],
            "financing": sample["financing"],
        },
        now=now,
    )
    Exchange.objects.filter(pk=exchange.pk).update(is_sample=True)
    for side, outcome, description in sample["results"]:
        services.result_report(
            exchange=exchange,
            user=editor,
            data={"side": side, "outcome": outcome, "description": SAMPLE + description},
            now=now + datetime.timedelta(days=60),
        )
    if sample.get("cancel"):
        services.exchange_set_status(exchange=exchange, user=editor, status="cancelled", now=now)


REQUEST_TITLES = [
    "Human milk banks for maternity hospitals in Maputo",
    "Early warning for floods in river villages",
    "Budget reform in a post-conflict ministry of finance",
    "School meals bought from family farmers",
]


def _missing() -> bool:
    requests = KnowledgeRequest.objects.filter(title__in=REQUEST_TITLES, is_sample=True)
    exchanges = Exchange.objects.filter(title__in=[s["title"] for s in DIRECT], is_sample=True)
    return requests.count() < len(REQUEST_TITLES) or exchanges.count() < len(DIRECT)


def reset() -> None:
    delete_samples(
        Exchange.objects.filter(is_sample=True, title__in=[s["title"] for s in DIRECT]),
        "sample exchange",
    )
    requests = KnowledgeRequest.objects.filter(is_sample=True, title__in=REQUEST_TITLES)
    delete_samples(Exchange.objects.filter(is_sample=True, request__in=requests), "sample exchange")
    delete_samples(
        KnowledgeRequest.objects.filter(is_sample=True, title__in=REQUEST_TITLES),
        "sample request",
    )


def load() -> None:
    if not _missing():
        return  # nothing to add: not even the sample editor's hub memberships are touched
    curator = _user("sample.curator@example.org", "Sample curator", "Curators")
    requester = _user("sample.requester@example.org", "Sample requester")
    editor = _editor_of(
        "fiocruz", "amexcid", "embrapa", "abc-brazil", "indonesia-coordinating-team",
        "apc-colombia", "semarnat", "cabri",
    )  # fmt: skip
    with creating("sample request “Human milk banks for maternity hospitals in Maputo”"):
        _milk_banks(requester, editor, curator)
    with creating("sample request “Early warning for floods in river villages”"):
        _declined(requester, editor, curator)
    with creating("sample request “Budget reform in a post-conflict ministry of finance”"):
        _restricted(requester, curator)
    with creating("sample request “School meals bought from family farmers”"):
        _open(requester, editor)
    _direct(editor)
