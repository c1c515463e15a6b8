"""WCAG 2.1 A and AA on every page, for every role, in Swedish and in English.

axe-core (tests/browser/axe.py) checks each page of PAGES_BY_ROLE as the role sees it,
in both languages, forms included as they look when sent with errors, and a few pages
again at a 360-pixel-wide phone (MOBILE_PAGES). Besides the rules axe-core tags WCAG 2.1
A and AA, its structure rules (headings in order, landmarks) must pass, and a duplicate
id that a label or an ARIA attribute points at fails. A failure names the page, the role,
the language and the viewport, and lists each rule's id, impact and help and the failing
elements. Every page must also say its language (``<html lang>`` follows the language
chosen with the header's form) and link to the accessibility statement in its footer.

One browser context per role and language is logged in once and reused. The language is
a person's setting: it is switched with the header's form when the tests move from
Swedish to English, and set back to Swedish at the end. Without axe-core the module is
skipped with the command that installs it, never passed silently.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from tests import factories
from tests.browser import axe
from tests.browser.conftest import DEMO_PASSWORD, PEOPLE, new_page

pytestmark = pytest.mark.skipif(not axe.installed(), reason=axe.MISSING)

LOCALES = {"sv": "sv-SE", "en": "en-GB"}
RETRIES_ON_503 = 4
ROLES = ("anonymous", "employee", "manager", "director", "admin", "case_handler")

# A page each role may not open, for the 403 page.
FORBIDDEN = {
    "employee": "/admin/categories",
    "manager": "/admin/categories",
    "director": "/cases",
    "admin": "/cases",
    "case_handler": "/dashboard",
}

# ---------------------------------------------------------------------------------------
# The pages each role sees. Names are the keys of VISITS below, which says how each page
# is reached; "_errors" pages are forms sent so that they come back with errors.
# ---------------------------------------------------------------------------------------
LOGGED_IN = (
    "ideas",  # the idea list
    "ideas_search",  # the idea list after a search
    "idea",  # an idea's page (someone else's)
    "idea_new",
    "idea_new_errors",  # sent empty
    "idea_new_similar",  # "Check for similar ideas" with a title like an existing one
    "idea_new_typing",  # the similar ideas static/similar.js lists as one types
    "concerns",
    "concern_new",
    "concern_new_errors",  # sent empty
    "my_items",
    "notifications",
    "settings",
    "settings_errors",  # a deputy who does not exist
    "password",
    "password_errors",  # the wrong current password
    "bank",
    "report",  # the whistleblowing channel's form, logged in
    "follow_up",
    "not_found",
    "forbidden",
    "bad_request",
    "accessibility",
)
MANAGING = ("idea_managed", "inbox", "dashboard")

PAGES_BY_ROLE: dict[str, tuple[str, ...]] = {
    "anonymous": (
        "login",
        "login_errors",  # a wrong password
        "report",
        "report_errors",  # sent empty
        "receipt",  # after filing a report
        "follow_up",
        "follow_up_errors",  # a wrong receipt code
        "mailbox",  # the reporter's mailbox, with a message and minutes from the handler
        "not_found",
        "accessibility",
    ),
    "employee": LOGGED_IN
    + (
        "idea_own",
        "idea_with_files",
        "comment_files_errors",
        "comment_remove",
        "concern",
        "report_errors",
        "mailbox",
    ),
    "manager": LOGGED_IN + MANAGING + ("concern", "dashboard_errors"),
    "director": LOGGED_IN + MANAGING + ("concern",),
    "admin": LOGGED_IN
    + MANAGING
    + ("admin_categories", "admin_categories_errors", "mail_folder", "mail_message"),
    "case_handler": LOGGED_IN + ("cases", "case", "oral", "oral_errors", "oral_receipt"),
}


@dataclass
class Sessions:
    """Logged-in pages by (role, language, viewport), and what the pages share."""

    browser: object
    live_server: tuple
    pages: dict = field(default_factory=dict)
    language: dict = field(default_factory=dict)  # a person's (or anonymous context's)
    report: tuple[str, str] | None = None  # (receipt code, case number)
    idea_title: str | None = None
    concern_path: str | None = None
    files_path: str | None = None

    def open(self, role: str, lang: str, viewport: str = "desktop"):
        """A page logged in as ``role`` (none for "anonymous"), showing ``lang``."""
        key = (role, lang, viewport)
        page = self.pages.get(key)
        if page is None:
            for other in [k for k in self.pages if k[0] == role and k[2] == viewport]:
                self.pages.pop(other).context.close()  # its language is done with
            page = new_page(self.browser, self.live_server, viewport, LOCALES[lang])
            axe.preload(page.context)
            if role == "anonymous":
                self.language.pop(key, None)  # a new context: no language chosen yet
            else:
                login(page, role)
            self.pages[key] = page
        who = key if role == "anonymous" else role  # a logged-in person's choice is kept
        if self.language.get(who) != lang:
            choose_language(page, lang)
            self.language[who] = lang
        return page

    def filed_report(self) -> tuple[str, str]:
        """A report filed anonymously, which a case handler has answered and for which
        they have written minutes: the reporter's mailbox then shows every kind of entry."""
        if self.report is None:
            # The handler logs in first: their keys are made at their first login, and a
            # report is sealed for the handlers who have keys when it is filed.
            handler = new_page(self.browser, self.live_server)
            try:
                login(handler, "case_handler")
                reporter = new_page(self.browser, self.live_server)
                try:
                    code, number = file_report(reporter)
                finally:
                    reporter.context.close()
                open_case(handler, number)
                send(handler, "form[action$='/acknowledge'] button")
                send(
                    handler,
                    "form[action$='/messages'] button",
                    {"form[action$='/messages'] textarea": "Tack. Vilken avdelning gäller det?"},
                )
                send(
                    handler,
                    "form[action$='/minutes'] button",
                    {
                        "form[action$='/minutes'] input[type=date]": "2026-11-20",
                        "form[action$='/minutes'] textarea": "Samtal om anmälan. Inget nytt.",
                    },
                    prepare=lambda: handler.locator(
                        "details", has=handler.locator("form[action$='/minutes']")
                    ).evaluate("d => { d.open = true; }"),
                )
            finally:
                handler.context.close()
            self.report = (code, number)
        return self.report

    def idea_with_files(self) -> str:
        """An idea the employee submitted with a photo, and a comment with a PDF: its page."""
        if self.files_path is None:
            page = new_page(self.browser, self.live_server)
            try:
                login(page, "employee")
                go(page, "/ideas/new")
                send(
                    page,
                    "#main form button.button[type=submit]:not([name=preview])",
                    {
                        "#title": "Skylt med öppettider vid entrén",
                        "#description": "Besökare vet inte när receptionen är öppen.",
                        "#main input[name=values]": True,
                    },
                    prepare=lambda: page.set_input_files("#files", photo_file()),
                )
                assert "/ideas/" in page.url and page.locator(".files img").count(), page.url
                self.files_path = page.url.removeprefix(self.live_server[0]).split("#")[0]
            finally:
                page.context.close()
        return self.files_path

    def raised_concern(self) -> str:
        """A concern the employee raised in their unit (the demo has none): its page."""
        if self.concern_path is None:
            page = new_page(self.browser, self.live_server)
            try:
                login(page, "employee")
                go(page, "/concerns/new")
                send(
                    page,
                    "#main form button.button[type=submit]",
                    {
                        "#title": "Larmet i förrådet går inte att höra från kontoret",
                        "#description": "Ingen hör larmet när dörren står öppen.",
                        "#main input[name=values]": True,
                    },
                )
                assert "/concerns/" in page.url, page.url
                self.concern_path = page.url.removeprefix(self.live_server[0])
            finally:
                page.context.close()
        return self.concern_path


