import factory
from django.utils import timezone

from community.models import Category, Chapter, EmergingSolution, LivingLab, Post, Theme, Thread

from .factories import UserFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    slug = factory.Sequence(lambda n: f"forum-{n}")
    name = factory.Sequence(lambda n: f"Forum {n}")


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    month = factory.Sequence(lambda n: f"{2000 + n // 12}-{n % 12 + 1:02d}")
    title = factory.Sequence(lambda n: f"Theme {n}")


class ChapterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chapter

    slug = factory.Sequence(lambda n: f"chapter-{n}")
    name = factory.Sequence(lambda n: f"Chapter {n}")
    time_zone = "Asia/Manila"


class LivingLabFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LivingLab

    slug = factory.Sequence(lambda n: f"lab-{n}")
    name = factory.Sequence(lambda n: f"Lab {n}")


class EmergingSolutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmergingSolution

    lab = factory.SubFactory(LivingLabFactory)
    title = factory.Sequence(lambda n: f"Emerging solution {n}")


class ThreadFactory(factory.django.DjangoModelFactory):
    """A published thread with its opening post."""

    class Meta:
        model = Thread
        skip_postgeneration_save = True

    category = factory.SubFactory(CategoryFactory)
    title = factory.Sequence(lambda n: f"Thread number {n}")
    author = factory.SubFactory(UserFactory)
    status = "published"

    @factory.post_generation
    def opening(obj, create, extracted, **kwargs):
        if create:
            Post.objects.create(
                thread=obj,
                author=obj.author,
                body=extracted or "Opening post.",
                is_opening=True,
                status=obj.status,
            )


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    thread = factory.SubFactory(ThreadFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Reply number {n}.")
    status = "published"
    created = factory.LazyFunction(timezone.now)
