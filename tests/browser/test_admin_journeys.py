"""The administrator's day-to-day journeys in the real browser, on a desktop and at a
360-px phone: people (search, create, edit, deactivate, reactivate), the import of the HR
system's file (preview, import, a refused file), units (create, rename, move, a refused
cycle, manager, retire), values and behaviours, and deadlines; plus a person created by
keyboard only.

The journeys share the live server, and its demo organisation, with every other browser
test. So each makes its own people and units (their names carry the viewport and a
random word), and puts back what it changes of the demo's own: a behaviour's wording,
the deadlines, and the values offered on the forms (a value a journey adds is retired
before it ends). An import deactivates every active person missing from its file, so
the file the import journey uploads is the list of everyone active, read from the
people page as an administrator would export it, plus one new person: nobody else is
touched (the preview says so before anything is written)."""

from __future__ import annotations

import csv
import re

from playwright.sync_api import Page, expect

from tests.browser import axe
from tests.browser import journeys as j
from tests.browser.conftest import screenshot
from tests.browser.test_admin import ADMIN_NAME, audit_entries, changed, email_of, heading
from tests.browser.test_keyboard import log_in_by_keyboard, press, tab_to, type_into

PERSON_URL = re.compile(r"/admin/users/(\d+)$")
UNIT_URL = re.compile(r"/admin/units/(\d+)$")
# The demo's manager of Barn- och utbildningsförvaltningen manages a journey's unit for a
# while; the demo's employee in Hemtjänst Centrum is refused as a manager.
BORROWED_MANAGER = "Annika Sjöberg"
EMPLOYEE = "Anna Johansson"
HANDLER = "Birgitta Nordin"  # the demo's only case handler: an import may not leave none


def word() -> str:
    return j.marker()


def main(page: Page):
    return page.locator("#main")


def status_line(page: Page):
    """The count of what the page shows ("3 personer"), read out when it changes."""
    return main(page).get_by_role("status")


def person_row(page: Page, name: str):
    return page.locator("table.inbox tbody tr").filter(
        has=page.get_by_role("rowheader", name=name, exact=True)
    )


def every_row(page: Page, *texts: str) -> None:
    """Every person the list shows has these words in their row (a filter's result)."""
    rows = page.locator("table.inbox tbody tr")
    expect(rows.first).to_be_visible()
    for i in range(rows.count()):
        for text in texts:
            expect(rows.nth(i)).to_contain_text(text)


def search_people(page: Page, q: str = "", unit: str = "", role: str = "") -> None:
    """The people list's search form, as a person fills it in."""
    page.get_by_label("Sök på namn eller e-post", exact=True).fill(q)
    page.get_by_label("Enhet", exact=True).select_option(unit)
    page.get_by_label("Roll", exact=True).select_option(role)
    page.get_by_role("button", name="Sök", exact=True).click()


def field_error(page: Page, field_id: str, text: str) -> None:
    """The error at the field, tied to it, and the same in the summary above the form."""
    field = page.locator(f"#{field_id}")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{field_id}-error\b"))
    expect(page.locator(f"#{field_id}-error")).to_have_text(text)
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.locator(f'a[href="#{field_id}"]')).to_contain_text(text)


def no_wcag_violation(page: Page, what: str) -> None:
    if not axe.installed():  # the page checks themselves still ran
        return
    violations = axe.run(page)
    assert not violations, f"{what} ({page.url}):\n{axe.describe(violations)}"


