"""Sample solutions drawn from the topics the source mentions. Every one is marked as a sample:
the titles and texts are illustrations written for the demonstration, not documented facts.

Only adds what is missing: a sample is created once (matched by its address) and moved
through the vetting workflow by the same services a person would use; an existing one is never
changed. ``load_demo --reset`` deletes the samples nobody else's rows depend on, to create them
again.
"""

from __future__ import annotations

from django.contrib.auth.models import Group

from accounts.models import User
from core.demo_support import creating, delete_samples
from hubs.models import Hub, PriorityArea

from . import services
from .models import SDG, Criterion, Solution

SAMPLES = [
    {
        "slug": "human-milk-banks",
        "hub": "fiocruz",
        "state": "vetted",
        "area": "health",
        "sdgs": [3],
        "language": "pt-br",
        "country": "BR",
        "title": "Rede de bancos de leite humano",
        "summary": "Bancos de leite humano coletam, pasteurizam e distribuem leite doado para bebês prematuros.",
        "translations": {
            "title": {"en": "Human milk bank network", "es": "Red de bancos de leche humana"},
            "summary": {
                "en": "Human milk banks collect, pasteurise and distribute donated milk for premature babies.",
                "es": "Los bancos de leche humana recolectan, pasteurizan y distribuyen leche donada.",
            },
        },
        "tags": ["neonatal care", "public health"],
        "modalities": ["field_visit", "workshop", "online_course"],
    },
    {
        "slug": "agricultural-research-biotech",
        "hub": "embrapa",
        "state": "vetted",
        "area": "agriculture",
        "sdgs": [2, 9],
        "language": "en",
        "country": "BR",
        "title": "Agricultural research and biotechnology for tropical farming",
        "summary": "Public agricultural research adapts crops and soils to tropical conditions with farmers.",
        "tags": ["research", "biotechnology"],
        "modalities": ["joint_study", "secondment"],
    },
    {
        "slug": "redd-forest-policy",
        "hub": "semarnat",
        "state": "vetted",
        "area": "environment",
        "sdgs": [13, 15],
        "language": "es",
        "country": "MX",
        "title": "Política forestal REDD+ con comunidades",
        "summary": "Reducción de emisiones por deforestación con participación de comunidades forestales.",
        "translations": {"title": {"en": "REDD+ forest policy with communities"}},
        "tags": ["forests", "climate"],
        "modalities": ["workshop", "videoconference"],
    },
    {
        "slug": "budget-reform-network",
        "hub": "cabri",
        "state": "vetted",
        "area": "public-finance",
        "sdgs": [16, 17],
        "language": "en",
        "country": "ZA",
        "title": "A peer network for budget reform",
        "summary": "Senior budget officials learn from each other's reforms through a member-financed network.",
        "tags": ["budget", "peer learning"],
        "modalities": ["workshop", "joint_study"],
    },
    {
        "slug": "urban-planning-ppp",
        "hub": "singapore-cooperation-enterprise",
        "state": "submitted",
        "area": "urban-transport",
        "sdgs": [11],
        "language": "en",
        "country": "SG",
        "title": "Urban planning through a public-private partnership",
        "summary": "Integrated master planning delivered with private partners on a paid-for basis.",
        "tags": ["urban planning"],
        "modalities": ["secondment", "field_visit"],
    },
    {
        "slug": "joint-funds",
        "hub": "amexcid",
        "state": "vetted",
        "area": "governance",
        "sdgs": [17],
        "language": "es",
        "country": "MX",
        "title": "Fondos conjuntos de cooperación",
        "summary": "Dos países financian juntos proyectos de cooperación con aportes iguales.",
        "tags": ["financing"],
        "modalities": ["joint_fund"],
    },
    {
        "slug": "disaster-risk-management",
        "hub": "indonesia-coordinating-team",
        "state": "vetted",
        "area": "disaster-risk",
        "sdgs": [11, 13],
        "language": "id",
        "country": "ID",
        "title": "Manajemen risiko bencana berbasis komunitas",
        "summary": "Komunitas desa menyiapkan peta risiko, jalur evakuasi dan peringatan dini.",
        "translations": {"title": {"en": "Community-based disaster risk management"}},
        "tags": ["disaster risk"],
        "modalities": ["field_visit", "workshop"],
    },
    {
        "slug": "statistics-modernisation",
        "hub": "apc-colombia",
        "state": "draft",
        "area": "statistics",
        "sdgs": [17],
        "language": "es",
        "country": "CO",
        "title": "Modernización de las estadísticas nacionales",
        "summary": "Un instituto de estadística moderniza sus encuestas con registros administrativos.",
        "tags": ["statistics"],
        "modalities": ["secondment"],
    },
    {
        "slug": "metropolitan-transport",
        "hub": "abc-brazil",
        "state": "expert_review",
        "area": "urban-transport",
        "sdgs": [11],
        "language": "en",
        "country": "NG",
        "title": "Metropolitan transport authority for Lagos",
        "summary": "A single authority plans and regulates bus rapid transit and urban transport.",
        "tags": ["transport"],
        "modalities": ["field_visit"],
    },
    {
        "slug": "sanitation-engineering",
        "hub": "abc-brazil",
        "state": "vetted",
        "area": "water-sanitation",
        "sdgs": [6],
        "language": "pt-br",
        "country": "BR",
        "title": "Engenharia de saneamento de baixo custo",
        "summary": "Redes condominiais de esgoto levam saneamento a bairros populares a custo menor.",
        "translations": {"title": {"en": "Low-cost sanitation engineering"}},
        "tags": ["sanitation"],
        "modalities": ["workshop", "field_visit"],
    },
    {
        "slug": "school-meals-education",
        "hub": "abc-brazil",
        "state": "vetted",
        "area": "education",
        "sdgs": [2, 4],
        "language": "pt-br",
        "country": "BR",
        "title": "Alimentação escolar e educação",
        "summary": "Merenda escolar comprada da agricultura familiar melhora a frequência e a educação.",
        "tags": ["education"],
        "modalities": ["field_visit"],
    },
    {
        "slug": "public-security-observatory",
        "hub": "amexcid",
        "state": "rejected",
        "area": "public-security",
        "sdgs": [16],
        "language": "es",
        "country": "MX",
        "title": "Observatorio de seguridad pública",
        "summary": "Un observatorio ciudadano publica indicadores de seguridad por municipio.",
        "tags": ["security"],
        "modalities": ["videoconference"],
    },
]


