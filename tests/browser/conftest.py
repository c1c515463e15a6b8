"""Browser tests: Debian's Chromium driven by Playwright against a real `ideas serve`.

The server is the embedded default that `make run` starts (gunicorn, a Celery worker and
beat, SQLite), on a free port, loaded with the demo organisation, so ideas are routed
and e-mail is written as in use. Where no browser can be found the tests are skipped
with the reason in the summary, never passed silently.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from pathlib import Path

import pytest

from tests.servers import clean_env, run_cli, serving
from tests.smtp import free_port

try:
    from playwright.sync_api import Page, sync_playwright
except ImportError:  # pragma: no cover - reported as a skip below
    Page = None
    sync_playwright = None

DEMO_PASSWORD = "ljungby-demo"
CHROMIUM = os.environ.get("IDEAS_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# As the machine's notes say: without these, Chromium tries the network at every start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "mobile": {"width": 360, "height": 740},  # the phones of home care, schools, maintenance
}
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"

# Demo accounts (ideas/services/demo.py), by role.
PEOPLE = {
    "admin": "elin.magnusson@ljungby.example",
    "case_handler": "birgitta.nordin@ljungby.example",
    "director": "lars.engstrom@ljungby.example",
    "manager": "maria.axelsson@ljungby.example",
    "employee": "anna.johansson@ljungby.example",
    "colleague": "sara.lund@ljungby.example",
}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The product as `make run` serves it, on a free port: ``(base_url, instance)``."""
    if os.environ.get("IDEAS_TEST_DATABASE_URL"):
        pytest.skip("browser journeys run once, in the SQLite pass (the embedded default)")
    instance = tmp_path_factory.mktemp("browser-instance")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_env(IDEAS_INSTANCE_PATH=str(instance), IDEAS_BASE_URL=base)
    run_cli(env, "db", "upgrade")
    run_cli(env, "demo")

    def ready() -> bool:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as response:  # noqa: S310
            return json.loads(response.read())["checks"]["database"] == "ok"

    with serving(
        env, ["serve", "--port", str(port), "--workers", "2"], instance / "server.log", ready
    ):
        yield base, instance


@pytest.fixture(scope="session")
def browser():
    if sync_playwright is None:
        pytest.skip("Playwright for Python is not installed (pip install -e '.[dev]')")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as err:  # noqa: BLE001 - the reason goes into the skip
        playwright.stop()
        pytest.skip(f"Chromium at {CHROMIUM} did not start: {err}")
    yield chromium
    chromium.close()
    playwright.stop()


def new_page(browser, live_server, viewport: str = "desktop", locale: str = "sv-SE"):
    base, _instance = live_server
    mobile = viewport == "mobile"
    context = browser.new_context(
        base_url=base,
        viewport=VIEWPORTS[viewport],
        locale=locale,
        is_mobile=mobile,
        has_touch=mobile,
    )
    context.set_default_timeout(15_000)
    return context.new_page()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    """Every journey runs on a desktop and at a 360-pixel-wide phone."""
    return request.param


@pytest.fixture
def page(browser, live_server, viewport):
    page = new_page(browser, live_server, viewport)
    yield page
    page.context.close()


def login(page, who: str, password: str = DEMO_PASSWORD) -> None:
    """Log in as a demo person (a key of PEOPLE, or an e-mail address)."""
    page.goto("/login")
    page.fill("#email", PEOPLE.get(who, who))
    page.fill("#password", password)
    page.locator("form").filter(has=page.locator("#password")).locator(
        "button[type=submit]"
    ).click()
    page.wait_for_url(lambda url: "/login" not in url)


def logout(page) -> None:
    page.context.clear_cookies()


def no_sideways_scroll(page) -> bool:
    """Nothing cut off or needing sideways scrolling at this width."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def screenshot(page, name: str) -> None:
    """A picture of the page for reviewers (README names the folder)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
