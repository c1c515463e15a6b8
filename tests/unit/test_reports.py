"""The whistleblowing channel's core: filing, the receipt code, sealed keys, the mailbox."""

from datetime import UTC, datetime

from sqlalchemy import func, select, text

from ideas import clock
from ideas.extensions import db
from ideas.models import ReportAudit, ReportKey
from ideas.services import reports
from tests import factories

MARKER = "Kassaskåpet-7f3a9c"
PASSWORD = factories.PASSWORD


def handler(org, email="handlaggare@example.se"):
    user = org.handler if email == org.handler.email else factories.user(email, role="case_handler")
    reports.ensure_handler_key(user, PASSWORD)
    return user


def test_filing_gives_a_receipt_code_that_opens_the_report(org):
    clock.freeze(datetime(2026, 1, 30, 9, tzinfo=UTC))
    filed = reports.file_report({"what": MARKER, "where": "Kommunhuset"})
    report = filed.report
    assert report.case_number == "VB-2026-0001"
    assert report.acknowledge_due == datetime(2026, 2, 6, 9, tzinfo=UTC)
    assert report.feedback_due == datetime(2026, 5, 6, 9, tzinfo=UTC)
    opened = reports.open_as_reporter(filed.receipt_code.lower().replace("-", " "))
    assert opened is not None and opened[0] is report
    ((entry, content),) = reports.read_entries(report, opened[1])
    assert content["what"] == MARKER and entry.from_reporter and entry.handler_id is None


def test_a_wrong_or_malformed_code_opens_nothing(org):
    filed = reports.file_report({"what": "x"})
    code = filed.receipt_code
    last = "0" if code[-1] != "0" else "1"
    for typed in (code[:-1] + last, "", "ABC", code + "X", "x" * 1000):
        assert reports.open_as_reporter(typed) is None


def test_case_handlers_open_it_with_their_password_and_only_they(org):
    anne = handler(org)
    filed = reports.file_report({"what": MARKER})
    private = reports.unlock_handler(anne, PASSWORD)
    key = reports.open_as_handler(filed.report, anne, private)
    assert reports.read_entries(filed.report, key)[0][1]["what"] == MARKER
    assert reports.unlock_handler(anne, "wrong password") is None
    # Nobody else has a key: not an admin, not a manager.
    holders = set(
        db.session.scalars(
            select(ReportKey.handler_id).where(ReportKey.report_id == filed.report.id)
        )
    )
    assert holders == {anne.id, None}  # None: the reporter's code


def test_an_excluded_handler_gets_no_key(org):
    anne = handler(org)
    bert = handler(org, "bert@example.se")
    filed = reports.file_report({"what": "Om Anne"}, excluded_handlers=[anne.id])
    assert (
        reports.open_as_handler(filed.report, anne, reports.unlock_handler(anne, PASSWORD)) is None
    )
    assert (
        reports.open_as_handler(filed.report, bert, reports.unlock_handler(bert, PASSWORD))
        is not None
    )


def test_a_handler_who_comes_later_is_given_the_key_when_the_reporter_returns(org):
    from ideas.models import HandlerKey

    db.session.delete(db.session.get(HandlerKey, org.handler.id))  # keys not made yet
    filed = reports.file_report({"what": MARKER})
    anne = handler(org)
    assert (
        reports.open_as_handler(filed.report, anne, reports.unlock_handler(anne, PASSWORD)) is None
    )
    reports.open_as_reporter(filed.receipt_code)
    assert (
        reports.open_as_handler(filed.report, anne, reports.unlock_handler(anne, PASSWORD))
        is not None
    )


def test_a_two_way_mailbox(org):
    anne = handler(org)
    filed = reports.file_report({"what": MARKER})
    key = reports.open_as_handler(filed.report, anne, reports.unlock_handler(anne, PASSWORD))
    reports.add_message(filed.report, key, "Tack. Kan du berätta mer?", handler=anne)
    _report, reporter_key = reports.open_as_reporter(filed.receipt_code)
    reports.add_message(filed.report, reporter_key, "Det hände i mars.")
    entries = reports.read_entries(filed.report, reporter_key)
    assert [(e.kind, e.from_reporter, c.get("body")) for e, c in entries] == [
        ("report", True, None),
        ("message", False, "Tack. Kan du berätta mer?"),
        ("message", True, "Det hände i mars."),
    ]
    actions = db.session.scalars(select(ReportAudit.action).order_by(ReportAudit.id)).all()
    assert actions == ["filed", "message", "message"]


def test_nothing_readable_reaches_the_database(org):
    handler(org)
    filed = reports.file_report({"what": MARKER, "who": MARKER, "name": MARKER})
    db.session.flush()
    found = []
    for table in ("reports", "report_entries", "report_keys", "report_audit"):
        for row in db.session.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
            for value in row:
                if isinstance(value, (bytes, memoryview)):
                    value = bytes(value).decode("latin-1")
                if isinstance(value, str) and (
                    MARKER in value or filed.receipt_code.replace("-", "") in value
                ):
                    found.append(table)
    assert found == []


def test_the_audit_log_is_append_only(org):
    import pytest
    from sqlalchemy.exc import DBAPIError

    reports.file_report({"what": "x"})
    db.session.flush()
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(text("DELETE FROM report_audit"))
    assert db.session.scalar(select(func.count(ReportAudit.id))) == 1


def test_a_case_handler_gets_keys_on_creation_and_at_login(client, auth, org):
    from ideas.models import HandlerKey

    assert db.session.get(HandlerKey, org.handler.id) is not None  # made with the account
    db.session.delete(db.session.get(HandlerKey, org.handler.id))
    db.session.flush()
    auth.login(org.handler.email)
    db.session.expire_all()
    assert reports.unlock_handler(org.handler, PASSWORD) is not None
    assert db.session.get(HandlerKey, org.anna.id) is None  # employees have none


def test_deadlines_remind_the_case_handlers_then_tell_the_whole_group(org):
    from datetime import timedelta

    from ideas.models import Email

    clock.freeze(datetime(2026, 3, 2, 9, tzinfo=UTC))
    anne = handler(org)
    filed = reports.file_report({"what": MARKER})
    late = handler(org, "sen@example.se")  # not a holder of this case's key yet
    assert reports.check_deadlines() == (0, 0)
    clock.advance(timedelta(days=5, hours=1))  # 2 days before the 7-day acknowledgement
    assert reports.check_deadlines() == (1, 0)
    assert reports.check_deadlines() == (0, 0)  # once
    clock.advance(timedelta(days=2))  # passed: everyone in the group is told
    assert reports.check_deadlines() == (0, 2)
    emails = db.session.scalars(select(Email).where(Email.event_key.like("case-%"))).all()
    assert sorted(e.recipient for e in emails) == sorted([anne.email, anne.email, late.email])
    for email in emails:  # a notice carries no content: "a case needs you" and a link
        assert MARKER not in email.body_text and MARKER not in email.body_html
        assert filed.report.case_number not in email.body_text
        assert f"/cases/{filed.report.id}" in email.body_text
    # Acknowledged: that promise is kept, and the feedback one waits its turn.
    private = reports.unlock_handler(anne, PASSWORD)
    reports.acknowledge(filed.report, reports.open_as_handler(filed.report, anne, private), anne)
    assert reports.check_deadlines() == (0, 0)
