from django.contrib import admin

from .models import (
    SDG,
    BuildingBlock,
    Criterion,
    CriterionAssessment,
    Feedback,
    Replication,
    ResultFigure,
    Review,
    Solution,
    SolutionRevision,
)


@admin.register(SDG)
class SDGAdmin(admin.ModelAdmin):
    list_display = ["number", "title"]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "position", "is_active"]
    list_editable = ["position", "is_active"]
    prepopulated_fields = {"slug": ["title"]}


class BuildingBlockInline(admin.StackedInline):
    model = BuildingBlock
    extra = 0


class ResultFigureInline(admin.TabularInline):
    model = ResultFigure
    extra = 0


@admin.register(SolutionRevision)
class SolutionRevisionAdmin(admin.ModelAdmin):
    """Read the workflow here; moving a revision through it happens on the site's review screens."""

    list_display = ["title", "solution", "number", "status", "submitted_at", "decided_at"]
    list_filter = ["status", "original_language", "priority_area"]
    search_fields = ["title", "solution__slug"]
    readonly_fields = [
        "status",
        "submitted_at",
        "decided_at",
        "decided_by",
        "created_by",
        "created",
    ]
    inlines = [BuildingBlockInline, ResultFigureInline]
    list_select_related = ["solution"]


class ReplicationInline(admin.TabularInline):
    model = Replication
    extra = 0
    readonly_fields = ["recorded_by", "created"]


@admin.register(Solution)
class SolutionAdmin(admin.ModelAdmin):
    list_display = ["slug", "published", "vetted_at", "revalidation_due", "is_sample"]
    list_filter = ["is_sample"]
    search_fields = ["slug", "revisions__title"]
    filter_horizontal = ["hubs"]
    readonly_fields = ["published", "vetted_at", "created_by", "created"]
    inlines = [ReplicationInline]
    list_select_related = ["published"]


class CriterionAssessmentInline(admin.TabularInline):
    model = CriterionAssessment
    extra = 0


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["revision", "stage", "reviewer", "recommendation", "created"]
    list_filter = ["stage", "recommendation"]
    inlines = [CriterionAssessmentInline]
    list_select_related = ["revision", "reviewer"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["revision", "author", "created"]
    list_select_related = ["revision", "author"]
