from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .changes import EDITABLE_FIELDS
from .models import (
    Answer,
    Assessment,
    Hub,
    HubChange,
    HubProposal,
    Level,
    Pillar,
    PriorityArea,
    Question,
    Questionnaire,
    RoadmapStep,
)


@admin.register(PriorityArea)
class PriorityAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class HubChangeInline(admin.TabularInline):
    model = HubChange
    fields = ["created", "author", "approved_by", "fields"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-created"]
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Hub)
class HubAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "acronym",
        "kind",
        "country",
        "organisational_model",
        "is_published",
        "completeness_display",
        "updated",
    ]
    list_filter = [
        "kind",
        "is_published",
        "organisational_model",
        "direction",
        "priority_areas",
        "is_sample",
    ]
    search_fields = ["name", "acronym", "host_institution"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["priority_areas", "editors", "partner_hubs"]
    readonly_fields = ["created", "updated"]
    inlines = [HubChangeInline]
    actions = ["publish", "unpublish"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "acronym",
                    "slug",
                    "kind",
                    "country",
                    "logo",
                    "is_published",
                    "is_sample",
                )
            },
        ),
        (
            _("Institutional arrangement"),
            {
                "fields": (
                    "host_institution",
                    "organisational_model",
                    "year_established",
                    "staff_exchange",
                    "staff_total",
                    "institutions_coordinated",
                    "direction",
                )
            },
        ),
        (_("Financing"), {"fields": ("financing", "financing_note")}),
        (
            _("Work"),
            {
                "fields": (
                    "priority_areas",
                    "languages",
                    "partner_hubs",
                    "partner_organisations",
                    "website",
                    "contact_email",
                    "description",
                    "original_language",
                )
            },
        ),
        (_("Editors"), {"fields": ("editors",)}),
        (_("Dates"), {"fields": ("created", "updated")}),
    )

    @admin.display(description=_("complete"))
    def completeness_display(self, hub):
        return f"{hub.completeness()}%"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("priority_areas")

    def save_model(self, request, obj, form, change):
        """Profile fields go through the same service as the site, so the history keeps them."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        profile = {
            field: form.cleaned_data[field]
            for field in form.changed_data
            if field in EDITABLE_FIELDS
        }
        logo = form.cleaned_data.get("logo") if "logo" in form.changed_data else None
        hub = Hub.objects.get(pk=obj.pk)
        services.hub_update(hub=hub, curator=request.user, data=profile, logo=logo or None)
        # Fields that are not part of the public profile are saved as they are.
        others = [
            f
            for f in form.changed_data
            if f not in EDITABLE_FIELDS
            and f not in {"logo", "priority_areas", "editors", "partner_hubs", "is_published"}
        ]
        if others:
            Hub.objects.filter(pk=obj.pk).update(**{f: getattr(obj, f) for f in others})
        if "is_published" in form.changed_data:
            services.hub_set_published(hub=hub, curator=request.user, published=obj.is_published)

    @admin.action(description=_("Publish the selected hubs"))
    def publish(self, request, queryset):
        for hub in queryset:
            services.hub_set_published(
                hub=hub, curator=request.user, published=True, now=timezone.now()
            )
        messages.success(request, _("Published."))

    @admin.action(description=_("Unpublish the selected hubs"))
    def unpublish(self, request, queryset):
        for hub in queryset:
            services.hub_set_published(
                hub=hub, curator=request.user, published=False, now=timezone.now()
            )
        messages.success(request, _("Unpublished."))


@admin.register(HubProposal)
class HubProposalAdmin(admin.ModelAdmin):
    list_display = ["hub", "author", "status", "created", "reviewed_by"]
    list_filter = ["status"]
    search_fields = ["hub__name", "author__email"]
    readonly_fields = [
        "hub",
        "author",
        "changes",
        "previous",
        "created",
        "reviewed_by",
        "reviewed_at",
        "status",
    ]
    list_select_related = ["hub", "author", "reviewed_by"]


@admin.register(HubChange)
class HubChangeAdmin(admin.ModelAdmin):
    list_display = ["hub", "created", "author", "approved_by"]
    list_select_related = ["hub", "author", "approved_by"]
    readonly_fields = ["hub", "author", "approved_by", "proposal", "created", "fields"]
    search_fields = ["hub__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LevelInline(admin.TabularInline):
    model = Level
    extra = 0
    fields = ["value", "description", "translations"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["code", "pillar", "position"]
    list_filter = ["pillar__questionnaire", "pillar"]
    search_fields = ["code", "text"]
    inlines = [LevelInline]
    list_select_related = ["pillar__questionnaire"]


class PillarInline(admin.TabularInline):
    model = Pillar
    extra = 0
    fields = ["position", "code", "kind", "title"]
    show_change_link = True


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["version", "title", "is_active", "created"]
    inlines = [PillarInline]


@admin.register(Pillar)
class PillarAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "kind", "questionnaire", "position"]
    list_filter = ["questionnaire", "kind"]


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["question", "level", "evidence_note", "evidence_url", "evidence_file"]
    raw_id_fields = ["question"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = [
        "hub",
        "status",
        "questionnaire",
        "created",
        "submitted_at",
        "share_with_peers",
        "is_published",
    ]
    list_filter = ["status", "share_with_peers", "is_published", "questionnaire"]
    readonly_fields = ["scores", "submitted_at", "submitted_by", "started_by"]
    inlines = [AnswerInline]
    list_select_related = ["hub", "questionnaire"]


@admin.register(RoadmapStep)
class RoadmapStepAdmin(admin.ModelAdmin):
    list_display = ["title", "hub", "status", "owner", "due_date", "position"]
    list_filter = ["status"]
    list_select_related = ["hub"]
