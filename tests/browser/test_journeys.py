"""End-to-end journeys in a real browser, each on a desktop and at a 360-px phone.

Every journey is done the way a person does it: through the pages, by the labels and
buttons they show, and checks what that person would see. Each test stands alone: what
it needs (an idea, an implemented idea, a report) it makes through the pages itself.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import journeys as j
from tests.browser.conftest import PEOPLE, new_page, screenshot


@pytest.fixture
def open_page(browser, live_server, viewport):
    """Another person's browser (a context of its own) at the same width; closed after."""
    opened = []

    def make():
        other = new_page(browser, live_server, viewport)
        opened.append(other)
        return other

    yield make
    for other in opened:
        other.context.close()


def test_log_in_wrong_password_then_right(page, viewport):
    """Journey 1: a wrong password is refused with a message; the right one opens the ideas."""
    page.goto("/ideas")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fideas$"))
    page.get_by_label("E-postadress", exact=True).fill(PEOPLE["employee"])
    page.get_by_label("Lösenord", exact=True).fill("not-the-password")
    page.get_by_role("main").get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_have_text("E-postadressen eller lösenordet är fel.")
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_have_count(0)
    j.check_width(page)
    screenshot(page, f"{viewport}-login")

    j.log_in(page, "employee")
    expect(page.locator("h1")).to_have_text("Alla förslag")
    expect(page.locator(".who")).to_have_text(j.EMPLOYEE_NAME)
    j.check_width(page)

    page.get_by_role("button", name="Logga ut").click()
    expect(page.locator("h1")).to_have_text("Logga in")
    page.goto("/ideas")
    expect(page.locator("h1")).to_have_text("Logga in")


def test_submit_an_idea_and_find_it(page, viewport):
    """Journey 2: an employee submits an idea; it is in the list, and the search finds it."""
    j.log_in(page, "employee")
    j.check_width(page)
    screenshot(page, f"{viewport}-idea-list")
    word = j.marker()
    title = j.unique_title(viewport, word)
    j.submit_idea(page, title, shot=f"{viewport}-idea-new")
    expect(page.get_by_text(f"{j.EMPLOYEE_NAME} skickade in förslaget.")).to_be_visible()
    j.check_width(page)

    j.menu(page, "Alla förslag").click()
    expect(page.locator(".idea-list")).to_contain_text(title)  # newest first, on page one

    search = page.get_by_role("search")
    search.get_by_label("Sök", exact=True).fill(word)
    search.get_by_role("button", name="Visa").click()
    expect(page).to_have_url(re.compile(rf"/ideas\?q={word}&"))
    expect(page.locator(".result-count")).to_have_text("1 förslag")
    found = page.locator(".idea-list .idea-row")
    expect(found).to_have_count(1)
    expect(found.get_by_role("link")).to_have_text(title)
    expect(found.locator(".status")).to_have_text("Inskickad")
    j.check_width(page)

    search.get_by_label("Sök", exact=True).fill("x" + word[::-1] + "qq")
    search.get_by_role("button", name="Visa").click()
    expect(page.locator(".result-count")).to_have_text("0 förslag")
    expect(page.get_by_text("Inga förslag matchar.")).to_be_visible()


