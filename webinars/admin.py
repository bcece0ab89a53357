from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    CalendarToken,
    Feedback,
    Registration,
    Speaker,
    Webinar,
    WebinarReminder,
    WebinarSpeaker,
)


class WebinarSpeakerInline(admin.TabularInline):
    model = WebinarSpeaker
    extra = 1
    autocomplete_fields = ["speaker"]


@admin.register(Webinar)
class WebinarAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_at", "host_organisation", "language", "status", "capacity"]
    list_filter = ["status", "language", "is_published", "is_sample"]
    search_fields = ["title", "host_organisation", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "starts_at"
    filter_horizontal = ["organisers"]
    inlines = [WebinarSpeakerInline]
    readonly_fields = ["sequence", "uid"]
    actions = ["cancel_webinars"]

    def save_model(self, request, obj, form, change):
        # Through the service: SEQUENCE grows, reminders move, registrants are told,
        # and a larger capacity promotes from the waiting list.
        services.webinar_save(webinar=obj, changed_fields=form.changed_data, actor=request.user)

    @admin.action(description=_("Cancel the selected webinars and tell their registrants"))
    def cancel_webinars(self, request, queryset):
        for webinar in queryset.exclude(status=Webinar.Status.CANCELLED):
            services.webinar_cancel(webinar=webinar, actor=request.user)
        messages.success(request, _("The selected webinars have been cancelled."))


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "sector", "is_sample"]
    list_filter = ["sector", "is_sample"]
    search_fields = ["name", "organisation"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["webinar", "user", "status", "queued_at", "confirmed_at", "attended"]
    list_filter = ["status", "attended"]
    search_fields = ["webinar__title", "user__email", "user__name"]
    list_select_related = ["webinar", "user"]
    raw_id_fields = ["webinar", "user"]
    # Seats change only through the services (register, cancel), never by hand here.
    readonly_fields = ["webinar", "user", "status", "queued_at", "confirmed_at", "cancelled_at"]

    def has_add_permission(self, request):
        return False


@admin.register(WebinarReminder)
class WebinarReminderAdmin(admin.ModelAdmin):
    list_display = ["registration", "kind", "due_at", "sent_at", "skipped"]
    list_filter = ["kind", "skipped", ("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["registration__webinar", "registration__user"]
    readonly_fields = ["registration", "kind", "due_at", "sent_at", "skipped"]

    def has_add_permission(self, request):
        return False


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["registration", "rating", "created_at"]
    list_filter = ["rating"]
    list_select_related = ["registration__webinar", "registration__user"]
    readonly_fields = ["registration", "rating", "comment"]


@admin.register(CalendarToken)
class CalendarTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    readonly_fields = ["user"]
    exclude = ["token"]
