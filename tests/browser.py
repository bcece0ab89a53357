"""Helpers for the Playwright browser tests."""

from .factories import PASSWORD


def log_in(page, email: str, password: str = PASSWORD) -> None:
    """Sign out whoever is signed in, then sign in through the form."""
    page.goto(page.base_url + "/")
    sign_out = page.get_by_role("button", name="Sign out", exact=True)
    if sign_out.count():
        sign_out.click()
    page.goto(page.base_url + "/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(page.base_url + "/")