def test_submit_an_idea_with_a_photo(page, viewport):
    """Journey 2b: an employee submits an idea with a photo from the phone (EXIF with the
    place it was taken); the idea's page shows its thumbnail, which opens the original,
    and what is served carries no camera data and no GPS."""
    import io

    from PIL import Image

    from tests import factories

    j.log_in(page, "employee")
    title = j.unique_title(viewport)
    page.goto("/ideas/new")
    with j.similar_lookup(page):
        page.get_by_label("Rubrik", exact=True).fill(title)
    page.get_by_label("Ditt förslag", exact=True).fill("Skylten syns inte när det är mörkt.")
    page.get_by_label("Vi vill", exact=True).check()
    files = page.get_by_label("Filer (frivilligt)", exact=True)
    expect(files).to_have_attribute("accept", re.compile("image/jpeg"))
    expect(page.get_by_label("Eller ta ett foto nu", exact=True)).to_have_attribute(
        "capture", "environment"
    )
    photo = factories.jpeg_with_gps(1200, 900, orientation=6)
    files.set_input_files({"name": "IMG_0042.jpg", "mimeType": "image/jpeg", "buffer": photo})
    j.check_width(page)
    screenshot(page, f"{viewport}-idea-new-photo")
    page.get_by_role("button", name="Skicka förslaget").click()
    expect(page).to_have_url(j.IDEA_URL)
    expect(j.flash(page)).to_contain_text("Tack! Ditt förslag är inskickat.")

    thumbnail = page.get_by_role("img", name="Bild photo-1.jpg: öppna originalet")
    expect(thumbnail).to_be_visible()
    thumbnail.scroll_into_view_if_needed()  # loaded lazily: once it is in view
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    assert thumbnail.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [240, 320]
    expect(page.locator(".files")).to_contain_text("photo-1.jpg")
    j.check_width(page)
    screenshot(page, f"{viewport}-idea-with-photo")

    with page.expect_navigation() as opened:
        thumbnail.click()
    original = opened.value
    assert original.status == 200
    assert original.headers["content-type"] == "image/jpeg"
    assert original.headers["x-content-type-options"] == "nosniff"
    assert original.headers["content-disposition"].startswith("inline")
    served = original.body()
    picture = Image.open(io.BytesIO(served))
    assert picture.size == (900, 1200)  # turned as the phone was held
    assert not picture.getexif() and "exif" not in picture.info
    assert b"Telefonmakaren" not in served


def test_a_colleague_supports_and_comments(page, open_page, viewport):
    """Journey 3: a colleague in another unit supports the idea and comments; the
    submitter sees both."""
    j.log_in(page, "employee")
    title = j.unique_title(viewport)
    item = j.submit_idea(page, title)

    colleague = open_page()
    j.log_in(colleague, "colleague")
    colleague.goto(f"/ideas/{item}")
    expect(colleague.locator("h1")).to_have_text(title)
    actions = colleague.get_by_role("region", name="Stöd och följ")
    expect(actions.locator(".support-count")).to_have_text("0 personer stöder")
    actions.get_by_role("button", name="Stöd förslaget").click()
    expect(j.flash(colleague)).to_contain_text("Du stöder förslaget.")
    expect(actions.locator(".support-count")).to_have_text("1 person stöder")
    expect(actions.get_by_role("button", name="Ta bort mitt stöd")).to_be_visible()

    remark = f"Det här behöver vi i Ryssby också ({viewport})."
    colleague.get_by_label("Kommentar", exact=True).fill(remark)
    colleague.get_by_role("button", name="Publicera kommentar").click()
    expect(j.flash(colleague)).to_contain_text("Din kommentar är publicerad.")
    comments = colleague.locator("#comments")
    expect(comments.locator("h2")).to_have_text("Kommentarer (1)")
    expect(comments.locator(".comment")).to_contain_text(remark)
    expect(comments.locator(".comment strong")).to_have_text("Sara Lund")
    j.check_width(colleague)

    page.reload()
    expect(page.locator(".support-count")).to_have_text("1 person stöder")
    expect(page.locator("#comments .comment")).to_contain_text(remark)
    j.check_width(page)
    screenshot(page, f"{viewport}-idea")


