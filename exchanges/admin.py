from django.contrib import admin

from .models import (
    Exchange,
    ExchangeFinancing,
    ExchangeResult,
    KnowledgeRequest,
    Match,
    Offer,
    Suggestion,
)


class SuggestionInline(admin.TabularInline):
    model = Suggestion
    extra = 0
    fields = ("position", "solution", "hub", "score", "reasons")
    readonly_fields = fields
    can_delete = False


class OfferInline(admin.TabularInline):
    model = Offer
    extra = 0
    autocomplete_fields = ("hub",)
    raw_id_fields = ("author", "solutions")


class MatchInline(admin.TabularInline):
    model = Match
    extra = 0
    fields = ("status", "modality", "proposed_by", "proposed_at", "decided_at")
    readonly_fields = fields
    show_change_link = True


@admin.register(KnowledgeRequest)
class KnowledgeRequestAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "institution",
        "country",
        "status",
        "visibility",
        "created",
        "is_sample",
    )
    list_filter = ("status", "visibility", "priority_area", "language", "is_sample")
    search_fields = ("title", "institution", "challenge", "requester__email")
    raw_id_fields = ("requester",)
    autocomplete_fields = ("hub",)
    filter_horizontal = ("sdgs",)
    readonly_fields = ("slug", "created", "updated")
    date_hierarchy = "created"
    inlines = [SuggestionInline, OfferInline, MatchInline]


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ("request", "status", "modality", "proposed_by", "proposed_at")
    list_filter = ("status", "modality")
    search_fields = ("request__title",)
    raw_id_fields = ("request", "proposed_by", "solutions")
    autocomplete_fields = ("hubs",)


class FinancingInline(admin.TabularInline):
    model = ExchangeFinancing
    extra = 0


class ResultInline(admin.StackedInline):
    model = ExchangeResult
    extra = 0
    raw_id_fields = ("reported_by",)


@admin.register(Exchange)
class ExchangeAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "provider_country",
        "recipient_country",
        "modality",
        "status",
        "start_date",
        "is_public",
        "is_sample",
    )
    list_filter = ("status", "modality", "priority_area", "is_public", "is_sample")
    search_fields = ("title", "provider_institution", "recipient_institution")
    raw_id_fields = ("request", "match", "created_by", "solutions")
    autocomplete_fields = ("provider_hubs", "recipient_hub")
    readonly_fields = ("slug", "created", "updated", "completed_at")
    date_hierarchy = "start_date"
    inlines = [FinancingInline, ResultInline]
