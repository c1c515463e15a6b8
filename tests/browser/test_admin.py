"""An administrator's journeys in the real browser, on a desktop and at a 360-px phone,
and axe-core (WCAG 2.1 A and AA) on every admin page, plus one admin form by keyboard.

The journeys change the demo organisation of the shared live server: each makes its own
people and units (names carry the viewport and a random word) and gives back what it
borrowed, so that the other browser tests find the organisation as they expect it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import axe
from tests.browser import journeys as j
from tests.browser.conftest import new_page, screenshot
from tests.browser.test_keyboard import log_in_by_keyboard, press, tab_to

ADMIN_NAME = "Elin Magnusson"
# Demo employees a journey may make a case handler for a while (one per viewport).
BORROWED = {"desktop": "Lina Andersson", "mobile": "Ida Lindberg"}
KEYBOARD_BORROWED = {"desktop": "Kristoffer Berg", "mobile": "Robin Ek"}


def email_of(name: str) -> str:
    first, last = name.lower().split(" ")
    return f"{first}.{last}@ljungby.example".replace("ö", "o").replace("å", "a").replace("ä", "a")


def heading(page: Page, text: str) -> None:
    expect(page.locator("h1")).to_have_text(text)


def changed(field: str, before: str, after: str) -> re.Pattern:
    """A change in the log as it reads: the arrow is seen, "ändrades till" is heard."""
    return re.compile(rf"{field}:\s*{before}\s*→\s*ändrades till\s*{after}")


def audit_entries(page: Page):
    return page.locator("ul.audit-log > li")


def designate(page: Page, name: str) -> None:
    page.goto("/admin/handlers")
    heading(page, "Handläggare")
    page.get_by_label("E-postadress", exact=True).fill(email_of(name))
    page.get_by_role("button", name="Utse", exact=True).click()
    expect(j.flash(page)).to_contain_text(f"{name} är nu handläggare.")
    row = page.locator(".handler-list > li").filter(has_text=name)
    expect(row).to_contain_text("Får en nyckel vid nästa inloggning")
    j.check_width(page)


def remove_handler(page: Page, name: str, new_role: str = "Medarbetare") -> None:
    page.goto("/admin/handlers")
    row = page.locator(".handler-list > li").filter(has_text=name)
    row.get_by_role("link", name=re.compile("^Ta bort")).click()
    heading(page, f"Ta bort {name} som handläggare")
    j.check_width(page)
    page.get_by_label("Ny roll", exact=True).select_option(label=new_role)
    page.get_by_role("button", name="Ta bort som handläggare").click()
    expect(j.flash(page)).to_contain_text(f"{name} är inte längre handläggare.")
    expect(page.locator(".handler-list")).not_to_contain_text(name)


def test_designate_and_remove_a_case_handler_and_read_the_log(page, viewport):
    """The admin opens the administration from the header, designates a case handler
    (who has no key until they log in), sees that the page never shows a case, removes
    the handler again, and finds both changes at the top of the audit log."""
    name = BORROWED[viewport]
    j.log_in(page, "admin")
    j.menu(page, "Administration").click()
    heading(page, "Administration")
    for link in ("Handläggare", "Logg", "Kategorier"):
        expect(page.locator("#main").get_by_role("link", name=link, exact=True)).to_be_visible()
    j.check_width(page)
    page.locator("#main").get_by_role("link", name="Handläggare", exact=True).click()
    heading(page, "Handläggare")
    expect(page.locator("#main")).to_contain_text("Så får en ny handläggare tillgång")
    expect(page.locator(".handler-list")).to_contain_text("Birgitta Nordin")
    expect(page.locator("#main")).not_to_contain_text(re.compile(r"VB-\d{4}-\d{4}"))
    designate(page, name)
    screenshot(page, f"admin-handlers-{viewport}")

    # Designating them twice is refused at the field, and nothing changes.
    page.get_by_label("E-postadress", exact=True).fill(email_of(name))
    page.get_by_role("button", name="Utse", exact=True).click()
    field = page.get_by_label("E-postadress", exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email-error")).to_have_text(f"{name} är redan handläggare.")

    remove_handler(page, name)

    page.goto("/admin/audit")
    heading(page, "Logg")
    newest, second = audit_entries(page).nth(0), audit_entries(page).nth(1)
    expect(newest).to_contain_text("Inte längre handläggare")
    expect(newest).to_contain_text(email_of(name))
    expect(newest).to_contain_text(changed("Roll", "Handläggare", "Medarbetare"))
    expect(newest).to_contain_text(ADMIN_NAME)
    expect(second).to_contain_text("Utsedd till handläggare")
    expect(second).to_contain_text(changed("Roll", "Medarbetare", "Handläggare"))
    # Filtered to the case handlers' changes by this admin.
    page.get_by_label("Slag av ändring", exact=True).select_option(label="Handläggare")
    page.get_by_label("Gjord av", exact=True).select_option(label=ADMIN_NAME)
    page.get_by_role("button", name="Visa", exact=True).click()
    expect(page).to_have_url(re.compile(r"target_type=case_handler"))
    for i in range(audit_entries(page).count()):
        expect(audit_entries(page).nth(i)).to_contain_text("handläggare")
    j.check_width(page)
    screenshot(page, f"admin-audit-{viewport}")


def test_designate_a_case_handler_by_keyboard(page, viewport):
    """The designation form without a mouse: sent empty, the error is announced and
    tied to the field; then an address typed, and the removal confirmed, by keyboard."""
    name = KEYBOARD_BORROWED[viewport]
    log_in_by_keyboard(page, "admin")
    press(page, "nav a", "Administration")
    heading(page, "Administration")
    press(page, "#main a", "Handläggare")
    heading(page, "Handläggare")
    press(page, "#main button[type=submit]", "Utse")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    field = page.locator("#email")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(r"\bemail-error\b"))
    press(page, '.error-summary a[href="#email"]')
    expect(field).to_be_focused()
    page.keyboard.type(email_of(name))
    page.keyboard.press("Enter")
    expect(j.flash(page)).to_contain_text(f"{name} är nu handläggare.")
    press(page, "#main .handler-list a", f"Ta bort {name}")
    heading(page, f"Ta bort {name} som handläggare")
    tab_to(page, "#role")
    assert page.evaluate("document.activeElement.value") == "employee"
    press(page, "#main button[type=submit]", "Ta bort som handläggare")
    expect(j.flash(page)).to_contain_text(f"{name} är inte längre handläggare.")
    j.check_width(page)


# -- axe-core on every admin page --------------------------------------------------------

ADMIN_PAGES = {
    "home": "/admin",
    "people": "/admin/users",
    "person_new": "/admin/users/new",
    "person_edit": None,  # a person's page, reached from the list
    "import": "/admin/users/import",
    "units": "/admin/units",
    "values": "/admin/values",
    "deadlines": "/admin/deadlines",
    "handlers": "/admin/handlers",
    "handler_remove": None,  # the confirmation of a removal, reached from the list
    "audit": "/admin/audit",
    "categories": "/admin/categories",
}


@pytest.fixture(scope="module")
def admin_pages(browser, live_server):
    """One logged-in admin context per viewport, reused for every page."""
    opened = {}

    def get(viewport: str) -> Page:
        if viewport not in opened:
            page = new_page(browser, live_server, viewport)
            axe.preload(page.context)
            j.log_in(page, "admin")
            opened[viewport] = page
        return opened[viewport]

    yield get
    for page in opened.values():
        page.context.close()


def reached(page: Page, name: str) -> str:
    """The path of a page that is reached by a link rather than typed."""
    if name == "handler_remove":  # the removal's confirmation for the demo's case handler
        page.goto("/admin/handlers")
        row = page.locator(".handler-list > li").filter(has_text="Birgitta Nordin")
        return row.get_by_role("link", name=re.compile("^Ta bort")).get_attribute("href")
    # A person's page: the list's link for the demo's employee Anna Johansson.
    page.goto("/admin/users?q=anna.johansson")
    link = page.locator("#main").get_by_role("link", name="Anna Johansson", exact=True)
    return link.first.get_attribute("href")


def go(page: Page, name: str) -> None:
    path = ADMIN_PAGES[name] or reached(page, name)
    response = page.goto(path)
    assert response.status == 200, f"{path}: {response.status}"


@pytest.mark.skipif(not axe.installed(), reason=axe.MISSING)
@pytest.mark.parametrize("name", list(ADMIN_PAGES))
def test_admin_pages_have_no_wcag_violation(admin_pages, viewport, name):
    page = admin_pages(viewport)
    go(page, name)
    violations = axe.run(page)
    assert not violations, f"{name} ({page.url}) at {viewport}:\n{axe.describe(violations)}"
    j.check_width(page)


@pytest.mark.skipif(not axe.installed(), reason=axe.MISSING)
def test_admin_forms_sent_with_errors_have_no_wcag_violation(admin_pages, viewport):
    page = admin_pages(viewport)
    page.goto("/admin/handlers")
    page.get_by_role("button", name="Utse", exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()
    violations = axe.run(page)
    assert not violations, f"designation with errors at {viewport}:\n{axe.describe(violations)}"
    j.check_width(page)
