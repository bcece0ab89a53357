"""Account e-mails (allauth) go through the outbox: a mail server that is down never fails a
sign-up or a password reset, and each e-mail arrives once when it is back."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import User
from config.email import smtp_mailer
from notifications import services
from notifications.models import AccountEmail, EmailState, Suppression

from .factories import UserFactory

SIGNUP = {
    "email": "Nadia.Haddad@Example.org",
    "name": "Nadia Haddad",
    "organisation": "OECD",
    "password1": "a-long-and-unusual-passphrase",
    "password2": "a-long-and-unusual-passphrase",
}
# Nothing listens on port 1 of loopback: connecting is refused at once.
SMTP_DOWN = {"default": smtp_mailer(host="127.0.0.1", port=1)}


@pytest.fixture
def smtp_down(smtp_server, settings):
    """The mail server is down until the test calls the returned function."""
    up = settings.MAILERS
    settings.MAILERS = SMTP_DOWN

    def back():
        settings.MAILERS = up

    return back


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def _deliver_when_due(row: AccountEmail):
    row.refresh_from_db()
    return services.account_emails_deliver(ids=[row.pk], now=row.next_attempt_at)


def test_sign_up_with_the_mail_server_down_succeeds_and_the_e_mail_arrives_once_later(
    db, client, smtp_server, smtp_down, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("account_signup"), SIGNUP, HTTP_ACCEPT_LANGUAGE="pt-br")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(callbacks) == 1  # delivery queued after commit, and tried (eagerly): refused
    user = User.objects.get()
    row = AccountEmail.objects.get()
    assert row.recipient == user and row.email == "nadia.haddad@example.org"
    assert row.template == "account/email/email_confirmation_signup"
    assert row.email_state == EmailState.PENDING and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.language == "pt-br" and "/accounts/confirm-email/" in row.text
    assert smtp_server.messages == []

    smtp_down()  # the server is back
    assert _deliver_when_due(row).sent == [row.pk]
    message = smtp_server.wait_for(1)[0]
    assert message["Message-ID"] == row.message_id
    assert message["To"] == "nadia.haddad@example.org"
    assert message["Content-Language"] == "pt-br"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "List-Unsubscribe" not in message  # transactional
    body = message.get_content()
    assert "Olá" in body
    row.refresh_from_db()
    assert row.email_state == EmailState.SENT and row.attempts == 2
    assert row.text == "" and row.html == ""  # the link is not kept once sent

    # Again (a duplicate task, a sweep): nothing more is sent.
    assert services.account_emails_deliver(ids=[row.pk], now=row.next_attempt_at).sent == []
    assert services.outbox_sweep(now=row.next_attempt_at + timedelta(hours=1)).queued == 0
    assert len(smtp_server.messages) == 1

    # The link works: it confirms the address.
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", body).group(0)
    assert Client().post(_path(link)).status_code == 302
    assert EmailAddress.objects.get(user=user).verified


def test_password_reset_with_the_mail_server_down_succeeds_and_its_link_works_later(
    member, client, smtp_server, smtp_down, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response.status_code == 302
    row = AccountEmail.objects.get()
    assert row.template == "account/email/password_reset_key" and row.recipient == member
    assert row.email_state == EmailState.PENDING and row.attempts == 1
    assert smtp_server.messages == []

    smtp_down()
    assert _deliver_when_due(row).sent == [row.pk]
    (message,) = smtp_server.wait_for(1)
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", message.get_content())
    browser = Client()
    form = browser.get(_path(link.group(0)))
    assert form.status_code == 302
    new = "another-long-passphrase-42"
    assert browser.post(form["Location"], {"password1": new, "password2": new}).status_code == 302
    member.refresh_from_db()
    assert member.check_password(new)


def test_a_password_reset_for_an_unknown_address_is_an_outbox_row_too(db, client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    row = AccountEmail.objects.get()
    assert row.template == "account/email/unknown_account" and row.recipient is None
    assert row.email == "nobody@example.org"


def test_a_rolled_back_request_leaves_no_account_e_mail(member, django_capture_on_commit_callbacks):
    from allauth.account.adapter import get_adapter

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        get_adapter().send_mail("account/email/password_changed", member.email, {"user": member})
        assert AccountEmail.objects.count() == 1
        raise RuntimeError("the change fails")
    assert not AccountEmail.objects.exists()
    assert callbacks == []


def test_a_bad_sign_up_writes_no_account_and_no_e_mail(db, client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "password2": "not the same"})
    assert response.status_code == 200
    assert not User.objects.exists() and not AccountEmail.objects.exists()


def test_an_invalid_address_is_refused_before_anything_is_written(db):
    from django.core.exceptions import ValidationError
    from django.core.mail import EmailMessage

    message = EmailMessage("Subject", "Body", "from@example.org", ["not an address"])
    with pytest.raises(ValidationError):
        services.account_email_queue(message=message, template="t", language="en")
    assert not AccountEmail.objects.exists()


def test_an_expired_account_e_mail_is_given_up_and_erased(member, smtp_server):
    from allauth.account.adapter import get_adapter

    get_adapter().send_mail("account/email/password_changed", member.email, {"user": member})
    row = AccountEmail.objects.get()
    assert row.expires_at - row.created == timedelta(days=3)
    later = row.expires_at + timedelta(minutes=1)
    assert services.outbox_sweep(now=row.expires_at - timedelta(minutes=1)).expired == 0
    report = services.outbox_sweep(now=later)
    assert report.expired == 1 and report.erased == 1
    row.refresh_from_db()
    assert row.email_state == EmailState.FAILED and "expired" in row.last_error
    assert row.text == "" and row.html == ""
    assert services.account_emails_deliver(ids=[row.pk], now=later).sent == []
    assert smtp_server.messages == []


def test_account_e_mails_ignore_suppression_but_a_refusal_is_recorded(db, settings):
    from aiosmtpd.controller import Controller

    from .conftest import _free_port
    from .test_notifications import _Refusing  # an SMTP server refusing one address

    handler = _Refusing(refused="gone@example.org", data_reply="250 OK")
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {"default": smtp_mailer(host="127.0.0.1", port=port)}
    try:
        from allauth.account.adapter import get_adapter

        suppressed = UserFactory(email="suppressed@example.org")
        Suppression.objects.create(email=suppressed.email, reason="550 earlier")
        gone = UserFactory(email="gone@example.org")
        for user in (suppressed, gone):
            get_adapter().send_mail("account/email/password_changed", user.email, {"user": user})
        rows = list(AccountEmail.objects.order_by("pk"))
        report = services.account_emails_deliver(ids=[row.pk for row in rows])
        assert report.sent == [rows[0].pk]  # asked for just now: sent despite suppression
        assert report.failed == [rows[1].pk]
        assert len(handler.received) == 1
        assert Suppression.objects.filter(email="gone@example.org").exists()
        rows[1].refresh_from_db()
        assert rows[1].text == ""  # failed for good: erased too
    finally:
        controller.stop()


def test_account_e_mails_are_read_only_in_the_admin(admin_client, member):
    from allauth.account.adapter import get_adapter

    get_adapter().send_mail("account/email/password_changed", member.email, {"user": member})
    row = AccountEmail.objects.get()
    listing = admin_client.get(reverse("admin:notifications_accountemail_changelist"))
    assert listing.status_code == 200 and member.email in listing.content.decode()
    page = admin_client.get(reverse("admin:notifications_accountemail_change", args=[row.pk]))
    assert page.status_code == 200
    assert row.subject in page.content.decode()
    body_line = max(row.text.splitlines(), key=len)
    assert body_line and body_line not in page.content.decode()  # the body is not shown
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.get(reverse("admin:notifications_accountemail_add")).status_code == 403
    before = AccountEmail.objects.values().get()
    admin_client.post(
        reverse("admin:notifications_accountemail_change", args=[row.pk]), {"subject": "x"}
    )
    assert AccountEmail.objects.values().get() == before
