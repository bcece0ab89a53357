import factory

from hubs.models import Hub, PriorityArea


class HubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hub
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"hub-{n}")
    name = factory.Sequence(lambda n: f"Knowledge Hub {n}")
    acronym = factory.Sequence(lambda n: f"KH{n}")
    kind = Hub.Kind.NATIONAL
    country = "BR"
    is_published = True

    @factory.post_generation
    def areas(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.priority_areas.set(PriorityArea.objects.filter(slug__in=extracted))

    @factory.post_generation
    def editors(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.editors.set(extracted)
