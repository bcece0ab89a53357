"""Webinar pages: thin views over the queryset methods and services."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.csv_export import csv_response
from core.permissions import verified_member_required

from . import ics, services
from .forms import FeedbackForm, RescheduleForm, WebinarFilterForm
from .models import CalendarToken, Registration, Webinar
from .permissions import can_leave_feedback, can_organise, can_see_join_link

PAGE_SIZE = 10


def _webinar_for(request, slug: str) -> Webinar:
    queryset = Webinar.objects.visible_to(request.user).with_card_data(viewer=request.user)
    return get_object_or_404(queryset, slug=slug)


def organiser_required(view):
    """Organisers of this webinar (or staff) only: visitors log in, others get 403."""

    @wraps(view)
    def wrapper(request, slug, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        webinar = get_object_or_404(Webinar.objects.visible_to(request.user), slug=slug)
        if not can_organise(request.user, webinar):
            raise PermissionDenied(_("Only the webinar's organisers can see this page."))
        return view(request, webinar, *args, **kwargs)

    return wrapper


@require_safe
def webinar_list(request):
    now = timezone.now()
    base = Webinar.objects.listed()
    languages = sorted(set(base.values_list("language", flat=True).distinct()))
    form = WebinarFilterForm(request.GET or None, languages=languages)
    if form.is_bound and form.is_valid():
        for field in ("language", "theme", "chapter"):
            if form.cleaned_data[field]:
                base = base.filter(**{field: form.cleaned_data[field]})
    cards = base.with_card_data(viewer=request.user)
    upcoming = Paginator(cards.upcoming(now=now), PAGE_SIZE).get_page(request.GET.get("page"))
    past = Paginator(cards.past_with_recordings(now=now), PAGE_SIZE).get_page(
        request.GET.get("past_page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("past_page", None)
    return render(
        request,
        "webinars/list.html",
        {
            "form": form,
            "upcoming": upcoming,
            "past": past,
            "now": now,
            "filter_query": query.urlencode(),
        },
    )


@require_safe
def webinar_detail(request, slug):
    webinar = _webinar_for(request, slug)
    now = timezone.now()
    registration = webinar.viewer_registration()
    if registration is not None and registration.status == Registration.Status.CANCELLED:
        registration = None
    position = None
    if registration is not None and registration.status == Registration.Status.WAITLISTED:
        position = (
            Registration.objects.waitlisted()
            .filter(webinar=webinar, queued_at__lte=registration.queued_at)
            .count()
        )
    return render(
        request,
        "webinars/detail.html",
        {
            "webinar": webinar,
            "registration": registration,
            "waitlist_position": position,
            "current_status": webinar.current_status(now),
            "registration_open": webinar.registration_is_open(now),
            "registration_not_yet_open": bool(
                webinar.registration_opens_at and now < webinar.registration_opens_at
            ),
            "show_join_link": can_see_join_link(registration)
            and webinar.status != Webinar.Status.CANCELLED,
            "can_leave_feedback": can_leave_feedback(registration, webinar, now=now),
            "is_organiser": can_organise(request.user, webinar),
            "speakers": webinar.ordered_speakers(),
        },
    )


@require_POST
@verified_member_required
def register(request, slug):
    webinar = _webinar_for(request, slug)
    try:
        registration = services.webinar_register(webinar=webinar, user=request.user)
    except services.RegistrationRefused as refusal:
        messages.error(request, refusal.messages[0])
    else:
        if registration.is_confirmed:
            messages.success(
                request,
                _("You are registered. A confirmation with a calendar invitation is on its way."),
            )
        else:
            messages.info(
                request,
                _(
                    "The webinar is full: you are on the waiting list. If a seat frees up, "
                    "it is yours in turn and we will tell you by e-mail."
                ),
            )
    return redirect(webinar)


@require_POST
@verified_member_required
def cancel(request, slug):
    webinar = _webinar_for(request, slug)
    try:
        services.registration_cancel(webinar=webinar, user=request.user)
    except services.RegistrationRefused as refusal:
        messages.error(request, refusal.messages[0])
    else:
        messages.success(request, _("Your registration has been cancelled."))
    return redirect(webinar)


@require_safe
def webinar_ics(request, slug):
    webinar = get_object_or_404(Webinar.objects.visible_to(request.user), slug=slug)
    response = HttpResponse(ics.webinar_calendar(webinar), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="{webinar.slug}.ics"'
    return response


@verified_member_required
def feedback(request, slug):
    webinar = _webinar_for(request, slug)
    registration = webinar.viewer_registration()
    if not can_leave_feedback(registration, webinar):
        raise PermissionDenied(
            _("Only confirmed registrants can leave feedback, after the webinar.")
        )
    existing = getattr(registration, "feedback", None) if registration else None
    form = FeedbackForm(request.POST or None, instance=existing)
    if request.method == "POST" and form.is_valid():
        services.feedback_submit(
            webinar=webinar,
            user=request.user,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
        messages.success(request, _("Thank you for your feedback."))
        return redirect(webinar)
    return render(request, "webinars/feedback.html", {"webinar": webinar, "form": form})


@require_safe
@organiser_required
def registrants(request, webinar):
    rows = (
        Registration.objects.filter(webinar=webinar)
        .select_related("user", "feedback")
        .order_by("queued_at", "pk")
    )
    groups = {status: [] for status in Registration.Status.values}
    for row in rows:
        groups[row.status].append(row)
    return render(
        request,
        "webinars/registrants.html",
        {
            "webinar": webinar,
            "confirmed": groups[Registration.Status.CONFIRMED],
            "waitlisted": groups[Registration.Status.WAITLISTED],
            "cancelled": groups[Registration.Status.CANCELLED],
            "attendance_open": timezone.now() >= webinar.starts_at,
        },
    )


CSV_HEADER = ["status", "position", "name", "email", "organisation", "registered_at", "attended"]


@require_safe
@organiser_required
def registrants_csv(request, webinar):
    rows = (
        Registration.objects.filter(webinar=webinar)
        .active()
        .select_related("user")
        .order_by("status", "queued_at", "pk")
    )
    return csv_response(
        filename=f"{webinar.slug}-registrants.csv", columns=CSV_HEADER, rows=_csv_rows(rows)
    )


def _csv_rows(registrations):
    position = 0
    for row in registrations:
        position = position + 1 if row.status == Registration.Status.WAITLISTED else 0
        yield [
            row.status,
            position or "",
            row.user.name,
            row.user.email,
            row.user.organisation,
            row.queued_at.isoformat(),
            "" if row.attended is None else ("yes" if row.attended else "no"),
        ]


@require_POST
@organiser_required
def attendance(request, webinar):
    try:
        ids = [int(value) for value in request.POST.getlist("attended")]
        services.attendance_mark(webinar=webinar, actor=request.user, attended_ids=ids)
    except (ValueError, ValidationError) as exc:
        detail = exc.messages[0] if isinstance(exc, ValidationError) else _("Invalid selection.")
        messages.error(request, detail)
    else:
        messages.success(request, _("Attendance saved."))
    return redirect("webinars:registrants", slug=webinar.slug)


@organiser_required
def reschedule(request, webinar):
    """Organisers move a webinar; times are entered in the host's time zone."""
    initial = {"starts_at": webinar.starts_at, "ends_at": webinar.ends_at}
    with timezone.override(webinar.host_time_zone):
        form = RescheduleForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.webinar_reschedule(
                    webinar=webinar,
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                    actor=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("The new time is saved. Registrants are being told by e-mail.")
                )
                return redirect("webinars:registrants", slug=webinar.slug)
    return render(request, "webinars/reschedule.html", {"webinar": webinar, "form": form})


@login_required
def my_calendar(request):
    if request.method == "POST":
        services.calendar_token_regenerate(user=request.user)
        messages.success(
            request, _("A new calendar address has been made. The old one no longer works.")
        )
        return redirect("webinars:my-calendar")
    token = services.calendar_token_get_or_create(user=request.user)
    registrations = (
        Registration.objects.filter(user=request.user)
        .active()
        .filter(webinar__ends_at__gt=timezone.now())
        .select_related("webinar")
        .order_by("webinar__starts_at")
    )
    feed_url = request.build_absolute_uri(
        reverse("webinars:member-feed", kwargs={"token": token.token})
    )
    return render(
        request,
        "webinars/my_calendar.html",
        {"feed_url": feed_url, "registrations": registrations},
    )


@require_safe
def member_feed(request, token):
    calendar_token = CalendarToken.objects.select_related("user").filter(token=token).first()
    if calendar_token is None or not calendar_token.user.is_active:
        raise Http404
    registrations = (
        Registration.objects.confirmed()
        .filter(user=calendar_token.user)
        .select_related("webinar")
        .order_by("webinar__starts_at")
    )
    body = ics.member_calendar(registrations, name=_("My webinars"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
