"""The case handlers' side: their inbox and case page, and nobody else's."""

from sqlalchemy import select

from ideas.extensions import db
from ideas.models import Report, ReportAudit
from ideas.services import reports
from tests import factories


def test_a_case_handler_reads_acknowledges_answers_and_closes(client, auth, org):
    filed = reports.file_report({"what": "Fakturor betalas två gånger.", "where": "Ekonomi"})
    auth.login(org.handler.email)
    inbox = client.get("/cases").get_data(as_text=True)
    assert filed.report.case_number in inbox
    url = f"/cases/{filed.report.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Fakturor betalas två gånger." in page and "Ekonomi" in page
    assert auth.post(f"{url}/acknowledge", token_from=url).status_code == 302
    auth.post(f"{url}/messages", {"body": "Vilka fakturor gäller det?"}, token_from=url)
    auth.post(f"{url}/feedback", {"body": "Rutinen är ändrad."}, token_from=url)
    auth.post(f"{url}/close", {"outcome": "measures_taken"}, token_from=url)
    db.session.expire_all()
    report = db.session.get(Report, filed.report.id)
    assert report.acknowledged_at and report.feedback_at and report.status == "closed"
    retention = report.delete_personal_data_at
    auth.post(f"{url}/reopen", token_from=url)
    auth.post(f"{url}/close", {"outcome": "measures_taken"}, token_from=url)
    db.session.expire_all()
    assert db.session.get(Report, filed.report.id).delete_personal_data_at == retention
    actions = db.session.scalars(
        select(ReportAudit.action)
        .where(ReportAudit.report_id == report.id)
        .order_by(ReportAudit.id)
    ).all()
    # Each form was loaded (a view) before it was sent.
    assert actions == [
        "filed",
        "viewed",
        "viewed",
        "acknowledged",
        "viewed",
        "message",
        "viewed",
        "feedback",
        "viewed",
        "closed",
        "viewed",
        "reopened",
        "viewed",
        "closed",
    ]
    # The reporter sees the answers in the mailbox.
    _report, key = reports.open_as_reporter(filed.receipt_code)
    bodies = [c.get("body") for _e, c in reports.read_entries(report, key)]
    assert "Vilka fakturor gäller det?" in bodies and "Rutinen är ändrad." in bodies


def test_nobody_else_sees_a_case_or_a_trace_of_it(client, auth, org):
    filed = reports.file_report({"what": "Hemligt-4c2e"})
    excluded_handler = factories.user("h2@example.se", role="case_handler")
    other = reports.file_report({"what": "Annat"}, excluded_handlers=[excluded_handler.id])
    for user in (org.admin, org.boss, org.director, org.anna):
        client.delete_cookie("ideas_session")
        auth.login(user.email)
        assert client.get("/cases").status_code == 403
        assert client.get(f"/cases/{filed.report.id}").status_code == 403
        for page in ("/ideas", "/concerns", "/me/items", "/ideas?q=Hemligt"):
            assert "Hemligt-4c2e" not in client.get(page).get_data(as_text=True)
            assert filed.report.case_number not in client.get(page).get_data(as_text=True)
    client.delete_cookie("ideas_session")
    auth.login(excluded_handler.email)
    assert client.get(f"/cases/{other.report.id}").status_code == 404
    assert other.report.case_number not in client.get("/cases").get_data(as_text=True)


def test_without_the_unlocked_key_a_handler_is_asked_to_log_in_again(client, auth, org):
    filed = reports.file_report({"what": "x"})
    auth.login(org.handler.email)
    with client.session_transaction() as session:
        session.pop("key_token")
    response = client.get(f"/cases/{filed.report.id}")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
