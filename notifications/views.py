from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import services
from .emails import kind_or_fallback
from .forms import PreferencesForm
from .kinds import all_kinds
from .models import Notification
from .tokens import InvalidToken

PAGE_SIZE = 20


def _next_or(request, default: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


@login_required
@require_safe
def notification_list(request):
    queryset = Notification.objects.for_member(request.user).with_list_data()
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for notification in page.object_list:
        notification.kind_info = kind_or_fallback(notification.kind)
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def mark_read(request, pk: int):
    try:
        services.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    return _next_or(request, "notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(count)d notification(s) marked as read.") % {"count": count})
    return _next_or(request, "notifications:list")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request):
    current = services.frequencies_for(
        user_ids=[request.user.pk], kinds=[kind.key for kind in all_kinds()]
    )
    current = {kind: value for (_user, kind), value in current.items()}
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.preferences_update(user=request.user, choices=form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your notification preferences have been saved."))
                return redirect("notifications:preferences")
        return render(request, "notifications/preferences.html", {"form": form}, status=400)
    return render(request, "notifications/preferences.html", {"form": form})


@csrf_exempt  # RFC 8058: the mail provider POSTs without a session; the signed token authorises
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    """GET shows a confirmation button (link scanners must not unsubscribe anyone);
    POST — the button, or a one-click ``List-Unsubscribe=One-Click`` — does it."""
    try:
        if request.method == "POST":
            result = services.unsubscribe(token=token)
            labels = [str(kind_or_fallback(kind).label) for kind in result.kinds]
            return render(request, "notifications/unsubscribed.html", {"labels": labels})
        _user, data = services.unsubscribe_token_check(token=token)
    except InvalidToken:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    except services.TokenUsed:
        return render(request, "notifications/unsubscribe_invalid.html", {"used": True}, status=410)
    if data.is_digest:
        label = _("the daily digest") if data.kind.endswith("daily") else _("the weekly digest")
    else:
        label = kind_or_fallback(data.kind).label
    return render(request, "notifications/unsubscribe.html", {"label": label, "token": token})
