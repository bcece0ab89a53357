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
from notifications.models import AccountEmail

from .outbox_support import deliver_outbox

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
    assert len(deliver_outbox()) == 1
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
    assert not AccountEmail.objects.exists()
    assert not deliver_outbox()


def test_signup_with_a_taken_address_creates_no_second_account(client, member):
    client.post(reverse("account_signup"), {**SIGNUP, "email": member.email.upper()})
    assert User.objects.filter(email__iexact=member.email).count() == 1


def test_verification_email_is_in_the_members_language(client, db):
    client.post(reverse("account_signup"), SIGNUP, HTTP_ACCEPT_LANGUAGE="fr")
    assert User.objects.get().language == "fr"
    message = deliver_outbox()[0]
    assert message.extra_headers["Content-Language"] == "fr"
    assert "Confirmez" in message.subject or "confirm" not in message.subject.lower()
    assert "Bonjour" in message.body


def test_password_reset_email_uses_the_saved_language(client, member):
    member.language = "es"
    member.save()
    client.post(reverse("account_reset_password"), {"email": member.email})
    assert len(deliver_outbox()) == 1
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


# --- Log-in throttling: per (account, address) and per address, never per account ---------

LOGIN = reverse("account_login")


@pytest.fixture
def fast_hashing(settings):
    """Cheap password hashes, so that dozens of log-ins take no time (set before users)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def owner(fast_hashing, db):
    from .factories import UserFactory

    return UserFactory(email="owner@example.org")


def _log_in(email, password, ip, **headers):
    """One log-in through the real form, from a fresh browser at address ``ip``."""
    from django.test import Client

    browser = Client()
    response = browser.post(
        LOGIN, {"login": email, "password": password}, REMOTE_ADDR=ip, **headers
    )
    assert response.status_code != 500
    response.logged_in_as = browser.session.get("_auth_user_id")
    return response


def test_a_strangers_failures_never_refuse_the_owner_elsewhere(owner, password, settings):
    from datetime import timedelta

    from freezegun import freeze_time

    with freeze_time("2026-03-02 09:00:00", tick=True) as clock:
        for _attempt in range(30):
            failed = _log_in(owner.email, "wrong-guess", "127.0.0.2")
            assert failed.status_code in (200, 429) and failed.logged_in_as is None

        # The owner, from another address, signs in at once.
        assert _log_in(owner.email, password, "127.0.0.3").logged_in_as == str(owner.pk)

        # The stranger's address is refused even with the right password, in the
        # visitor's language.
        refused = _log_in(owner.email, password, "127.0.0.2", HTTP_ACCEPT_LANGUAGE="fr")
        assert refused.status_code in (200, 429) and refused.logged_in_as is None
        assert 'lang="fr"' in refused.content.decode()

        # Once the per-address minute is over, axes' lock on (account, address) remains.
        clock.tick(timedelta(minutes=2))
        locked = _log_in(owner.email, password, "127.0.0.2", HTTP_ACCEPT_LANGUAGE="fr")
        assert locked.status_code == 429 and locked.logged_in_as is None
        assert "Trop de tentatives de connexion infructueuses" in locked.content.decode()
        # Still no effect on the owner.
        assert _log_in(owner.email, password, "127.0.0.3").logged_in_as == str(owner.pk)

        # After the cool-off (counted from the last refused try), the address may sign in.
        clock.tick(settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
        assert _log_in(owner.email, password, "127.0.0.2").logged_in_as == str(owner.pk)


def test_trying_during_the_lock_out_extends_it(owner, password, settings):
    from datetime import timedelta

    from freezegun import freeze_time

    with freeze_time("2026-03-02 09:00:00", tick=True) as clock:
        for _attempt in range(5):
            _log_in(owner.email, "wrong-guess", "127.0.0.2")
        clock.tick(settings.AXES_COOLOFF_TIME - timedelta(minutes=1))
        assert _log_in(owner.email, password, "127.0.0.2").status_code == 429
        clock.tick(timedelta(minutes=2))  # 16 minutes after the first failures...
        assert _log_in(owner.email, password, "127.0.0.2").status_code == 429
        clock.tick(settings.AXES_COOLOFF_TIME + timedelta(minutes=1))  # ...but not after the last
        assert _log_in(owner.email, password, "127.0.0.2").logged_in_as == str(owner.pk)


def test_a_password_reset_lifts_the_lock_out(owner, password):
    from django.test import Client

    for _attempt in range(5):
        _log_in(owner.email, "wrong-guess", "127.0.0.2")
    assert _log_in(owner.email, password, "127.0.0.2").status_code == 429

    browser = Client(REMOTE_ADDR="127.0.0.2")
    browser.post(reverse("account_reset_password"), {"email": owner.email})
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", deliver_outbox()[-1].body)
    form = browser.get("/" + link.group(0).split("://", 1)[1].split("/", 1)[1])
    assert form.status_code == 302
    new = "another-long-passphrase-42"
    done = browser.post(form["Location"], {"password1": new, "password2": new})
    assert done.status_code == 302
    assert _log_in(owner.email, password, "127.0.0.2").logged_in_as is None  # old one gone
    assert _log_in(owner.email, new, "127.0.0.2").logged_in_as == str(owner.pk)


def test_spraying_from_many_addresses_cannot_lock_the_owners_own_address(owner, password):
    for host in range(1, 13):
        for _attempt in range(6):
            _log_in(owner.email, "wrong-guess", f"10.1.0.{host}")
        assert _log_in(owner.email, password, f"10.1.0.{host}").status_code == 429
    assert _log_in(owner.email, password, "10.9.9.9").logged_in_as == str(owner.pk)


def test_one_address_trying_many_accounts_is_limited(owner, password):
    from .factories import UserFactory

    others = UserFactory.create_batch(10)
    for other in others:
        response = _log_in(other.email, "wrong-guess", "127.0.0.4")
        assert response.status_code == 200 and response.logged_in_as is None
    refused = _log_in(owner.email, password, "127.0.0.4", HTTP_ACCEPT_LANGUAGE="id")
    assert refused.status_code == 200 and refused.logged_in_as is None
    assert "Terlalu banyak percobaan masuk yang gagal" in refused.content.decode()
    # Another address is not affected, and neither are the accounts tried.
    assert _log_in(owner.email, password, "127.0.0.5").logged_in_as == str(owner.pk)
    assert _log_in(others[0].email, password, "127.0.0.5").logged_in_as == str(others[0].pk)


def test_a_forged_forwarded_for_header_does_not_change_the_address(owner, password):
    for n in range(6):
        _log_in(owner.email, "wrong-guess", "127.0.0.6", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    locked = _log_in(owner.email, password, "127.0.0.6", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert locked.status_code == 429 and locked.logged_in_as is None


def test_behind_a_proxy_the_forwarded_address_is_counted(owner, password, settings):
    settings.PROXY_COUNT = 1
    proxy = "10.0.0.1"
    for _attempt in range(6):
        _log_in(owner.email, "wrong-guess", proxy, HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7")
    refused = _log_in(owner.email, password, proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert refused.status_code == 429
    # Everyone else behind the same proxy signs in.
    welcome = _log_in(owner.email, password, proxy, HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert welcome.logged_in_as == str(owner.pk)


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "127.0.0.9", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}, "127.0.0.9"),
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 5.5.5.5"}, "5.5.5.5"),
        (2, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 5.5.5.5"}, "6.6.6.6"),
        (1, {"REMOTE_ADDR": "10.0.0.1"}, "10.0.0.1"),
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "bogus"}, "10.0.0.1"),
        (0, {"REMOTE_ADDR": "2001:DB8::1"}, "2001:db8::1"),
        (0, {"REMOTE_ADDR": ""}, None),
    ],
)
def test_allauth_axes_and_the_api_read_the_same_client_address(
    settings, rf, proxies, meta, expected
):
    from allauth.account.adapter import get_adapter
    from axes.helpers import get_client_ip_address
    from rest_framework.request import Request
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    settings.PROXY_COUNT = proxies
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    assert proxies == api_settings.NUM_PROXIES
    request = rf.post("/accounts/login/", **meta)
    request.META.update(meta)
    assert get_client_ip_address(request) == expected
    if expected:
        assert get_adapter().get_client_ip(request) == expected
    if expected and "bogus" not in meta.get("HTTP_X_FORWARDED_FOR", ""):
        # DRF does not check that the forwarded entry is an address; otherwise it agrees.
        drf = AnonRateThrottle().get_ident(Request(request))
        assert drf.lower() == expected


def test_signup_is_still_limited_per_address(client, db):
    bad = {**SIGNUP, "password2": "does-not-match-at-all"}
    for n in range(10):
        response = client.post(reverse("account_signup"), {**bad, "email": f"s{n}@example.org"})
        assert response.status_code == 200
    limited = client.post(reverse("account_signup"), SIGNUP, HTTP_ACCEPT_LANGUAGE="es")
    assert limited.status_code == 429
    assert "Ten paciencia, estás enviando muchas solicitudes." in limited.content.decode()
    assert not User.objects.exists()
    assert (
        client.post(reverse("account_signup"), SIGNUP, REMOTE_ADDR="127.0.0.8").status_code == 302
    )


def test_password_reset_is_still_limited_per_address(client, member):
    for _attempt in range(5):
        client.post(reverse("account_reset_password"), {"email": member.email})
    assert len(deliver_outbox()) == 5
    response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response.status_code in (200, 429)
    assert len(deliver_outbox()) == 5
    assert AccountEmail.objects.count() == 5


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
