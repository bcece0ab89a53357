"""``/api/v1/requests/`` and ``/api/v1/exchanges/``: read what the viewer may see, write through
the same services as the pages (request_post, exchange_record, result_report)."""

from __future__ import annotations

import django_filters
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.db.models import F, Prefetch
from django_countries import countries
from django_countries.serializer_fields import CountryField
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from catalogue.models import SDG, Modality, Solution
from core.api import ErrorSerializer, FilterBackend, StrictCharField, StrictModelSerializer
from core.permissions import IsVerifiedMember, IsVerifiedMemberOrReadOnly
from hubs.models import Hub, PriorityArea

from . import permissions, services
from .dashboard import ExchangeFilter
from .models import (
    Exchange,
    ExchangeFinancing,
    ExchangeResult,
    KnowledgeRequest,
    Outcome,
    Suggestion,
)
from .request_forms import RequestFilter

_WRITE_ERRORS = {
    400: OpenApiResponse(description="Invalid: field errors, nothing written."),
    401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed to do this."),
}


# --- Requests ------------------------------------------------------------------------------


class SuggestionSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    slug = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Suggestion
        fields = ["kind", "slug", "name", "web_url", "score", "position", "reasons"]

    def get_kind(self, suggestion) -> str:
        return "solution" if suggestion.solution_id else "hub"

    def get_slug(self, suggestion) -> str:
        return (suggestion.solution or suggestion.hub).slug

    def get_name(self, suggestion) -> str:
        if suggestion.solution_id:
            revision = suggestion.solution.published
            return revision.translated("title") if revision else suggestion.solution.slug
        return suggestion.hub.display_name

    def get_web_url(self, suggestion) -> str:
        target = suggestion.solution or suggestion.hub
        return self.context["request"].build_absolute_uri(target.get_absolute_url())


class RequestSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="v1:request-detail", lookup_field="slug")
    web_url = serializers.SerializerMethodField()
    hub = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    country = CountryField(country_dict=True)
    priority_area = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    sdgs = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    modalities = serializers.ListField(child=serializers.ChoiceField(choices=Modality.choices))

    class Meta:
        model = KnowledgeRequest
        fields = [
            "url", "web_url", "slug", "title", "challenge", "tried", "institution", "hub",
            "country", "priority_area", "sdgs", "modalities", "timeline", "language",
            "visibility", "status", "created", "is_sample",
        ]  # fmt: skip
        read_only_fields = fields

    def get_web_url(self, request) -> str:
        return self.context["request"].build_absolute_uri(request.get_absolute_url())


class RequestDetailSerializer(RequestSerializer):
    suggestions = SuggestionSerializer(many=True, read_only=True)

    class Meta(RequestSerializer.Meta):
        fields = [*RequestSerializer.Meta.fields, "suggestions"]
        read_only_fields = fields


class RequestCreateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200)
    challenge = StrictCharField(max_length=5000)
    tried = StrictCharField(max_length=3000, required=False, allow_blank=True)
    institution = StrictCharField(max_length=200)
    hub = serializers.SlugRelatedField(
        slug_field="slug", queryset=Hub.objects.all(), required=False, allow_null=True
    )
    country = serializers.ChoiceField(choices=list(countries))
    priority_area = serializers.SlugRelatedField(
        slug_field="slug", queryset=PriorityArea.objects.all(), required=False, allow_null=True
    )
    sdgs = serializers.PrimaryKeyRelatedField(many=True, queryset=SDG.objects.all(), required=False)
    modalities = serializers.ListField(
        child=serializers.ChoiceField(choices=Modality.choices), required=False, max_length=10
    )
    timeline = StrictCharField(max_length=200, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=ALL_LANGUAGES, required=False)
    visibility = serializers.ChoiceField(
        choices=KnowledgeRequest.Visibility.choices, required=False
    )


def _suggestions():
    return Prefetch(
        "suggestions",
        queryset=Suggestion.objects.select_related("solution__published", "hub").order_by(
            F("hub_id").asc(nulls_first=True), "position"
        ),
    )


