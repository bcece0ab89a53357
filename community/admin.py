from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    BlogPost,
    Category,
    Chapter,
    EmergingSolution,
    Endorsement,
    Flag,
    LivingLab,
    MemberProfile,
    Mention,
    Post,
    PostRevision,
    Subscription,
    Theme,
    Thread,
)


@admin.register(MemberProfile)
class MemberProfileAdmin(admin.ModelAdmin):
    list_display = ["handle", "user"]
    search_fields = ["handle", "user__email", "user__name"]
    raw_id_fields = ["user"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["month", "title", "curator", "is_sample"]
    search_fields = ["title", "month"]
    raw_id_fields = ["curator"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.category_ensure(theme=obj)


@admin.register(Chapter)
class ChapterAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "is_sample"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["coordinators"]
    raw_id_fields = ["members"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.category_ensure(chapter=obj)


class EmergingSolutionInline(admin.StackedInline):
    model = EmergingSolution
    extra = 0


@admin.register(LivingLab)
class LivingLabAdmin(admin.ModelAdmin):
    list_display = ["name", "institution", "country", "status", "is_sample"]
    list_filter = ["status"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [EmergingSolutionInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.category_ensure(lab=obj)


@admin.register(EmergingSolution)
class EmergingSolutionAdmin(admin.ModelAdmin):
    list_display = ["title", "lab", "created"]
    list_filter = ["lab"]


@admin.register(Endorsement)
class EndorsementAdmin(admin.ModelAdmin):
    list_display = ["solution", "member", "created"]
    raw_id_fields = ["member", "solution"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "position"]
    list_editable = ["position"]
    list_filter = ["kind"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "author", "status", "reply_count", "last_activity"]
    list_filter = ["status", "category", "is_pinned", "is_locked"]
    search_fields = ["title"]
    raw_id_fields = ["author", "last_post_author", "answer"]
    readonly_fields = ["reply_count", "last_activity"]


def _run(modeladmin, request, queryset, function, **kwargs):
    done = 0
    for post in queryset:
        try:
            function(post=post, moderator=request.user, **kwargs)
            done += 1
        except (ValidationError, PermissionDenied) as error:
            modeladmin.message_user(request, f"{post}: {error}", messages.WARNING)
    modeladmin.message_user(request, _("%(count)s post(s) updated.") % {"count": done})


@admin.action(description=_("Approve the selected posts"))
def approve_posts(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.post_approve)


@admin.action(description=_("Hide the selected posts"))
def hide_posts(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.post_hide)


class PostRevisionInline(admin.TabularInline):
    model = PostRevision
    fields = ["created", "editor", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "thread", "author", "status", "created"]
    list_filter = ["status"]
    search_fields = ["body"]
    raw_id_fields = ["thread", "author", "moderated_by"]
    actions = [approve_posts, hide_posts]
    inlines = [PostRevisionInline]


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["post", "reporter", "resolution", "created"]
    list_filter = ["resolution"]
    raw_id_fields = ["post", "reporter", "resolved_by"]


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["post", "member", "created", "notified"]
    raw_id_fields = ["post", "member"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["member", "thread", "category", "created"]
    raw_id_fields = ["member", "thread", "category"]


@admin.register(BlogPost)
class BlogPostAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "theme", "is_published", "published_at", "is_sample"]
    list_filter = ["is_published", "theme"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    raw_id_fields = ["author", "thread"]


@admin.register(PostRevision)
class PostRevisionAdmin(admin.ModelAdmin):
    list_display = ["post", "editor", "created"]
    raw_id_fields = ["post", "editor"]
