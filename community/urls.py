from django.urls import path, register_converter

from . import views

app_name = "community"


class MonthConverter:
    regex = r"\d{4}-\d{2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(MonthConverter, "month")

urlpatterns = [
    path("", views.index, name="index"),
    path("themes/", views.theme_list, name="themes"),
    path("themes/<month:month>/", views.theme_detail, name="theme"),
    path("forums/", views.forum_list, name="forums"),
    path("forums/<slug:slug>/", views.forum_detail, name="forum"),
    path("forums/<slug:slug>/new/", views.thread_create, name="thread-create"),
    path("forums/<slug:slug>/subscribe/", views.forum_subscribe, name="forum-subscribe"),
    path("threads/<int:pk>/", views.thread_detail, name="thread-short"),
    path("threads/<int:pk>-<slug:slug>/", views.thread_detail, name="thread"),
    path("threads/<int:pk>/reply/", views.thread_reply, name="thread-reply"),
    path("threads/<int:pk>/subscribe/", views.thread_subscribe, name="thread-subscribe"),
    path("threads/<int:pk>/moderate/", views.thread_moderate, name="thread-moderate"),
    path("posts/<int:pk>/", views.post_redirect, name="post"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post-edit"),
    path("posts/<int:pk>/history/", views.post_history, name="post-history"),
    path("posts/<int:pk>/flag/", views.post_flag, name="post-flag"),
    path("posts/<int:pk>/answer/", views.post_answer, name="post-answer"),
    path("posts/<int:pk>/moderate/", views.post_moderate, name="post-moderate"),
    path("moderation/", views.moderation_queue, name="moderation"),
    path("moderation/flags/<int:pk>/", views.flag_resolve, name="flag-resolve"),
    path("chapters/", views.chapter_list, name="chapters"),
    path("chapters/<slug:slug>/", views.chapter_detail, name="chapter"),
    path("chapters/<slug:slug>/membership/", views.chapter_membership, name="chapter-membership"),
    path("labs/", views.lab_list, name="labs"),
    path("labs/<slug:slug>/", views.lab_detail, name="lab"),
    path("solutions/<int:pk>/endorse/", views.solution_endorse, name="endorse"),
    path("blog/", views.blog_list, name="blog"),
    path("blog/new/", views.blog_create, name="blog-create"),
    path("blog/<slug:slug>/", views.blog_detail, name="blog-post"),
    path("members/me/", views.member_me, name="member-me"),
    path("members/me/export.json", views.member_export, name="member-export"),
    path("members/<str:handle>/", views.member_detail, name="member"),
]