def test_the_manager_takes_an_idea_from_the_inbox_to_implemented(page, open_page, viewport):
    """Journey 4: the idea is routed to the unit's manager, who finds it in the inbox,
    acknowledges it, assesses it, accepts it with a reason and marks it implemented with
    what was done and what was learned. The submitter sees every step in the history."""
    j.log_in(page, "employee")
    title = j.unique_title(viewport)
    item = j.submit_idea(page, title)
    j.wait_until_routed(page)

    manager = open_page()
    j.log_in(manager, "manager")
    j.menu(manager, "Inkorg").click()
    expect(manager.locator("h1")).to_have_text("Inkorg")
    filters = manager.locator("form.filters")
    filters.get_by_label("Status", exact=True).select_option("submitted")
    filters.get_by_label("Slag", exact=True).select_option("idea")
    filters.get_by_role("button", name="Visa").click()
    row = manager.get_by_role("row").filter(has=manager.get_by_role("link", name=title))
    expect(row).to_have_count(1)
    expect(row.locator(".status")).to_have_text("Inskickad")
    # Noted now, asserted at the end, so that the rest of the journey is tried too: the
    # table fits the width, and its headings and statuses are still readable words.
    layout = j.layout_problems(manager, unbroken="table.inbox thead, table.inbox .status")
    screenshot(manager, f"{viewport}-inbox")

    row.get_by_role("checkbox", name=title).check()
    bulk = manager.get_by_role("group", name="Med de valda ärendena")
    bulk.get_by_label("Åtgärd", exact=True).select_option("acknowledge")
    bulk.get_by_role("button", name="Utför").click()
    expect(j.flash(manager)).to_contain_text("Klart för 1 ärenden.")
    expect(manager.get_by_role("link", name=title)).to_have_count(0)  # no longer "submitted"

    manager.goto(f"/ideas/{item}")
    expect(manager.locator(".idea .meta .status")).to_have_text("Mottagen")
    j.check_width(manager)
    reason_assess = "Vi tittar på vad körlistan i verksamhetssystemet kan visa i mobilen."
    j.change_status(manager, "assessing", "Under utredning", reason_assess)
    reason_accept = "Vi inför körlistan i mobilen för kvällspasset från nästa månad."
    j.change_status(manager, "accepted", "Beslutad: genomförs", reason_accept)
    expect(manager.get_by_role("group", name="När du markerar det som genomfört")).to_be_visible()
    outcome = "Alla på kvällspasset har körlistan i mobilen sedan den första."
    lessons = "Visa funktionen på en APT innan start; det sparade många frågor."
    j.change_status(manager, "implemented", "Genomförd", outcome=outcome, lessons=lessons)
    learning = manager.get_by_role("region", name="Vad det gav, och vad vi lärde oss")
    expect(learning).to_contain_text(outcome)
    expect(learning).to_contain_text(lessons)
    j.check_width(manager)

    # The submitter sees every step, who took it and why.
    page.reload()
    expect(page.locator(".idea .meta .status")).to_have_text("Genomförd")
    steps = j.history(page).locator("li")
    expected = [
        f"{j.EMPLOYEE_NAME} skickade in förslaget.",
        f"Förslaget gick till {j.MANAGER_NAME}, som besvarar det.",
        f"{j.MANAGER_NAME} ändrade statusen från ”Inskickad” till ”Mottagen”.",
        f"{j.MANAGER_NAME} ändrade statusen från ”Mottagen” till ”Under utredning”.",
        f"{j.MANAGER_NAME} ändrade statusen från ”Under utredning” till ”Beslutad: genomförs”.",
        f"{j.MANAGER_NAME} ändrade statusen från ”Beslutad: genomförs” till ”Genomförd”.",
    ]
    expect(steps).to_have_count(len(expected))
    for step, text in zip(steps.all(), expected, strict=True):
        expect(step).to_contain_text(text)
    expect(steps.nth(3).locator("blockquote")).to_have_text(reason_assess)
    expect(steps.nth(4).locator("blockquote")).to_have_text(reason_accept)
    learning = page.get_by_role("region", name="Vad det gav, och vad vi lärde oss")
    expect(learning).to_contain_text(outcome)
    expect(learning).to_contain_text(lessons)
    j.check_width(page)

    # The manager's dashboard shows the unit's numbers.
    j.menu(manager, "Översikt").click()
    expect(manager.locator("h1")).to_have_text("Översikt")
    expect(manager.locator("#table-unit")).to_contain_text("Hemtjänst Centrum")
    screenshot(manager, f"{viewport}-dashboard")
    layout += j.layout_problems(manager)
    assert not layout, "\n".join(layout)


