"""The whistleblowing channel's cases, for case handlers' programs.

Only a case handler's token reaches these endpoints (every other role gets 403), and a
case opens only with the handler's private key, which the API finds sealed under the
token itself (``ideas tokens create`` asks for the password): neither the database nor
the application's secret opens a case. A case the handler may not read answers 404,
the same as one that does not exist. Every view and action is written to the case's
audit log.
"""

from __future__ import annotations

from flask import current_app, jsonify

from ideas.blueprints.api import bp
from ideas.blueprints.api.auth import api_token, api_user
from ideas.blueprints.api.bodies import CaseClosing, CaseMessage, parse_body
from ideas.blueprints.api.errors import ApiError
from ideas.blueprints.api.serialize import timestamp
from ideas.extensions import db
from ideas.models import ApiToken, Report, Role
from ideas.services import accounts, reports

ID_MAX = 2**31 - 1


def _handler_key() -> bytes:
    user = api_user()
    if user.role != Role.CASE_HANDLER:
        raise ApiError(403, "Only case handlers may read the whistleblowing channel's cases.")
    row: ApiToken | None = accounts.token_row(api_token())
    key = reports.key_from_token(user, row.sealed_private_key if row else None, api_token())
    if key is None:
        raise ApiError(
            403,
            "This token cannot open cases: create a new one with 'ideas tokens create', "
            "which asks for your password.",
        )
    return key


def _open(report_id: int) -> tuple[Report, bytes]:
    private_key = _handler_key()
    report = db.session.get(Report, report_id) if report_id <= ID_MAX else None
    case_key = reports.open_as_handler(report, api_user(), private_key) if report else None
    if case_key is None:
        raise ApiError(404, "No such case (or not one you may read).")
    reports.share_with_handlers(report, case_key)
    return report, case_key


def case_json(report: Report) -> dict:
    """What the register shows of a case: no content."""
    return {
        "id": report.id,
        "case_number": report.case_number,
        "status": report.status,
        "outcome": report.outcome or None,
        "received_at": timestamp(report.created_at),
        "acknowledge_due": timestamp(report.acknowledge_due),
        "acknowledged_at": timestamp(report.acknowledged_at),
        "feedback_due": timestamp(report.feedback_due),
        "feedback_at": timestamp(report.feedback_at),
        "closed_at": timestamp(report.closed_at),
        "delete_personal_data_at": timestamp(report.delete_personal_data_at),
        "personal_data_deleted_at": timestamp(report.personal_data_deleted_at),
        "url": current_app.config["BASE_URL"] + f"/cases/{report.id}",
    }


def _entry_json(entry, content: dict | None) -> dict:
    from_reporter = entry.from_reporter
    return {
        "id": entry.id,
        "kind": entry.kind,
        "from": "reporter" if from_reporter else "case_handler",
        "author": None if from_reporter or entry.handler is None else entry.handler.name,
        "created_at": timestamp(entry.created_at),
        "removed": content is None,
        "content": content,
        "attachments": [
            {"id": a.id, "name": a.name, "content_type": a.content_type, "size": a.size}
            for a in entry.attachments
            if a.stored_name
        ],
        "supersedes": entry.supersedes_id,
        "approved_at": timestamp(entry.approved_at),
    }


def _detail(report: Report, case_key: bytes) -> dict:
    return {
        **case_json(report),
        "messages": [_entry_json(e, c) for e, c in reports.read_entries(report, case_key)],
    }


@bp.get("/reports")
def list_reports():
    _handler_key()
    return jsonify({"items": [case_json(r) for r in reports.cases_for(api_user())]})


@bp.get("/reports/<int:report_id>")
def get_report(report_id: int):
    report, case_key = _open(report_id)
    reports.audit(report, "viewed", handler=api_user())
    body = _detail(report, case_key)
    db.session.commit()
    return jsonify(body)


@bp.post("/reports/<int:report_id>/messages")
def post_report_message(report_id: int):
    report, case_key = _open(report_id)
    body = parse_body(CaseMessage)
    entry, _removed = reports.add_message(report, case_key, body.body, handler=api_user())
    db.session.commit()
    content = {"body": body.body}
    return jsonify(_entry_json(entry, content)), 201


@bp.post("/reports/<int:report_id>/acknowledge")
def acknowledge_report(report_id: int):
    report, case_key = _open(report_id)
    reports.acknowledge(report, case_key, api_user())
    db.session.commit()
    return jsonify(case_json(report))


@bp.post("/reports/<int:report_id>/close")
def close_report(report_id: int):
    report, _case_key = _open(report_id)
    body = parse_body(CaseClosing)
    reports.close(report, api_user(), body.outcome)
    db.session.commit()
    return jsonify(case_json(report))