def choose_language(page, lang: str) -> None:
    """Switch language with the header's form, as a person would."""
    page.goto("/accessibility")
    if html_lang(page) != lang:
        with page.expect_navigation():
            page.locator(".lang-form button[name=lang]").click()
    assert html_lang(page) == lang


def html_lang(page) -> str | None:
    return page.locator("html").get_attribute("lang")


@pytest.fixture(scope="module")
def sessions(browser, live_server):
    s = Sessions(browser, live_server)
    yield s
    # People's language back to the organisation's, for the tests that come after.
    for (role, _lang, _viewport), page in list(s.pages.items()):
        if role != "anonymous" and s.language.get(role) not in (None, "sv"):
            choose_language(page, "sv")
            s.language[role] = "sv"
    for page in s.pages.values():
        page.context.close()


# ---------------------------------------------------------------------------------------
# How each page is reached.
# ---------------------------------------------------------------------------------------
VISITS: dict[str, Callable] = {}


def visit(name: str):
    def register(fn):
        VISITS[name] = fn
        return fn

    return register


def go(page, path: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None and response.status == status, (
        f"{path}: HTTP {response.status if response else None}, expected {status}"
    )


def send(page, button: str, fields: dict | None = None, prepare: Callable | None = None) -> None:
    """Fill ``fields`` (selector: text, or True to tick a box), press a form's submit
    button and wait for the answer.

    A 503 ("the database cannot be reached") is tried again from the form, with a
    warning: with SQLite a request that reads before it writes fails at once when the
    worker wrote in between (a known fault, not an accessibility one; it must not keep
    the pages from axe).
    """
    form_url = page.url
    for attempt in range(RETRIES_ON_503 + 1):
        if prepare is not None:
            prepare()
        for selector, value in (fields or {}).items():
            if value is True:
                page.locator(selector).first.check()
            else:
                page.fill(selector, value)
        with page.expect_navigation() as answer:
            page.locator(button).first.click()
        response = answer.value
        if response is None or response.status != 503:
            return
        warnings.warn(f"503 from {page.url}: sent again (attempt {attempt + 1})", stacklevel=2)
        time.sleep(attempt + 1)
        page.goto(form_url)
    pytest.fail(f"{page.url} kept answering 503")


def login(page, who: str) -> None:
    """Log in as a demo person (conftest.login, but sent again on a 503)."""
    go(page, "/login")
    send(
        page, "#main form button[type=submit]", {"#email": PEOPLE[who], "#password": DEMO_PASSWORD}
    )
    assert "/login" not in page.url, f"{who} could not log in"


def errors_shown(page) -> None:
    """The page really shows errors: a page with errors must not pass unseen."""
    shown = page.locator(".error-summary, .error-message, .flash-error")
    assert shown.count() > 0 and shown.first.is_visible(), f"no error shown at {page.url}"


def first_link(page, path: str, selector: str, what: str) -> str:
    go(page, path)
    links = page.locator(selector)
    if links.count() == 0:
        pytest.fail(f"the demo data has no {what} at {path} for this person")
    return links.first.get_attribute("href")


def file_report(page) -> tuple[str, str]:
    go(page, "/report")
    send(
        page,
        "#main form[enctype] button[type=submit]",
        {"#what": "Fakturor attesteras av samma person som beställer.", "#where": "Ekonomi"},
    )
    code = page.locator("#receipt-code").inner_text().strip()
    number = page.locator("h1 + p").inner_text().split(":")[-1].strip()
    assert code and number
    return code, number


def open_case(page, number: str) -> None:
    go(page, "/cases")
    with page.expect_navigation():
        page.get_by_role("link", name=number, exact=True).click()


def similar_title(page, s) -> str:
    """The title of an idea in the list, to write one like it (read once)."""
    if s.idea_title is None:
        back = page.url
        go(page, "/ideas")
        s.idea_title = page.locator(".idea-row h2 a").first.inner_text()
        go(page, back)
    return s.idea_title


@visit("login")
def _(page, s):
    go(page, "/login")


@visit("login_errors")
def _(page, s):
    go(page, "/login")
    send(
        page,
        "#main form button[type=submit]",
        {"#email": "nobody@ljungby.example", "#password": "not-the-password"},
    )
    errors_shown(page)


@visit("ideas")
def _(page, s):
    go(page, "/ideas")


@visit("ideas_search")
def _(page, s):
    go(page, "/ideas")
    send(page, "form[role=search] button[type=submit]", {"#q": "rutin"})
    assert "q=rutin" in page.url


@visit("idea")
def _(page, s):
    go(page, first_link(page, "/ideas", ".idea-row h2 a", "idea"))


@visit("idea_own")
def _(page, s):
    go(page, first_link(page, "/me/items", ".idea-row h2 a[href^='/ideas/']", "idea of their own"))


@visit("idea_managed")
def _(page, s):
    go(page, "/inbox?kind=idea")
    rows = page.locator("table.inbox th a")
    if rows.count():
        go(page, rows.first.get_attribute("href"))
    else:  # an admin's inbox may be empty: admins manage every idea
        go(page, first_link(page, "/ideas", ".idea-row h2 a", "idea"))
    assert page.locator("#manage").is_visible(), "the manage forms are not shown"


@visit("idea_new")
def _(page, s):
    go(page, "/ideas/new")


@visit("idea_new_errors")
def _(page, s):
    go(page, "/ideas/new")
    send(page, "#main form button.button[type=submit]:not([name=preview])")
    errors_shown(page)


@visit("idea_new_similar")
def _(page, s):
    go(page, "/ideas/new")
    send(page, "#main form button[name=preview]", {"#title": similar_title(page, s)})
    assert page.locator("#similar-ideas li").count() > 0, "no similar ideas shown"


@visit("idea_new_typing")
def _(page, s):
    go(page, "/ideas/new")
    page.fill("#title", similar_title(page, s))
    page.locator("#similar-ideas li").first.wait_for()  # built by the script, no reload


def photo_file() -> dict:
    return {"name": "IMG_0042.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg_with_gps()}


@visit("idea_with_files")
def _(page, s):
    go(page, s.idea_with_files())
    assert page.locator(".files img").count() == 1


@visit("comment_files_errors")
def _(page, s):
    go(page, s.idea_with_files())
    heic = {"name": "bild.heic", "mimeType": "image/heic", "buffer": factories.heic_header()}
    send(
        page,
        "#comments form button[type=submit]",
        {"#body": "Så här ser det ut."},
        prepare=lambda: page.set_input_files("#files", heic),
    )
    errors_shown(page)


@visit("comment_remove")
def _(page, s):
    """The question before one's own comment is removed (a comment sent first)."""
    go(page, s.idea_with_files())
    send(page, "#comments form button[type=submit]", {"#body": "Fel tråd, förlåt."})
    page.locator(".comment-actions a").last.click()
    page.wait_for_load_state()
    assert "/remove" in page.url and page.locator("form button.danger").count() == 1


@visit("concerns")
def _(page, s):
    go(page, "/concerns")


@visit("concern")
def _(page, s):
    go(page, s.raised_concern())


@visit("concern_new")
def _(page, s):
    go(page, "/concerns/new")


@visit("concern_new_errors")
def _(page, s):
    go(page, "/concerns/new")
    send(page, "#main form button.button[type=submit]")
    errors_shown(page)


@visit("my_items")
def _(page, s):
    go(page, "/me/items")


@visit("settings")
def _(page, s):
    go(page, "/settings")


@visit("settings_errors")
def _(page, s):
    go(page, "/settings")
    send(page, "#main form button[type=submit]", {"#deputy": "nobody@ljungby.example"})
    errors_shown(page)


@visit("password")
def _(page, s):
    go(page, "/settings/password")


@visit("password_errors")
def _(page, s):
    go(page, "/settings/password")
    send(
        page,
        "#main form button[type=submit]",
        {"#current": "not-my-password", "#new": "a-new-password-1", "#confirm": "a-new-pass-2"},
    )
    errors_shown(page)


@visit("inbox")
def _(page, s):
    go(page, "/inbox")


@visit("bank")
def _(page, s):
    go(page, "/bank")


@visit("dashboard")
def _(page, s):
    go(page, "/dashboard")


@visit("dashboard_errors")
def _(page, s):
    go(page, "/dashboard?from=2026-13-45", status=400)
    errors_shown(page)


@visit("report")
def _(page, s):
    go(page, "/report")


@visit("report_errors")
def _(page, s):
    go(page, "/report")
    send(page, "#main form[enctype] button[type=submit]")
    errors_shown(page)


@visit("receipt")
def _(page, s):
    file_report(page)


@visit("follow_up")
def _(page, s):
    go(page, "/report/follow-up")


@visit("follow_up_errors")
def _(page, s):
    go(page, "/report/follow-up")
    send(page, "#main form button[type=submit]", {"#code": "ABCD-EFGH-JKLM-NPQR"})
    errors_shown(page)


@visit("mailbox")
def _(page, s):
    code, _number = s.filed_report()
    go(page, "/report/follow-up")
    send(page, "#main form button[type=submit]", {"#code": code})
    assert page.url.endswith("/report/mailbox")
    assert page.locator(".minutes-actions").count() > 0, "the minutes are not shown"


@visit("cases")
def _(page, s):
    s.filed_report()
    go(page, "/cases")


@visit("case")
def _(page, s):
    _code, number = s.filed_report()
    open_case(page, number)
    assert page.locator(".history.mailbox > li").count() >= 3


@visit("oral")
def _(page, s):
    go(page, "/cases/oral")


@visit("oral_errors")
def _(page, s):
    go(page, "/cases/oral")
    send(page, "#main form button[type=submit]")
    errors_shown(page)


@visit("oral_receipt")
def _(page, s):
    go(page, "/cases/oral")
    send(
        page,
        "#main form button[type=submit]",
        {"#held_on": "2026-11-20", "#body": "Anmälan per telefon om brister i upphandlingen."},
    )
    assert page.locator("#receipt-code").is_visible()


@visit("admin_categories")
def _(page, s):
    go(page, "/admin/categories")


@visit("admin_categories_errors")
def _(page, s):
    go(page, "/admin/categories")
    send(page, "#main form[action$='/admin/categories'] button[type=submit]")
    errors_shown(page)


@visit("mail_folder")
def _(page, s):
    go(page, "/admin/mail")


@visit("mail_message")
def _(page, s):
    go(page, first_link(page, "/admin/mail", "#main a[href^='/admin/mail/']", "e-mail"))


@visit("not_found")
def _(page, s):
    go(page, "/no/such/page", status=404)


@visit("bad_request")
def _(page, s):
    go(page, "/ideas?status=no-such-status", status=400)


@visit("accessibility")
def _(page, s):
    go(page, "/accessibility")


@visit("notifications")
def _(page, s):
    go(page, "/notifications")


# The same checks at a 360-pixel-wide phone, where the header and the forms reflow.
MOBILE_PAGES = {
    "anonymous": ("login", "report_errors", "accessibility"),
    "employee": (
        "ideas",
        "idea",
        "idea_new_errors",
        "idea_with_files",
        "comment_remove",
        "notifications",
        "settings",
        "settings_errors",
    ),
}

CASES = [
    *(
        pytest.param(lang, role, name, "desktop", id=f"{name}-{role}-{lang}")
        for lang in LOCALES  # all of Swedish first: a person's language is switched once
        for role in ROLES
        for name in PAGES_BY_ROLE[role]
    ),
    *(
        pytest.param(lang, role, name, "mobile", id=f"{name}-{role}-{lang}-mobile")
        for lang in reversed(LOCALES)  # English is where the desktop cases ended
        for role, names in MOBILE_PAGES.items()
        for name in names
    ),
]


def test_the_check_finds_faults(browser, live_server):
    """The check itself works: a page with known faults does not pass."""
    page = new_page(browser, live_server)
    try:
        page.set_content(
            "<html><body><main><h1>A</h1><h3>B</h3><img src='x.png'><a href='/'></a>"
            "<label for='d'>C</label><input id='d'><input id='d'></main></body></html>"
        )
        found = {v["id"] for v in axe.run(page)}
    finally:
        page.context.close()
    expected = {"html-has-lang", "image-alt", "link-name", "heading-order", "duplicate-id-aria"}
    assert expected <= found, found


def test_every_page_has_a_way_there():
    named = {n for names in (*PAGES_BY_ROLE.values(), *MOBILE_PAGES.values()) for n in names}
    assert named - {"forbidden"} <= set(VISITS)
    assert set(FORBIDDEN) == set(ROLES) - {"anonymous"}


@pytest.mark.parametrize(("lang", "role", "name", "viewport"), CASES)
def test_no_wcag_violations(sessions, lang, role, name, viewport):
    page = sessions.open(role, lang, viewport)
    if name == "forbidden":
        go(page, FORBIDDEN[role], status=403)
    else:
        VISITS[name](page, sessions)
    assert html_lang(page) == lang, f"<html lang> is {html_lang(page)!r} on {page.url}"
    statement = page.locator(".site-footer a[href='/accessibility']")
    assert statement.count() == 1, f"no link to the accessibility statement on {page.url}"
    failures = axe.run(page)
    assert not failures, (
        f"{name} as {role} in {lang} on {viewport} ({page.url}): {len(failures)} "
        f"accessibility failure(s)\n{axe.describe(failures)}"
    )