def test_another_unit_adopts_an_implemented_idea(page, open_page, viewport):
    """Journey 5: "Vi vill också": another unit's manager finds an implemented idea in the
    idea bank and adopts it; the new idea says where it came from, the original where it
    spread."""
    j.log_in(page, "employee")
    word = j.marker()
    title = j.unique_title(viewport, word)
    item = j.submit_idea(page, title)
    j.wait_until_routed(page)

    manager = open_page()
    j.log_in(manager, "manager")
    manager.goto(f"/ideas/{item}")
    j.change_status(manager, "accepted", "Beslutad: genomförs", "Vi gör det direkt.")
    outcome = "Körlistan finns i mobilen för kvällspasset."
    j.change_status(
        manager, "implemented", "Genomförd", outcome=outcome, lessons="Börja med ett lag."
    )

    adopter = open_page()
    j.log_in(adopter, j.ADOPTER)
    j.menu(adopter, "Idébank").click()
    expect(adopter.locator("h1")).to_have_text("Idébank")
    j.check_width(adopter)
    screenshot(adopter, f"{viewport}-bank")
    search = adopter.get_by_role("search")
    search.get_by_label("Sök", exact=True).fill(word)
    search.get_by_role("button", name="Visa").click()
    expect(adopter.locator(".result-count")).to_have_text("1 genomfört förslag")
    entry = adopter.get_by_role("article", name=title)
    expect(entry).to_contain_text(outcome)
    unit = entry.get_by_label("Vi vill också: ta upp det i enheten", exact=True)
    expect(unit).to_have_value(j.ADOPTING_UNIT)  # the adopter's own unit comes chosen
    j.check_width(adopter)
    entry.get_by_role("button", name="Vi vill också").click()

    expect(adopter).to_have_url(j.IDEA_URL)
    copy = j.idea_id(adopter)
    assert copy != item
    expect(j.flash(adopter)).to_contain_text("Klart! Det här är enhetens eget förslag")
    expect(adopter.locator("h1")).to_have_text(title)
    expect(adopter.locator(".idea .meta")).to_contain_text(f"Enhet: {j.ADOPTING_UNIT_NAME}")
    expect(adopter.locator(".idea .meta .status")).to_have_text("Inskickad")
    origin = adopter.locator(".notice").filter(has_text="Upptaget från ett förslag som")
    expect(origin.get_by_role("link", name=title)).to_have_attribute("href", f"/ideas/{item}")
    expect(j.history(adopter)).to_contain_text(
        f"{j.ADOPTER_NAME} tog upp detta från ett förslag som genomförts på annat håll."
    )
    j.check_width(adopter)

    # The original, as its submitter sees it: where it spread.
    page.reload()
    spread = page.get_by_role("region", name="Vad det gav, och vad vi lärde oss")
    link = spread.get_by_text("Spritt till:").get_by_role("link", name=j.ADOPTING_UNIT_NAME)
    expect(link).to_have_attribute("href", f"/ideas/{copy}")
    expect(j.history(page)).to_contain_text(
        f"{j.ADOPTER_NAME} tog upp förslaget i {j.ADOPTING_UNIT_NAME}."
    )
    # and the bank says so too
    adopter.goto(f"/bank?q={word}")
    expect(adopter.locator(".bank-spread")).to_contain_text(f"Spritt till: {j.ADOPTING_UNIT_NAME}")
    j.check_width(adopter)


