"""The whistleblowing channel's API: case handlers only, with a token that opens cases."""

import pytest
from sqlalchemy import func, select

from ideas.extensions import db
from ideas.models import ReportAudit, ReportEntry
from ideas.services import accounts, reports
from tests import factories

MARKER = "Mutor-i-upphandlingen-51c"


def handler_headers(user, password=factories.PASSWORD):
    """A case handler's token, made as `ideas tokens create` makes it."""
    private = reports.unlock_at_login(user, password)
    return {"Authorization": f"Bearer {accounts.create_api_token(user, private_key=private)}"}


def plain_headers(user):
    return {"Authorization": f"Bearer {accounts.create_api_token(user)}"}


def test_a_case_handler_reads_answers_acknowledges_and_closes(client, org, conforms):
    filed = reports.file_report({"what": MARKER, "where": "Inköp"})
    h = handler_headers(org.handler)
    listing = client.get("/api/v1/reports", headers=h)
    assert listing.status_code == 200
    conforms("CaseList", listing.get_json())
    (case,) = listing.get_json()["items"]
    assert case["case_number"] == filed.report.case_number and MARKER not in listing.text
    assert case["url"].endswith(f"/cases/{filed.report.id}")

    detail = client.get(f"/api/v1/reports/{filed.report.id}", headers=h)
    assert detail.status_code == 200
    conforms("CaseDetail", detail.get_json())
    body = detail.get_json()
    assert body["status"] == "received" and body["acknowledge_due"]
    assert body["messages"][0]["content"]["what"] == MARKER
    assert body["messages"][0]["from"] == "reporter" and body["messages"][0]["author"] is None

    sent = client.post(
        f"/api/v1/reports/{filed.report.id}/messages", headers=h, json={"body": "Vilket år?"}
    )
    assert sent.status_code == 201
    conforms("CaseEntry", sent.get_json())
    ack = client.post(f"/api/v1/reports/{filed.report.id}/acknowledge", headers=h)
    assert ack.status_code == 200 and ack.get_json()["acknowledged_at"]
    conforms("Case", ack.get_json())
    again = client.post(f"/api/v1/reports/{filed.report.id}/acknowledge", headers=h)
    assert again.status_code == 422 and again.get_json()["field"] == "status"
    closed = client.post(
        f"/api/v1/reports/{filed.report.id}/close", headers=h, json={"outcome": "unfounded"}
    )
    assert closed.status_code == 200
    assert closed.get_json()["status"] == "closed"
    assert closed.get_json()["delete_personal_data_at"]

    # The reporter sees the API's message and the acknowledgement.
    report, key = reports.open_as_reporter(filed.receipt_code)
    kinds = [(e.kind, c.get("body")) for e, c in reports.read_entries(report, key)][1:]
    assert kinds[0] == ("message", "Vilket år?") and kinds[1][0] == "acknowledgement"
    logged = db.session.scalars(
        select(ReportAudit.action).where(ReportAudit.handler_id == org.handler.id)
    ).all()
    assert logged == ["viewed", "message", "acknowledged", "closed"]


def test_every_other_role_gets_403_and_no_content(client, org):
    filed = reports.file_report({"what": MARKER})
    urls = [
        ("get", "/api/v1/reports", None),
        ("get", f"/api/v1/reports/{filed.report.id}", None),
        ("post", f"/api/v1/reports/{filed.report.id}/messages", {"body": "x"}),
        ("post", f"/api/v1/reports/{filed.report.id}/acknowledge", None),
        ("post", f"/api/v1/reports/{filed.report.id}/close", {"outcome": "other"}),
    ]
    for user in (org.anna, org.boss, org.director, org.admin):
        h = plain_headers(user)
        for method, url, body in urls:
            response = getattr(client, method)(url, headers=h, json=body)
            assert response.status_code == 403, (user.email, url)
            assert MARKER not in response.text and filed.report.case_number not in response.text
    for method, url, body in urls:  # and without a token, 401
        assert getattr(client, method)(url, json=body).status_code == 401
    assert db.session.scalar(select(func.count(ReportEntry.id))) == 1


def test_a_handlers_token_without_their_key_opens_nothing(client, org):
    filed = reports.file_report({"what": MARKER})
    response = client.get(f"/api/v1/reports/{filed.report.id}", headers=plain_headers(org.handler))
    assert response.status_code == 403
    assert "ideas tokens create" in response.get_json()["error"]


def test_an_excluded_handler_or_a_missing_case_is_404(client, org):
    other = factories.user("h2@example.se", role="case_handler")
    reports.ensure_handler_key(other, factories.PASSWORD)
    filed = reports.file_report({"what": MARKER}, excluded_handlers=[other.id])
    h = handler_headers(other)
    assert client.get("/api/v1/reports", headers=h).get_json() == {"items": []}
    for report_id in (filed.report.id, filed.report.id + 1000, 2**40):
        response = client.get(f"/api/v1/reports/{report_id}", headers=h)
        assert response.status_code == 404 and MARKER not in response.text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("messages", {"body": ""}, "body"),
        ("messages", {"body": 12}, "body"),
        ("messages", {"text": "hej"}, "body"),
        ("close", {"outcome": "glömt"}, "outcome"),
        ("close", {}, "outcome"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(client, org, path, body, field):
    filed = reports.file_report({"what": MARKER})
    response = client.post(
        f"/api/v1/reports/{filed.report.id}/{path}", headers=handler_headers(org.handler), json=body
    )
    assert response.status_code == 422
    assert field in response.get_json()["fields"]
    db.session.expire_all()
    assert filed.report.status == "received" and len(filed.report.entries) == 1


def test_the_cli_asks_a_case_handler_for_the_password(runner, org, client):
    filed = reports.file_report({"what": MARKER})
    wrong = runner.invoke(
        args=["tokens", "create", "--email", org.handler.email], input="fel lösenord\n"
    )
    assert wrong.exit_code != 0 and "not the account's password" in wrong.output
    result = runner.invoke(
        args=["tokens", "create", "--email", org.handler.email], input=factories.PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    response = client.get(
        f"/api/v1/reports/{filed.report.id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200 and MARKER in response.text
