"""Synthetic data for benchmarks, written to the benchmark database only.

Run as: python -m bench.seed hubs 500   (with DATABASE_URL pointing at the bench database)
        python -m bench.seed exchanges 1000   (after the hubs)
Idempotent: tops up to the requested count.
"""

from __future__ import annotations

import os
import random
import sys


def seed_hubs(count: int) -> None:
    from hubs.models import Hub, PriorityArea

    existing = Hub.objects.filter(slug__startswith="bench-hub-").count()
    areas = list(PriorityArea.objects.all())
    countries = [
        "BR",
        "MX",
        "ID",
        "SG",
        "CN",
        "CO",
        "AR",
        "TR",
        "ZA",
        "KR",
        "IN",
        "KE",
        "GH",
        "VN",
        "PE",
    ]
    rng = random.Random(42)  # noqa: S311 - not for security
    hubs = [
        Hub(
            slug=f"bench-hub-{n}",
            name=f"Sample knowledge hub {n}",
            acronym=f"SKH{n}",
            kind=rng.choice(Hub.Kind.values),
            country=rng.choice(countries),
            organisational_model=rng.choice(Hub.OrganisationalModel.values),
            direction=rng.choice(Hub.Direction.values),
            year_established=rng.randint(1960, 2012),
            description="A synthetic hub profile for benchmarks.",
            financing=[
                {"source": "national_budget", "share": 60},
                {"source": "cost_sharing", "share": 40},
            ],
            is_published=True,
            is_sample=True,
        )
        for n in range(existing, count)
    ]
    Hub.objects.bulk_create(hubs, batch_size=500)
    through = Hub.priority_areas.through
    links = [
        through(hub_id=hub.pk, priorityarea_id=area.pk)
        for hub in Hub.objects.filter(slug__in=[h.slug for h in hubs])
        for area in rng.sample(areas, 2)
    ]
    through.objects.bulk_create(links, batch_size=1000)


def seed_exchanges(count: int) -> None:
    """``count`` public exchanges between the bench hubs (with financing) and as many requests."""
    from accounts.models import User
    from exchanges.models import Exchange, ExchangeFinancing, KnowledgeRequest
    from hubs.models import Hub, PriorityArea

    existing = Exchange.objects.filter(slug__startswith="bench-exchange-").count()
    if existing >= count:
        return
    rng = random.Random(7)  # noqa: S311 - not for security
    author, _created = User.objects.get_or_create(
        email="bench.author@example.org", defaults={"name": "Benchmark author"}
    )
    hubs = list(Hub.objects.filter(slug__startswith="bench-hub-").only("pk", "country"))
    areas = list(PriorityArea.objects.all())
    modalities = ["field_visit", "workshop", "joint_study", "secondment", "joint_fund"]
    requests = KnowledgeRequest.objects.bulk_create(
        [
            KnowledgeRequest(
                slug=f"bench-request-{n}",
                title=f"Sample knowledge request {n}",
                challenge="A synthetic challenge about water, health and planning.",
                institution="Sample ministry",
                requester=author,
                country=rng.choice(hubs).country or "BR",
                priority_area=rng.choice(areas),
                modalities=[rng.choice(modalities)],
                is_sample=True,
            )
            for n in range(existing, count)
        ],
        batch_size=500,
    )
    exchanges = []
    for n, request in zip(range(existing, count), requests, strict=True):
        provider, recipient = rng.sample(hubs, 2)
        year = rng.randint(2019, 2026)
        exchanges.append(
            Exchange(
                slug=f"bench-exchange-{n}",
                title=f"Sample exchange {n}",
                request=request,
                provider_institution="Sample provider",
                provider_country=provider.country or "BR",
                recipient_hub=recipient,
                recipient_institution="Sample recipient",
                recipient_country=recipient.country or "MX",
                priority_area=rng.choice(areas),
                modality=rng.choice(modalities),
                start_date=f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                status=rng.choice(["planned", "under_way", "completed"]),
                created_by=author,
                is_sample=True,
            )
        )
        exchanges[-1]._provider = provider
    Exchange.objects.bulk_create(exchanges, batch_size=500)
    Exchange.provider_hubs.through.objects.bulk_create(
        [
            Exchange.provider_hubs.through(exchange_id=e.pk, hub_id=e._provider.pk)
            for e in exchanges
        ],
        batch_size=1000,
    )
    ExchangeFinancing.objects.bulk_create(
        [
            ExchangeFinancing(exchange=e, source=source, share=share, amount=share * 1000)
            for e in exchanges
            for source, share in (("national", 60), ("international", 40))
        ],
        batch_size=1000,
    )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    kind, count = sys.argv[1], int(sys.argv[2])
    {"hubs": seed_hubs, "exchanges": seed_exchanges}[kind](count)


if __name__ == "__main__":
    main()
