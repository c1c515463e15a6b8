"""Steps that several browser journeys share, as a person does them: by label, role or id,
with the Swedish words the pages show. Each step asserts what the person would see."""

from __future__ import annotations

import re
import time
import uuid

from playwright.sync_api import Page, expect

from tests.browser.conftest import login, no_sideways_scroll, screenshot

# Who the demo organisation (ideas/services/demo.py) puts where.
EMPLOYEE_NAME = "Anna Johansson"  # Hemtjänst Centrum (OF-HTC)
MANAGER_NAME = "Maria Axelsson"  # manages Hemtjänst Centrum: ideas there are routed to her
HOME_UNIT = "OF-HTC"
# Another unit's manager, for "Vi vill också": Karin Petersson leads Hemtjänst Ryssby.
ADOPTER = "karin.petersson@ljungby.example"
ADOPTER_NAME = "Karin Petersson"
ADOPTING_UNIT = "OF-HTR"
ADOPTING_UNIT_NAME = "Hemtjänst Ryssby"
# Someone whose language the journeys may switch without disturbing the others.
POLYGLOT = "fatima.ali@ljungby.example"

IDEA_URL = re.compile(r"/ideas/(\d+)(#[\w-]*)?$")  # a fragment survives redirects
ROUTING_SECONDS = 20


def marker() -> str:
    """A word that appears in nothing else, so that a search finds exactly one idea."""
    return "x" + uuid.uuid4().hex[:10]


def unique_title(viewport: str, word: str | None = None) -> str:
    return f"Digital körlista för kvällspasset {viewport} {word or marker()}"


def flash(page: Page):
    return page.locator(".flashes")


def menu(page: Page, name: str):
    """A link in the main menu of the header."""
    nav = page.get_by_role("navigation", name="Huvudmeny")
    return nav.get_by_role("link", name=name, exact=True)


# Words split over two lines inside a table cell or label: what a squeezed column does.
# A break at a hyphen or a dash is a proper break, not counted.
_BROKEN_WORDS = """(selector) => {
  const out = [];
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const word = /[^\\s\\-\u2013\u2014\\/]+/g;
      let m;
      while ((m = word.exec(node.data))) {
        const r = document.createRange();
        r.setStart(node, m.index);
        r.setEnd(node, m.index + m[0].length);
        const lines = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
        if (lines.size > 1) out.push(m[0]);
      }
    }
  }
  return [...new Set(out)];
}"""


def layout_problems(page: Page, unbroken: str | None = None) -> list[str]:
    """What is cut off or needs sideways scrolling at this width; and, if ``unbroken``
    (a CSS selector) is given, the words inside it that are split over two lines.

    The width is compared with the viewport the test set, not only with
    ``window.innerWidth``: a phone (``is_mobile``) widens its layout viewport to fit
    content that is too wide and zooms the page out, so ``no_sideways_scroll`` alone
    (scrollWidth against innerWidth) passes a page that is 546 px wide on a 360 px phone."""
    problems = []
    width = page.viewport_size["width"]
    wide = page.evaluate("() => Math.max(document.documentElement.scrollWidth, window.innerWidth)")
    if not no_sideways_scroll(page) or wide > width + 1:
        problems.append(f"{page.url} is {wide} px wide on a {width} px screen")
    if unbroken:
        broken = page.evaluate(_BROKEN_WORDS, unbroken)
        if broken:
            problems.append(
                f"{page.url}: words split over two lines in {unbroken} at {width} px: {broken}"
            )
    return problems


def check_width(page: Page, unbroken: str | None = None) -> None:
    """At 360 px nothing may be cut off or need sideways scrolling (nor on a desktop)."""
    problems = layout_problems(page, unbroken)
    assert not problems, "\n".join(problems)


def idea_id(page: Page) -> int:
    found = IDEA_URL.search(page.url)
    assert found, f"not on an idea's page: {page.url}"
    return int(found.group(1))


def log_in(page: Page, who: str, *, shot: str | None = None) -> None:
    """The login page, then the idea list as the person who logged in."""
    if shot:
        page.goto("/login")
        expect(page.locator("h1")).to_have_text("Logga in")
        check_width(page)
        screenshot(page, shot)
    login(page, who)
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_visible()


