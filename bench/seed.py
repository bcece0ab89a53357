"""Synthetic data for benchmarks, written to the benchmark database only.

Run as: python -m bench.seed hubs 500   (with DATABASE_URL pointing at the bench database)
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


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    kind, count = sys.argv[1], int(sys.argv[2])
    {"hubs": seed_hubs}[kind](count)


if __name__ == "__main__":
    main()
