"""Webinar pages, API, feed: the join link, permissions, organiser tools, query counts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

from notifications.models import Notification
from webinars import emails, services
from webinars.models import Feedback, Registration, Webinar

from .factories import UserFactory
from .webinars_support import SpeakerFactory, WebinarFactory


def _upcoming(**kwargs):
    starts_at = kwargs.pop("starts_at", timezone.now() + timedelta(days=5))
    return WebinarFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), **kwargs)


def _past(**kwargs):
    starts_at = timezone.now() - timedelta(days=5)
    kwargs.setdefault("recording_url", "https://video.example.org/rec")
    return WebinarFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), **kwargs)


# --- List and detail ------------------------------------------------------------------


def test_list_shows_upcoming_first_and_past_recordings_and_links_in_the_nav(client, db):
    later = _upcoming(title="Later one", starts_at=timezone.now() + timedelta(days=9))
    sooner = _upcoming(title="Sooner one", starts_at=timezone.now() + timedelta(days=2))
    past = _past(title="Recorded one")
    _past(title="Unrecorded one", recording_url="")
    _upcoming(title="Cancelled one", status=Webinar.Status.CANCELLED)
    html = client.get("/webinars/").content.decode()
    assert html.index(sooner.title) < html.index(later.title) < html.index(past.title)
    assert "Unrecorded one" not in html and "Cancelled one" not in html
    assert 'href="/webinars/" aria-current="page"' in html


def test_list_has_an_empty_state(client, db):
    html = client.get("/webinars/").content.decode()
    assert "No webinars are scheduled yet" in html
    assert "No recordings yet" in html


def test_list_filters_by_language_and_rejects_unknown_values(client, db):
    _upcoming(title="In Spanish", language="es")
    _upcoming(title="In English", language="en")
    html = client.get("/webinars/?language=es").content.decode()
    assert "In Spanish" in html and "In English" not in html
    response = client.get("/webinars/?language=xx&page=abc")
    assert response.status_code == 200 and "In English" in response.content.decode()


def test_list_paginates(client, db):
    for day in range(12):
        _upcoming(title=f"Session {day:02d}", starts_at=timezone.now() + timedelta(days=day + 1))
    first = client.get("/webinars/").content.decode()
    second = client.get("/webinars/?page=2").content.decode()
    assert "Session 00" in first and "Session 10" not in first
    assert "Session 10" in second and "Page 2 of 2" in second


def test_detail_shows_speakers_sample_marker_and_markdown(client, db):
    speaker = SpeakerFactory(name="Ana Ruiz", organisation="Tecnológico de Monterrey")
    webinar = _upcoming(
        is_sample=True, speakers=[speaker], description="**bold** <script>x</script>"
    )
    html = client.get(webinar.get_absolute_url()).content.decode()
    assert "Ana Ruiz" in html and "Tecnológico de Monterrey" in html
    assert "Sample" in html
    assert "<strong>bold</strong>" in html and "<script>x" not in html
    assert "Sign in to register" in html


def test_unpublished_webinar_is_hidden_except_from_organisers(client, member_client, member, db):
    webinar = _upcoming(is_published=False)
    assert client.get(webinar.get_absolute_url()).status_code == 404
    assert member_client.get(webinar.get_absolute_url()).status_code == 404
    webinar.organisers.add(member)
    assert member_client.get(webinar.get_absolute_url()).status_code == 200


# --- Registering through the pages ----------------------------------------------------------


def test_register_and_cancel_through_the_page(member_client, member):
    webinar = _upcoming(capacity=1)
    response = member_client.post(f"/webinars/{webinar.slug}/register/", follow=True)
    html = response.content.decode()
    assert "You are registered" in html and webinar.join_url in html
    response = member_client.post(f"/webinars/{webinar.slug}/register/", follow=True)
    assert "already registered" in response.content.decode()
    response = member_client.post(f"/webinars/{webinar.slug}/cancel/", follow=True)
    html = response.content.decode()
    assert "Your registration has been cancelled" in html and webinar.join_url not in html
    assert Registration.objects.get().status == "cancelled"


def test_register_needs_post_csrf_and_a_verified_member(client, unverified_member, member):
    webinar = _upcoming()
    url = f"/webinars/{webinar.slug}/register/"
    assert client.post(url).status_code == 302  # to log in
    client.force_login(unverified_member)
    assert client.post(url).status_code == 403
    client.force_login(member)
    assert client.get(url).status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post(url).status_code == 403
    assert not Registration.objects.exists()


def test_refusals_show_a_clear_message(member_client):
    webinar = _upcoming(status=Webinar.Status.CANCELLED)
    response = member_client.post(f"/webinars/{webinar.slug}/register/", follow=True)
    assert "This webinar has been cancelled." in response.content.decode()
    finished = _past()
    response = member_client.post(f"/webinars/{finished.slug}/register/", follow=True)
    assert "already taken place" in response.content.decode()
    assert not Registration.objects.exists()


# --- The join link never reaches anyone who is not confirmed ------------------------------


def test_join_link_only_for_confirmed_registrants(client, db):
    webinar = _upcoming(capacity=1)
    confirmed, waiting, bystander = UserFactory.create_batch(3)
    unverified = UserFactory(verified=False)
    services.webinar_register(webinar=webinar, user=confirmed)
    services.webinar_register(webinar=webinar, user=waiting)
    secret = webinar.join_url

    def page_as(user):
        client.logout()
        if user:
            client.force_login(user)
        return client.get(webinar.get_absolute_url()).content.decode()

    def api_as(user, path=f"/api/v1/webinars/{webinar.slug}/"):
        client.logout()
        headers = {}
        if user:
            headers["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
        return client.get(path, **headers).content.decode()

    assert secret in page_as(confirmed)
    assert secret in api_as(confirmed)
    for user in (None, waiting, bystander, unverified):
        assert secret not in page_as(user)
        assert secret not in api_as(user)
        assert secret not in api_as(user, "/api/v1/webinars/")
    assert secret not in client.get("/feeds/webinars/").content.decode()
    assert secret not in client.get(f"/webinars/{webinar.slug}/calendar.ics").content.decode()

    # A cancelled registration, and a cancelled webinar, lose the link.
    services.webinar_cancel(webinar=webinar)
    assert secret not in page_as(confirmed)
    assert secret not in api_as(confirmed)


# --- API ----------------------------------------------------------------------------------


def test_api_register_and_cancel_use_the_services(client, member):
    webinar = _upcoming(capacity=1)
    token = Token.objects.create(user=member).key
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    response = client.post(f"/api/v1/webinars/{webinar.slug}/register/", **auth)
    assert response.status_code == 201 and response.json()["status"] == "confirmed"
    response = client.post(f"/api/v1/webinars/{webinar.slug}/register/", **auth)
    assert response.status_code == 409
    assert response.json() == {"detail": "You are already registered for this webinar."}
    other = UserFactory()
    response = client.post(
        f"/api/v1/webinars/{webinar.slug}/register/",
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=other).key}",
    )
    assert response.json()["status"] == "waitlisted"
    response = client.post(f"/api/v1/webinars/{webinar.slug}/cancel/", **auth)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert Registration.objects.get(user=other).status == "confirmed"
    response = client.post(f"/api/v1/webinars/{webinar.slug}/cancel/", **auth)
    assert response.status_code == 409


def test_api_refuses_visitors_unverified_and_unknown_webinars(client, unverified_member):
    webinar = _upcoming()
    assert client.post(f"/api/v1/webinars/{webinar.slug}/register/").status_code == 401
    client.force_login(unverified_member)
    response = client.post(f"/api/v1/webinars/{webinar.slug}/register/")
    assert response.status_code == 403 and "verify" in response.json()["detail"]
    assert not Registration.objects.exists()
    client.force_login(UserFactory())
    assert client.post("/api/v1/webinars/no-such-thing/register/").status_code == 404


def test_api_list_filters(client, db):
    _upcoming(title="Upcoming Spanish", language="es")
    _upcoming(title="Upcoming English", language="en")
    _past(title="Past English", language="en")
    titles = lambda response: [w["title"] for w in response.json()["results"]]  # noqa: E731
    assert titles(client.get("/api/v1/webinars/?language=es")) == ["Upcoming Spanish"]
    assert titles(client.get("/api/v1/webinars/?when=past")) == ["Past English"]
    assert client.get("/api/v1/webinars/?when=someday").status_code == 400


# --- Organisers ---------------------------------------------------------------------------


ORGANISER_PAGES = ["registrants/", "registrants.csv"]


@pytest.mark.parametrize("page", ORGANISER_PAGES)
def test_organiser_pages_refuse_everyone_else(client, db, unverified_member, page):
    webinar = _upcoming()
    url = f"/webinars/{webinar.slug}/{page}"
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for user in (unverified_member, UserFactory()):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(UserFactory())
    assert client.post(f"/webinars/{webinar.slug}/attendance/", {"attended": []}).status_code == 403


def test_organiser_sees_registrants_waiting_list_and_exports_csv(client, db):
    organiser = UserFactory()
    webinar = _upcoming(capacity=1)
    webinar.organisers.add(organiser)
    first = UserFactory(name="=HYPERLINK(1)", organisation="APC Colombia")
    second = UserFactory(name="Second Person")
    services.webinar_register(webinar=webinar, user=first)
    services.webinar_register(webinar=webinar, user=second)
    client.force_login(organiser)
    html = client.get(f"/webinars/{webinar.slug}/registrants/").content.decode()
    assert first.email in html and second.email in html and "Waiting list" in html

    response = client.get(f"/webinars/{webinar.slug}/registrants.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["email"], r["status"], r["position"]) for r in rows] == [
        (first.email, "confirmed", ""),
        (second.email, "waitlisted", "1"),
    ]
    assert rows[0]["name"] == "'=HYPERLINK(1)"


def test_attendance_is_marked_after_the_start_by_organisers(client, staff_member):
    starts_at = timezone.now() + timedelta(days=1)
    webinar = WebinarFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    came, missed = UserFactory.create_batch(2)
    for member in (came, missed):
        services.webinar_register(webinar=webinar, user=member)
    client.force_login(staff_member)
    url = f"/webinars/{webinar.slug}/attendance/"
    came_reg = Registration.objects.get(user=came)
    response = client.post(url, {"attended": [came_reg.pk]}, follow=True)
    assert "once the webinar has started" in response.content.decode()
    assert not Registration.objects.filter(attended__isnull=False).exists()

    Webinar.objects.filter(pk=webinar.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    client.post(url, {"attended": ["nonsense"]})
    assert not Registration.objects.filter(attended__isnull=False).exists()
    client.post(url, {"attended": [came_reg.pk]})
    assert Registration.objects.get(user=came).attended is True
    assert Registration.objects.get(user=missed).attended is False


def test_feedback_after_the_event_from_confirmed_registrants_only(client, db):
    starts_at = timezone.now() + timedelta(days=1)
    webinar = WebinarFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    member, outsider = UserFactory.create_batch(2)
    services.webinar_register(webinar=webinar, user=member)
    client.force_login(member)
    url = f"/webinars/{webinar.slug}/feedback/"
    assert client.get(url).status_code == 403  # not yet

    Webinar.objects.filter(pk=webinar.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    assert client.get(url).status_code == 200
    response = client.post(url, {"rating": "9", "comment": "x"})
    assert response.status_code == 200 and not Feedback.objects.exists()
    client.post(url, {"rating": "4", "comment": "Useful."})
    client.post(url, {"rating": "5", "comment": "Even better on reflection."})
    feedback = Feedback.objects.get()
    assert (feedback.rating, feedback.comment) == (5, "Even better on reflection.")

    client.force_login(outsider)
    assert client.post(url, {"rating": "1"}).status_code == 403


# --- Feed and demo data ---------------------------------------------------------------------


def test_atom_feed_lists_upcoming_webinars(client, db):
    _upcoming(title="Next session")
    _past(title="Old session")
    response = client.get("/feeds/webinars/")
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "Next session" in body and "Old session" not in body


def test_demo_data_loads_twice_without_duplicates(client, db):
    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)
    assert Webinar.objects.filter(is_sample=True).count() == 5
    html = client.get("/webinars/").content.decode()
    assert "NASA" in client.get("/webinars/sample-lessons-learned-nasa/").content.decode()
    assert "Sample" in html and "Watch the recording" in html


# --- Query counts that do not grow with the number of webinars -----------------------------


@pytest.mark.parametrize("path", ["/webinars/", "/api/v1/webinars/", "/feeds/webinars/"])
def test_list_queries_do_not_grow_with_webinars(member_client, member, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def make(count):
        for _ in range(count):
            webinar = _upcoming(speakers=SpeakerFactory.create_batch(2))
            services.webinar_register(webinar=webinar, user=member)
            _past(speakers=[SpeakerFactory()])

    def measure():
        with CaptureQueriesContext(connection) as context:
            assert member_client.get(path).status_code == 200
        return len(context.captured_queries)

    make(2)
    measure()  # warm the site cache
    few = measure()
    make(8)
    many = measure()
    assert many == few, f"{path}: {few} queries with 2+2 webinars, {many} with 10+10"
    assert few <= 14


def test_list_page_query_count_is_fixed(member_client, member, django_assert_max_num_queries):
    for _ in range(10):
        _upcoming(speakers=SpeakerFactory.create_batch(2))
    with django_assert_max_num_queries(14):
        member_client.get("/webinars/")


# --- Admin --------------------------------------------------------------------------------


def test_admin_pages_open_for_staff(client, staff_member):
    webinar = _upcoming(speakers=[SpeakerFactory()])
    services.webinar_register(webinar=webinar, user=UserFactory())
    client.force_login(staff_member)
    for model in ["webinar", "speaker", "registration", "webinarreminder", "feedback"]:
        assert client.get(f"/admin/webinars/{model}/").status_code == 200, model
    assert client.get(f"/admin/webinars/webinar/{webinar.pk}/change/").status_code == 200
    assert client.get("/admin/webinars/webinar/add/").status_code == 200


def test_admin_edits_go_through_the_service(rf, staff_member, django_capture_on_commit_callbacks):
    from django.contrib.admin.sites import site

    from webinars.admin import WebinarAdmin

    webinar = _upcoming()
    registrant = UserFactory(password=None)
    services.webinar_register(webinar=webinar, user=registrant)
    webinar.starts_at += timedelta(hours=1)
    webinar.ends_at += timedelta(hours=1)
    request = rf.post("/admin/")
    request.user = staff_member
    form = type("Form", (), {"changed_data": ["starts_at", "ends_at"]})()
    with django_capture_on_commit_callbacks() as callbacks:
        WebinarAdmin(Webinar, site).save_model(request, webinar, form, change=True)
    webinar.refresh_from_db()
    assert webinar.sequence == 1
    # The registrant's notification is written with the change and delivered after commit.
    assert Notification.objects.filter(recipient=registrant, kind=emails.RESCHEDULED).exists()
    assert len(callbacks) == 1


def test_next_webinars_selector_for_the_home_page(member, django_assert_max_num_queries):
    from webinars.selectors import next_webinars

    soon = _upcoming(starts_at=timezone.now() + timedelta(days=1))
    _upcoming(starts_at=timezone.now() + timedelta(days=2))
    _past()
    services.webinar_register(webinar=soon, user=member)
    with django_assert_max_num_queries(3):
        webinars = next_webinars(viewer=member, limit=1)
    assert webinars == [soon] and webinars[0].viewer_registration().is_confirmed


def test_seats_left_counts_each_registration_once_whatever_the_organisers(member_client, member):
    webinar = _upcoming(capacity=10)
    webinar.organisers.add(*UserFactory.create_batch(3, password=None))
    services.webinar_register(webinar=webinar, user=UserFactory(password=None))
    assert "9 of 10 left" in member_client.get(webinar.get_absolute_url()).content.decode()
    assert member_client.get(f"/api/v1/webinars/{webinar.slug}/").json()["seats_left"] == 9
    assert "9 seats left" in member_client.get("/webinars/").content.decode()


def test_detail_states_for_cancelled_and_not_yet_open(member_client, member):
    opens = timezone.now() + timedelta(days=1)
    webinar = _upcoming(registration_opens_at=opens)
    html = member_client.get(webinar.get_absolute_url()).content.decode()
    assert "Registration opens on" in html and "(UTC)" in html

    other = _upcoming()
    services.webinar_register(webinar=other, user=member)
    services.webinar_cancel(webinar=other)
    html = member_client.get(other.get_absolute_url()).content.decode()
    assert "This webinar has been cancelled." in html
    assert "You are registered" not in html and other.join_url not in html
    assert "Cancel my registration" not in html


def test_admin_add_and_move_a_webinar(client, staff_member):
    client.force_login(staff_member)
    data = {
        "slug": "added-in-admin",
        "title": "Added in the admin",
        "description": "",
        "host_organisation": "SEGIB",
        "host_time_zone": "America/Santiago",
        "language": "es",
        "starts_at_0": "2030-04-02",
        "starts_at_1": "12:00:00",
        "ends_at_0": "2030-04-02",
        "ends_at_1": "13:00:00",
        "capacity": "30",
        "registration_opens_at_0": "",
        "registration_opens_at_1": "",
        "registration_closes_at_0": "",
        "registration_closes_at_1": "",
        "join_url": "https://meet.example.org/admin",
        "status": "scheduled",
        "recording_url": "",
        "materials": "",
        "is_published": "on",
        "webinarspeaker_set-TOTAL_FORMS": "0",
        "webinarspeaker_set-INITIAL_FORMS": "0",
        "webinarspeaker_set-MIN_NUM_FORMS": "0",
        "webinarspeaker_set-MAX_NUM_FORMS": "1000",
    }
    response = client.post("/admin/webinars/webinar/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    webinar = Webinar.objects.get(slug="added-in-admin")
    assert webinar.sequence == 0

    response = client.post(
        f"/admin/webinars/webinar/{webinar.pk}/change/", {**data, "starts_at_1": "11:00:00"}
    )
    assert response.status_code == 302
    webinar.refresh_from_db()
    assert webinar.sequence == 1 and webinar.starts_at.hour == 11

    bad = {**data, "slug": "bad-times", "ends_at_1": "10:00:00"}
    assert client.post("/admin/webinars/webinar/add/", bad).status_code == 200
    assert not Webinar.objects.filter(slug="bad-times").exists()


def test_organisers_change_the_time_in_the_hosts_zone(
    client, db, django_capture_on_commit_callbacks
):
    organiser, outsider = UserFactory.create_batch(2, password=None)
    webinar = _upcoming(host_time_zone="America/Santiago")
    webinar.organisers.add(organiser)
    services.webinar_register(webinar=webinar, user=outsider)
    url = f"/webinars/{webinar.slug}/reschedule/"

    client.force_login(outsider)
    assert client.get(url).status_code == 403
    assert client.post(url, {"starts_at": "2030-04-09T08:00"}).status_code == 403

    client.force_login(organiser)
    assert client.get(url).status_code == 200
    response = client.post(url, {"starts_at": "2030-04-09T08:00", "ends_at": "2030-04-09T07:00"})
    assert (
        response.status_code == 200
        and "The end must be after the start." in response.content.decode()
    )
    webinar.refresh_from_db()
    assert webinar.sequence == 0

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            url, {"starts_at": "2030-04-09T08:00", "ends_at": "2030-04-09T09:30"}
        )
    assert response.status_code == 302
    webinar.refresh_from_db()
    # 08:00 in Santiago (UTC-4 in April) is 12:00 UTC.
    assert webinar.starts_at.isoformat() == "2030-04-09T12:00:00+00:00"
    assert webinar.sequence == 1 and len(callbacks) == 1  # the registrant's new-time e-mail
    assert Notification.objects.filter(recipient=outsider, kind=emails.RESCHEDULED).exists()


def test_webinars_link_to_themes_chapters_and_hubs(client, db):
    from django.core.management import call_command

    call_command("load_demo")
    nasa = client.get("/webinars/", {"theme": "2013-06", "when": "past"})
    assert nasa.status_code == 200
    theme_page = client.get("/community/themes/2013-06/").content.decode()
    assert "/webinars/sample-lessons-learned-nasa/" in theme_page
    chapter_page = client.get("/community/chapters/asia-pacific/").content.decode()
    assert "/webinars/sample-finance-and-development-asia-pacific/" in chapter_page
    api = client.get("/api/v1/webinars/", {"chapter": "latin-america-caribbean"}).json()
    assert [w["slug"] for w in api["results"]] == ["sample-universidades-centros-de-conocimiento"]
    assert api["results"][0]["host_hub"] == "amexcid"
    # A slug that names no chapter matches nothing (the schema cannot list every slug).
    nowhere = client.get("/api/v1/webinars/", {"chapter": "atlantis"})
    assert nowhere.status_code == 200 and nowhere.json()["results"] == []
    page = client.get("/webinars/", {"chapter": "atlantis"})
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()


def test_speaker_photo_is_checked_by_content_and_size(db):
    import io

    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from webinars.models import Speaker

    speaker = Speaker(name="Ana", sector="public")
    speaker.photo = SimpleUploadedFile("ana.png", b"<svg onload=alert(1)>")
    with pytest.raises(ValidationError, match="valid image"):
        speaker.full_clean()
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buffer, "PNG")
    speaker.photo = SimpleUploadedFile("ana.png", buffer.getvalue())
    speaker.full_clean()
