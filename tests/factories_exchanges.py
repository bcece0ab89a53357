"""Factories for knowledge requests and exchanges (built directly, without the services)."""

import datetime
import random
from decimal import Decimal

import factory
from django.utils import timezone

from exchanges.models import (
    Exchange,
    ExchangeFinancing,
    ExchangeResult,
    FinancingSource,
    KnowledgeRequest,
)
from hubs.models import PriorityArea

from .factories import UserFactory


class KnowledgeRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KnowledgeRequest

    slug = factory.Sequence(lambda n: f"request-{n}")
    title = factory.Sequence(lambda n: f"Knowledge request {n}")
    challenge = "Our clinics lose too many premature babies."
    institution = "Ministry of Health"
    requester = factory.SubFactory(UserFactory)
    country = "MZ"


class ExchangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exchange
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"exchange-{n}")
    title = factory.Sequence(lambda n: f"Exchange {n}")
    provider_institution = "Fiocruz"
    provider_country = "BR"
    recipient_institution = "Ministry of Health"
    recipient_country = "MZ"
    modality = "field_visit"
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def provider_hubs(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.provider_hubs.set(extracted)


class ExchangeResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeResult

    exchange = factory.SubFactory(ExchangeFactory)
    side = "recipient"
    outcome = "new_knowledge"
    description = "Staff learnt how to pasteurise donated milk."
    reported_by = factory.SubFactory(UserFactory)


COUNTRIES = ["BR", "MX", "CL", "UY", "MZ", "AO", "ID", "KE", "IN", "FR"]
MODALITIES = ["field_visit", "workshop", "joint_study", "joint_fund", "videoconference"]
STATUSES = ["planned", "under_way", "completed", "cancelled"]


def make_exchanges(count: int, hubs, *, seed: int = 8, creator=None) -> list[Exchange]:
    """Random exchanges written with bulk_create (1,000 in a second), with hubs and financing."""
    rng = random.Random(seed)
    creator = creator or UserFactory()
    areas = list(PriorityArea.objects.all()) + [None]
    start = timezone.make_aware(datetime.datetime(2021, 3, 1))
    rows = []
    for n in range(count):
        begins = None
        if rng.random() < 0.8:
            begins = datetime.date(rng.choice([2022, 2023, 2024, 2025]), rng.randint(1, 12), 1)
        rows.append(
            Exchange(
                slug=f"random-{seed}-{n}",
                title=f"Random exchange {seed}-{n}",
                provider_institution="Provider",
                provider_country=rng.choice(COUNTRIES),
                recipient_institution="Recipient",
                recipient_country=rng.choice(COUNTRIES),
                recipient_hub=rng.choice([*hubs, None, None]),
                priority_area=rng.choice(areas),
                modality=rng.choice(MODALITIES),
                status=rng.choice(STATUSES),
                start_date=begins,
                is_public=rng.random() < 0.8,
                created_by=creator,
                created=start + datetime.timedelta(days=rng.randint(0, 1500)),
            )
        )
    exchanges = Exchange.objects.bulk_create(rows)
    links, money = [], []
    for exchange in exchanges:
        for hub in rng.sample(hubs, rng.randint(0, 2)):
            links.append(Exchange.provider_hubs.through(exchange=exchange, hub=hub))
        sources = rng.sample(FinancingSource.values, rng.randint(0, 3))
        for source in sources:
            money.append(
                ExchangeFinancing(
                    exchange=exchange,
                    source=source,
                    amount=Decimal(rng.randint(0, 50_000)) if rng.random() < 0.7 else None,
                    share=rng.randint(0, 100 // len(sources)) if rng.random() < 0.6 else None,
                )
            )
    Exchange.provider_hubs.through.objects.bulk_create(links)
    for item in money:
        if item.amount is None and item.share is None:
            item.share = 0
    ExchangeFinancing.objects.bulk_create(money)
    return exchanges
