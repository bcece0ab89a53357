"""Community of Practice: monthly themes, forums, expert blog, regional chapters, living labs."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_time_zone
from core.uploads import POLICIES, UserFileField

COVER_MAX_BYTES = POLICIES["cover"].max_bytes

validate_month = RegexValidator(
    r"^\d{4}-(0[1-9]|1[0-2])$", _("Enter a month as YYYY-MM, e.g. 2013-06."), code="invalid_month"
)
validate_handle = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$",
    _("Use 1 to 40 lower-case letters, digits or hyphens."),
    code="invalid_handle",
)


# --- Members --------------------------------------------------------------------------


class MemberProfile(models.Model):
    """A member's public handle in the community: what @mentions point at."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="community_profile",
        verbose_name=_("member"),
    )
    handle = models.CharField(_("handle"), max_length=40, unique=True, validators=[validate_handle])

    class Meta:
        verbose_name = _("community profile")
        verbose_name_plural = _("community profiles")

    def __str__(self) -> str:
        return f"@{self.handle}"

    def get_absolute_url(self) -> str:
        return reverse("community:member", args=[self.handle])


# --- Monthly themes -------------------------------------------------------------------


class ThemeQuerySet(models.QuerySet):
    def current(self, now=None):
        month = timezone.localdate(now or timezone.now(), timezone.UTC).strftime("%Y-%m")
        return self.filter(month=month).first()


class Theme(models.Model):
    month = models.CharField(
        _("month"), max_length=7, unique=True, validators=[validate_month], help_text="YYYY-MM"
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    introduction = models.TextField(
        _("curator's introduction"), blank=True, help_text=_("Markdown.")
    )
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="curated_themes",
        verbose_name=_("curator"),
    )
    cover = UserFileField(
        _("cover image"), policy="cover", upload_to="community/themes/", blank=True
    )
    cover_alt = models.CharField(_("cover image description"), max_length=200, blank=True)
    is_sample = models.BooleanField(_("sample record"), default=False)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        ordering = ["-month"]
        verbose_name = _("monthly theme")
        verbose_name_plural = _("monthly themes")

    def __str__(self) -> str:
        return f"{self.month} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("community:theme", args=[self.month])

    @property
    def month_date(self):
        from datetime import date

        year, month = self.month.split("-")
        return date(int(year), int(month), 1)


# --- Regional chapters and living labs -------------------------------------------------