def submit_idea(
    page: Page,
    title: str,
    *,
    description: str = "Kvällspasset får körlistan på papper och den ändras ofta under kvällen.",
    benefit: str = "Mindre tid i telefon, mer tid hos brukarna.",
    values: tuple[str, ...] = ("Vi är framåt", "Vi vill"),
    shot: str | None = None,
) -> int:
    """Fill in and send the idea form; on the idea's page after. Returns its number."""
    page.goto("/ideas/new")
    expect(page.locator("h1")).to_have_text("Lämna ett förslag")
    with similar_lookup(page):
        page.get_by_label("Rubrik", exact=True).fill(title)
    page.get_by_label("Ditt förslag", exact=True).fill(description)
    page.get_by_label("Nytta", exact=True).fill(benefit)
    unit = page.get_by_label("Berörd enhet", exact=True)
    expect(unit).to_have_value(HOME_UNIT)  # the submitter's own unit comes chosen
    for value in values:
        page.get_by_label(value, exact=True).check()
    check_width(page)
    if shot:
        screenshot(page, shot)
    page.get_by_role("button", name="Skicka förslaget").click()
    expect(page).to_have_url(IDEA_URL)
    expect(flash(page)).to_contain_text("Tack! Ditt förslag är inskickat.")
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(".idea .meta .status")).to_have_text("Inskickad")
    for value in values:
        expect(page.locator(".idea > .tags")).to_contain_text(value)
    expect(page.get_by_role("region", name="Förslaget")).to_contain_text(description)
    return idea_id(page)


def similar_lookup(page: Page):
    """Wait, as a person reading them would, for the similar ideas that the submit form
    looks up as the title is typed (static/similar.js). Sending the form while that
    lookup is still on its way can lose the "Tack!" message: see the report."""
    return page.expect_response(
        lambda r: "/ideas/similar?" in r.url and r.request.method == "GET" and r.ok
    )


def wait_until_routed(page: Page, manager: str = MANAGER_NAME) -> None:
    """The worker routes a new idea within moments: reload the idea's page until it says
    who handles it, and the history says where it went."""
    handled = page.locator(".idea .meta").get_by_text(f"Handläggs av {manager}")
    deadline = time.monotonic() + ROUTING_SECONDS
    while not handled.count():
        assert time.monotonic() < deadline, (
            f"{page.url} not routed to {manager} within {ROUTING_SECONDS} s"
        )
        page.wait_for_timeout(500)
        page.reload()
    expect(history(page)).to_contain_text(f"Förslaget gick till {manager}, som besvarar det.")


def history(page: Page):
    return page.get_by_role("region", name="Historik")


def change_status(
    page: Page,
    status: str,
    label: str,
    comment: str = "",
    *,
    outcome: str = "",
    lessons: str = "",
) -> None:
    """The manager's status form on the idea's page."""
    manage = page.get_by_role("region", name="Ändra status")
    manage.get_by_label("Ny status", exact=True).select_option(status)
    if comment:
        manage.get_by_label("Kommentar till förslagsställaren", exact=True).fill(comment)
    if outcome:
        manage.get_by_label("Vad som gjordes", exact=True).fill(outcome)
    if lessons:
        manage.get_by_label("Lärdomar", exact=True).fill(lessons)
    manage.get_by_role("button", name="Spara status").click()
    expect(flash(page)).to_contain_text(f"Statusen är nu ”{label}”.")
    expect(page.locator(".idea .meta .status")).to_have_text(label)


def follow_up(reporter: Page, code: str, viewport: str, *, shot: bool = False) -> None:
    """The follow-up page, the receipt code, and into the mailbox."""
    if "/report/follow-up" not in reporter.url:
        reporter.goto("/report/follow-up")
    expect(reporter.locator("h1")).to_have_text("Följ upp din rapport")
    check_width(reporter)
    if shot:
        screenshot(reporter, f"{viewport}-report-follow-up")
    reporter.get_by_label("Din kvittokod", exact=True).fill(code)
    reporter.get_by_role("button", name="Öppna min brevlåda").click()
    expect(reporter).to_have_url(re.compile(r"/report/mailbox$"))
    expect(reporter.locator("h1")).to_contain_text("Ditt ärende")