def test_anonymous_report_and_the_conversation_with_the_case_handler(open_page, viewport):
    """Journey 6: an anonymous serious-irregularity report, its receipt code, the mailbox;
    the case handler reads it and writes; the reporter reads that and answers; the handler
    sees the answer."""
    reporter = open_page()
    reporter.goto("/report")
    expect(reporter.locator("h1")).to_have_text("Rapportera ett allvarligt missförhållande")
    what = f"Läkemedel som kvitteras som givna utan att ha getts ({viewport})."
    reporter.get_by_label("Vad har hänt?", exact=True).fill(what)
    reporter.get_by_label("Var?", exact=True).fill("Ett särskilt boende.")
    j.check_width(reporter)
    screenshot(reporter, f"{viewport}-report")
    reporter.get_by_role("button", name="Skicka rapporten").click()

    expect(reporter.locator("h1")).to_have_text("Din rapport är mottagen")
    code = reporter.locator("#receipt-code").inner_text().strip()
    assert len(code) >= 10, f"a receipt code this short is guessable: {code!r}"
    case_number = reporter.get_by_text("Ärendenummer:").inner_text().split(":", 1)[1].strip()
    assert case_number
    j.check_width(reporter)
    screenshot(reporter, f"{viewport}-report-receipt")
    reporter.get_by_label("Jag har skrivit ner min kvittokod", exact=True).check()
    reporter.get_by_role("button", name="Fortsätt till brevlådan").click()

    j.follow_up(reporter, code, viewport, shot=True)
    expect(reporter.locator("h1")).to_have_text(f"Ditt ärende {case_number}")
    first = reporter.locator(".mailbox > li").first
    expect(first.locator(".meta")).to_contain_text("Du · Rapporten")
    expect(first).to_contain_text(what)
    j.check_width(reporter)
    screenshot(reporter, f"{viewport}-report-mailbox")

    # The case handler: their key is opened at login.
    handler = open_page()
    j.log_in(handler, "case_handler")
    j.menu(handler, "Ärenden").click()
    expect(handler.locator("h1")).to_have_text("Ärenden")
    j.check_width(handler)
    screenshot(handler, f"{viewport}-cases")
    case_link = handler.get_by_role("link", name=case_number, exact=True)
    expect(case_link, f"{case_number} is not among the handler's cases").to_be_visible()
    case_link.click()
    expect(handler.locator("h1")).to_have_text(f"Ärende {case_number}")
    expect(handler.locator(".mailbox > li").first).to_contain_text(what)
    question = f"Tack för din rapport. Vilket boende gäller det? ({viewport})"
    act = handler.get_by_role("region", name="Hantera ärendet")
    act.get_by_label("Meddelande", exact=True).fill(question)
    act.get_by_role("button", name="Skicka till rapportören").click()
    expect(j.flash(handler)).to_contain_text("Meddelandet finns i rapportörens brevlåda.")
    expect(handler.locator(".mailbox > li").last).to_contain_text(question)
    j.check_width(handler)
    screenshot(handler, f"{viewport}-case")

    # The reporter again, another day: a fresh browser and the code.
    reporter.context.close()
    reporter = open_page()
    j.follow_up(reporter, code, viewport)
    last = reporter.locator(".mailbox > li").last
    expect(last.locator(".meta")).to_contain_text("Handläggare · Meddelande")
    expect(last).to_contain_text(question)
    answer = f"Det gäller Lärkan, avdelning två ({viewport})."
    reporter.get_by_label("Svara eller lägg till uppgifter", exact=True).fill(answer)
    reporter.get_by_role("button", name="Skicka", exact=True).click()
    expect(j.flash(reporter)).to_contain_text("Ditt meddelande är skickat till handläggarna.")
    expect(reporter.locator(".mailbox > li").last).to_contain_text(answer)
    j.check_width(reporter)

    handler.reload()
    last = handler.locator(".mailbox > li").last
    expect(last.locator(".meta")).to_contain_text("Rapportören · Meddelande")
    expect(last).to_contain_text(answer)


def test_digest_settings_are_kept(page, viewport):
    """Journey 7: the digest frequency chosen is the one shown after a reload."""
    j.log_in(page, "employee")
    j.menu(page, "Inställningar").click()
    expect(page.locator("h1")).to_have_text("Inställningar")
    digest = page.get_by_label("Sammanfattning via e-post", exact=True)
    j.check_width(page)
    screenshot(page, f"{viewport}-settings")
    for value in ("daily", "none", "weekly"):
        digest.select_option(value)
        page.get_by_role("button", name="Spara inställningarna").click()
        expect(j.flash(page)).to_contain_text("Dina inställningar är sparade.")
        page.reload()
        expect(digest).to_have_value(value)
    j.check_width(page)


