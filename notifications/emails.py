"""Rendering e-mails: HTML with a plain-text alternative, in the member's language and time zone.

Every message carries a stable ``Message-ID`` (the same on every attempt), RFC 8058
one-click unsubscribe headers for its kind, and a link back to the portal. A kind's
``prepare`` (see ``kinds``) may add context and attachments, built at send time.
"""

from __future__ import annotations

import email.policy
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .kinds import EmailExtras, Frequency, Kind, get_kind
from .models import Preference
from .tokens import DIGEST_PREFIX, make_token


def kind_or_fallback(key: str) -> Kind:
    """A kind that is no longer registered still renders, with its key as label."""
    try:
        return get_kind(key)
    except LookupError:
        return Kind(key=key, label=key, default=Frequency.IMMEDIATELY)


@contextmanager
def member_locale(user):
    from .services import member_zone

    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(member_zone(user)):
        yield language


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def unsubscribe_url(*, user_id: int, kind: str, version: int) -> str:
    token = make_token(user_id=user_id, kind=kind, version=version)
    return absolute(reverse("notifications:unsubscribe", args=[token]))


def _preferences(rows, kinds) -> tuple[dict, dict]:
    """(frequency, token version) per (member, kind), for the members of ``rows``."""
    frequencies, versions = {}, {}
    for user_id, kind, frequency, version in Preference.objects.filter(
        user_id__in={row.recipient_id for row in rows}, kind__in=set(kinds)
    ).values_list("user_id", "kind", "frequency", "token_version"):
        frequencies[(user_id, kind)] = frequency
        versions[(user_id, kind)] = version
    return frequencies, versions


# Headers are not folded below RFC 5322's 998 characters, so that a long List-Unsubscribe
# URL stays on its line; the subject is folded by itself into encoded words.
_MIME_POLICY = email.policy.compat32.clone(linesep="\r\n", max_line_length=998)


class NotificationEmail(EmailMultiAlternatives):
    """A text + HTML e-mail whose MIME form is built with the legacy (compat32) policy.

    Django builds messages with the modern ``email`` policy, which parses and refolds
    every header in pure Python (about 4 ms a message here, most of a delivery's CPU).
    These messages have a fixed shape — text, one HTML alternative, optional attachments,
    headers we write ourselves — so they are assembled directly: UTF-8 bodies in base64,
    a UTF-8 subject in encoded words, CRLF line ends. Django's mailers send it as usual.

    With attachments the message is ``multipart/mixed``: the alternative first, then
    each file (``Content-Disposition: attachment``). An attachment's mimetype may carry
    parameters (``text/calendar; method=REQUEST``), kept on its ``Content-Type``.
    """

    def message(self, *, policy=None):
        parts = [(self.body, self.content_subtype)] + [
            (content, mimetype.split("/", 1)[1]) for content, mimetype in self.alternatives
        ]
        if len(parts) == 1:  # a single body (account e-mails have no HTML): no multipart
            alternative = MIMEText(parts[0][0], parts[0][1], "utf-8", policy=_MIME_POLICY)
        else:
            alternative = MIMEMultipart("alternative", policy=_MIME_POLICY)
            for content, subtype in parts:
                part = MIMEText(content, subtype, "utf-8", policy=_MIME_POLICY)
                del part["MIME-Version"]
                alternative.attach(part)
        if self.attachments:
            root = MIMEMultipart("mixed", policy=_MIME_POLICY)
            del alternative["MIME-Version"]
            root.attach(alternative)
            for filename, content, mimetype in self.attachments:
                root.attach(_attachment_part(filename, content, mimetype))
        else:
            root = alternative
        subject = str(self.subject)
        root["Subject"] = (
            subject if subject.isascii() else Header(subject, "utf-8").encode(linesep="\r\n")
        )
        root["From"] = formataddr(parseaddr(str(self.from_email)), charset="utf-8")
        root["To"] = ", ".join(formataddr(parseaddr(to), charset="utf-8") for to in self.to)
        root["Date"] = formatdate(usegmt=True)
        for header, value in self.extra_headers.items():
            root[header] = str(value)
        return root


def _attachment_part(filename: str, content: str | bytes, mimetype: str):
    base, *parameters = (piece.strip() for piece in mimetype.split(";"))
    maintype, subtype = base.split("/", 1)
    if maintype == "text":
        text = content.decode() if isinstance(content, bytes) else content
        part = MIMEText(text, subtype, "utf-8", policy=_MIME_POLICY)
    else:
        data = content.encode() if isinstance(content, str) else content
        part = MIMEApplication(data, subtype, policy=_MIME_POLICY)
        if maintype != "application":
            part.replace_header("Content-Type", base)
    del part["MIME-Version"]
    for parameter in parameters:
        name, _sep, value = parameter.partition("=")
        part.set_param(name.strip(), value.strip().strip('"'))
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def _message(
    *,
    user,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    unsubscribe: str,
    language: str,
    attachments=(),
) -> EmailMultiAlternatives:
    message = NotificationEmail(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "Message-ID": message_id,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "Content-Language": language,
        },
    )
    message.attach_alternative(html, "text/html")
    for attachment in attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    return message


def _base_context(user, language: str) -> dict:
    return {
        "recipient": user,
        "SITE_URL": settings.SITE_URL,
        "LANGUAGE_CODE": language,
        "preferences_url": absolute(reverse("notifications:preferences")),
        "notifications_url": absolute(reverse("notifications:list")),
    }


