"""``/api/v1/webinars/``: list and detail, plus register and cancel over the same services."""

from __future__ import annotations

from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.api import ErrorSerializer

from . import services
from .models import Registration, Speaker, Webinar
from .permissions import CanRegister, can_see_join_link


class SpeakerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Speaker
        fields = ["name", "organisation", "sector", "bio"]


class MyRegistrationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Registration
        fields = ["status", "queued_at", "confirmed_at"]


class WebinarSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    theme = serializers.SlugRelatedField(slug_field="month", read_only=True, allow_null=True)
    chapter = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    host_hub = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    speakers = serializers.SerializerMethodField()
    current_status = serializers.SerializerMethodField()
    registration_open = serializers.SerializerMethodField()
    seats_left = serializers.SerializerMethodField()
    my_registration = serializers.SerializerMethodField()
    join_url = serializers.SerializerMethodField()

    class Meta:
        model = Webinar
        fields = [
            "slug",
            "url",
            "title",
            "theme",
            "chapter",
            "host_hub",
            "description",
            "host_organisation",
            "host_time_zone",
            "language",
            "starts_at",
            "ends_at",
            "status",
            "current_status",
            "capacity",
            "seats_left",
            "registration_opens_at",
            "registration_closes_at",
            "registration_open",
            "speakers",
            "recording_url",
            "materials",
            "is_sample",
            "my_registration",
            "join_url",
        ]

    def _now(self):
        return self.context.setdefault("now", timezone.now())

    def _registration(self, webinar):
        registration = webinar.viewer_registration()
        if registration is None or registration.status == Registration.Status.CANCELLED:
            return None
        return registration

    def get_url(self, webinar) -> str:
        return self.context["request"].build_absolute_uri(webinar.get_absolute_url())

    @extend_schema_field(SpeakerSerializer(many=True))
    def get_speakers(self, webinar) -> list[dict]:
        return SpeakerSerializer(webinar.ordered_speakers(), many=True).data

    def get_current_status(self, webinar) -> str:
        return webinar.current_status(self._now())

    def get_registration_open(self, webinar) -> bool:
        return webinar.registration_is_open(self._now())

    def get_seats_left(self, webinar) -> int | None:
        return webinar.seats_left()

    @extend_schema_field(MyRegistrationSerializer(allow_null=True))
    def get_my_registration(self, webinar) -> dict | None:
        registration = self._registration(webinar)
        return MyRegistrationSerializer(registration).data if registration else None

    def get_join_url(self, webinar) -> str | None:
        """Only for the confirmed registrant asking; null for everyone else."""
        registration = self._registration(webinar)
        if can_see_join_link(registration) and webinar.status != Webinar.Status.CANCELLED:
            return webinar.join_url or None
        return None


class WebinarFilterSerializer(serializers.Serializer):
    when = serializers.ChoiceField(
        choices=["upcoming", "past"],
        default="upcoming",
        allow_blank=True,
        help_text="upcoming (default, also when empty): not yet ended, soonest first; "
        "past: with a recording.",
    )
    language = serializers.ChoiceField(
        choices=[code for code, _name in ALL_LANGUAGES],
        required=False,
        allow_blank=True,
        help_text="A language code such as es, pt-br, fr, id, en.",
    )
    # A month or an address that names nothing matches no webinar.
    theme = serializers.CharField(
        required=False, allow_blank=True, max_length=7, help_text="A monthly theme, YYYY-MM."
    )
    chapter = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="A regional chapter's address."
    )


class RegistrationResultSerializer(serializers.ModelSerializer):
    webinar = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Registration
        fields = ["webinar", "status", "queued_at", "confirmed_at", "cancelled_at"]


_REFUSED = OpenApiResponse(
    ErrorSerializer,
    description="Refused, nothing changed: window closed, cancelled, finished, already "
    "registered (register) or not registered, already started (cancel).",
)
_ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(ErrorSerializer, description="E-mail address not verified."),
    404: OpenApiResponse(ErrorSerializer, description="No such webinar."),
    409: _REFUSED,
}


@extend_schema(tags=["webinars"])
@extend_schema_view(list=extend_schema(parameters=[WebinarFilterSerializer]))
class WebinarViewSet(viewsets.ReadOnlyModelViewSet):
    """Webinars: upcoming first. ``join_url`` is null except for a confirmed registrant."""

    serializer_class = WebinarSerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    permission_classes = [AllowAny]

    def get_queryset(self):
        user = self.request.user
        queryset = Webinar.objects.visible_to(user)
        if self.action in ("register", "cancel"):
            return queryset  # the service locks and reads what it needs
        if self.action == "list":
            filters = WebinarFilterSerializer(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            queryset = queryset.listed()
            lookups = {"language": "language", "theme": "theme__month", "chapter": "chapter__slug"}
            for field, lookup in lookups.items():
                if filters.validated_data.get(field):
                    queryset = queryset.filter(**{lookup: filters.validated_data[field]})
            queryset = (
                queryset.past_with_recordings()
                if filters.validated_data["when"] == "past"
                else queryset.upcoming()
            )
        return queryset.with_card_data(viewer=user)

    @extend_schema(request=None, responses={201: RegistrationResultSerializer, **_ERRORS})
    @action(detail=True, methods=["post"], permission_classes=[CanRegister])
    def register(self, request, slug=None):
        """Register the signed-in member: ``confirmed`` while seats last, else ``waitlisted``."""
        webinar = self.get_object()
        try:
            registration = services.webinar_register(webinar=webinar, user=request.user)
        except services.RegistrationRefused as refusal:
            return Response({"detail": refusal.messages[0]}, status=status.HTTP_409_CONFLICT)
        return Response(
            RegistrationResultSerializer(registration).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses={200: RegistrationResultSerializer, **_ERRORS})
    @action(detail=True, methods=["post"], permission_classes=[CanRegister])
    def cancel(self, request, slug=None):
        """Cancel the signed-in member's registration; the first on the waiting list moves up."""
        webinar = self.get_object()
        try:
            registration = services.registration_cancel(webinar=webinar, user=request.user)
        except services.RegistrationRefused as refusal:
            return Response({"detail": refusal.messages[0]}, status=status.HTTP_409_CONFLICT)
        return Response(RegistrationResultSerializer(registration).data)
