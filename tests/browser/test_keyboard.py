"""The journeys without a mouse: Tab, Shift+Tab, typing, Space and Enter only.

No ``click()`` and no ``fill()``: focus moves by Tab (bounded), the page is asked only
where focus is and what it shows. On the way, every control reached must show that it
has focus (WCAG 2.4.7), the first Tab must reach a skip link that moves focus to the
content (2.4.1), and a form sent with errors must say so and tie each error to its
field (3.3.1, 1.3.1, 4.1.2). Each test runs on a desktop and at a 360-px phone.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import journeys as j
from tests.browser.conftest import DEMO_PASSWORD, PEOPLE, new_page

TABS = 150  # no control in these journeys should be further away than this

FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const r = e.getBoundingClientRect();
  return {
    tag: e.tagName.toLowerCase(), id: e.id, type: e.getAttribute("type") || "",
    text: (e.innerText || e.value || "").trim().replace(/\\s+/g, " "),
    outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0,
    shadow: s.boxShadow !== "none",
    left: r.left, right: r.right, width: r.width, height: r.height,
  };
}"""


@pytest.fixture
def open_page(browser, live_server, viewport):
    opened = []

    def make():
        other = new_page(browser, live_server, viewport)
        opened.append(other)
        return other

    yield make
    for other in opened:
        other.context.close()


def focused(page: Page) -> dict | None:
    return page.evaluate(FOCUSED)


def describe(found: dict | None) -> str:
    if not found:
        return "nothing (the page itself)"
    return f"<{found['tag']} id={found['id']!r}> {found['text'][:60]!r}"


def assert_focus_visible(page: Page) -> dict:
    """The focused element shows it (outline or ring) and is on screen, not cut off."""
    found = focused(page)
    assert found, f"nothing has focus on {page.url}"
    assert found["outline"] or found["shadow"], (
        f"focus is not visible on {describe(found)} at {page.url}"
    )
    width = page.viewport_size["width"]
    assert found["width"] > 0 and found["height"] > 0, f"{describe(found)} has no size"
    assert found["left"] >= -1 and found["right"] <= width + 1, (
        f"{describe(found)} is partly off screen ({found['left']:.0f}..{found['right']:.0f} "
        f"of {width} px) at {page.url}"
    )
    return found


