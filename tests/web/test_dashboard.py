"""The dashboard page and its CSV: for managers and admins, with charts a screen
reader can read and the same numbers in tables."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from ideas import charts, clock
from ideas.extensions import db
from ideas.services import items, routing
from tests import factories

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def numbers(org):
    """In VOO: an idea answered in time and implemented (Vi vill), one overdue (Vi är
    öppna) and a concern answered in time; in IT: one idea adopted from the first.

    The managers and the admin read English, so that the page's words stay as checked
    here once Swedish translations come; the default (Swedish) is checked for numbers."""
    for person in (org.boss, org.director, org.admin):
        person.locale = "en"
    clock.freeze(T0)
    done = factories.idea(org.anna, title="Nyckelskåp", values=["Vi vill"])
    factories.idea(org.bo, title="Trasig skrivare", values=["Vi är öppna"])
    concern = items.submit_concern(
        org.anna, title="Hala golv", description="Halt", unit="VOO", values=["Vi vill"]
    )
    routing.route_item(concern.id)
    clock.advance(timedelta(days=3))
    items.transition(done, org.boss, "accepted", "Vi gör det")
    items.transition(concern, org.boss, "acknowledged")
    done.status, done.implemented_at = "implemented", T0 + timedelta(days=10)
    clock.freeze(T0 + timedelta(days=20))
    copy = factories.idea(org.it_boss, unit="IT", title="Nyckelskåp", values=["Vi vill"])
    copy.adopted_from_id = done.id
    db.session.flush()
    clock.freeze(T0 + timedelta(days=30))
    return done


def _page(client, query=""):
    response = client.get(f"/dashboard{query}")
    return response, response.get_data(as_text=True)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_manager_sees_their_units_numbers(client, auth, org, numbers):
    auth.login(org.boss.email)
    response, page = _page(client)
    assert response.status_code == 200
    text = _text(page)
    # VOO: two ideas and a concern; the adopted copy in IT is not the manager's.
    assert re.search(r"Submitted\s*</dt>\s*<dd>3</dd>", page)
    assert "2 ideas, 1 concern" in text
    assert "2 of 3 first answers" in text  # the overdue idea missed its deadline
    assert "67%" in text
    assert "3.0 days" in text  # the median time to a first answer
    assert "Vård och omsorg" in page and "IT-enheten" not in _section(page, "table-unit")
    assert "Nyckelskåp" in _section(page, "table-spread")  # adopted once, by IT


def _section(page: str, table_id: str) -> str:
    match = re.search(rf'<table class="data-table" id="{table_id}">.*?</table>', page, re.S)
    assert match, f"no table {table_id}"
    return match.group(0)


def test_charts_are_accessible_images_with_the_numbers_in_tables(client, auth, org, numbers):
    auth.login(org.admin.email)
    response, page = _page(client)
    assert response.status_code == 200
    svgs = re.findall(r"<svg\b[^>]*>.*?</svg>", page, re.S)
    assert len(svgs) >= 4  # status, value, unit, and one per value with implementations
    for svg in svgs:
        opening = svg[: svg.index(">")]
        assert 'role="img"' in opening
        labelled = re.search(r'aria-labelledby="([^"]+)"', opening).group(1).split()
        title = re.search(r'<title id="([^"]+)">([^<]+)</title>', svg)
        desc = re.search(r'<desc id="([^"]+)">([^<]+)</desc>', svg)
        assert labelled == [title.group(1), desc.group(1)]
        assert title.group(2).strip() and desc.group(2).strip()
        assert "style=" not in svg and "<script" not in svg
    value_chart = next(s for s in svgs if "chart-value-title" in s)
    assert "Vi vill: 3" in value_chart and "Vi är öppna: 1" in value_chart
    value_table = _section(page, "table-value")
    assert "<caption>" in value_table and '<th scope="col"' in value_table
    assert re.search(r'<th scope="row">Vi vill</th>\s*<td class="num">3</td>', value_table)
    # The admin sees the whole organisation, the idea adopted in IT included.
    assert "IT-enheten" in _section(page, "table-unit")
    months = _section(page, "table-month")
    assert re.search(r'<th scope="row">2026-03</th>\s*<td class="num">0</td>', months)
    assert "style=" not in page.split("<main", 1)[1]  # the CSP allows no inline style


def test_the_page_links_its_stylesheet_and_the_export(client, auth, org, numbers):
    auth.login(org.admin.email)
    _response, page = _page(client, "?unit=VOO&from=2026-03-01")
    assert "/static/dashboard.css" in page
    assert 'href="/dashboard/export.csv?unit=VOO&amp;from=2026-03-01"' in page
    assert client.get("/static/dashboard.css").status_code == 200


@pytest.mark.parametrize("who", ["anna", "handler"])
def test_employees_and_case_handlers_are_refused(client, auth, org, who):
    auth.login(getattr(org, who).email)
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/export.csv").status_code == 403
    assert client.get("/dashboard?from=nonsense").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_bad_date_is_explained_next_to_the_filter(client, auth, org, numbers):
    auth.login(org.boss.email)
    response, page = _page(client, "?from=2026-13-01&to=igår")
    assert response.status_code == 400
    assert '<div class="error-summary" role="alert"' in page
    assert page.count("Give a date as YYYY-MM-DD, for example 2026-03-01.") == 4  # 2 + 2
    assert 'id="from-error"' in page and 'id="to-error"' in page
    assert 'aria-describedby="from-hint from-error" aria-invalid="true"' in page
    assert "<svg" not in page  # no numbers for a period that cannot be read


def test_an_end_before_the_start_is_explained(client, auth, org, numbers):
    auth.login(org.boss.email)
    response, page = _page(client, "?from=2026-03-02&to=2026-03-01")
    assert response.status_code == 400
    assert "The end date is before the start date." in page


def test_a_unit_outside_ones_own_is_refused_next_to_the_filter(client, auth, org, numbers):
    auth.login(org.boss.email)
    response, page = _page(client, "?unit=IT")
    assert response.status_code == 403
    assert 'id="unit-error"' in page and "You can see only the units you manage." in page
    response, page = _page(client, "?unit=NOPE")
    assert response.status_code == 400
    assert 'id="unit-error"' in page


def test_the_unit_filter_offers_only_ones_own_units(client, auth, org, numbers):
    auth.login(org.director.email)
    _response, page = _page(client)
    options = re.findall(r'<option value="([^"]*)"', page)
    assert options == ["", "IT", "SBF", "VOO"]
    assert "All my units" in page
    auth.logout()
    auth.login(org.boss.email)
    _response, page = _page(client)
    assert re.findall(r'<option value="([^"]*)"', page) == ["", "VOO"]


def test_narrowed_to_a_period_without_items(client, auth, org, numbers):
    auth.login(org.admin.email)
    response, page = _page(client, "?from=2027-01-01")
    assert response.status_code == 200
    assert "Nothing was submitted in these units and this period." in page
    assert "<svg" not in page


def test_numbers_are_written_the_swedish_way_by_default(client, auth, org, numbers):
    org.boss.locale = None
    db.session.flush()
    auth.login(org.boss.email)
    _response, page = _page(client)
    assert "3,0" in page  # days
    assert "67\xa0%" in page


def _csv(response):
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="ideas-stats.csv"'
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_csv_export_has_the_numbers_of_the_page(client, auth, org, numbers):
    auth.login(org.boss.email)
    rows = _csv(client.get("/dashboard/export.csv?unit=VOO&from=2026-03-01&to=2026-03-31"))
    assert rows[0] == ["metric", "key", "value"]
    for row in (
        ["scope_unit", "", "VOO"],
        ["scope_from", "", "2026-03-01"],
        ["total", "", "3"],
        ["kind", "concern", "1"],
        ["value", "Vi är öppna", "1"],
        ["unit", "VOO Vård och omsorg", "3"],
        ["answered_in_time_share", "", "0.667"],
        ["implemented_per_month", "2026-03 Vi vill", "1"],
        ["spread", "", "1"],
    ):
        assert row in rows


def test_the_csv_export_refuses_bad_filters(client, auth, org, numbers):
    auth.login(org.boss.email)
    assert client.get("/dashboard/export.csv?to=x").status_code == 400
    assert client.get("/dashboard/export.csv?unit=IT").status_code == 403


def test_the_page_takes_a_fixed_number_of_queries(client, auth, org, numbers, count_queries):
    auth.login(org.admin.email)
    with count_queries() as few:
        assert _page(client)[0].status_code == 200
    for i in range(10):
        factories.idea(org.anna, unit=("VOO", "IT", "SBF")[i % 3], title=f"Idé {i}")
    with count_queries() as many:
        assert _page(client)[0].status_code == 200
    assert many.count == few.count


def test_bar_charts_scale_to_the_largest_and_describe_every_number():
    chart = charts.bar_chart(
        "c", "Per värdering", [("Vi vill", 4), ("Vi är öppna", 2), ("Vi är framåt", 0)]
    )
    assert chart.desc == "Vi vill: 4; Vi är öppna: 2; Vi är framåt: 0"
    assert (chart.title_id, chart.desc_id) == ("c-title", "c-desc")
    widths = [bar.width for bar in chart.bars]
    assert widths[0] == charts.BAR_WIDTH - charts.LABEL_WIDTH - charts.VALUE_ROOM
    assert widths[1] == widths[0] / 2 and widths[2] == 0
    assert chart.height == charts.BAR_GAP + 3 * (charts.BAR_HEIGHT + charts.BAR_GAP)
    long = charts.bar_chart("d", "t", [("Samhällsbyggnadsförvaltningen", 1)]).bars[0]
    assert long.label == "Samhällsbyggnadsförvaltningen"
    assert long.short.endswith("…") and len(long.short) == charts.LABEL_CHARS
    assert charts.bar_chart("e", "t", []).bars == ()


def test_small_multiples_share_one_scale():
    months = ["2026-01", "2026-02", "2026-03"]
    counts = {"2026-01": {"a": 4}, "2026-03": {"a": 1, "b": 2}}
    first, second = charts.small_multiples("m", [("a", "A"), ("b", "B")], months, counts)
    assert (first.id, second.id) == ("m-0", "m-1")
    assert first.desc == "2026-01: 4; 2026-02: 0; 2026-03: 1"
    assert second.desc == "2026-01: 0; 2026-02: 0; 2026-03: 2"
    assert first.bars[0].height == charts.COLUMN_PLOT_HEIGHT  # the largest of all
    assert second.bars[2].height == charts.COLUMN_PLOT_HEIGHT / 2  # 2 of 4, not of 2
    assert all(bar.y + bar.height == first.baseline for bar in first.bars)


def test_a_long_time_axis_labels_some_months_only():
    rows = [(f"m{i}", i) for i in range(30)]
    chart = charts.column_chart("c", "t", rows)
    shown = [bar.label for bar in chart.bars if bar.show_label]
    assert shown == [f"m{i}" for i in range(0, 30, 3)]
