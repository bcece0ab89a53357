from django_countries import countries
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers

from core.api import StrictCharField, StrictModelSerializer

from . import services
from .models import User, validate_languages, validate_time_zone


class CountryCodeField(serializers.ChoiceField):
    """A country code or "": not also a name or a {"code": …} object, as CountryField takes."""

    def to_representation(self, value):
        return getattr(value, "code", value) or ""


class MeSerializer(StrictModelSerializer):
    country = CountryCodeField(choices=list(countries), required=False, allow_blank=True)
    languages = serializers.ListField(
        child=StrictCharField(max_length=10),
        required=False,
        max_length=20,
        validators=[validate_languages],
        help_text='Language codes, e.g. ["es", "pt-br"].',
    )
    time_zone = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=64,
        validators=[validate_time_zone],
        help_text='An IANA time zone name such as "Asia/Jakarta"; empty for the browser\'s.',
    )
    email_verified = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["email", "email_verified", *services.PROFILE_FIELDS]
        read_only_fields = ["email", "email_verified"]

    def get_email_verified(self, user) -> bool:
        return user.has_verified_email()


@extend_schema(tags=["members"])
class MeView(generics.RetrieveUpdateAPIView):
    """The signed-in member's own profile."""

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "patch", "options", "head"]

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        serializer.instance = services.profile_update(
            user=self.request.user, data=serializer.validated_data
        )
