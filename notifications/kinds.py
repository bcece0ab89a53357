"""The registry of notification kinds: each app declares the kinds it sends.

A *kind* is one sort of event a member can be told about ("a reply in a thread you
follow", "a webinar you registered for starts tomorrow"). Each has a stable key
``"<app_label>.<name>"``, a label shown on the preferences page, the default delivery
frequency for members who have not chosen one, and optionally its own e-mail and
in-app templates. Apps register their kinds in ``AppConfig.ready()``::

    from notifications.kinds import Frequency, register_kind

    register_kind(
        "community.reply",
        label=_("Replies in threads you follow"),
        default=Frequency.IMMEDIATELY,
        template="community/notifications/reply",   # optional, see below
    )

``template`` is a prefix: ``<prefix>_subject.txt``, ``<prefix>.txt``, ``<prefix>.html``
are rendered for the e-mail and ``<prefix>_item.html`` for the in-app list and the
digest, each with ``notification``, ``payload``, ``kind`` and ``recipient`` in the
context, in the recipient's language and time zone. Without a template, the generic
ones show ``payload["title"]``, ``payload["text"]`` and ``payload["url"]``.

Two options serve transactional e-mails (an invitation, a reminder):

``digest=False``
    The kind is never gathered into a digest: members choose between *immediately* and
    *off* only, and a digest preference stored earlier counts as *immediately*. Use it
    for messages that are useless a day late.

``prepare``
    A function called at send time with the batch's rows of the kind (and ``now``) that
    returns ``{row pk: EmailExtras or None}``: extra template context and attachments
    built from the *current* state of the object (so an attached calendar file is never
    stale), or None when no e-mail is due any more (the row stays in the in-app list,
    its e-mail state becomes ``none``). Rows left out of the answer are rendered from
    the payload alone. It should run a constant number of queries per call. Attachments
    are never stored: a retry builds them again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately")
    DAILY = "daily", _("In the daily digest")
    WEEKLY = "weekly", _("In the weekly digest")
    OFF = "off", _("Off (on the site only)")


DIGEST_FREQUENCIES = (Frequency.DAILY, Frequency.WEEKLY)


@dataclass(frozen=True)
class Attachment:
    """A file attached to an e-mail. ``mimetype`` may carry parameters, e.g.
    ``"text/calendar; method=REQUEST"``; text is sent as UTF-8."""

    filename: str
    content: str | bytes
    mimetype: str


@dataclass(frozen=True)
class EmailExtras:
    """What a kind's ``prepare`` adds to one notification's e-mail."""

    context: dict = field(default_factory=dict)
    attachments: Sequence[Attachment] = ()


# prepare(rows, now=…) -> {notification pk: EmailExtras, or None for "no e-mail any more"}
Prepare = Callable[..., dict[int, EmailExtras | None]]


@dataclass(frozen=True)
class Kind:
    key: str
    label: str | Promise
    default: Frequency
    template: str | None = None
    digest: bool = True
    prepare: Prepare | None = None

    @property
    def frequencies(self) -> list[Frequency]:
        """What a member may choose for this kind."""
        if self.digest:
            return list(Frequency)
        return [Frequency.IMMEDIATELY, Frequency.OFF]

    def effective(self, frequency: str) -> str:
        """A stored choice as it applies now: a digest of a no-digest kind is immediate."""
        if not self.digest and frequency in DIGEST_FREQUENCIES:
            return Frequency.IMMEDIATELY
        return frequency

    @property
    def app_label(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def module(self) -> str | Promise:
        """The name of the app that sends it, used to group digests and preferences."""
        try:
            return apps.get_app_config(self.app_label).verbose_name
        except LookupError:
            return self.app_label

    def template_names(self, suffix: str) -> list[str]:
        names = [f"{self.template}{suffix}"] if self.template else []
        return [*names, f"notifications/kinds/default{suffix}"]

    @property
    def item_templates(self) -> list[str]:
        return self.template_names("_item.html")


class UnknownKind(LookupError):
    pass


_registry: dict[str, Kind] = {}


def register_kind(
    key: str,
    *,
    label: str | Promise,
    default: Frequency | str = Frequency.IMMEDIATELY,
    template: str | None = None,
    digest: bool = True,
    prepare: Prepare | None = None,
) -> Kind:
    """Declare a kind. Registering the same key twice with other values is an error.

    ``digest=False``: sent at once or not at all (see the module docstring), so its
    default cannot be a digest. ``prepare``: extra context and attachments at send time.
    """
    if "." not in key or len(key) > 64:
        raise ValueError(f"A kind key is '<app_label>.<name>' (64 characters at most): {key!r}")
    if not digest and Frequency(default) in DIGEST_FREQUENCIES:
        raise ValueError(f"The kind {key!r} has no digest, so its default cannot be one.")
    kind = Kind(
        key=key,
        label=label,
        default=Frequency(default),
        template=template,
        digest=digest,
        prepare=prepare,
    )
    existing = _registry.get(key)
    if existing is not None and existing != kind:
        raise ValueError(f"The notification kind {key!r} is already registered differently.")
    _registry[key] = kind
    return kind


def unregister_kind(key: str) -> None:
    """For tests."""
    _registry.pop(key, None)


def get_kind(key: str) -> Kind:
    try:
        return _registry[key]
    except KeyError:
        raise UnknownKind(f"No notification kind {key!r} is registered.") from None


def all_kinds() -> list[Kind]:
    return sorted(_registry.values(), key=lambda kind: kind.key)
