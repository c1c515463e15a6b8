"""Single sign-on in the real browser: Chromium, a real `ideas serve` (the embedded
default, demo organisation) started with the IDEAS_OIDC_* variables, and a real
OpenID Connect provider (panva's oidc-provider, tests/oidc) on loopback.

A person clicks "Logga in med …", logs in at the provider, and is back in `ideas` as
themselves; logging out ends the provider's session too. A case handler who signs on
opens their key on the key page, with the password their key is still sealed under
from local login, and reads their cases. Each page of the way passes axe-core and is
usable at 360 px."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser import axe
from tests.browser.conftest import DEMO_PASSWORD, PEOPLE, new_page, screenshot
from tests.browser.journeys import check_width
from tests.oidc import CLIENT_ID, CLIENT_SECRET, running_provider
from tests.servers import clean_env, run_cli, serving
from tests.smtp import free_port

PROVIDER_NAME = "Ljungby kommuns konto"
ACCOUNTS = {
    "anna-j": {
        "email": PEOPLE["employee"],
        "email_verified": True,
        "name": "Anna Johansson",
    },
    "birgitta-n": {
        "email": PEOPLE["case_handler"],
        "email_verified": True,
        "name": "Birgitta Nordin",
    },
}


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory):
    """A second live server, signed on through a provider of its own: ``(base, provider)``."""
    import os

    if os.environ.get("IDEAS_TEST_DATABASE_URL"):
        pytest.skip("browser journeys run once, in the SQLite pass (the embedded default)")
    instance = tmp_path_factory.mktemp("sso-instance")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running_provider(
        instance / "provider.log",
        redirect_uris=[base + "/login/sso/callback"],
        post_logout_redirect_uris=[base + "/login"],
        accounts=ACCOUNTS,
    ) as provider:
        env = clean_env(
            IDEAS_INSTANCE_PATH=str(instance),
            IDEAS_BASE_URL=base,
            IDEAS_OIDC_ISSUER=provider.url,
            IDEAS_OIDC_CLIENT_ID=CLIENT_ID,
            IDEAS_OIDC_CLIENT_SECRET=CLIENT_SECRET,
            IDEAS_OIDC_NAME=PROVIDER_NAME,
        )
        run_cli(env, "db", "upgrade")
        run_cli(env, "demo")

        def ready() -> bool:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:  # noqa: S310
                return json.loads(response.read())["checks"]["database"] == "ok"

        with serving(
            env, ["serve", "--port", str(port), "--workers", "1"], instance / "server.log", ready
        ):
            yield base, provider


@pytest.fixture
def sso_page(browser, sso_server, viewport):
    page = new_page(browser, (sso_server[0], None), viewport)
    yield page
    page.context.close()


def no_violations(page) -> None:
    if axe.installed():
        found = axe.run(page)
        assert not found, axe.describe(found)


def sign_on(page, login: str) -> None:
    """The login page's button, then the provider's own login form."""
    page.goto("/login")
    button = page.get_by_role("link", name=f"Logga in med {PROVIDER_NAME}")
    expect(button).to_be_visible()
    button.click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("whatever the provider asks")
    page.get_by_role("button", name="Sign-in").click()


def test_sign_on_and_log_out_everywhere(sso_page, sso_server, viewport):
    page = sso_page
    base, provider = sso_server
    page.goto("/login")
    check_width(page)
    no_violations(page)
    screenshot(page, f"sso-login-{viewport}")
    sign_on(page, "anna-j")
    # Polled, not awaited as a navigation: the provider's redirects may have landed
    # before the wait begins, and a navigation already done is never seen again.
    expect(page).to_have_url(base + "/ideas")
    expect(page.locator(".who")).to_have_text("Anna Johansson")

    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(lambda url: url.startswith(provider.url))
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(lambda url: url.startswith(base + "/login"))
    expect(page.locator("h1")).to_have_text("Logga in")
    # The provider's session ended too: signing on again asks for the login once more.
    page.get_by_role("link", name=f"Logga in med {PROVIDER_NAME}").click()
    expect(page.locator("input[name=login]")).to_be_visible()


def test_a_case_handler_opens_their_key_after_signing_on(sso_page, sso_server, viewport):
    page = sso_page
    base, _provider = sso_server
    sign_on(page, "birgitta-n")
    page.wait_for_url(lambda url: "/login/key" in url)
    expect(page.locator("h1")).to_have_text("Öppna dina ärenden")
    check_width(page)
    no_violations(page)
    screenshot(page, f"sso-key-{viewport}")
    field = page.get_by_label("Lösenfras för nyckeln")
    field.fill("not the password")
    field.press("Enter")
    expect(page.locator(".error-message")).to_contain_text("Det är inte lösenordet")
    no_violations(page)
    page.get_by_label("Lösenfras för nyckeln").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Öppna mina ärenden").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto("/cases")
    expect(page.locator("h1")).to_be_visible()
    assert "/cases" in page.url
    assert page.locator("a[href^='/cases/']").count() > 0  # the demo's cases open