def _prepared(rows, now: datetime) -> dict[int, EmailExtras | None]:
    """Run each kind's ``prepare`` once for the batch's rows of that kind."""
    by_kind = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
    extras = {}
    for key, group in by_kind.items():
        prepare = kind_or_fallback(key).prepare
        if prepare is not None:
            extras.update(prepare(group, now=now))
    return extras


def build_notification_emails(rows, *, now: datetime | None = None) -> dict:
    """{notification pk: message, or None when no e-mail is due any more}."""
    from .services import _mailable_user_ids

    now = now or timezone.now()
    frequencies, versions = _preferences(rows, {row.kind for row in rows})
    mailable = _mailable_user_ids(list({row.recipient_id: row.recipient for row in rows}.values()))
    messages = {}
    due = []
    for row in rows:
        user = row.recipient
        kind = kind_or_fallback(row.kind)
        frequency = frequencies.get((user.pk, row.kind), kind.default)
        if user.pk not in mailable or not user.is_active or frequency == Frequency.OFF:
            messages[row.pk] = None
        else:
            due.append(row)
    prepared = _prepared(due, now)
    for row in due:
        user = row.recipient
        kind = kind_or_fallback(row.kind)
        extras = prepared.get(row.pk, EmailExtras())
        if extras is None:
            messages[row.pk] = None
            continue
        with member_locale(user) as language:
            unsubscribe = unsubscribe_url(
                user_id=user.pk, kind=row.kind, version=versions.get((user.pk, row.kind), 0)
            )
            context = {
                **_base_context(user, language),
                "notification": row,
                "payload": row.payload,
                "kind": kind,
                "unsubscribe_url": unsubscribe,
                "link": row.link,
                **extras.context,
            }
            messages[row.pk] = _message(
                user=user,
                subject=render_to_string(kind.template_names("_subject.txt"), context),
                text=render_to_string(kind.template_names(".txt"), context),
                html=render_to_string(kind.template_names(".html"), context),
                message_id=row.message_id,
                unsubscribe=unsubscribe,
                language=language,
                attachments=extras.attachments,
            )
    return messages


def build_digest_emails(digests) -> dict:
    """{digest pk: message}: one e-mail per digest, its items grouped by module, then kind."""
    from .models import Notification
    from .services import _mailable_user_ids

    items = defaultdict(list)
    for notification in Notification.objects.filter(digest__in=digests).order_by("created", "pk"):
        items[notification.digest_id].append(notification)
    kinds = {n.kind for group in items.values() for n in group}
    markers = {DIGEST_PREFIX + digest.frequency for digest in digests}
    _frequencies, versions = _preferences(digests, kinds | markers)
    mailable = _mailable_user_ids(list({d.recipient_id: d.recipient for d in digests}.values()))
    messages = {}
    for digest in digests:
        user = digest.recipient
        if user.pk not in mailable or not user.is_active or not items[digest.pk]:
            messages[digest.pk] = None
            continue
        with member_locale(user) as language:
            marker = DIGEST_PREFIX + digest.frequency
            unsubscribe = unsubscribe_url(
                user_id=user.pk, kind=marker, version=versions.get((user.pk, marker), 0)
            )
            modules = defaultdict(lambda: defaultdict(list))
            for notification in items[digest.pk]:
                kind = kind_or_fallback(notification.kind)
                modules[str(kind.module)][kind.key].append(notification)
            sections = [
                {
                    "module": module,
                    "kinds": [
                        {
                            "kind": kind_or_fallback(key),
                            "label": str(kind_or_fallback(key).label),
                            "notifications": notifications,
                            "unsubscribe_url": unsubscribe_url(
                                user_id=user.pk, kind=key, version=versions.get((user.pk, key), 0)
                            ),
                        }
                        for key, notifications in sorted(by_kind.items())
                    ],
                }
                for module, by_kind in sorted(modules.items())
            ]
            context = {
                **_base_context(user, language),
                "digest": digest,
                "sections": sections,
                "count": len(items[digest.pk]),
                "unsubscribe_url": unsubscribe,
            }
            messages[digest.pk] = _message(
                user=user,
                subject=render_to_string("notifications/email/digest_subject.txt", context),
                text=render_to_string("notifications/email/digest.txt", context),
                html=render_to_string("notifications/email/digest.html", context),
                message_id=digest.message_id,
                unsubscribe=unsubscribe,
                language=language,
            )
    return messages


def build_account_emails(rows, *, now: datetime | None = None) -> dict:
    """{account e-mail pk: message, or None once its links have expired}.

    The content was rendered when the e-mail was asked for, in the recipient's language;
    here it gets its stable Message-ID. No unsubscribe header: these are transactional."""
    now = now or timezone.now()
    messages = {}
    for row in rows:
        if row.expires_at <= now or not (row.text or row.html):
            messages[row.pk] = None
            continue
        headers = {
            **row.headers,
            "Message-ID": row.message_id,
            "Auto-Submitted": "auto-generated",
        }
        if row.language:
            headers["Content-Language"] = row.language
        message = NotificationEmail(
            subject=row.subject,
            body=row.text or row.html,
            from_email=row.from_email or settings.DEFAULT_FROM_EMAIL,
            to=[row.email],
            headers=headers,
        )
        if row.text and row.html:
            message.attach_alternative(row.html, "text/html")
        elif row.html:
            message.content_subtype = "html"
        messages[row.pk] = message
    return messages
