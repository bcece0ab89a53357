from functools import partial

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import services
from .models import AccountEmail, Digest, EmailState, Notification, Preference, Suppression


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "recipient",
        "created",
        "channel",
        "email_state",
        "attempts",
        "sent_at",
        "read_at",
    )
    list_filter = ("email_state", "channel", "kind")
    search_fields = ("recipient__email", "kind", "uuid")
    date_hierarchy = "created"
    raw_id_fields = ("recipient", "digest")
    list_select_related = ("recipient",)
    readonly_fields = ("uuid", "attempts", "claimed_at", "attempted_at", "sent_at", "last_error")
    actions = ["retry_now"]

    @admin.action(description=_("Retry the e-mail now (failed or pending ones)"))
    def retry_now(self, request, queryset):
        from django.utils import timezone

        ids = list(
            queryset.filter(email_state__in=[EmailState.FAILED, EmailState.PENDING]).values_list(
                "pk", flat=True
            )
        )
        queryset.filter(pk__in=ids).update(
            email_state=EmailState.PENDING, next_attempt_at=timezone.now(), attempts=0
        )
        transaction.on_commit(partial(services.enqueue_email_delivery, ids), robust=True)
        self.message_user(request, _("%(count)d e-mail(s) queued.") % {"count": len(ids)})


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ("id", "recipient", "frequency", "period", "email_state", "attempts", "sent_at")
    list_filter = ("frequency", "email_state")
    search_fields = ("recipient__email", "period")
    raw_id_fields = ("recipient",)
    list_select_related = ("recipient",)
    readonly_fields = ("uuid", "attempts", "claimed_at", "attempted_at", "sent_at", "last_error")


@admin.register(AccountEmail)
class AccountEmailAdmin(admin.ModelAdmin):
    """Read-only: what was sent and how delivery went. The bodies are not shown (they hold
    a reset or verification link while pending) and nothing is edited by hand."""

    list_display = ("id", "template", "email", "created", "email_state", "attempts", "sent_at")
    list_filter = ("email_state", "template")
    search_fields = ("email", "uuid")
    date_hierarchy = "created"
    list_select_related = ("recipient",)
    fields = (
        "uuid",
        "recipient",
        "email",
        "template",
        "language",
        "subject",
        "created",
        "expires_at",
        "email_state",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "attempted_at",
        "sent_at",
        "last_error",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "frequency", "updated")
    list_filter = ("kind", "frequency")
    search_fields = ("user__email", "kind")
    raw_id_fields = ("user",)
    list_select_related = ("user",)


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ("email", "reason", "created")
    search_fields = ("email",)