def unread_in_header(page) -> int:
    """The number by "Notiser" in the header (none shown: nothing unread)."""
    count = page.locator(".notifications-link .count")
    return int(count.inner_text()) if count.count() else 0


def test_a_notification_in_the_header_the_list_and_read(page, open_page, viewport):
    """Journey 9: the manager answers an employee's idea; the employee's header counts it,
    the notifications page lists it first with a link to the idea, and opening the idea
    reads it: the count drops."""
    j.log_in(page, "employee")
    page.locator(".notifications-link").click()
    expect(page.locator("h1")).to_have_text("Notiser")
    mark_all = page.get_by_role("button", name="Markera alla som lästa")
    if mark_all.count():  # what the demo's history told Anna before
        mark_all.click()
        expect(j.flash(page)).to_contain_text("Alla dina notiser är markerade som lästa.")
    assert unread_in_header(page) == 0
    title = j.unique_title(viewport)
    item = j.submit_idea(page, title)
    j.wait_until_routed(page)

    manager = open_page()
    j.log_in(manager, "manager")
    manager.goto(f"/ideas/{item}")
    answer = "Tack! Vi tar upp körlistan på arbetsplatsträffen."
    j.change_status(manager, "acknowledged", "Mottagen", answer)

    page.goto("/ideas")
    expect(page.locator(".notifications-link .count")).to_have_text("1")
    expect(page.get_by_role("link", name="Notiser 1 olästa")).to_be_visible()
    j.check_width(page)
    screenshot(page, f"{viewport}-notifications-header")

    page.locator(".notifications-link").click()
    expect(page.locator("h1")).to_have_text("Notiser")
    expect(page.locator(".lead")).to_contain_text("1 oläst notis.")
    first = page.locator(".notification-list > li").first
    expect(first).to_contain_text("Ny")
    expect(first.locator(".what")).to_have_text("Besvarad: Mottagen")
    j.check_width(page)
    screenshot(page, f"{viewport}-notifications")

    first.get_by_role("link", name=title).click()
    expect(page).to_have_url(re.compile(rf"/ideas/{item}$"))
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(".notifications-link .count")).to_have_count(0)
    page.locator(".notifications-link").click()
    expect(page.locator(".lead")).to_contain_text("Du har läst alla dina notiser.")
    expect(page.locator(".notification-list > li").first).not_to_have_class(re.compile("unread"))


def test_notification_choices_are_kept(page, viewport):
    """Journey 10: which notifications also come by e-mail, chosen in the settings, is
    what the settings show after a reload."""
    j.log_in(page, "employee")
    j.menu(page, "Inställningar").click()
    comments = page.get_by_label("En kommentar på det jag följer", exact=True)
    expect(comments).to_have_value("here")
    j.check_width(page)
    screenshot(page, f"{viewport}-settings-notifications")
    for value in ("email", "digest", "here"):
        comments.select_option(value)
        page.get_by_role("button", name="Spara inställningarna").click()
        expect(j.flash(page)).to_contain_text("Dina inställningar är sparade.")
        page.reload()
        expect(comments).to_have_value(value)


def test_switch_language_and_back(page, viewport):
    """Journey 8: the language button in the header turns the page into English and back,
    on the page one was on."""
    j.log_in(page, j.POLYGLOT)
    page.goto("/bank")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("h1")).to_have_text("Idébank")
    page.locator(".lang-form").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Idea bank")
    expect(page.get_by_role("navigation", name="Main menu")).to_contain_text("All ideas")
    expect(page.get_by_role("link", name="Skip to content")).to_have_count(1)
    j.check_width(page)

    page.goto("/ideas")  # the choice is kept from page to page
    expect(page.locator("h1")).to_have_text("All ideas")
    page.locator(".lang-form").get_by_role("button", name="Svenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("h1")).to_have_text("Alla förslag")
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_contain_text("Idébank")
    j.check_width(page)
