"""A case handler's work on a case: minutes, measures, redaction, retention, keys."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ideas import clock
from ideas.extensions import db
from ideas.models import HandlerKey, Report, ReportAudit, ReportKey
from ideas.services import accounts, reports
from ideas.services.errors import DomainError
from tests import factories

PASSWORD = factories.PASSWORD
MARKER = "Personnummer-19650412"


def opened_by(handler, report):
    private = reports.unlock_handler(handler, PASSWORD)
    return reports.open_as_handler(report, handler, private)


def actions(report):
    return db.session.scalars(
        select(ReportAudit.action)
        .where(ReportAudit.report_id == report.id)
        .order_by(ReportAudit.id)
    ).all()


def test_an_oral_report_is_minutes_the_reporter_approves(org):
    clock.freeze(datetime(2026, 4, 10, 9, tzinfo=UTC))
    filed = reports.register_oral_report(
        org.handler, "Anmälaren berättade om fusk med tidrapporter.", "2026-04-09"
    )
    report, key = reports.open_as_reporter(filed.receipt_code)
    ((entry, content),) = reports.read_entries(report, key, for_reporter=True)
    assert entry.kind == "minutes" and not entry.from_reporter and entry.approved_at is None
    assert content == {
        "body": "Anmälaren berättade om fusk med tidrapporter.",
        "held_on": "2026-04-09",
        "form": "oral_report",
    }
    reports.approve_minutes(report, entry.id)
    assert entry.approved_at == clock.now()
    with pytest.raises(DomainError):
        reports.approve_minutes(report, entry.id)  # once
    assert actions(report) == ["oral_report_registered", "minutes_approved"]


def test_minutes_are_corrected_in_versions_that_are_all_kept(org):
    filed = reports.file_report({"what": "x"})
    key = opened_by(org.handler, filed.report)
    first = reports.record_minutes(
        filed.report, key, org.handler, "Mötet hölls i rum 3.", "2026-01-02", "meeting"
    )
    reporter_key = reports.open_as_reporter(filed.receipt_code)[1]
    mine = reports.correct_minutes(filed.report, reporter_key, first.id, "Mötet hölls i rum 4.")
    assert mine.supersedes_id == first.id and mine.from_reporter and mine.approved_at
    # The older version can no longer be approved or corrected: only the newest counts.
    for attempt in (
        lambda: reports.approve_minutes(filed.report, first.id),
        lambda: reports.correct_minutes(filed.report, reporter_key, first.id, "y"),
    ):
        with pytest.raises(DomainError) as err:
            attempt()
        assert err.value.field == "entry" and "version" in err.value.message._args[0]
    theirs = reports.correct_minutes(
        filed.report, key, mine.id, "Mötet hölls i rum 4, kl 10.", handler=org.handler
    )
    assert theirs.approved_at is None  # a handler's version needs the reporter again
    bodies = [c["body"] for e, c in reports.read_entries(filed.report, key) if e.kind == "minutes"]
    assert bodies == ["Mötet hölls i rum 3.", "Mötet hölls i rum 4.", "Mötet hölls i rum 4, kl 10."]


@pytest.mark.parametrize(
    ("held_on", "field"), [("igår", "held_on"), ("2999-01-01", "held_on"), ("2026-01-01", None)]
)
def test_minutes_need_a_real_past_date_and_a_text(org, held_on, field):
    filed = reports.file_report({"what": "x"})
    key = opened_by(org.handler, filed.report)
    with pytest.raises(DomainError) as err:
        reports.record_minutes(
            filed.report, key, org.handler, "" if not field else "t", held_on, "meeting"
        )
    assert err.value.field == (field or "body")


def test_measures_are_for_the_handlers_only(org):
    filed = reports.file_report({"what": "x"})
    key = opened_by(org.handler, filed.report)
    reports.record_measure(filed.report, key, org.handler, "Attesträtten är indragen.")
    kinds = [e.kind for e, _c in reports.read_entries(filed.report, key)]
    reporter_kinds = [
        e.kind for e, _c in reports.read_entries(filed.report, key, for_reporter=True)
    ]
    assert kinds == ["report", "measure"] and reporter_kinds == ["report"]


def test_redacting_parts_of_a_report_removes_them_for_good(org):
    filed = reports.file_report({"what": "Fusk", "who": MARKER, "name": "Anna"})
    key = opened_by(org.handler, filed.report)
    entry = filed.report.entries[0]
    before = entry.ciphertext
    reports.redact(filed.report, key, org.handler, entry.id, fields=["who", "name"])
    content = reports.read_entries(filed.report, key)[0][1]
    assert content["what"] == "Fusk" and content["who"] == "" and content["name"] == ""
    assert content["redacted"] == ["name", "who"]
    assert entry.ciphertext != before and entry.redacted_at is not None
    with pytest.raises(DomainError):
        reports.redact(filed.report, key, org.handler, entry.id, fields=["what", "password"])
    assert actions(filed.report)[-1] == "redacted"


def test_redacting_a_whole_entry_leaves_nothing_to_decrypt(org):
    filed = reports.file_report({"what": "x"})
    key = opened_by(org.handler, filed.report)
    reporter_key = reports.open_as_reporter(filed.receipt_code)[1]
    message, _removed = reports.add_message(filed.report, reporter_key, MARKER)
    reports.redact(filed.report, key, org.handler, message.id)
    assert message.ciphertext is None
    assert reports.read_entries(filed.report, key)[-1][1] is None
    with pytest.raises(DomainError):  # nothing left to remove
        reports.redact(filed.report, key, org.handler, message.id)


def test_retention_deletes_personal_data_two_years_after_the_first_closing(org, app):
    clock.freeze(datetime(2026, 1, 5, 9, tzinfo=UTC))
    filed = reports.file_report({"what": MARKER, "name": "Anna"})
    number = filed.report.case_number
    reports.close(filed.report, org.handler, "unfounded")
    due = filed.report.delete_personal_data_at
    assert due == datetime(2028, 1, 5, 9, tzinfo=UTC)  # 730 days
    clock.advance(timedelta(days=400))
    reports.reopen(filed.report, org.handler)
    reports.close(filed.report, org.handler, "measures_taken")
    assert filed.report.delete_personal_data_at == due  # reopening never moves it
    clock.freeze(due - timedelta(minutes=1))
    assert reports.purge_personal_data() == []
    clock.freeze(due)
    assert reports.purge_personal_data() == [filed.report.case_number]
    assert reports.purge_personal_data() == []  # once
    report = db.session.get(Report, filed.report.id)
    # The register entry stays: number, dates, status, outcome; the rest is gone.
    assert (report.case_number, report.status, report.outcome) == (
        number,
        "closed",
        "measures_taken",
    )
    assert report.created_at == datetime(2026, 1, 5, 9, tzinfo=UTC)
    assert report.personal_data_deleted_at == due
    assert all(e.ciphertext is None for e in report.entries)
    assert db.session.scalars(select(ReportKey).where(ReportKey.report_id == report.id)).all() == []
    assert reports.open_as_reporter(filed.receipt_code) is None
    assert (
        reports.open_as_handler(report, org.handler, reports.unlock_handler(org.handler, PASSWORD))
        is None
    )
    assert actions(report)[-1] == "personal_data_deleted"


def test_an_open_case_keeps_its_data_past_the_date_until_it_is_closed_again(org):
    clock.freeze(datetime(2026, 1, 5, 9, tzinfo=UTC))
    filed = reports.file_report({"what": "x"})
    reports.close(filed.report, org.handler, "other")
    reports.reopen(filed.report, org.handler)
    clock.advance(timedelta(days=800))
    assert reports.purge_personal_data() == []
    reports.close(filed.report, org.handler, "other")
    assert reports.purge_personal_data() == [filed.report.case_number]


def test_the_retention_time_is_configurable(org, app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_RETENTION_DAYS", 30)
    clock.freeze(datetime(2026, 1, 5, 9, tzinfo=UTC))
    filed = reports.file_report({"what": "x"})
    reports.close(filed.report, org.handler, "other")
    assert filed.report.delete_personal_data_at == datetime(2026, 2, 4, 9, tzinfo=UTC)


def test_a_password_change_keeps_the_handlers_cases_open(org):
    filed = reports.file_report({"what": MARKER})
    accounts.change_password(
        org.handler, PASSWORD, "ett helt nytt lösenord", "ett helt nytt lösenord"
    )
    assert reports.unlock_handler(org.handler, PASSWORD) is None
    private = reports.unlock_handler(org.handler, "ett helt nytt lösenord")
    key = reports.open_as_handler(filed.report, org.handler, private)
    assert reports.read_entries(filed.report, key)[0][1]["what"] == MARKER


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field"),
    [
        ("fel lösenord", "ett helt nytt lösenord", "ett helt nytt lösenord", "current"),
        (PASSWORD, "kort", "kort", "new"),
        (PASSWORD, "ett helt nytt lösenord", "ett annat nytt lösenord", "confirm"),
    ],
)
def test_a_bad_password_change_changes_nothing(org, current, new, confirm, field):
    before = org.handler.password_hash
    sealed = db.session.get(HandlerKey, org.handler.id).sealed_private_key
    with pytest.raises(DomainError) as err:
        accounts.change_password(org.handler, current, new, confirm)
    assert err.value.field == field
    assert org.handler.password_hash == before
    assert db.session.get(HandlerKey, org.handler.id).sealed_private_key == sealed


def test_a_handler_whose_password_was_reset_gets_new_keys_and_the_cases_back(org):
    from ideas.services import passwords

    filed = reports.file_report({"what": MARKER})
    # Someone else sets a new password: the old key cannot be opened with it.
    org.handler.password_hash = passwords.hash_password("återställt lösenord 1")
    private = reports.unlock_at_login(org.handler, "återställt lösenord 1")
    assert private is not None
    assert reports.open_as_handler(filed.report, org.handler, private) is None  # not yet
    # Another handler (or the reporter) opening the case shares it again.
    colleague = factories.user("kollega@example.se", role="case_handler")
    reports.ensure_handler_key(colleague, PASSWORD)
    reports.open_as_reporter(filed.receipt_code)
    key = reports.open_as_handler(filed.report, org.handler, private)
    assert reports.read_entries(filed.report, key)[0][1]["what"] == MARKER


def test_the_worker_runs_the_retention_every_hour(org, app):
    from worker.tasks import purge_reports

    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["purge-reports"]["task"] == purge_reports.name == "ideas.purge_reports"
    clock.freeze(datetime(2026, 1, 5, 9, tzinfo=UTC))
    filed = reports.file_report({"what": MARKER})
    reports.close(filed.report, org.handler, "other")
    clock.advance(timedelta(days=731))
    assert purge_reports.run() == [filed.report.case_number]
    assert all(e.ciphertext is None for e in filed.report.entries)
