"""Community pages: parse input, call a service or selector, render."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.forms import add_service_errors
from core.permissions import is_verified_member, verified_member_required

from . import hooks, selectors, services
from .forms import (
    BlogPostForm,
    EndorseForm,
    FlagForm,
    MoveForm,
    PostEditForm,
    ReplyForm,
    ThreadForm,
)
from .models import (
    BlogPost,
    Category,
    Chapter,
    EmergingSolution,
    Flag,
    LivingLab,
    MemberProfile,
    Post,
    Status,
    Subscription,
    Theme,
    Thread,
)
from .permissions import (
    can_edit_post,
    can_mark_answer,
    can_moderate,
    can_reply,
    can_see_post,
    can_start_thread,
    can_write_blog,
    is_coordinator,
    is_moderator,
)

PAGE_SIZE = 20


def _rate_limited(form, error: services.PostingRateLimited) -> None:
    form.add_error(None, error.message)


# --- Index and themes -------------------------------------------------------------------


@require_safe
def index(request):
    return render(
        request,
        "community/index.html",
        {
            "theme": selectors.current_theme(),
            "categories": selectors.forum_categories(),
            "threads": selectors.latest_discussions(request.user, 8),
            "blog_posts": BlogPost.objects.published().with_card_data()[:5],
            "chapters": Chapter.objects.all(),
            "labs": LivingLab.objects.all(),
            "is_moderator": is_moderator(request.user),
        },
    )


@require_safe
def theme_list(request):
    page = Paginator(Theme.objects.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "community/theme_list.html", {"page": page})


@require_safe
def theme_detail(request, month):
    theme = get_object_or_404(Theme.objects.select_related("curator"), month=month)
    category = services.category_ensure(theme=theme)
    return render(
        request,
        "community/theme_detail.html",
        {
            "theme": theme,
            "category": category,
            **selectors.theme_page(theme, request.user),
            "sections": hooks.sections_for(hooks.theme_sections, theme, request.user),
        },
    )


# --- Forums and threads -----------------------------------------------------------------


@require_safe
def forum_list(request):
    return render(
        request, "community/forum_list.html", {"categories": selectors.forum_categories()}
    )


@require_safe
def forum_detail(request, slug):
    category = get_object_or_404(
        Category.objects.select_related("theme", "chapter", "lab"), slug=slug
    )
    moderator = can_moderate(request.user, category)
    page = Paginator(
        selectors.forum_threads(category, request.user, moderator=moderator), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    subscribed = (
        request.user.is_authenticated
        and Subscription.objects.filter(member=request.user, category=category).exists()
    )
    return render(
        request,
        "community/forum_detail.html",
        {
            "category": category,
            "page": page,
            "is_moderator": moderator,
            "can_start": can_start_thread(request.user, category),
            "subscribed": subscribed,
        },
    )


@verified_member_required
def thread_create(request, slug):
    category = get_object_or_404(Category, slug=slug)
    if not can_start_thread(request.user, category):
        raise PermissionDenied(_("You cannot start a thread in this forum."))
    form = ThreadForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            thread = services.thread_create(
                category=category,
                author=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except services.PostingRateLimited as error:
            _rate_limited(form, error)
            status = 429
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if thread.status == Status.PENDING:
                messages.info(
                    request,
                    _(
                        "Thank you. Your thread is pending approval by a moderator before others see it."
                    ),
                )
            return redirect(thread)
    return render(
        request, "community/thread_form.html", {"category": category, "form": form}, status=status
    )


def _visible_thread(request, pk) -> tuple[Thread, bool]:
    thread = get_object_or_404(
        Thread.objects.select_related(
            "category", "category__theme", "author", "answer", "answer__author"
        ),
        pk=pk,
    )
    moderator = can_moderate(request.user, thread.category)
    if not Thread.objects.visible_to(request.user, moderator=moderator).filter(pk=pk).exists():
        raise Http404
    return thread, moderator


@require_safe
def thread_detail(request, pk, slug=None):
    thread, moderator = _visible_thread(request, pk)
    if slug != thread.slug:
        url = thread.get_absolute_url()
        if request.GET.get("page"):
            url += f"?page={request.GET['page']}"
        return redirect(url, permanent=True)
    verified = is_verified_member(request.user)
    page = selectors.thread_posts_page(
        thread, request.user, moderator=moderator, page_number=request.GET.get("page")
    )
    for post in page:
        post.thread = thread
        post.can_edit = can_edit_post(request.user, post, moderator=moderator, verified=verified)
    subscribed = (
        verified and Subscription.objects.filter(member=request.user, thread=thread).exists()
    )
    return render(
        request,
        "community/thread_detail.html",
        {
            "thread": thread,
            "page": page,
            "is_moderator": moderator,
            "verified": verified,
            "can_reply": can_reply(request.user, thread, moderator=moderator, verified=verified),
            "can_mark_answer": verified and thread.author_id == request.user.pk,
            "subscribed": subscribed,
            "form": ReplyForm(),
            "move_form": MoveForm(initial={"category": thread.category.slug})
            if moderator
            else None,
        },
    )


@verified_member_required
def thread_reply(request, pk):
    thread, moderator = _visible_thread(request, pk)
    if not can_reply(request.user, thread, moderator=moderator):
        raise PermissionDenied(_("This thread is locked."))
    initial = {}
    quote_id = request.GET.get("quote", "")
    if quote_id.isdigit():
        quoted = (
            Post.objects.visible_to(request.user, moderator=moderator)
            .filter(thread=thread, pk=int(quote_id))
            .select_related("author")
            .first()
        )
        if quoted:
            initial["body"] = services.quote_markdown(quoted)
    form = ReplyForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_reply(
                thread=thread, author=request.user, body=form.cleaned_data["body"]
            )
        except services.PostingRateLimited as error:
            _rate_limited(form, error)
            status = 429
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if post.status == Status.PENDING:
                messages.info(
                    request,
                    _(
                        "Thank you. Your reply is pending approval by a moderator before others see it."
                    ),
                )
            return redirect(post)
    elif request.method == "POST":
        status = 400
    return render(
        request, "community/reply_form.html", {"thread": thread, "form": form}, status=status
    )


@login_required
@require_POST
def thread_subscribe(request, pk):
    thread, _moderator = _visible_thread(request, pk)
    subscribed = services.subscription_toggle(member=request.user, thread=thread)
    messages.success(
        request,
        _("You are subscribed to this thread.") if subscribed else _("You are unsubscribed."),
    )
    return redirect(thread)


@login_required
@require_POST
def forum_subscribe(request, slug):
    category = get_object_or_404(Category, slug=slug)
    subscribed = services.subscription_toggle(member=request.user, category=category)
    messages.success(
        request,
        _("You are subscribed to this forum.") if subscribed else _("You are unsubscribed."),
    )
    return redirect(category)


@login_required
@require_POST
def thread_moderate(request, pk):
    thread, moderator = _visible_thread(request, pk)
    if not moderator:
        raise PermissionDenied(_("Only moderators can do that."))
    action = request.POST.get("action", "")
    category = None
    if action == "move":
        form = MoveForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose the forum to move the thread to."))
            return redirect(thread)
        category = form.cleaned_data["category"]
    try:
        services.thread_moderate(
            thread=thread, moderator=request.user, action=action, category=category
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Done."))
    return redirect(thread)


# --- Posts ------------------------------------------------------------------------------


def _visible_post(request, pk) -> tuple[Post, bool]:
    post = get_object_or_404(
        Post.objects.select_related("thread", "thread__category", "author"), pk=pk
    )
    moderator = can_moderate(request.user, post.thread.category)
    if not can_see_post(request.user, post, moderator=moderator):
        raise Http404
    return post, moderator


@require_safe
def post_redirect(request, pk):
    """A stable link to a post: the page of its thread it is on, with its anchor."""
    post, moderator = _visible_post(request, pk)
    page = selectors.post_page_number(post, request.user, moderator=moderator)
    url = post.thread.get_absolute_url()
    if page > 1:
        url += f"?page={page}"
    return redirect(f"{url}#{post.anchor}")


@verified_member_required
def post_edit(request, pk):
    post, moderator = _visible_post(request, pk)
    if not can_edit_post(request.user, post, moderator=moderator):
        raise PermissionDenied(_("You can only edit your own posts."))
    form = PostEditForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.post_edit(post=post, editor=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Your changes are saved; the previous text is kept in the edit history.")
            )
            return redirect(post)
    return render(request, "community/post_edit.html", {"post": post, "form": form})


@require_safe
def post_history(request, pk):
    post, _moderator = _visible_post(request, pk)
    revisions = post.revisions.select_related("editor")
    return render(request, "community/post_history.html", {"post": post, "revisions": revisions})


@verified_member_required
def post_flag(request, pk):
    post, _moderator = _visible_post(request, pk)
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_flag(post=post, reporter=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you. The moderators will look at this post."))
            return redirect(post)
    return render(request, "community/post_flag.html", {"post": post, "form": form})


@login_required
@require_POST
def post_answer(request, pk):
    post, _moderator = _visible_post(request, pk)
    if not can_mark_answer(request.user, post.thread):
        raise PermissionDenied(_("Only the author of the thread can mark the answer."))
    clear = request.POST.get("clear") == "1"
    try:
        services.thread_mark_answer(
            thread=post.thread, post=None if clear else post, user=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(post)


@login_required
@require_POST
def post_moderate(request, pk):
    post, moderator = _visible_post(request, pk)
    if not moderator:
        raise PermissionDenied(_("Only moderators can do that."))
    action = request.POST.get("action")
    try:
        if action == "approve":
            services.post_approve(post=post, moderator=request.user)
        elif action == "hide":
            services.post_hide(post=post, moderator=request.user, note=request.POST.get("note", ""))
        elif action == "unhide":
            services.post_unhide(post=post, moderator=request.user)
        else:
            raise ValidationError(_("Unknown moderation action."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Done."))
    if request.POST.get("next") == "queue":
        return redirect("community:moderation")
    return redirect(post)


@login_required
@require_safe
def moderation_queue(request):
    if not is_moderator(request.user):
        raise PermissionDenied(_("Only moderators can see the moderation queue."))
    pending, flags = selectors.moderation_queue(request.user)
    return render(
        request,
        "community/moderation.html",
        {
            "pending": Paginator(pending, 50).get_page(request.GET.get("page")),
            "flags": flags[:100],
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def flag_resolve(request, pk):
    flag = get_object_or_404(Flag.objects.select_related("post__thread__category"), pk=pk)
    if not can_moderate(request.user, flag.post.thread.category):
        raise PermissionDenied(_("Only moderators can do that."))
    try:
        services.flag_resolve(
            flag=flag, moderator=request.user, hide=request.POST.get("action") == "hide"
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Done."))
    return redirect("community:moderation")


# --- Chapters and labs ------------------------------------------------------------------


@require_safe
def chapter_list(request):
    return render(request, "community/chapter_list.html", {"chapters": Chapter.objects.all()})


@require_safe
def chapter_detail(request, slug):
    chapter = get_object_or_404(Chapter, slug=slug)
    data = selectors.chapter_detail(chapter, request.user)
    return render(
        request,
        "community/chapter_detail.html",
        {
            "chapter": chapter,
            **data,
            "is_member": request.user.is_authenticated
            and chapter.members.filter(pk=request.user.pk).exists(),
            "is_coordinator": is_coordinator(request.user, chapter),
            "slots": selectors.meeting_slots(chapter),
            "sections": hooks.sections_for(hooks.chapter_sections, chapter, request.user),
        },
    )


@verified_member_required
@require_POST
def chapter_membership(request, slug):
    chapter = get_object_or_404(Chapter, slug=slug)
    if request.POST.get("action") == "leave":
        services.chapter_leave(chapter=chapter, member=request.user)
        messages.success(request, _("You have left the chapter."))
    else:
        services.chapter_join(chapter=chapter, member=request.user)
        messages.success(request, _("Welcome to the chapter."))
    return redirect(chapter)


@require_safe
def lab_list(request):
    return render(request, "community/lab_list.html", {"labs": LivingLab.objects.all()})


def _lab_context(request, lab, form=None, form_solution=None):
    category = services.category_ensure(lab=lab)
    threads = (
        Thread.objects.visible_to(request.user)
        .filter(category=category)
        .with_card_data()
        .order_by("created", "pk")[:50]
    )
    solutions = lab.solutions.prefetch_related("endorsements__member")
    return {
        "lab": lab,
        "category": category,
        "threads": threads,
        "solutions": solutions,
        "form": form,
        "form_solution": form_solution,
        "verified": is_verified_member(request.user),
    }


@require_safe
def lab_detail(request, slug):
    lab = get_object_or_404(LivingLab, slug=slug)
    return render(request, "community/lab_detail.html", _lab_context(request, lab))


@verified_member_required
@require_POST
def solution_endorse(request, pk):
    solution = get_object_or_404(EmergingSolution.objects.select_related("lab"), pk=pk)
    form = EndorseForm(request.POST)
    if form.is_valid():
        try:
            services.endorsement_create(
                solution=solution,
                member=request.user,
                justification=form.cleaned_data["justification"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you for your endorsement."))
            return redirect(solution.lab)
    return render(
        request,
        "community/lab_detail.html",
        _lab_context(request, solution.lab, form=form, form_solution=solution.pk),
        status=400,
    )


# --- Blog -------------------------------------------------------------------------------


@require_safe
def blog_list(request):
    posts = BlogPost.objects.published().with_card_data()
    tag = request.GET.get("tag", "").strip().lower()
    if tag:
        posts = posts.filter(tags__contains=[tag])
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "community/blog_list.html",
        {
            "page": page,
            "tag": tag,
            "query_string": f"tag={tag}" if tag else "",
            "can_write": can_write_blog(request.user),
        },
    )


@require_safe
def blog_detail(request, slug):
    post = get_object_or_404(
        BlogPost.objects.published().select_related("author", "theme", "thread"), slug=slug
    )
    comments = None
    if post.thread_id:
        comments = selectors.thread_posts_page(
            post.thread,
            request.user,
            moderator=can_moderate(request.user, None),
            page_number=request.GET.get("page"),
        )
    return render(
        request,
        "community/blog_detail.html",
        {
            "post": post,
            "comments": comments,
            "can_reply": post.thread_id and can_reply(request.user, post.thread),
            "form": ReplyForm(),
        },
    )


@verified_member_required
def blog_create(request):
    if not can_write_blog(request.user):
        raise PermissionDenied(_("Only expert authors can write blog posts."))
    form = BlogPostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.blogpost_create(author=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your blog post is published."))
            return redirect(post)
    return render(request, "community/blog_form.html", {"form": form})


# --- Members ----------------------------------------------------------------------------


@require_safe
def member_detail(request, handle):
    profile = get_object_or_404(MemberProfile.objects.select_related("user"), handle=handle)
    member = profile.user
    if not member.is_active:
        raise Http404
    posts = (
        Post.objects.visible_to(request.user)
        .filter(author=member, thread__status=Status.PUBLISHED)
        .select_related("thread")
        .order_by("-created", "-pk")[:20]
    )
    return render(
        request,
        "community/member_detail.html",
        {
            "profile": profile,
            "member": member,
            "posts": posts,
            "chapters": member.community_chapters.all(),
            "hubs": member.edited_hubs.filter(is_published=True),
            "is_self": request.user.pk == member.pk,
        },
    )


@login_required
@require_safe
def member_me(request):
    return redirect(services.profile_for(request.user))


@login_required
@require_safe
def member_export(request):
    data = services.member_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="my-community-data.json"'
    return response