def tab_to(page: Page, selector: str, text: str | None = None, *, back: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until the element matching ``selector`` (and showing
    ``text``, if given) has focus; fail if it takes more than TABS presses."""
    seen = []
    for presses in range(1, TABS + 1):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        here = page.evaluate(
            "([s, t]) => { const e = document.activeElement;"
            " return !!e && e.matches(s) &&"
            " (t === null || (e.innerText || e.value || '').trim().replace(/\\s+/g, ' ') === t); }",
            [selector, text],
        )
        if here:
            return {**assert_focus_visible(page), "presses": presses}
        seen.append(describe(focused(page)))
    raise AssertionError(
        f"{TABS} presses of Tab never reached {selector} {text or ''} on {page.url}; "
        f"passed: {seen[:40]}"
    )


def type_into(page: Page, selector: str, words: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(words)


def press(page: Page, selector: str, text: str | None = None, key: str = "Enter") -> None:
    """Tab to a link or button and press it."""
    tab_to(page, selector, text)
    page.keyboard.press(key)


def log_in_by_keyboard(page: Page, who: str) -> None:
    page.goto("/login")
    type_into(page, "#email", PEOPLE.get(who, who))
    type_into(page, "#password", DEMO_PASSWORD)
    page.keyboard.press("Enter")  # sends the form from the password field
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_visible()


def test_the_first_tab_reaches_a_skip_link_to_the_content(page, viewport):
    """The first Tab on a page focuses a visible "Hoppa till innehållet"; Enter moves
    focus to the main content, so the next Tab is the first control there."""
    page.goto("/login")
    page.keyboard.press("Tab")
    first = assert_focus_visible(page)
    assert first["tag"] == "a" and first["text"] == "Hoppa till innehållet", describe(first)
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "email", describe(focused(page))

    log_in_by_keyboard(page, "employee")  # a page with the whole menu before the content
    page.keyboard.press("Tab")
    first = assert_focus_visible(page)
    assert first["text"] == "Hoppa till innehållet", describe(first)
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    after = assert_focus_visible(page)
    assert after["text"] == "Lämna ett förslag", f"after the skip link: {describe(after)}"
    j.check_width(page)


def test_log_in_and_submit_an_idea_by_keyboard(page, open_page, viewport):
    """Journeys 1 and 2 by keyboard, with a first try that leaves everything empty: the
    errors are announced and each is tied to its field; the summary's link leads to the
    field. Then a colleague supports and comments, and the manager acknowledges it in
    the inbox and takes it into assessment, by keyboard too."""
    log_in_by_keyboard(page, "employee")
    expect(page.locator("h1")).to_have_text("Alla förslag")
    press(page, "nav a", "Nytt förslag")
    expect(page.locator("h1")).to_have_text("Lämna ett förslag")

    # Sent empty: an error summary that is announced, errors tied to their fields.
    press(page, "button[type=submit]", "Skicka förslaget")
    expect(page.locator("h1")).to_have_text("Lämna ett förslag")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.locator("h2")).to_have_text("Rätta till följande")
    for name in ("title", "description"):
        field = page.locator(f"#{name}")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{name}-error\b"))
        expect(page.locator(f"#{name}-error")).to_have_text("Det här fältet är obligatoriskt.")
        expect(summary.locator(f'a[href="#{name}"]')).to_be_visible()
    values = page.locator("fieldset#values")
    expect(values).to_have_attribute("aria-describedby", "values-error")
    expect(page.locator("#values-error")).to_have_text("Välj minst en värdering.")
    # The summary's first link takes focus to the title field.
    press(page, '.error-summary a[href="#title"]')
    expect(page.locator("#title")).to_be_focused()
    j.check_width(page)

    word = j.marker()
    title = j.unique_title(f"tangentbord {viewport}", word)
    with j.similar_lookup(page):
        page.keyboard.type(title)
    type_into(page, "#description", "Körlistan ändras under kvällen; vi vill se den i mobilen.")
    type_into(page, "#benefit", "Mer tid hos brukarna.")
    tab_to(page, "#unit")
    assert page.evaluate("document.activeElement.value") == j.HOME_UNIT
    tab_to(page, "input[type=checkbox][value='Vi vill']")
    page.keyboard.press("Space")
    expect(page.get_by_label("Vi vill", exact=True)).to_be_checked()
    press(page, "button[type=submit]", "Skicka förslaget")
    expect(page).to_have_url(j.IDEA_URL)
    expect(j.flash(page)).to_contain_text("Tack! Ditt förslag är inskickat.")
    expect(page.locator("h1")).to_have_text(title)
    item = j.idea_id(page)
    j.check_width(page)

    # The list's search box, by keyboard.
    press(page, "nav a", "Alla förslag")
    expect(page.locator("h1")).to_have_text("Alla förslag")
    type_into(page, "#q", word)
    page.keyboard.press("Enter")
    expect(page.locator(".result-count")).to_have_text("1 förslag")
    expect(page.locator(".idea-list")).to_contain_text(title)

    # A colleague supports it and comments.
    colleague = open_page()
    log_in_by_keyboard(colleague, "colleague")
    colleague.goto(f"/ideas/{item}")
    expect(colleague.locator("h1")).to_have_text(title)
    press(colleague, "button[type=submit]", "Stöd förslaget")
    expect(j.flash(colleague)).to_contain_text("Du stöder förslaget.")
    expect(colleague.locator(".support-count")).to_have_text("1 person stöder")
    type_into(colleague, "#body", "Bra, det vill vi också ha.")
    press(colleague, "button[type=submit]", "Publicera kommentar")
    expect(j.flash(colleague)).to_contain_text("Din kommentar är publicerad.")
    expect(colleague.locator("#comments .comment")).to_contain_text("Bra, det vill vi också ha.")

    # The manager: the inbox's bulk action, then the status form.
    page.goto(f"/ideas/{item}")
    j.wait_until_routed(page)
    manager = open_page()
    log_in_by_keyboard(manager, "manager")
    press(manager, "nav a", "Inkorg")
    expect(manager.locator("h1")).to_have_text("Inkorg")
    tab_to(manager, f"#sel-{item}")
    manager.keyboard.press("Space")
    expect(manager.locator(f"#sel-{item}")).to_be_checked()
    tab_to(manager, "#action")
    assert manager.evaluate("document.activeElement.value") == "acknowledge"
    press(manager, "button[type=submit]", "Utför")
    expect(j.flash(manager)).to_contain_text("Klart för 1 ärenden.")

    manager.goto(f"/ideas/{item}")
    expect(manager.locator(".idea .meta .status")).to_have_text("Mottagen")
    tab_to(manager, "#status")
    assert manager.evaluate("document.activeElement.value") == "assessing"
    type_into(manager, "#comment", "Vi tittar på det.")
    press(manager, "button[type=submit]", "Spara status")
    expect(j.flash(manager)).to_contain_text("Statusen är nu ”Under utredning”.")
    j.check_width(manager)


def test_report_and_follow_up_by_keyboard(open_page, viewport):
    """Journey 6, the reporter's side, by keyboard: the report, the receipt (the box
    must be ticked before going on), the follow-up with the code, and an answer in the
    mailbox."""
    reporter = open_page()
    reporter.goto("/report")
    what = f"Dokumentation som skrivs i efterhand ({viewport}, tangentbord)."
    type_into(reporter, "#what", what)
    press(reporter, "button[type=submit]", "Skicka rapporten")
    expect(reporter.locator("h1")).to_have_text("Din rapport är mottagen")
    code = reporter.locator("#receipt-code").inner_text().strip()
    assert code
    j.check_width(reporter)

    # Going on without ticking the box is stopped, and focus is put on the box.
    press(reporter, "button[type=submit]", "Fortsätt till brevlådan")
    expect(reporter.locator("h1")).to_have_text("Din rapport är mottagen")
    expect(reporter.locator("#written-down")).to_be_focused()
    reporter.keyboard.press("Space")
    expect(reporter.locator("#written-down")).to_be_checked()
    press(reporter, "button[type=submit]", "Fortsätt till brevlådan")
    expect(reporter.locator("h1")).to_have_text("Följ upp din rapport")

    type_into(reporter, "#code", code)
    reporter.keyboard.press("Enter")
    expect(reporter.locator("h1")).to_contain_text("Ditt ärende")
    expect(reporter.locator(".mailbox > li").first).to_contain_text(what)
    j.check_width(reporter)

    type_into(reporter, "#body", "Jag kan berätta mer om det behövs.")
    press(reporter, "button[type=submit]", "Skicka")
    expect(j.flash(reporter)).to_contain_text("Ditt meddelande är skickat till handläggarna.")
    expect(reporter.locator(".mailbox > li").last).to_contain_text("Jag kan berätta mer")

    press(reporter, "button[type=submit]", "Stäng brevlådan")
    expect(reporter.locator("h1")).to_have_text("Följ upp din rapport")


def test_settings_and_language_by_keyboard(page, viewport):
    """Journeys 7 and 8 by keyboard: the digest choice is kept; the language button is
    among the first stops of Tab and turns the page into English and back."""
    log_in_by_keyboard(page, j.POLYGLOT)
    press(page, "nav a", "Inställningar")
    expect(page.locator("h1")).to_have_text("Inställningar")
    tab_to(page, "#digest_frequency")
    start = page.evaluate("document.activeElement.value")
    page.keyboard.press("ArrowDown" if start != "monthly" else "ArrowUp")
    chosen = page.evaluate("document.activeElement.value")
    assert chosen != start
    press(page, "button[type=submit]", "Spara inställningarna")
    expect(j.flash(page)).to_contain_text("Dina inställningar är sparade.")
    page.reload()
    expect(page.locator("#digest_frequency")).to_have_value(chosen)

    # Skip link, the organisation's name, then the language: the third stop.
    assert tab_to(page, ".lang-form button", "English")["presses"] == 3
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Settings")
    press(page, ".lang-form button", "Svenska")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("h1")).to_have_text("Inställningar")
    j.check_width(page)
