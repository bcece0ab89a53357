"""Who may do what with a webinar: one set of predicates for views, the API and templates."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from core.permissions import is_verified_member


def can_register(user) -> bool:
    """Registering and cancelling need a verified member (remembered for this request)."""
    if user is None or not user.is_authenticated:
        return False
    verified = getattr(user, "_webinars_verified_member", None)
    if verified is None:
        verified = is_verified_member(user)
        user._webinars_verified_member = verified
    return verified


def can_organise(user, webinar) -> bool:
    """Staff, or one of the webinar's organisers (who must still be an active member)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_staff:
        return True
    prefetched = getattr(webinar, "_prefetched_objects_cache", {}).get("organisers")
    if prefetched is not None:
        return any(organiser.pk == user.pk for organiser in prefetched)
    return webinar.organisers.filter(pk=user.pk).exists()


def can_see_join_link(registration) -> bool:
    """The join link is for confirmed registrants only: pass the viewer's registration."""
    return registration is not None and registration.is_confirmed


def can_leave_feedback(registration, webinar, *, now=None) -> bool:
    from .models import Webinar

    return (
        registration is not None
        and registration.is_confirmed
        and webinar.current_status(now) == Webinar.Status.FINISHED
    )


class CanRegister(permissions.BasePermission):
    message = _("Please verify your e-mail address before taking part.")

    def has_permission(self, request, view):
        return can_register(request.user)


class IsWebinarOrganiser(permissions.BasePermission):
    def has_object_permission(self, request, view, obj):
        return can_organise(request.user, obj)


def can_see_speaker(user, speaker) -> bool:
    """A speaker (and photo) is seen with a webinar the viewer can see; staff see all."""
    from .models import Webinar

    if user is not None and user.is_authenticated and user.is_staff:
        return True
    return Webinar.objects.visible_to(user).filter(speakers=speaker).exists()


def speaker_is_public(speaker) -> bool:
    from .models import Webinar

    return Webinar.objects.filter(is_published=True, speakers=speaker).exists()