def newest_audit(page: Page, kind: str):
    """The audit log filtered to one kind of change by the demo admin, newest first."""
    page.goto("/admin/audit")
    heading(page, "Logg")
    page.get_by_label("Slag av ändring", exact=True).select_option(label=kind)
    page.get_by_label("Gjord av", exact=True).select_option(label=ADMIN_NAME)
    page.get_by_role("button", name="Visa", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/audit\?.*target_type="))
    return audit_entries(page)


# -- people ------------------------------------------------------------------------------


def test_find_create_edit_deactivate_and_reactivate_a_person(page, viewport):
    """The admin searches and filters the list, creates a person (a first try with a
    taken address is refused at the field, and the error state has no WCAG violation),
    moves them to another unit and makes them a manager, deactivates them (logged out,
    items to the line), reactivates them, and finds each change in the audit log."""
    w = word()
    name = f"Nora Nyström {viewport} {w}"
    email = f"nora.nystrom.{viewport}.{w}@ljungby.example"
    j.log_in(page, "admin")
    page.goto("/admin")
    main(page).get_by_role("link", name="Personer", exact=True).click()
    heading(page, "Personer")
    expect(person_row(page, EMPLOYEE)).to_contain_text("Hemtjänst Centrum")
    j.check_width(page)
    screenshot(page, f"admin-people-{viewport}")

    # Search by a part of the address; then filter by unit and role.
    search_people(page, q="anna.johansson")
    expect(page).to_have_url(re.compile(r"q=anna\.johansson"))
    expect(status_line(page)).to_have_text("1 person")
    row = person_row(page, EMPLOYEE)
    expect(row).to_contain_text("anna.johansson@ljungby.example")
    expect(row).to_contain_text("Medarbetare")
    expect(row).to_contain_text("Ja")
    search_people(page, unit="OF-HTR", role="manager")
    expect(person_row(page, "Karin Petersson")).to_contain_text("Hemtjänst Ryssby")
    expect(person_row(page, "Sara Lund")).to_have_count(0)  # an employee there
    every_row(page, "Hemtjänst Ryssby", "Chef")
    search_people(page, unit="OF-HTR", role="employee")
    expect(person_row(page, "Sara Lund")).to_be_visible()
    expect(person_row(page, "Karin Petersson")).to_have_count(0)
    every_row(page, "Hemtjänst Ryssby", "Medarbetare")
    search_people(page, q=w)
    expect(main(page)).to_contain_text("Ingen matchar.")
    j.check_width(page)

    # A new person; a taken address first: refused at the field, nothing created.
    main(page).get_by_role("link", name="Ny person", exact=True).click()
    heading(page, "Ny person")
    j.check_width(page)
    screenshot(page, f"admin-person-new-{viewport}")
    page.get_by_label("Namn", exact=True).fill(name)
    page.get_by_label("E-postadress", exact=True).fill("Anna.Johansson@ljungby.example")
    page.get_by_label("Enhet", exact=True).select_option("OF-HTL")
    page.get_by_role("button", name="Skapa", exact=True).click()
    heading(page, "Ny person")
    field_error(page, "email", "Det finns redan ett konto med den e-postadressen.")
    expect(page.get_by_label("Namn", exact=True)).to_have_value(name)  # nothing typed is lost
    no_wcag_violation(page, f"the new person's form with an error at {viewport}")
    j.check_width(page)
    screenshot(page, f"admin-person-error-{viewport}")

    page.get_by_label("E-postadress", exact=True).fill(email)
    page.get_by_label("Enhet", exact=True).select_option("OF-HTL")
    expect(page.get_by_label("Roll", exact=True)).to_have_value("employee")
    page.get_by_role("button", name="Skapa", exact=True).click()
    expect(page).to_have_url(PERSON_URL)
    expect(j.flash(page)).to_contain_text(
        f"{name} har ett konto. Hen loggar in med enkel inloggning, eller väljer ett "
        "lösenord med ”Glömt lösenordet?” på inloggningssidan."
    )
    heading(page, name)
    expect(page.get_by_label("Enhet", exact=True)).to_have_value("OF-HTL")
    expect(main(page)).to_contain_text("Senaste inloggning: aldrig")

    # Moved to Hemtjänst Ryssby and made a manager.
    page.get_by_label("Enhet", exact=True).select_option("OF-HTR")
    page.get_by_label("Roll", exact=True).select_option(label="Chef")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(j.flash(page)).to_contain_text(f"{name} är sparad.")
    expect(page.get_by_label("Enhet", exact=True)).to_have_value("OF-HTR")
    expect(page.get_by_label("Roll", exact=True)).to_have_value("manager")
    j.check_width(page)
    screenshot(page, f"admin-person-{viewport}")
    person_url = page.url
    page.goto("/admin/users")
    search_people(page, q=w)
    expect(status_line(page)).to_have_text("1 person")
    row = person_row(page, name)
    for text in (email, "Hemtjänst Ryssby", "Chef", "Ja", "aldrig"):
        expect(row).to_contain_text(text)

    # Deactivated: the page says what that did; the list shows it.
    row.get_by_role("link", name=name, exact=True).click()
    expect(page).to_have_url(person_url)
    page.get_by_role("button", name=f"Avaktivera {name}", exact=True).click()
    expect(j.flash(page)).to_contain_text(
        f"{name} är avaktiverad: utloggad överallt, API-nycklarna är borta och de öppna "
        "ärendena har gått till linjen."
    )
    expect(main(page).locator(".notice")).to_contain_text(
        "Kontot är avaktiverat: personen kan inte logga in"
    )
    expect(page.get_by_role("button", name=f"Avaktivera {name}")).to_have_count(0)
    j.check_width(page)
    screenshot(page, f"admin-person-deactivated-{viewport}")
    page.goto(f"/admin/users?q={w}")
    expect(person_row(page, name)).to_contain_text("Avaktiverad")

    # Reactivated.
    page.goto(person_url)
    page.get_by_role("button", name=f"Aktivera {name} igen", exact=True).click()
    expect(j.flash(page)).to_contain_text(f"{name} är aktiv igen.")
    expect(main(page).locator(".notice")).to_have_count(0)
    expect(page.get_by_role("button", name=f"Avaktivera {name}", exact=True)).to_be_visible()

    # The audit log: newest first, who and what, before and after.
    entries = newest_audit(page, "Person")
    reactivated, deactivated, edited, created = (entries.nth(i) for i in range(4))
    for entry in (reactivated, deactivated, edited, created):
        expect(entry).to_contain_text(email)
        expect(entry).to_contain_text(ADMIN_NAME)
    expect(reactivated).to_contain_text("Aktiverad igen")
    expect(reactivated).to_contain_text(changed("Aktiv", "Nej", "Ja"))
    expect(deactivated).to_contain_text("Avaktiverad")
    expect(deactivated).to_contain_text(changed("Aktiv", "Ja", "Nej"))
    expect(edited).to_contain_text("Ändrad")
    expect(edited).to_contain_text(changed("Enhet", "OF-HTL", "OF-HTR"))
    expect(edited).to_contain_text(changed("Roll", "Medarbetare", "Chef"))
    expect(created).to_contain_text("Skapad")
    expect(created).to_contain_text(name)
    j.check_width(page)
    screenshot(page, f"admin-audit-people-{viewport}")


def test_create_a_person_by_keyboard(page, viewport):
    """The new person's form without a mouse: sent empty, the errors are announced and
    each link of the summary takes focus to its field; then filled in and sent by Enter."""
    w = word()
    name = f"Tor Tangent {viewport} {w}"
    email = f"tor.tangent.{viewport}.{w}@ljungby.example"
    log_in_by_keyboard(page, "admin")
    press(page, "nav a", "Administration")
    heading(page, "Administration")
    press(page, "#main a", "Personer")
    heading(page, "Personer")
    press(page, "#main a", "Ny person")
    heading(page, "Ny person")
    press(page, "#main button[type=submit]", "Skapa")
    heading(page, "Ny person")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    for field_id in ("name", "email"):
        field = page.locator(f"#{field_id}")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{field_id}-error\b"))
    press(page, '.error-summary a[href="#name"]')
    expect(page.locator("#name")).to_be_focused()
    page.keyboard.type(name)
    type_into(page, "#email", email)
    tab_to(page, "#unit")
    for _ in range(30):  # down the list of units, one arrow at a time
        if page.evaluate("document.activeElement.value") == "OF-HTL":
            break
        page.keyboard.press("ArrowDown")
    expect(page.locator("#unit")).to_have_value("OF-HTL")
    expect(page.locator("#unit")).to_be_focused()
    tab_to(page, "#role")
    assert page.evaluate("document.activeElement.value") == "employee"
    press(page, "#main button[type=submit]", "Skapa")
    expect(page).to_have_url(PERSON_URL)
    expect(j.flash(page)).to_contain_text(f"{name} har ett konto.")
    heading(page, name)
    expect(page.locator("#unit")).to_have_value("OF-HTL")
    j.check_width(page)


# -- import ------------------------------------------------------------------------------


def everyone_active(page: Page) -> list[tuple[str, str, str]]:
    """(email, name, unit code) of every active person, read from the people list, page
    by page, with the unit codes from the list's unit filter."""
    page.goto("/admin/users")
    options = page.get_by_label("Enhet", exact=True).locator("option")
    codes = {}
    for i in range(options.count()):
        option = options.nth(i)
        value = option.get_attribute("value")
        if value:
            codes[option.inner_text().strip()] = value
    people = []
    while True:
        rows = page.locator("table.inbox tbody tr")
        for i in range(rows.count()):
            cells = [c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()]
            name, email, unit, _role, active = cells[:5]
            if active == "Ja":
                assert unit in codes, f"{name}'s unit {unit} is not an active unit"
                people.append((email, name, codes[unit]))
        following = page.locator('.pagination a[rel="next"]')
        if not following.count():
            return people
        following.click()


def write_csv(path, rows, *, delimiter: str = ",") -> None:
    """The HR system's export: UTF-8 with a byte order mark, as Excel writes it."""
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(["email", "name", "unit"])
        writer.writerows(rows)


def upload(page: Page, path) -> None:
    page.goto("/admin/users/import")
    heading(page, "Importera personer")
    page.get_by_label("CSV-fil från HR-systemet", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Visa vad som skulle ändras", exact=True).click()


def test_import_people_with_a_preview_then_again_changing_nothing(page, viewport, tmp_path):
    """The admin uploads the HR file: everyone active as they are, and one new person.
    The preview counts 1 created and nobody changed or deactivated, names the new
    person, and has created nothing; "Importera" creates them. The same file again
    changes nothing, and the audit log has the import."""
    w = word()
    name = f"Iris Import {viewport} {w}"
    email = f"iris.import.{viewport}.{w}@ljungby.example"
    too_wide: list[str] = []  # said at the end, so that the whole journey is checked
    j.log_in(page, "admin")
    people = everyone_active(page)
    assert len(people) >= 39, people  # the demo's 39, and whoever other journeys added
    path = tmp_path / f"hr-export-{viewport}.csv"
    write_csv(path, [*people, (email, name, "OF-HTL")])

    page.goto("/admin/users")
    main(page).get_by_role("link", name="Importera från HR-systemet", exact=True).click()
    heading(page, "Importera personer")
    expect(main(page)).to_contain_text("Aktiva personer som saknas i filen avaktiveras")
    too_wide += j.layout_problems(page)
    screenshot(page, f"admin-import-{viewport}")
    upload(page, path)

    heading(page, f"Vad importen av {path.name} skulle göra")
    expect(status_line(page)).to_have_text(
        f"1 skapas, 0 ändras, 0 avaktiveras, {len(people)} oförändrade."
    )
    created = main(page).get_by_role("heading", name="Skapad (1)", exact=True)
    expect(created).to_be_visible()
    expect(main(page).locator("li").filter(has_text=email)).to_have_text(
        f"{name} ({email}), OF-HTL, Medarbetare"
    )
    expect(main(page).get_by_role("heading", name=re.compile("^Avaktiverad"))).to_have_count(0)
    expect(main(page).get_by_role("heading", name=re.compile("^Ändrad"))).to_have_count(0)
    too_wide += j.layout_problems(page)
    screenshot(page, f"admin-import-preview-{viewport}")

    # Nothing is written before "Importera": the person is not in the list yet.
    other = page.context.new_page()
    other.goto(f"/admin/users?q={w}")
    expect(main(other)).to_contain_text("Ingen matchar.")
    other.close()

    page.get_by_role("button", name="Importera", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    expect(j.flash(page)).to_contain_text(
        f"Importerat: 1 skapade, 0 ändrade, 0 avaktiverade, {len(people)} oförändrade."
    )
    search_people(page, q=w)
    row = person_row(page, name)
    for text in (email, "Hemtjänst Lagan", "Medarbetare", "Ja", "aldrig"):
        expect(row).to_contain_text(text)
    expect(status_line(page)).to_have_text("1 person")

    # The same file again: nothing would change, and there is nothing to import.
    upload(page, path)
    expect(status_line(page)).to_have_text(
        f"0 skapas, 0 ändras, 0 avaktiveras, {len(people) + 1} oförändrade."
    )
    expect(main(page)).to_contain_text(
        "Ingenting skulle ändras: alla i filen är redan som filen säger."
    )
    expect(page.get_by_role("button", name="Importera", exact=True)).to_have_count(0)
    main(page).get_by_role("link", name="Tillbaka till Personer", exact=True).click()
    heading(page, "Personer")

    entries = newest_audit(page, "Person")
    expect(entries.first).to_contain_text("Importerad")
    expect(entries.first).to_contain_text(email)
    assert not too_wide, "\n".join(too_wide)


def test_an_import_refused_for_a_bad_line_or_cancelled_changes_nothing(page, viewport, tmp_path):
    """A file with a wrong unit on its third line is refused, naming the line and the
    reason at the field, and even its good line is not imported; the error state has no
    WCAG violation. A file of one person would deactivate everyone else: the preview
    says so, and "Avbryt" leaves everyone as they were."""
    w = word()
    good = (f"gunnar.god.{viewport}.{w}@ljungby.example", f"Gunnar God {viewport} {w}", "OF-HTL")
    bad = (f"berit.fel.{viewport}.{w}@ljungby.example", f"Berit Fel {viewport} {w}", f"X-{w}")
    too_wide: list[str] = []  # said at the end, so that the whole journey is checked
    j.log_in(page, "admin")
    path = tmp_path / "wrong-unit.csv"
    write_csv(path, [good, bad], delimiter=";")
    upload(page, path)
    heading(page, "Importera personer")
    field = page.get_by_label("CSV-fil från HR-systemet", exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#file-error")).to_have_text(
        "Ingenting importerades. Rätta de här raderna och försök igen."
    )
    lines = (
        main(page)
        .get_by_role("alert")
        .filter(has=page.get_by_role("heading", name="Rader att rätta"))
    )
    expect(lines.locator("li")).to_have_text([f"rad 3: okänd enhet X-{w}"])
    no_wcag_violation(page, f"the refused import at {viewport}")
    too_wide += j.layout_problems(page)
    screenshot(page, f"admin-import-refused-{viewport}")
    page.goto(f"/admin/users?q={w}")
    expect(main(page)).to_contain_text("Ingen matchar.")

    # One person only: everyone else would be deactivated. Cancelled.
    alone = tmp_path / "one-person.csv"
    write_csv(alone, [good, (email_of(HANDLER), HANDLER, "KLF")])  # someone gets the reports
    upload(page, alone)
    heading(page, f"Vad importen av {alone.name} skulle göra")
    expect(status_line(page)).to_have_text(
        re.compile(r"^1 skapas, 0 ändras, [1-9]\d* avaktiveras, 1 oförändrade\.$")
    )
    gone = main(page).get_by_role("heading", name=re.compile(r"^Avaktiverad \(\d+\)$"))
    expect(gone).to_be_visible()
    expect(main(page)).to_contain_text(f"{EMPLOYEE} (anna.johansson@ljungby.example)")
    expect(main(page)).not_to_contain_text(f"{ADMIN_NAME} (")  # admins are never deactivated
    too_wide += j.layout_problems(page)
    main(page).get_by_role("link", name="Avbryt", exact=True).click()
    heading(page, "Importera personer")
    page.goto("/admin/users?q=anna.johansson")
    expect(person_row(page, EMPLOYEE)).to_contain_text("Ja")
    page.goto(f"/admin/users?q={w}")
    expect(main(page)).to_contain_text("Ingen matchar.")
    assert not too_wide, "\n".join(too_wide)


# -- units -------------------------------------------------------------------------------


def tree_item(page: Page, name: str):
    """A unit's entry in the tree: the list item whose own link is the unit's name."""
    return page.locator("ul.unit-tree li").filter(
        has=page.locator(":scope > a", has_text=re.compile(rf"^{re.escape(name)}$"))
    )


def create_unit(page: Page, code: str, name: str, parent: str) -> None:
    page.goto("/admin/units")
    heading(page, "Enheter")
    page.get_by_label("Kod", exact=True).fill(code)
    page.get_by_label("Namn", exact=True).fill(name)
    page.get_by_label("Överordnad enhet", exact=True).select_option(parent)
    page.get_by_role("button", name="Skapa enhet", exact=True).click()
    expect(j.flash(page)).to_contain_text(f"Enheten {name} är skapad.")
    expect(page).to_have_url(re.compile(r"/admin/units#unit-\d+$"))


def parent_of(page: Page, name: str):
    """The tree entry that holds the unit's entry directly."""
    return tree_item(page, name).locator("xpath=../..")


def save_manager(page: Page, email: str) -> None:
    page.get_by_label("Chefens e-postadress", exact=True).fill(email)
    page.get_by_role("button", name="Spara chef", exact=True).click()


def test_create_rename_move_manage_and_retire_a_unit(page, viewport):
    """The admin creates a unit under Omsorgsförvaltningen and a sub-unit under it,
    renames the unit, moves it under Barn- och utbildningsförvaltningen, is refused a
    move under its own sub-unit (at the field, nothing changed), gives it a manager
    (an employee is refused), clears the manager, and retires it: first refused while
    its sub-unit is active, then the sub-unit and the unit. The audit log has it all."""
    w = word()
    code, sub_code = f"T-{viewport[:3].upper()}-{w}", f"T-{viewport[:3].upper()}-{w}-S"
    name, sub_name = f"Testenheten {viewport} {w}", f"Testgruppen {viewport} {w}"
    renamed = f"Nya testenheten {viewport} {w}"
    j.log_in(page, "admin")
    page.goto("/admin")
    main(page).get_by_role("link", name="Enheter", exact=True).click()
    heading(page, "Enheter")
    expect(tree_item(page, "Hemtjänst Centrum")).to_contain_text("Chef: Maria Axelsson")
    j.check_width(page)
    screenshot(page, f"admin-units-{viewport}")

    create_unit(page, code, name, "OF")
    expect(parent_of(page, name).locator(":scope > a")).to_have_text("Omsorgsförvaltningen")
    expect(tree_item(page, name)).to_contain_text(code)
    expect(tree_item(page, name)).to_contain_text("Ingen chef")
    expect(tree_item(page, name)).to_contain_text("0 personer")
    create_unit(page, sub_code, sub_name, code)
    expect(parent_of(page, sub_name).locator(":scope > a")).to_have_text(name)

    # Renamed.
    tree_item(page, name).locator(":scope > a").click()
    expect(page).to_have_url(UNIT_URL)
    unit_url = page.url
    heading(page, name)
    expect(page.get_by_label("Överordnad enhet", exact=True)).to_have_value("OF")
    page.get_by_label("Namn", exact=True).fill(renamed)
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(j.flash(page)).to_contain_text(f"Enheten {renamed} är sparad.")
    heading(page, renamed)
    j.check_width(page)
    screenshot(page, f"admin-unit-{viewport}")

    # Moved under Barn- och utbildningsförvaltningen.
    page.get_by_label("Överordnad enhet", exact=True).select_option("BUF")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(j.flash(page)).to_contain_text(f"Enheten {renamed} är sparad.")
    expect(page.get_by_label("Överordnad enhet", exact=True)).to_have_value("BUF")

    # Under its own sub-unit: a cycle, refused at the field; nothing changes.
    page.get_by_label("Överordnad enhet", exact=True).select_option(sub_code)
    page.get_by_role("button", name="Spara", exact=True).click()
    field_error(
        page,
        "parent",
        f"{renamed} kan inte läggas under {sub_name}: {sub_name} är {renamed} själv eller "
        "en av dess underenheter.",
    )
    no_wcag_violation(page, f"the refused move at {viewport}")
    j.check_width(page)
    screenshot(page, f"admin-unit-cycle-{viewport}")
    page.goto("/admin/units")
    expect(parent_of(page, renamed).locator(":scope > a")).to_have_text(
        "Barn- och utbildningsförvaltningen"
    )
    expect(parent_of(page, sub_name).locator(":scope > a")).to_have_text(renamed)

    # A manager: an employee is refused; a manager is set, then cleared.
    page.goto(unit_url)
    save_manager(page, email_of(EMPLOYEE))
    field_error(page, "manager", f"{EMPLOYEE} har inte rollen chef. Ge personen den rollen först.")
    save_manager(page, email_of(BORROWED_MANAGER))
    expect(j.flash(page)).to_contain_text(
        f"{BORROWED_MANAGER} är nu chef för {renamed}. Enhetens öppna ärenden har "
        "fördelats på nytt."
    )
    expect(page.get_by_label("Chefens e-postadress", exact=True)).to_have_value(
        email_of(BORROWED_MANAGER)
    )
    page.goto("/admin/units")
    expect(tree_item(page, renamed)).to_contain_text(f"Chef: {BORROWED_MANAGER}")
    page.goto(unit_url)
    save_manager(page, "")
    expect(j.flash(page)).to_contain_text(
        f"{renamed} har ingen chef nu. Enhetens öppna ärenden har fördelats på nytt."
    )
    expect(page.get_by_label("Chefens e-postadress", exact=True)).to_have_value("")

    # Retired: not while its sub-unit is active; then the sub-unit, then the unit.
    expect(main(page)).to_contain_text(
        f"Den har fortfarande aktiva underenheter: {sub_name}. Flytta eller avveckla dem först."
    )
    page.get_by_role("button", name=f"Avveckla {renamed}", exact=True).click()
    expect(j.flash(page)).to_contain_text(
        f"{renamed} har fortfarande aktiva underenheter: {sub_name}. Flytta eller "
        "avveckla dem först."
    )
    page.goto("/admin/units")
    tree_item(page, sub_name).locator(":scope > a").click()
    heading(page, sub_name)
    page.get_by_role("button", name=f"Avveckla {sub_name}", exact=True).click()
    expect(j.flash(page)).to_contain_text(
        f"{sub_name} är avvecklad. Enhetens öppna ärenden har gått vidare till chefen ovanför."
    )
    page.goto(unit_url)
    page.get_by_role("button", name=f"Avveckla {renamed}", exact=True).click()
    expect(j.flash(page)).to_contain_text(
        f"{renamed} är avvecklad. Enhetens öppna ärenden har gått vidare till chefen ovanför."
    )
    expect(main(page).locator(".notice").first).to_contain_text("Enheten är avvecklad.")
    expect(page.get_by_role("button", name=f"Aktivera {renamed} igen", exact=True)).to_be_visible()
    j.check_width(page)
    page.goto("/admin/units")
    expect(tree_item(page, renamed)).to_contain_text("Avvecklad")
    parents = page.get_by_label("Överordnad enhet", exact=True).locator("option")
    expect(parents.filter(has_text=renamed)).to_have_count(0)
    page.goto("/admin/users/new")
    units = page.get_by_label("Enhet", exact=True).locator("option")
    expect(units.filter(has_text=renamed)).to_have_count(0)

    entries = newest_audit(page, "Enhet")
    retired, sub_retired = entries.nth(0), entries.nth(1)
    expect(retired).to_contain_text("Avvecklad")
    expect(retired).to_contain_text(code)
    expect(retired).to_contain_text(changed("Aktiv", "Ja", "Nej"))
    expect(sub_retired).to_contain_text(sub_code)
    log = page.locator("ul.audit-log")
    expect(log).to_contain_text(changed("Överordnad enhet", "OF", "BUF"))
    expect(log).to_contain_text(changed("Namn", re.escape(name), re.escape(renamed)))
    j.check_width(page)


# -- values and behaviours ---------------------------------------------------------------

DEMO_VALUES = ["Vi är öppna", "Vi är framåt", "Vi vill"]
BEHAVIOUR = "löser det tillsammans"  # one of Vi är öppna's behaviours in the demo


def action(verb: str, what: str) -> re.Pattern:
    """A button or link named by what it does and, for a screen reader, to what: "Ändra"
    and, visually hidden, ": Vi vill" (Chromium puts a space before the colon)."""
    return re.compile(rf"^{re.escape(verb)}\s?: {re.escape(what)}$")


def value_names(page: Page) -> list[str]:
    """The values on the values page, in their order."""
    page.goto("/admin/values")
    heading(page, "Värderingar och beteenden")
    return [t.strip() for t in page.locator("ol.value-list > li h2 a").all_inner_texts()]


def value_item(page: Page, name: str):
    return page.locator("ol.value-list > li").filter(
        has=page.get_by_role("heading", name=re.compile(rf"^{re.escape(name)}\b"))
    )


def offered_values(page: Page) -> list[str]:
    """The values the idea form offers, in their order."""
    page.goto("/ideas/new")
    heading(page, "Lämna ett förslag")
    return [t.strip() for t in page.locator("fieldset.values label").all_inner_texts()]


def edit_behaviour(page: Page, value: str, before: str, after: str) -> None:
    page.goto("/admin/values")
    value_item(page, value).get_by_role("link", name=action("Ändra", value)).click()
    heading(page, value)
    page.get_by_role("link", name=action("Ändra", before)).click()
    heading(page, f"Ett beteende under {value}")
    page.get_by_label("Beteende", exact=True).fill(after)
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(j.flash(page)).to_contain_text(f"Beteendet ”{after}” är sparat.")
    heading(page, value)
    expect(page.locator("ol.value-list")).to_contain_text(after)


def test_edit_add_move_retire_and_reactivate_values(page, viewport):
    """The admin rewords one of the demo's behaviours (the idea form shows the new
    words) and puts it back; adds a value with a behaviour, which the idea form then
    offers; moves it up; retires it (no longer offered), reactivates it (offered again);
    and at the end moves it back down and retires it, so that the form offers the demo's
    three values as before. The audit log has the changes."""
    w = word()
    value = f"Vi provar {viewport} {w}"
    behaviour = f"testar i liten skala {w}"
    reworded = f"löser det gemensamt {viewport} {w}"
    j.log_in(page, "admin")
    assert offered_values(page) == DEMO_VALUES
    page.goto("/admin")
    main(page).get_by_role("link", name="Värderingar och beteenden", exact=True).click()
    heading(page, "Värderingar och beteenden")
    expect(value_item(page, "Vi är öppna")).to_contain_text(BEHAVIOUR)
    j.check_width(page)
    screenshot(page, f"admin-values-{viewport}")

    # A behaviour reworded, seen on the idea form, and put back.
    edit_behaviour(page, "Vi är öppna", BEHAVIOUR, reworded)
    j.check_width(page)
    screenshot(page, f"admin-value-{viewport}")
    try:
        page.goto("/ideas/new")
        expect(page.locator("fieldset.values")).to_contain_text(reworded)
    finally:
        edit_behaviour(page, "Vi är öppna", reworded, BEHAVIOUR)
    page.goto("/ideas/new")
    expect(page.locator("fieldset.values")).to_contain_text(BEHAVIOUR)

    # A new value, last in the order, with a behaviour; the idea form offers it.
    before = value_names(page)
    page.get_by_label("Värdering", exact=True).fill(value)
    page.get_by_role("button", name="Lägg till värdering", exact=True).click()
    expect(j.flash(page)).to_contain_text(
        f"Värderingen {value} är tillagd, sist i ordningen. Ge den dess beteenden."
    )
    heading(page, value)
    try:
        page.get_by_label("Beteende", exact=True).fill(behaviour)
        page.get_by_role("button", name="Lägg till beteende", exact=True).click()
        expect(j.flash(page)).to_contain_text(f"Beteendet ”{behaviour}” är tillagt under {value}.")
        assert value_names(page) == [*before, value]
        assert offered_values(page) == [*DEMO_VALUES, value]
        expect(page.locator("fieldset.values")).to_contain_text(behaviour)

        # Moved up: it changes place with the one before it.
        value_names(page)
        value_item(page, value).get_by_role("button", name=action("Flytta upp", value)).click()
        expect(j.flash(page)).to_contain_text(f"{value} är flyttad.")
        moved = [t.strip() for t in page.locator("ol.value-list > li h2 a").all_inner_texts()]
        assert moved == [*before[:-1], value, before[-1]]
        j.check_width(page)

        # Retired: not offered on the idea form; reactivated: offered again.
        value_item(page, value).get_by_role("link", name=action("Ändra", value)).click()
        heading(page, value)
        page.get_by_role("button", name=action("Avveckla", value)).click()
        expect(j.flash(page)).to_contain_text(
            f"{value} är avvecklad: den kan inte längre väljas för nya ärenden. Ärenden som "
            "har den behåller den, och statistiken räknar den fortfarande."
        )
        expect(main(page).locator(".notice")).to_contain_text("Värderingen är avvecklad.")
        j.check_width(page)
        screenshot(page, f"admin-value-retired-{viewport}")
        assert value not in offered_values(page)
        value_names(page)
        expect(value_item(page, value)).to_contain_text("Avvecklad")
        value_item(page, value).get_by_role("link", name=action("Ändra", value)).click()
        page.get_by_role("button", name=action("Återaktivera", value)).click()
        expect(j.flash(page)).to_contain_text(
            f"{value} används igen: den kan väljas för nya ärenden."
        )
        assert value in offered_values(page)
    finally:
        # Back as it was: the new value last, and retired.
        for _ in range(10):
            names = value_names(page)
            if names[-1] == value:
                break
            value_item(page, value).get_by_role("button", name=action("Flytta ned", value)).click()
            expect(j.flash(page)).to_contain_text(f"{value} är flyttad.")
        value_item(page, value).get_by_role("link", name=action("Ändra", value)).click()
        retire = page.get_by_role("button", name=action("Avveckla", value))
        if retire.count():
            retire.click()
            expect(j.flash(page)).to_contain_text(f"{value} är avvecklad")
    assert value_names(page) == [*before, value]
    assert offered_values(page) == DEMO_VALUES

    entries = newest_audit(page, "Värdering")
    expect(entries.first).to_contain_text(value)
    expect(page.locator("ul.audit-log")).to_contain_text("Avvecklad")
    j.check_width(page)


# -- deadlines ---------------------------------------------------------------------------

FIRST_ANSWER = "Första svar, dagar efter inlämning"
REMINDER = "Påminnelse, dagar före en tidsgräns"


def save_deadlines(page: Page) -> None:
    page.get_by_role("button", name="Spara tidsgränser", exact=True).click()


def test_change_a_deadline_and_put_it_back(page, viewport):
    """The admin reads what a change does to open items, is refused an impossible
    reminder at its field, changes the first answer's days (saved, with what happens
    to open items), and puts the default back; the audit log has both changes."""
    j.log_in(page, "admin")
    page.goto("/admin")
    main(page).get_by_role("link", name="Tidsgränser", exact=True).click()
    heading(page, "Tidsgränser")
    explained = main(page).locator(".notice")
    what_happens = explained.get_by_role("heading", name="Vad som händer med öppna ärenden")
    expect(what_happens).to_be_visible()
    expect(explained).to_contain_text(
        "Tidsgränser som redan är satta på öppna ärenden står kvar som de var: en ändring "
        "flyttar dem inte."
    )
    first = page.get_by_label(FIRST_ANSWER, exact=True)
    original = first.input_value()
    expect(main(page)).to_contain_text(
        "Standard: 14 (IDEAS_DEADLINE_FIRST_ANSWER_DAYS). "
        "Ange standardvärdet för att följa det igen."
    )
    j.check_width(page)
    screenshot(page, f"admin-deadlines-{viewport}")

    # An impossible number: refused at the field, nothing saved.
    page.get_by_label(REMINDER, exact=True).fill("999")
    save_deadlines(page)
    heading(page, "Tidsgränser")
    field_error(page, "reminder", "Ange ett helt antal dagar från 0 till 60.")
    no_wcag_violation(page, f"the deadlines with an error at {viewport}")
    j.check_width(page)
    screenshot(page, f"admin-deadlines-error-{viewport}")
    page.goto("/admin/deadlines")
    expect(page.get_by_label(REMINDER, exact=True)).to_have_value("3")

    changed_to = str(int(original) + 7)
    page.get_by_label(FIRST_ANSWER, exact=True).fill(changed_to)
    save_deadlines(page)
    try:
        expect(j.flash(page)).to_contain_text(
            "Tidsgränserna är sparade. Öppna ärenden behåller de tidsgränser de har; nya "
            "ärenden får de nya."
        )
        expect(page.get_by_label(FIRST_ANSWER, exact=True)).to_have_value(changed_to)
        expect(main(page).locator(".notice")).to_contain_text("Vad som händer med öppna ärenden")
    finally:
        page.goto("/admin/deadlines")
        page.get_by_label(FIRST_ANSWER, exact=True).fill(original)
        save_deadlines(page)
    expect(j.flash(page)).to_contain_text("Tidsgränserna är sparade.")
    expect(page.get_by_label(FIRST_ANSWER, exact=True)).to_have_value(original)
    save_deadlines(page)  # as it is: nothing to save
    expect(j.flash(page)).to_contain_text("Ingenting ändrades.")

    entries = newest_audit(page, "Inställning")
    back, there = entries.nth(0), entries.nth(1)
    for entry in (back, there):
        expect(entry).to_contain_text("FIRST_ANSWER")
        expect(entry).to_contain_text(ADMIN_NAME)
    expect(back).to_contain_text(changed("Dagar", changed_to, original))
    expect(there).to_contain_text(changed("Dagar", original, changed_to))
    j.check_width(page)
