"""Factories for knowledge requests and exchanges (built directly, without the services)."""

import factory

from exchanges.models import Exchange, ExchangeResult, KnowledgeRequest

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
