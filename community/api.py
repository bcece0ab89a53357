"""The community's JSON API: themes, chapters, forums, threads and replies.

Reads show only what the viewer may see; writes go through the same services as the pages.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import StrictCharField
from core.markdown import render_markdown
from core.permissions import IsVerifiedMemberOrReadOnly

from . import selectors, services
from .models import Category, Chapter, Post, Theme, Thread
from .permissions import can_moderate


class ThemeSerializer(serializers.ModelSerializer):
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Theme
        fields = ["month", "title", "summary", "introduction", "web_url", "is_sample"]
        read_only_fields = fields

    def get_web_url(self, theme) -> str:
        return self.context["request"].build_absolute_uri(theme.get_absolute_url())


class ChapterSerializer(serializers.ModelSerializer):
    web_url = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Chapter
        fields = [
            "slug",
            "name",
            "region",
            "partner",
            "description",
            "time_zone",
            "member_count",
            "web_url",
            "is_sample",
        ]
        read_only_fields = fields

    def get_web_url(self, chapter) -> str:
        return self.context["request"].build_absolute_uri(chapter.get_absolute_url())


class ForumSerializer(serializers.ModelSerializer):
    thread_count = serializers.IntegerField(read_only=True)
    theme = serializers.SlugRelatedField(slug_field="month", read_only=True, allow_null=True)
    chapter = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    lab = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = ["slug", "name", "description", "kind", "theme", "chapter", "lab", "thread_count"]
        read_only_fields = fields


class PostSerializer(serializers.ModelSerializer):
    author = StrictCharField(source="author.display_name", read_only=True)
    status = StrictCharField(read_only=True, help_text="published, pending or hidden")
    body_html = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "author", "body", "body_html", "status", "is_opening", "created", "edited"]
        read_only_fields = fields

    def get_body_html(self, post) -> str:
        return render_markdown(post.body)


class ThreadSerializer(serializers.ModelSerializer):
    forum = serializers.SlugRelatedField(source="category", slug_field="slug", read_only=True)
    author = StrictCharField(source="author.display_name", read_only=True)
    theme = serializers.SlugRelatedField(slug_field="month", read_only=True, allow_null=True)
    status = StrictCharField(read_only=True, help_text="published, pending or hidden")
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Thread
        fields = [
            "id",
            "title",
            "forum",
            "theme",
            "author",
            "status",
            "created",
            "last_activity",
            "reply_count",
            "is_pinned",
            "is_locked",
            "answer",
            "web_url",
        ]
        read_only_fields = fields

    def get_web_url(self, thread) -> str:
        return self.context["request"].build_absolute_uri(thread.get_absolute_url())


class ThreadCreateSerializer(serializers.Serializer):
    forum = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.exclude(kind=Category.Kind.BLOG)
    )
    title = StrictCharField(max_length=200)
    body = StrictCharField(max_length=20_000)


class ReplyCreateSerializer(serializers.Serializer):
    body = StrictCharField(max_length=20_000)


@extend_schema_view(
    list=extend_schema(summary="Monthly themes", tags=["community"]),
    retrieve=extend_schema(summary="One monthly theme", tags=["community"]),
)
class ThemeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ThemeSerializer
    lookup_field = "month"
    lookup_value_regex = r"\d{4}-\d{2}"
    queryset = Theme.objects.order_by("-month")


@extend_schema_view(
    list=extend_schema(summary="Regional chapters", tags=["community"]),
    retrieve=extend_schema(summary="One regional chapter", tags=["community"]),
)
class ChapterViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ChapterSerializer
    lookup_field = "slug"

    def get_queryset(self):
        from django.db.models import Count

        return Chapter.objects.annotate(member_count=Count("members")).order_by("name")


@extend_schema_view(
    list=extend_schema(summary="Forums (categories) with their thread counts", tags=["community"]),
    retrieve=extend_schema(summary="One forum", tags=["community"]),
)
class ForumViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ForumSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.forum_categories().select_related("theme", "chapter", "lab")


@extend_schema_view(
    list=extend_schema(
        summary="Threads the viewer may see, latest first",
        tags=["community"],
        parameters=[OpenApiParameter("forum", str, description="A forum's slug")],
    ),
    retrieve=extend_schema(summary="One thread", tags=["community"]),
    create=extend_schema(
        summary="Start a thread (verified members)",
        tags=["community"],
        request=ThreadCreateSerializer,
        responses={201: ThreadSerializer},
    ),
)
class ThreadViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsVerifiedMemberOrReadOnly]
    serializer_class = ThreadSerializer

    def get_queryset(self):
        queryset = (
            Thread.objects.visible_to(self.request.user).with_card_data().select_related("theme")
        )
        forum = self.request.query_params.get("forum")
        if forum:
            queryset = queryset.filter(category__slug=forum)
        return queryset.order_by("-last_activity", "-pk")

    def create(self, request, *args, **kwargs):
        serializer = ThreadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        thread = services.thread_create(
            category=serializer.validated_data["forum"],
            author=request.user,
            title=serializer.validated_data["title"],
            body=serializer.validated_data["body"],
        )
        thread = Thread.objects.with_card_data().select_related("theme").get(pk=thread.pk)
        return Response(
            ThreadSerializer(thread, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="The posts of a thread the viewer may see, oldest first",
        tags=["community"],
        responses={200: PostSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def posts(self, request, pk=None):
        thread = self.get_object()
        moderator = can_moderate(request.user, thread.category)
        queryset = (
            Post.objects.visible_to(request.user, moderator=moderator)
            .filter(thread=thread)
            .for_thread_page()
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(PostSerializer(page, many=True).data)

    @extend_schema(
        summary="Reply to a thread (verified members)",
        tags=["community"],
        request=ReplyCreateSerializer,
        responses={201: PostSerializer},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        thread = self.get_object()
        serializer = ReplyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = services.post_reply(
            thread=thread,
            author=request.user,
            body=serializer.validated_data["body"],
        )
        return Response(PostSerializer(post).data, status=status.HTTP_201_CREATED)
