"""Real-browser journeys in Debian's Chromium, each page checked with axe-core."""

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from accounts.models import User

from .accessibility import assert_accessible

pytestmark = [pytest.mark.browser]


def test_sign_up_verify_and_log_in(page, smtp_server, eager_celery):
    # The verification e-mail goes through the outbox: its task runs at once, after commit.
    page.goto(page.base_url + "/")
    assert_accessible(page)
    page.get_by_role("link", name="Join").click()
    assert_accessible(page)
    page.locator("#id_email").fill("lucia.fernandez@example.org")
    page.locator("#id_name").fill("Lucía Fernández")
    page.locator("#id_organisation").fill("APC Colombia")
    page.locator("#id_password1").fill("un-secreto-bastante-largo")
    page.locator("#id_password2").fill("un-secreto-bastante-largo")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    assert_accessible(page)

    message = smtp_server.wait_for(1)[0]
    assert message["To"] == "lucia.fernandez@example.org"
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", body).group(0)
    user = User.objects.get(email="lucia.fernandez@example.org")
    assert not EmailAddress.objects.get(user=user).verified

    page.goto(link)
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(page.base_url + "/")
    assert EmailAddress.objects.get(user=user).verified

    # Sign out, then in again with the password.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(page.base_url + "/")
    page.get_by_role("link", name="Sign in").click()
    assert_accessible(page)
    page.locator("#id_login").fill("lucia.fernandez@example.org")
    page.locator("#id_password").fill("un-secreto-bastante-largo")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(page.base_url + "/")
    expect(page.get_by_role("link", name="Lucía Fernández")).to_be_visible()

    page.get_by_role("link", name="Lucía Fernández").click()
    assert_accessible(page)
    page.get_by_label("Time zone").select_option("America/Bogota")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()
    expect(page.get_by_text("Times are shown in America/Bogota.")).to_be_visible()


def test_language_switcher_and_error_page(page):
    page.goto(page.base_url + "/")
    with page.expect_navigation():
        page.get_by_label("Language").select_option("fr")  # portal.js submits the form
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("link", name="Aller au contenu principal").count() == 1
    assert_accessible(page)
    page.goto(page.base_url + "/no-such-page/")
    assert_accessible(page)


def test_browser_time_zone_reaches_the_server(browser, live_server):
    context = browser.new_context(timezone_id="Asia/Jakarta")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.goto(live_server.url + "/")  # the second request carries the cookie set by portal.js
        expect(page.get_by_text("Times are shown in Asia/Jakarta.")).to_be_visible()
    finally:
        context.close()


def test_api_docs_render_without_outside_requests(page):
    outside = []
    page.on(
        "request", lambda r: outside.append(r.url) if not r.url.startswith(page.base_url) else None
    )
    page.goto(page.base_url + "/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Knowledge Hubs Portal API" in page.locator(".swagger-ui .info .title").inner_text()
    assert outside == []
