from django_countries.serializer_fields import CountryField
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from core.api import FilterBackend

from .filters import HubFilter
from .models import Assessment, Hub, PriorityArea


class PriorityAreaSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = PriorityArea
        fields = ["slug", "name", "label"]


class FinancingSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=Hub.FinancingSource.choices)
    share = serializers.FloatField(allow_null=True, min_value=0, max_value=100)


class HubSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="v1:hub-detail", lookup_field="slug")
    web_url = serializers.SerializerMethodField()
    country = CountryField(country_dict=True)
    priority_areas = PriorityAreaSerializer(many=True, read_only=True)
    financing = FinancingSerializer(many=True, read_only=True)

    class Meta:
        model = Hub
        fields = [
            "url",
            "web_url",
            "slug",
            "name",
            "acronym",
            "kind",
            "country",
            "host_institution",
            "organisational_model",
            "year_established",
            "staff_exchange",
            "staff_total",
            "institutions_coordinated",
            "direction",
            "financing",
            "financing_note",
            "priority_areas",
            "languages",
            "partner_organisations",
            "website",
            "description",
            "original_language",
            "is_sample",
            "updated",
        ]
        read_only_fields = fields

    def get_web_url(self, hub) -> str:
        return self.context["request"].build_absolute_uri(hub.get_absolute_url())


@extend_schema_view(
    list=extend_schema(summary="Knowledge hubs, with the directory's filters", tags=["hubs"]),
    retrieve=extend_schema(summary="One knowledge hub", tags=["hubs"]),
)
class HubViewSet(viewsets.ReadOnlyModelViewSet):
    """Published knowledge-hub profiles (read-only)."""

    serializer_class = HubSerializer
    lookup_field = "slug"
    filter_backends = [FilterBackend]
    filterset_class = HubFilter

    def get_queryset(self):
        return Hub.objects.published().with_card_data().order_by("name")


class AssessmentSerializer(serializers.ModelSerializer):
    hub = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    questionnaire_version = serializers.IntegerField(source="questionnaire.version", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "hub",
            "questionnaire_version",
            "status",
            "created",
            "submitted_at",
            "scores",
            "share_with_peers",
            "is_published",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="Self-assessments the viewer may see", tags=["hubs"]),
    retrieve=extend_schema(summary="One self-assessment", tags=["hubs"]),
)
class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Published self-assessments; a hub's editors and the curators also see unpublished ones."""

    serializer_class = AssessmentSerializer

    def get_queryset(self):
        return (
            Assessment.objects.visible_to(self.request.user)
            .select_related("hub", "questionnaire")
            .order_by("-created", "-pk")
        )
