from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from . import search
from .models import SolutionSearch
from .selectors import solution_for_page


class SolutionListSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="v1:solution-detail", lookup_field="slug")
    sdgs = serializers.ListField(child=serializers.IntegerField())
    hubs = serializers.ListField(child=serializers.CharField())
    modalities = serializers.ListField(child=serializers.CharField())
    tags = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = SolutionSearch
        fields = [
            "url", "slug", "title", "summary", "language", "country", "area", "sdgs", "hubs",
            "modalities", "tags", "vetted_at", "replications", "is_sample",
        ]  # fmt: skip


class BlockSerializer(serializers.Serializer):
    title = serializers.CharField()
    description = serializers.CharField()
    enabling_factors = serializers.CharField()
    lessons_learned = serializers.CharField()


class CriterionAssessmentSerializer(serializers.Serializer):
    criterion = serializers.CharField(source="criterion.slug")
    rating = serializers.CharField()
    justification = serializers.CharField()
    evidence_url = serializers.CharField()


class SolutionDetailSerializer(serializers.Serializer):
    slug = serializers.CharField(source="solution.slug")
    title = serializers.CharField(source="revision.title")
    summary = serializers.CharField(source="revision.summary")
    challenge = serializers.CharField(source="revision.challenge")
    description = serializers.CharField(source="revision.description")
    results = serializers.CharField(source="revision.results")
    lessons_learned = serializers.CharField(source="revision.lessons_learned")
    what_failed = serializers.CharField(source="revision.what_failed")
    original_language = serializers.CharField(source="revision.original_language")
    translations = serializers.JSONField(source="revision.translations")
    licence = serializers.CharField(source="revision.licence")
    modalities = serializers.ListField(source="revision.modalities", child=serializers.CharField())
    building_blocks = BlockSerializer(source="revision.blocks.all", many=True)
    vetting_record = serializers.SerializerMethodField()
    vetted_at = serializers.DateTimeField(source="solution.vetted_at")
    revalidation_due = serializers.DateField(source="solution.revalidation_due")

    def get_vetting_record(self, obj) -> list[dict]:
        return [
            {
                "reviewer": review.reviewer.display_name,
                "date": review.created.isoformat(),
                "assessments": CriterionAssessmentSerializer(
                    review.assessments.all(), many=True
                ).data,
            }
            for review in obj["revision"].expert_reviews
        ]


@extend_schema_serializer(many=False)  # already a page: not to be wrapped in another one
class SolutionSearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SolutionListSerializer(many=True)
    facets = serializers.DictField(
        child=serializers.ListField(child=serializers.ListField()),
        help_text="For each facet, its [value, count] pairs.",
    )
    suggestion = serializers.CharField(allow_blank=True, help_text="A spelling suggestion.")


FILTERS = (
    [OpenApiParameter("q", OpenApiTypes.STR, description="Search words (websearch syntax).")]
    + [OpenApiParameter(name, OpenApiTypes.STR) for name in search.FACETS]
    + [
        OpenApiParameter(
            "sort",
            OpenApiTypes.STR,
            enum=["", *sorted(search.SORTS)],
            description="The order of the results; empty or absent: relevance.",
        )
    ]
)


@extend_schema_view(
    list=extend_schema(summary="Search vetted solutions", parameters=FILTERS, tags=["solutions"]),
    retrieve=extend_schema(
        summary="A vetted solution with its building blocks and vetting record", tags=["solutions"]
    ),
)
class SolutionViewSet(viewsets.ReadOnlyModelViewSet):
    """Vetted solutions only; the same search and facets as the catalogue page."""

    lookup_field = "slug"
    serializer_class = SolutionListSerializer
    queryset = SolutionSearch.objects.none()

    def _result(self):
        params = self.request.query_params
        sort = params.get("sort") or "relevance"
        if sort not in search.SORTS:
            raise ValidationError({"sort": [_("Not one of the orders offered.")]})
        return search.search(
            q=params.get("q", "")[:200],
            filters={name: params.get(name, "")[:100] for name in search.FACETS},
            sort=sort,
        )

    @extend_schema(responses=SolutionSearchPageSerializer)
    def list(self, request, *args, **kwargs):
        result = self._result()
        page = self.paginate_queryset(result.rows(snippets=False))
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response.data["facets"] = result.facets
        response.data["suggestion"] = result.suggestion
        return response

    @extend_schema(responses=SolutionDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        get_object_or_404(SolutionSearch, slug=kwargs["slug"])  # vetted ones only
        solution, revision = solution_for_page(kwargs["slug"], _Anonymous())
        return Response(SolutionDetailSerializer({"solution": solution, "revision": revision}).data)


class _Anonymous:
    """The API shows everyone the public, vetted revision."""

    is_authenticated = False