def _sample_user(email: str, name: str, group: str | None = None) -> User:
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


def load() -> None:
    editor = _sample_user("sample.editor@example.org", "Sample hub editor")
    reviewer = _sample_user("sample.reviewer@example.org", "Sample reviewer", "Reviewers")
    curator = _sample_user("sample.curator@example.org", "Sample curator", "Curators")
    criteria = list(Criterion.objects.filter(is_active=True))
    existing = set(
        Solution.objects.filter(slug__in=[s["slug"] for s in SAMPLES]).values_list(
            "slug", flat=True
        )
    )
    for sample in SAMPLES:
        if sample["slug"] in existing:
            continue
        with creating(f"sample solution {sample['slug']}"):
            _create(sample, editor, reviewer, curator, criteria)


def reset() -> None:
    delete_samples(
        Solution.objects.filter(is_sample=True, slug__in=[s["slug"] for s in SAMPLES]),
        "sample solution",
    )


def _create(sample: dict, editor: User, reviewer: User, curator: User, criteria) -> None:
    hub = Hub.objects.get(slug=sample["hub"])
    hub.editors.add(editor)
    revision = services.solution_create(
        hub=hub,
        user=editor,
        data={
            "title": sample["title"],
            "summary": sample["summary"],
            "country": sample["country"],
            "priority_area": PriorityArea.objects.get(slug=sample["area"]),
            "original_language": sample["language"],
            "translations": sample.get("translations", {}),
            "modalities": sample["modalities"],
            "challenge": "Sample record: " + sample["summary"],
            "description": sample["summary"],
            "results": "Sample record: results would be stated here with figures and evidence.",
            "lessons_learned": "Sample record: lessons, including what did not work, would be stated here.",
            "blocks": [{"title": sample["title"], "description": sample["summary"]}],
        },
    )
    revision.solution.slug = sample["slug"]
    revision.solution.is_sample = True
    revision.solution.save(update_fields=["slug", "is_sample"])
    revision.sdgs.set(SDG.objects.filter(number__in=sample["sdgs"]))
    revision.tags.set(sample["tags"])
    state = sample["state"]
    if state == "draft":
        return
    services.revision_submit(revision=revision, user=editor)
    if state == "submitted":
        return
    services.editorial_claim(revision=revision, reviewer=reviewer)
    if state == "changes_requested":
        services.editorial_decide(
            revision=revision, reviewer=reviewer, passed=False, comment="Please add figures."
        )
        return
    services.editorial_decide(revision=revision, reviewer=reviewer, passed=True)
    services.expert_review(
        revision=revision,
        reviewer=reviewer,
        assessments={
            c.slug: {
                "rating": "met",
                "justification": "Sample assessment for the demonstration.",
            }
            for c in criteria
        },
        recommendation="reject" if state == "rejected" else "vet",
    )
    if state == "expert_review":
        return
    services.revision_decide(
        revision=revision, curator=curator, decision="reject" if state == "rejected" else "vet"
    )
