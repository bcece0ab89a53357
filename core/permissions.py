"""Permission predicates shared by every app: views, API and templates use the same ones."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import permissions


def is_verified_member(user) -> bool:
    """Signed in, active, and with a verified e-mail address."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.has_verified_email()


def verified_member_required(view):
    """Views that post, register or otherwise act as a member need a verified e-mail."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_verified_member(request.user):
            raise PermissionDenied(_("Please verify your e-mail address before taking part."))
        return view(request, *args, **kwargs)

    return wrapper


class IsVerifiedMember(permissions.BasePermission):
    message = gettext_lazy("Please verify your e-mail address before taking part.")

    def has_permission(self, request, view):
        return is_verified_member(request.user)


class IsVerifiedMemberOrReadOnly(IsVerifiedMember):
    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or super().has_permission(request, view)
