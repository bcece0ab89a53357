"""Sign-up, e-mail verification, log-in, lock-out and the member profile."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import User
from core.permissions import is_verified_member, verified_member_required

SIGNUP = {
    "email": "Amara.Okafor@Example.org",
    "name": "Amara Okafor",
    "organisation": "CABRI",
    "password1": "a-long-and-unusual-passphrase",
    "password2": "a-long-and-unusual-passphrase",
}


def _confirmation_link(message) -> str:
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)


def test_signup_sends_verification_and_blocks_login_until_confirmed(client, db):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "amara.okafor@example.org"
    assert user.name == "Amara Okafor" and user.organisation == "CABRI"
    assert not is_verified_member(user)
    assert len(mail.outbox) == 1
    link = _confirmation_link(mail.outbox[0])

    # Unverified: the log-in is refused and sends the member to verify.
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    # Confirming (a POST, so mail scanners following links confirm nothing).
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.post("/" + path).status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk
    assert is_verified_member(user)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"password2": "something-else-entirely"}, "password2"),
        ({"password1": "short", "password2": "short"}, "password1"),
        ({"name": ""}, "name"),
    ],
)
def test_signup_rejects_bad_input_and_creates_nothing(client, db, changes, field):
    response = client.post(reverse("account_signup"), {**SIGNUP, **changes})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exists()
    assert not mail.outbox


def test_signup_with_a_taken_address_creates_no_second_account(client, member):
    client.post(reverse("account_signup"), {**SIGNUP, "email": member.email.upper()})
    assert User.objects.filter(email__iexact=member.email).count() == 1


def test_verification_email_is_in_the_members_language(client, db):
    client.post(reverse("account_signup"), SIGNUP, HTTP_ACCEPT_LANGUAGE="fr")
    assert User.objects.get().language == "fr"
    message = mail.outbox[0]
    assert "Confirmez" in message.subject or "confirm" not in message.subject.lower()
    assert "Bonjour" in message.body


def test_password_reset_email_uses_the_saved_language(client, member):
    member.language = "es"
    member.save()
    client.post(reverse("account_reset_password"), {"email": member.email})
    assert len(mail.outbox) == 1
    assert "contraseña" in mail.outbox[0].subject.lower()


def test_unverified_member_is_refused_where_members_act(rf: RequestFactory, unverified_member):
    from django.core.exceptions import PermissionDenied

    @verified_member_required
    def post_view(request):
        return "posted"

    request = rf.post("/somewhere/")
    request.user = unverified_member
    with pytest.raises(PermissionDenied):
        post_view(request)


def test_verified_member_is_allowed_and_anonymous_is_sent_to_log_in(rf, member):
    from django.contrib.auth.models import AnonymousUser

    @verified_member_required
    def post_view(request):
        return "posted"

    request = rf.post("/somewhere/")
    request.user = member
    assert post_view(request) == "posted"
    request.user = AnonymousUser()
    response = post_view(request)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_axes_locks_out_a_username_from_one_address_only(client, member, settings):
    settings.AXES_FAILURE_LIMIT = 3
    url = reverse("account_login")
    for _attempt in range(3):
        client.post(url, {"login": member.email, "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    locked = client.post(
        url,
        {"login": member.email, "password": "correct-horse-battery-staple"},
        REMOTE_ADDR="10.0.0.1",
    )
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    # The owner, elsewhere, is not locked out by the stranger's attempts.
    from django.test import Client

    owner = Client()
    response = owner.post(
        url,
        {"login": member.email, "password": "correct-horse-battery-staple"},
        REMOTE_ADDR="10.0.0.2",
    )
    assert response.status_code == 302
    assert int(owner.session["_auth_user_id"]) == member.pk


def test_profile_requires_login(client, db):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_profile_update_saves_and_sets_language(member_client, member):
    response = member_client.post(
        reverse("accounts:profile"),
        {
            "name": "Budi Santoso",
            "organisation": "BAPPENAS",
            "organisation_type": "government",
            "country": "ID",
            "languages": ["id", "en"],
            "time_zone": "Asia/Jakarta",
            "language": "id",
            "bio": "Planner.",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.time_zone == "Asia/Jakarta"
    assert member.country.code == "ID"
    assert member.languages == ["id", "en"]
    assert response.cookies["django_language"].value == "id"
    page = member_client.get("/")
    assert "Asia/Jakarta" in page.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Mars/Olympus_Mons"),
        ("country", "XX"),
        ("organisation_type", "cartel"),
        ("language", "tlh"),
    ],
)
def test_profile_rejects_bad_values_and_changes_nothing(member_client, member, field, value):
    before = User.objects.values().get(pk=member.pk)
    response = member_client.post(reverse("accounts:profile"), {"name": "Changed", field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert User.objects.values().get(pk=member.pk) == before


def test_api_token_is_regenerated_by_post_only(member_client, member):
    url = reverse("accounts:regenerate-token")
    assert member_client.get(url).status_code == 405
    member_client.post(url)
    first = Token.objects.get(user=member).key
    member_client.post(url)
    assert Token.objects.get(user=member).key != first


def test_token_authenticates_the_api(client, member):
    token = Token.objects.create(user=member)
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json()["email"] == member.email
    assert response.json()["email_verified"] is True


def test_me_endpoint_refuses_anonymous_and_bad_values(member_client, member):
    from django.test import Client

    response = Client().get("/api/v1/me/")
    assert response.status_code == 401
    assert "detail" in response.json()
    response = member_client.patch(
        "/api/v1/me/",
        {"time_zone": "Nowhere/Land", "languages": ["xx"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"time_zone", "languages"}
    response = member_client.patch(
        "/api/v1/me/", {"time_zone": "America/Santiago"}, content_type="application/json"
    )
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.time_zone == "America/Santiago"


def test_signup_is_rate_limited_per_address(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    statuses = [
        client.post(
            reverse("account_signup"), {**SIGNUP, "email": f"person{n}@example.org"}
        ).status_code
        for n in range(3)
    ]
    client.logout()
    assert statuses[:2] == [302, 302]
    assert statuses[2] == 429
    assert User.objects.count() == 2


# --- ensure_admin ---------------------------------------------------------------------


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def _ensure_admin(*args):
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    call_command("ensure_admin", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _account_state():
    return (
        sorted(User.objects.values_list("email", "is_staff", "is_superuser", "password")),
        sorted(EmailAddress.objects.values_list("user_id", "email", "verified", "primary")),
    )


def test_ensure_admin_creates_one_administrator_and_is_idempotent(db, data_dir, client):
    out, _err = _ensure_admin()
    admin = User.objects.get(email="admin@example.org")
    assert admin.is_staff and admin.is_superuser
    assert EmailAddress.objects.get(user=admin).verified
    password_file = data_dir / "admin_password"
    password = password_file.read_text()
    assert password_file.stat().st_mode & 0o777 == 0o600
    assert f"admin@example.org / {password}" in out
    before = _account_state()

    out, _err = _ensure_admin()  # what `make run` does on every start
    assert _account_state() == before
    assert f"admin@example.org / {password}" in out
    response = client.post(
        reverse("account_login"), {"login": "admin@example.org", "password": password}
    )
    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == admin.pk


@pytest.mark.parametrize("verified", [True, False])
def test_ensure_admin_refuses_an_existing_member_and_changes_nothing(db, data_dir, verified):
    from django.core.management.base import CommandError

    from .factories import UserFactory

    member = UserFactory(verified=verified)
    before = _account_state()
    with pytest.raises(CommandError, match="existing member.*--promote-existing"):
        _ensure_admin("--email", member.email.upper())
    with pytest.raises(CommandError):
        _ensure_admin("--email", member.email, "--verify-email")
    assert _account_state() == before
    assert not (data_dir / "admin_password").exists()


def test_ensure_admin_exits_non_zero_on_refusal(member, data_dir, capsys):
    from django.core.management import execute_from_command_line

    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "ensure_admin", "--email", member.email])
    assert exit_info.value.code != 0
    assert "--promote-existing" in capsys.readouterr().err


def test_ensure_admin_promotes_only_when_asked_and_verifies_only_when_asked(db, data_dir):
    from .factories import UserFactory

    member = UserFactory(verified=False)
    out, err = _ensure_admin("--email", member.email, "--promote-existing")
    member.refresh_from_db()
    assert member.is_staff and member.is_superuser
    assert not EmailAddress.objects.filter(user=member, verified=True).exists()
    assert "not been verified" in err and "--verify-email" in err
    assert "password unchanged" in out and not (data_dir / "admin_password").exists()

    _ensure_admin("--email", member.email, "--verify-email")
    assert EmailAddress.objects.get(user=member).verified


@pytest.mark.parametrize("email", ["not-an-address", "", "admin@", "two@@example.org"])
def test_ensure_admin_rejects_an_invalid_address_and_writes_nothing(db, data_dir, email):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a valid e-mail address"):
        _ensure_admin("--email", email)
    assert not User.objects.exists() and not EmailAddress.objects.exists()
    assert not (data_dir / "admin_password").exists()


def test_ensure_admin_refuses_another_members_secondary_address(member, data_dir):
    from django.core.management.base import CommandError

    EmailAddress.objects.create(user=member, email="second@example.org", verified=False)
    before = _account_state()
    for flags in ([], ["--promote-existing", "--verify-email"]):
        with pytest.raises(CommandError, match="another member"):
            _ensure_admin("--email", "Second@Example.org", *flags)
    assert _account_state() == before


def test_ensure_admin_keeps_no_account_when_the_password_cannot_be_kept(db, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.DATA_DIR = blocker / "data"  # cannot be created: its parent is a file
    with pytest.raises(OSError):
        _ensure_admin()
    assert not User.objects.exists() and not EmailAddress.objects.exists()
