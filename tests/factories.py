import factory
from allauth.account.models import EmailAddress

from accounts.models import User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.org")
    name = factory.Faker("name")
    organisation = factory.Faker("company")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Pass verified=False for a member who has not confirmed their e-mail."""
        if not create:
            return
        EmailAddress.objects.create(
            user=obj, email=obj.email, primary=True, verified=extracted is not False
        )