@extend_schema_view(
    list=extend_schema(summary="Knowledge requests the viewer may see", tags=["exchanges"]),
    retrieve=extend_schema(
        summary="One knowledge request, with its suggested solutions and hubs",
        tags=["exchanges"],
        responses=RequestDetailSerializer,
    ),
    create=extend_schema(
        summary="Post a knowledge request (verified members); returns the suggestions",
        tags=["exchanges"],
        request=RequestCreateSerializer,
        responses={201: RequestDetailSerializer, **_WRITE_ERRORS},
    ),
)
class RequestViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Public requests for everyone; restricted ones for their requester, curators and hub editors."""

    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    permission_classes = [IsVerifiedMemberOrReadOnly]
    filter_backends = [FilterBackend]
    filterset_class = RequestFilter

    def get_serializer_class(self):
        return RequestSerializer if self.action == "list" else RequestDetailSerializer

    def get_queryset(self):
        queryset = (
            KnowledgeRequest.objects.filter(permissions.visible_requests_filter(self.request.user))
            .select_related("hub", "priority_area")
            .prefetch_related("sdgs")
            .order_by("-created", "-pk")
        )
        if self.action in ("retrieve", "suggestions"):
            queryset = queryset.prefetch_related(_suggestions())
        return queryset

    def create(self, request, *args, **kwargs):
        serializer = RequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        posted = services.request_post(user=request.user, data=dict(serializer.validated_data))
        posted = self.get_queryset().prefetch_related(_suggestions()).get(pk=posted.pk)
        return Response(
            RequestDetailSerializer(posted, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="The solutions and hubs suggested for a request, with why",
        tags=["exchanges"],
        responses={200: SuggestionSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def suggestions(self, request, slug=None):
        knowledge_request = self.get_object()
        return Response(
            SuggestionSerializer(
                knowledge_request.suggestions.all(), many=True, context={"request": request}
            ).data
        )


# --- Exchanges -----------------------------------------------------------------------------


class ExchangeFinancingSerializer(StrictModelSerializer):
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    share = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)

    class Meta:
        model = ExchangeFinancing
        fields = ["source", "amount", "share", "note"]


class ResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExchangeResult
        fields = ["id", "side", "outcome", "description", "evidence_url", "is_adoption"]
        read_only_fields = fields


class ExchangeSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="v1:exchange-detail", lookup_field="slug")
    web_url = serializers.SerializerMethodField()
    request = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    provider_hubs = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    provider_country = CountryField(country_dict=True)
    recipient_hub = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    recipient_country = CountryField(country_dict=True)
    solutions = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    priority_area = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    financing = ExchangeFinancingSerializer(many=True, read_only=True)
    results = ResultSerializer(many=True, read_only=True)
    year = serializers.IntegerField(read_only=True)

    class Meta:
        model = Exchange
        fields = [
            "url", "web_url", "slug", "title", "request", "provider_hubs", "provider_institution",
            "provider_country", "recipient_hub", "recipient_institution", "recipient_country",
            "solutions", "priority_area", "modality", "start_date", "end_date", "year",
            "participants", "objectives", "status", "financing", "results", "usefulness",
            "created", "completed_at", "is_sample",
        ]  # fmt: skip
        read_only_fields = fields

    def get_web_url(self, exchange) -> str:
        return self.context["request"].build_absolute_uri(exchange.get_absolute_url())


class ExchangeCreateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200)
    provider_hubs = serializers.SlugRelatedField(
        slug_field="slug", queryset=Hub.objects.all(), many=True, required=False
    )
    provider_institution = StrictCharField(max_length=200)
    provider_country = serializers.ChoiceField(choices=list(countries))
    recipient_hub = serializers.SlugRelatedField(
        slug_field="slug", queryset=Hub.objects.all(), required=False, allow_null=True
    )
    recipient_institution = StrictCharField(max_length=200)
    recipient_country = serializers.ChoiceField(choices=list(countries))
    solutions = serializers.SlugRelatedField(
        slug_field="slug", queryset=Solution.objects.all(), many=True, required=False
    )
    priority_area = serializers.SlugRelatedField(
        slug_field="slug", queryset=PriorityArea.objects.all(), required=False, allow_null=True
    )
    modality = serializers.ChoiceField(choices=Modality.choices)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    participants = serializers.IntegerField(
        min_value=0, max_value=2_000_000_000, required=False, allow_null=True
    )
    participants_description = StrictCharField(max_length=2000, required=False, allow_blank=True)
    objectives = StrictCharField(max_length=5000, required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=[s for s in Exchange.Status.choices if s[0] != Exchange.Status.CANCELLED],
        required=False,
    )
    financing = ExchangeFinancingSerializer(many=True, required=False)

    def validate_financing(self, rows):
        return services.clean_financing([dict(row) for row in rows])


class ResultCreateSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=ExchangeResult.Side.choices)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    description = StrictCharField(max_length=3000)
    evidence_url = serializers.URLField(max_length=200, required=False, allow_blank=True)
    is_adoption = serializers.BooleanField(required=False, default=False)


class ExchangeApiFilter(ExchangeFilter):
    status = django_filters.ChoiceFilter(choices=Exchange.Status.choices)
    modality = django_filters.ChoiceFilter(choices=Modality.choices)

    class Meta(ExchangeFilter.Meta):
        fields = ["status", "area", "modality", "year", "region", "hub"]


@extend_schema_view(
    list=extend_schema(summary="Exchanges the viewer may see", tags=["exchanges"]),
    retrieve=extend_schema(
        summary="One exchange, with its financing and results", tags=["exchanges"]
    ),
    create=extend_schema(
        summary="Record an exchange done outside the portal (hub editors, curators)",
        tags=["exchanges"],
        request=ExchangeCreateSerializer,
        responses={201: ExchangeSerializer, **_WRITE_ERRORS},
    ),
)
class ExchangeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Exchanges are seen like their request; the cancelled ones too (filter ``status``)."""

    serializer_class = ExchangeSerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    permission_classes = [IsVerifiedMemberOrReadOnly]
    filter_backends = [FilterBackend]
    filterset_class = ExchangeApiFilter

    def get_queryset(self):
        queryset = Exchange.objects.filter(
            permissions.visible_exchanges_filter(self.request.user)
        ).order_by("-created", "-pk")
        if self.action == "results":
            return queryset
        return queryset.select_related(
            "request", "recipient_hub", "priority_area"
        ).prefetch_related("provider_hubs", "solutions", "financing", "results")

    def create(self, request, *args, **kwargs):
        serializer = ExchangeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        exchange = services.exchange_record(user=request.user, data=dict(serializer.validated_data))
        exchange = self.get_queryset().get(pk=exchange.pk)
        return Response(
            ExchangeSerializer(exchange, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Report a result for one side of the exchange (those taking part on that side)",
        tags=["exchanges"],
        request=ResultCreateSerializer,
        responses={201: ResultSerializer, 404: OpenApiResponse(ErrorSerializer), **_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsVerifiedMember])
    def results(self, request, slug=None):
        exchange = self.get_object()
        serializer = ResultCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.result_report(
            exchange=exchange,
            user=request.user,
            data=dict(serializer.validated_data),
        )
        return Response(ResultSerializer(result).data, status=status.HTTP_201_CREATED)
