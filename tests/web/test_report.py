"""The whistleblowing channel for reporters, on the web."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ideas import clock
from ideas.extensions import db
from ideas.models import Report, ReportEntry
from ideas.services import reports

CODE_RE = re.compile(r'id="receipt-code"[^>]*>([0-9A-Z-]+)<')


def file(client, auth, **fields):
    data = {"what": "Chefen tar emot pengar för intyg.", **fields}
    response = auth.post("/report", data, token_from="/report")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return CODE_RE.search(response.get_data(as_text=True)).group(1), response


def test_the_page_explains_and_needs_no_login(client, org):
    page = client.get("/report").get_data(as_text=True)
    for text in (
        "Rapportera ett allvarligt missförhållande",
        "Vem får rapportera?",
        "inom 7 dagar",
        "inom 3 månader",
        "Arbetsmiljöverket",
    ):
        assert text in page, text
    assert "/report" in client.get("/login").get_data(as_text=True)


def test_the_receipt_code_is_shown_once_and_kept_nowhere_readable(client, auth, org):
    code, response = file(client, auth)
    assert len(code.replace("-", "")) == 20
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    with client.session_transaction() as session:
        assert code not in repr(dict(session))
        assert "Chefen" not in repr(dict(session))
    report = db.session.scalar(select(Report))
    assert code.replace("-", "").encode() not in report.receipt_hash


def test_follow_up_with_the_code_and_talk_with_the_case_handlers(client, auth, org):
    reports.ensure_handler_key(org.handler, "correct horse battery")
    code, _ = file(client, auth, where="Stadshuset")
    response = auth.post(
        "/report/follow-up", {"code": code.lower()}, token_from="/report/follow-up"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/report/mailbox"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/report" in cookie
    page = client.get("/report/mailbox").get_data(as_text=True)
    assert "Chefen tar emot pengar för intyg." in page and "Stadshuset" in page
    sent = auth.post(
        "/report/mailbox", {"body": "Det hände två gånger."}, token_from="/report/mailbox"
    )
    assert sent.status_code == 302
    assert "Det hände två gånger." in client.get("/report/mailbox").get_data(as_text=True)
    assert db.session.scalar(select(func.count(ReportEntry.id))) == 2
    auth.post("/report/end", token_from="/report/mailbox")
    assert client.get("/report/mailbox").status_code == 302


def test_a_follow_up_session_ends_by_itself(client, auth, org):
    code, _ = file(client, auth)
    auth.post("/report/follow-up", {"code": code}, token_from="/report/follow-up")
    assert client.get("/report/mailbox").status_code == 200
    clock.advance(timedelta(minutes=reports.FOLLOWUP_MINUTES + 1))
    response = client.get("/report/mailbox")
    assert response.status_code == 302 and response.headers["Location"] == "/report/follow-up"


def test_a_wrong_code_is_refused_and_guessing_is_rate_limited(client, auth, org, caplog):
    file(client, auth)
    statuses = []
    for _ in range(7):
        statuses.append(
            auth.post(
                "/report/follow-up",
                {"code": "ABCD-EFGH-JKMN-PQRS-TVWX"},
                token_from="/report/follow-up",
            ).status_code
        )
    assert statuses[:5] == [400] * 5
    assert statuses[5:] == [429, 429]
    assert "ABCD" not in caplog.text and "abcd" not in caplog.text.lower()


def test_the_guessing_limit_says_so_in_swedish_not_in_the_limiters_english(client, auth, org):
    file(client, auth)
    for _ in range(6):
        refused = auth.post(
            "/report/follow-up",
            {"code": "ABCD-EFGH-JKMN-PQRS-TVWX"},
            token_from="/report/follow-up",
        )
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "per 1 minute" not in page
    assert "För många försök på kort tid. Vänta en minut och försök igen." in page


def test_a_form_without_its_token_is_refused_in_swedish(client, auth, org):
    response = client.post("/report", data={"title": "x"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "CSRF" not in page
    assert "Formuläret var för gammalt eller skickades inte från den här webbplatsen." in page


def test_an_anonymous_report_while_logged_in_stores_no_trace_of_who(client, auth, org, caplog):
    """The marker and the client's address are nowhere in the database or the logs."""
    marker = "Marker-9f27c1e4"
    address = "203.0.113.77"
    auth.login(org.anna.email)
    token = auth.csrf("/report")
    response = client.post(
        "/report",
        data={"what": marker, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address, "HTTP_USER_AGENT": "UA-x1"},
    )
    assert response.status_code == 200
    db.session.flush()
    dump = _database_text()
    for needle in (marker, address, "UA-x1"):
        assert needle not in dump, needle
    report = db.session.scalar(select(Report))
    assert all(e.handler_id is None for e in report.entries)
    assert marker not in caplog.text and address not in caplog.text


def _database_text() -> str:
    """Every value of every table, as text (bytes as latin-1)."""
    from sqlalchemy import text

    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(text(f'SELECT * FROM "{table.name}"')):  # noqa: S608
            for value in row:
                if isinstance(value, (bytes, memoryview)):
                    value = bytes(value).decode("latin-1")
                parts.append(str(value))
    return "\n".join(parts)


@pytest.mark.parametrize("bad", [{"what": ""}, {"what": "x" * 20_001}])
def test_bad_reports_are_explained_and_change_nothing(client, auth, org, bad):
    response = auth.post("/report", bad, token_from="/report")
    assert response.status_code == 400
    assert "Rätta till följande" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Report.id))) == 0
