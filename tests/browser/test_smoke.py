"""The browser set-up itself: the server answers and a person can log in."""

from tests.browser.conftest import login, no_sideways_scroll


def test_log_in_and_see_the_ideas(page):
    login(page, "employee")
    assert page.locator("h1").first.inner_text() in ("Alla förslag", "Alla idéer", "All ideas")
    assert no_sideways_scroll(page)
