"""Times in the viewer's zone and the host's, across a daylight-saving change."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone, translation
from django.utils.html import escape

from webinars.timezones import dual_times

from .factories import UserFactory
from .webinars_support import WebinarFactory

# Chile leaves daylight-saving time at 00:00 on Sunday 5 April 2026 (UTC-3 → UTC-4);
# Jakarta has none (UTC+7).
BEFORE_CHANGE = datetime(2026, 4, 2, 12, 0, tzinfo=UTC)
AFTER_CHANGE = datetime(2026, 4, 9, 12, 0, tzinfo=UTC)
ACROSS_DATE_LINE = datetime(2026, 4, 9, 20, 0, tzinfo=UTC)


def _times_block(html: str) -> str:
    return re.search(r"<dl class=\"webinar-times\".*?</dl>", html, re.S).group(0)


def _webinar(starts_at):
    return WebinarFactory(
        host_time_zone="America/Santiago",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
    )


@pytest.mark.parametrize(
    ("starts_at", "jakarta", "santiago"),
    [
        (BEFORE_CHANGE, "Thursday 2 April 2026, 19:00", "Thursday 2 April 2026, 09:00"),
        (AFTER_CHANGE, "Thursday 9 April 2026, 19:00", "Thursday 9 April 2026, 08:00"),
    ],
)
def test_jakarta_viewer_and_santiago_host_see_their_own_local_times(
    client, db, starts_at, jakarta, santiago
):
    webinar = _webinar(starts_at)
    viewer = UserFactory(time_zone="Asia/Jakarta")
    client.force_login(viewer)
    block = _times_block(client.get(webinar.get_absolute_url()).content.decode())
    assert "Your time (Asia/Jakarta)" in block
    assert "Host's time (America/Santiago)" in block
    assert jakarta in block and santiago in block
    assert "data-date-differs" not in block

    host = UserFactory(time_zone="America/Santiago")
    client.force_login(host)
    block = _times_block(client.get(webinar.get_absolute_url()).content.decode())
    assert "Your time and the host's (America/Santiago)" in block
    assert santiago in block and jakarta not in block


def test_a_different_date_across_the_date_line_is_marked(client, db):
    webinar = _webinar(ACROSS_DATE_LINE)
    client.force_login(UserFactory(time_zone="Asia/Jakarta"))
    block = _times_block(client.get(webinar.get_absolute_url()).content.decode())
    assert "Friday 10 April 2026, 03:00" in block
    assert "Thursday 9 April 2026, 16:00" in block
    assert "data-date-differs" in block and "The next day for you" in block


def test_anonymous_viewer_gets_the_browser_zone_from_the_cookie(client, db):
    webinar = _webinar(AFTER_CHANGE)
    client.cookies["portal_tz"] = "Asia/Jakarta"
    block = _times_block(client.get(webinar.get_absolute_url()).content.decode())
    assert "Your time (Asia/Jakarta)" in block and "19:00" in block


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_first_visit_shows_the_hosts_time_and_utc_for_the_browser_to_add_its_own(
    client, db, language
):
    """No profile zone, no cookie yet: nothing is called "your time" until the browser says."""
    webinar = _webinar(AFTER_CHANGE)
    html = client.get(webinar.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    block = _times_block(html)
    with translation.override(language):
        your_time = translation.gettext("Your time (%(zone)s)") % {"zone": "ZONE"}
        host_time = translation.gettext("Host's time (%(zone)s)") % {"zone": "America/Santiago"}
    assert "data-zone-unknown" in block
    assert f"<dt>{host_time}</dt>" in block and "08:00" in block  # Santiago, UTC-4
    assert re.search(r"<dt>UTC</dt>\s*<dd><time [^>]*>[^<]*12:00</time>", block)
    assert f'data-your-time="{escape(your_time)}"' in block
    assert 'data-starts-at="2026-04-09T12:00:00+00:00"' in block
    assert "(UTC)" not in block  # no "Your time (UTC)" that is nobody's time

    client.cookies["portal_tz"] = "UTC"  # the browser has said: now it is known
    block = _times_block(client.get(webinar.get_absolute_url()).content.decode())
    assert "data-zone-unknown" not in block


def test_dual_times_utc_instants_stay_the_same(db):
    webinar = _webinar(AFTER_CHANGE)
    times = dual_times(webinar, "Asia/Jakarta")
    assert times.viewer.starts_at == times.host.starts_at == AFTER_CHANGE
    assert times.viewer.starts_at.utcoffset() == timedelta(hours=7)
    assert times.host.starts_at.utcoffset() == timedelta(hours=-4)
    assert dual_times(_webinar(BEFORE_CHANGE), "Asia/Jakarta").host.starts_at.utcoffset() == (
        timedelta(hours=-3)
    )
    with timezone.override("UTC"):
        assert dual_times(webinar, "Not/AZone").viewer.zone == "UTC"