class Chapter(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")

    slug = models.SlugField(_("address"), unique=True, max_length=80)
    name = models.CharField(_("name"), max_length=200)
    region = models.CharField(_("region"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    partner = models.CharField(
        _("built with"), max_length=200, blank=True, help_text=_("e.g. Asian Development Bank")
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    meeting_weekday = models.PositiveSmallIntegerField(
        _("usual meeting day"), choices=Weekday.choices, default=Weekday.WEDNESDAY
    )
    meeting_hour = models.PositiveSmallIntegerField(
        _("usual meeting hour (local)"),
        default=14,
        validators=[MaxValueValidator(23)],
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="coordinated_chapters",
        verbose_name=_("coordinators"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="community_chapters",
        verbose_name=_("members"),
    )
    is_sample = models.BooleanField(_("sample record"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("regional chapter")
        verbose_name_plural = _("regional chapters")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community:chapter", args=[self.slug])


class LivingLab(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", _("Under way")
        COMPLETED = "completed", _("Completed")

    slug = models.SlugField(_("address"), unique=True, max_length=80)
    name = models.CharField(_("name"), max_length=200)
    institution = models.CharField(_("partner institution"), max_length=200, blank=True)
    country = models.CharField(_("country or city"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="active")
    started = models.DateField(_("started"), null=True, blank=True)
    is_sample = models.BooleanField(_("sample record"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("living lab")
        verbose_name_plural = _("living labs")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community:lab", args=[self.slug])


class EmergingSolution(models.Model):
    """A solution or lesson emerging from a living lab, validated by members' endorsements."""

    lab = models.ForeignKey(
        LivingLab, on_delete=models.CASCADE, related_name="solutions", verbose_name=_("living lab")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    created = models.DateTimeField(_("created"), default=timezone.now)
    is_sample = models.BooleanField(_("sample record"), default=False)

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = _("emerging solution")
        verbose_name_plural = _("emerging solutions")

    def __str__(self) -> str:
        return self.title


class Endorsement(models.Model):
    solution = models.ForeignKey(
        EmergingSolution,
        on_delete=models.CASCADE,
        related_name="endorsements",
        verbose_name=_("emerging solution"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="endorsements",
        verbose_name=_("member"),
    )
    justification = models.CharField(_("justification"), max_length=500)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["created", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["solution", "member"], name="one_endorsement_per_member"
            )
        ]
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")

    def __str__(self) -> str:
        return f"{self.member} → {self.solution}"


# --- Forums -----------------------------------------------------------------------------


class Category(models.Model):
    class Kind(models.TextChoices):
        GENERAL = "general", _("General")
        THEME = "theme", _("Monthly theme")
        CHAPTER = "chapter", _("Regional chapter")
        LAB = "lab", _("Living lab")
        BLOG = "blog", _("Blog comments")

    slug = models.SlugField(_("address"), unique=True, max_length=80)
    name = models.CharField(_("name"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default="general")
    theme = models.OneToOneField(
        Theme, on_delete=models.CASCADE, null=True, blank=True, related_name="category"
    )
    chapter = models.OneToOneField(
        Chapter, on_delete=models.CASCADE, null=True, blank=True, related_name="category"
    )
    lab = models.OneToOneField(
        LivingLab, on_delete=models.CASCADE, null=True, blank=True, related_name="category"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("forum")
        verbose_name_plural = _("forums")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community:forum", args=[self.slug])


class Status(models.TextChoices):
    PUBLISHED = "published", _("Published")
    PENDING = "pending", _("Pending approval")
    HIDDEN = "hidden", _("Hidden by a moderator")


class ThreadQuerySet(models.QuerySet):
    def visible_to(self, user, *, moderator: bool | None = None):
        """Published threads; an author also sees their own pending ones; moderators see all."""
        from .permissions import is_moderator

        if moderator is None:
            moderator = is_moderator(user)
        if moderator:
            return self
        if user is not None and user.is_authenticated:
            return self.filter(Q(status=Status.PUBLISHED) | Q(status=Status.PENDING, author=user))
        return self.filter(status=Status.PUBLISHED)

    def with_card_data(self):
        return self.select_related("category", "author", "last_post_author")

    def latest(self):
        return self.order_by("-is_pinned", "-last_activity", "-pk")


class Thread(models.Model):
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="threads", verbose_name=_("forum")
    )
    theme = models.ForeignKey(
        Theme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="threads",
        verbose_name=_("monthly theme"),
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("address"), max_length=80, allow_unicode=False, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="community_threads",
        verbose_name=_("author"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    created = models.DateTimeField(_("created"), default=timezone.now)
    last_activity = models.DateTimeField(_("last activity"), default=timezone.now)
    last_post_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reply_count = models.PositiveIntegerField(_("replies"), default=0)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_locked = models.BooleanField(_("locked"), default=False)
    answer = models.ForeignKey(
        "Post",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answer"),
    )
    is_sample = models.BooleanField(_("sample record"), default=False)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-is_pinned", "-last_activity", "-pk"]
        indexes = [
            models.Index(fields=["category", "-last_activity"], name="thread_category_activity"),
            models.Index(fields=["-last_activity"], name="thread_activity"),
        ]
        permissions = [("moderate", "Can moderate the Community of Practice forums")]
        verbose_name = _("thread")
        verbose_name_plural = _("threads")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:80].strip("-") or "thread"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("community:thread", kwargs={"pk": self.pk, "slug": self.slug or "thread"})


class PostQuerySet(models.QuerySet):
    def visible_to(self, user, *, moderator: bool | None = None):
        from .permissions import is_moderator

        if moderator is None:
            moderator = is_moderator(user)
        if moderator:
            return self
        if user is not None and user.is_authenticated:
            return self.filter(Q(status=Status.PUBLISHED) | Q(status=Status.PENDING, author=user))
        return self.filter(status=Status.PUBLISHED)

    def for_thread_page(self):
        return self.select_related("author", "author__community_profile").order_by("created", "pk")


class Post(models.Model):
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="posts", verbose_name=_("thread")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="community_posts",
        verbose_name=_("author"),
    )
    body = models.TextField(_("message"), max_length=20_000, help_text=_("Markdown."))
    is_opening = models.BooleanField(_("opening post"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    created = models.DateTimeField(_("created"), default=timezone.now)
    edited = models.DateTimeField(_("last edited"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    moderation_note = models.CharField(_("moderation note"), max_length=300, blank=True)
    is_sample = models.BooleanField(_("sample record"), default=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["created", "pk"]
        indexes = [
            models.Index(fields=["thread", "created", "id"], name="post_thread_order"),
            models.Index(fields=["status", "created"], name="post_status_created"),
        ]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self) -> str:
        return f"#{self.pk} in {self.thread_id}"

    def get_absolute_url(self) -> str:
        return reverse("community:post", args=[self.pk])

    @property
    def anchor(self) -> str:
        return f"post-{self.pk}"


class PostRevision(models.Model):
    """The text of a post before an edit: the visible edit history."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(_("previous text"))
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("editor"),
    )
    created = models.DateTimeField(_("edited"), default=timezone.now)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("post revision")
        verbose_name_plural = _("post revisions")

    def __str__(self) -> str:
        return f"{self.post_id} @ {self.created:%Y-%m-%d %H:%M}"


class Mention(models.Model):
    """A member @mentioned in a post; notification delivery reads these rows."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_mentions"
    )
    created = models.DateTimeField(default=timezone.now)
    notified = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "member"], name="one_mention")]
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")

    def __str__(self) -> str:
        return f"{self.member} in {self.post_id}"


class Subscription(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_subscriptions"
    )
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(thread__isnull=False, category__isnull=True)
                | Q(thread__isnull=True, category__isnull=False),
                name="subscription_to_thread_or_category",
            ),
            models.UniqueConstraint(
                fields=["member", "thread"],
                condition=Q(thread__isnull=False),
                name="one_thread_subscription",
            ),
            models.UniqueConstraint(
                fields=["member", "category"],
                condition=Q(category__isnull=False),
                name="one_category_subscription",
            ),
        ]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return f"{self.member} → {self.thread or self.category}"


class Flag(models.Model):
    class Resolution(models.TextChoices):
        OPEN = "open", _("Open")
        HIDDEN = "hidden", _("Post hidden")
        DISMISSED = "dismissed", _("Dismissed")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_flags"
    )
    reason = models.CharField(_("reason"), max_length=500)
    created = models.DateTimeField(_("flagged"), default=timezone.now)
    resolution = models.CharField(
        _("resolution"), max_length=10, choices=Resolution.choices, default="open"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=Q(resolution="open"),
                name="one_open_flag_per_reporter",
            )
        ]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")

    def __str__(self) -> str:
        return f"{self.post_id}: {self.reason[:40]}"


# --- Expert blog ------------------------------------------------------------------------


class BlogPostQuerySet(models.QuerySet):
    def published(self, now=None):
        return self.filter(is_published=True, published_at__lte=now or timezone.now())

    def with_card_data(self):
        return self.select_related("author", "theme")


class BlogPost(models.Model):
    slug = models.SlugField(_("address"), unique=True, max_length=80)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    body = models.TextField(_("text"), max_length=50_000, help_text=_("Markdown."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="blog_posts",
        verbose_name=_("author"),
    )
    theme = models.ForeignKey(
        Theme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="blog_posts",
        verbose_name=_("monthly theme"),
    )
    tags = ArrayField(
        models.CharField(max_length=50), verbose_name=_("tags"), default=list, blank=True
    )
    is_published = models.BooleanField(_("published"), default=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    thread = models.OneToOneField(
        Thread,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="blog_post",
        verbose_name=_("comments"),
    )
    is_sample = models.BooleanField(_("sample record"), default=False)

    objects = BlogPostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        permissions = [("write_blog", "Can write expert blog posts")]
        verbose_name = _("blog post")
        verbose_name_plural = _("blog posts")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:blog-post", args=[self.slug])
