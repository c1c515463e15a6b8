"""The case handlers' side of the whistleblowing channel: their inbox and case pages.

Only users with the case_handler role reach these pages, and a case opens only with
the handler's own key (unlocked at login): an admin, a manager or a handler the
reporter excluded gets 404, the same as for a case that does not exist. Every view
and action is written to the case's audit log.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ideas import clock
from ideas.blueprints.report import send_attachment
from ideas.extensions import db
from ideas.forms import (
    ActionForm,
    CloseCaseForm,
    CorrectMinutesForm,
    MeasureForm,
    MessageForm,
    MinutesForm,
    RedactForm,
)
from ideas.models import HandlerKey, Report, ReportAudit, Role
from ideas.services import reports
from ideas.services.errors import DomainError
from ideas.web import attempt, show_domain_error

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.before_request
def _case_handlers_only():
    if current_user.is_authenticated and current_user.role != Role.CASE_HANDLER:
        abort(403)


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _private_key() -> bytes:
    key = reports.key_from_session(current_user, session.get("key_token"))
    if key is None:
        held = db.session.get(HandlerKey, current_user.id)
        if session.get("sso_id_token") or held is None or held.sealed_with == "passphrase":
            # Single sign-on gives no password: the key passphrase opens the key.
            abort(redirect(url_for("sso.key", next=request.full_path.rstrip("?"))))
        # The key is opened with the password at login; without it, log in again.
        flash(_("Log in again to open the cases."), "info")
        abort(redirect(url_for("auth.login")))
    return key


def _open(report_id: int) -> tuple[Report, bytes]:
    report = db.session.get(Report, report_id)
    case_key = reports.open_as_handler(report, current_user, _private_key()) if report else None
    if case_key is None:
        abort(404)
    reports.share_with_handlers(report, case_key)  # handlers with keys newer than the case
    return report, case_key


@bp.get("")
def inbox():
    return render_template(
        "cases/inbox.html", cases=reports.cases_for(current_user), now=clock.now()
    )


@bp.route("/oral", methods=["GET", "POST"])
def oral_report():
    """Register a report made by telephone or in person, as minutes."""
    _private_key()
    form = MinutesForm()
    if form.validate_on_submit():
        try:
            filed = reports.register_oral_report(
                current_user, form.body.data, form.held_on.data.isoformat(), form=form.form.data
            )
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
        else:
            db.session.commit()
            # Shown once, for the handler to give the reporter; it is stored nowhere.
            return render_template(
                "cases/oral_receipt.html", code=filed.receipt_code, report=filed.report
            )
    elif request.method == "GET":
        form.form.data = "oral_report"
    return render_template("cases/oral.html", form=form), 400 if form.errors else 200


@bp.get("/<int:report_id>")
def case(report_id: int):
    report, case_key = _open(report_id)
    reports.audit(report, "viewed", handler=current_user)
    entries = reports.read_entries(report, case_key)
    audit_log = db.session.scalars(
        db.select(ReportAudit).where(ReportAudit.report_id == report.id).order_by(ReportAudit.id)
    ).all()
    db.session.commit()
    return render_template(
        "cases/case.html",
        report=report,
        entries=entries,
        superseded={e.supersedes_id for e, _c in entries if e.supersedes_id},
        audit=audit_log,
        now=clock.now(),
        message_form=MessageForm(formdata=None),
        minutes_form=MinutesForm(formdata=None),
        measure_form=MeasureForm(formdata=None),
        correct_form=CorrectMinutesForm(formdata=None),
        redact_form=RedactForm(formdata=None),
        action_form=ActionForm(),
        close_form=CloseCaseForm(formdata=None),
        attachment_url=lambda a: url_for(
            "cases.attachment", report_id=report.id, attachment_id=a.id
        ),
    )


@bp.get("/<int:report_id>/attachments/<int:attachment_id>")
def attachment(report_id: int, attachment_id: int):
    report, case_key = _open(report_id)
    found = reports.read_attachment(report, case_key, attachment_id)
    if found is None:
        abort(404)
    reports.audit(report, "downloaded", handler=current_user)
    db.session.commit()
    return send_attachment(*found)


def _act(report_id: int, action, message: str):
    report, case_key = _open(report_id)
    attempt(lambda: action(report, case_key), success=message)
    return redirect(url_for("cases.case", report_id=report_id))


@bp.post("/<int:report_id>/acknowledge")
def acknowledge(report_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    return _act(
        report_id,
        lambda r, k: reports.acknowledge(r, k, current_user),
        _("The reporter can now see that the report is received."),
    )


@bp.post("/<int:report_id>/messages")
def message(report_id: int):
    form = MessageForm()
    if not form.validate_on_submit():
        abort(400, description=_("Write a message."))
    return _act(
        report_id,
        lambda r, k: reports.add_message(r, k, form.body.data, handler=current_user),
        _("The message is in the reporter's mailbox."),
    )


@bp.post("/<int:report_id>/feedback")
def feedback(report_id: int):
    form = MessageForm()
    if not form.validate_on_submit():
        abort(400, description=_("Write a message."))
    return _act(
        report_id,
        lambda r, k: reports.give_feedback(r, k, current_user, form.body.data),
        _("The feedback is in the reporter's mailbox."),
    )


@bp.post("/<int:report_id>/close")
def close(report_id: int):
    form = CloseCaseForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(
        report_id,
        lambda r, k: reports.close(r, current_user, form.outcome.data),
        _("The case is closed."),
    )


@bp.post("/<int:report_id>/reopen")
def reopen(report_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    return _act(
        report_id, lambda r, k: reports.reopen(r, current_user), _("The case is open again.")
    )


@bp.post("/<int:report_id>/minutes")
def minutes(report_id: int):
    form = MinutesForm()
    if not form.validate_on_submit():
        abort(400, description=_("Give the date and write the minutes."))
    return _act(
        report_id,
        lambda r, k: reports.record_minutes(
            r, k, current_user, form.body.data, form.held_on.data.isoformat(), form.form.data
        ),
        _("The minutes are in the mailbox for the reporter to approve."),
    )


@bp.post("/<int:report_id>/minutes/<int:entry_id>/correct")
def correct_minutes(report_id: int, entry_id: int):
    form = CorrectMinutesForm()
    if not form.validate_on_submit():
        abort(400, description=_("Write the corrected minutes."))
    return _act(
        report_id,
        lambda r, k: reports.correct_minutes(r, k, entry_id, form.body.data, handler=current_user),
        _("The new version is in the mailbox for the reporter to approve."),
    )


@bp.post("/<int:report_id>/measures")
def measure(report_id: int):
    form = MeasureForm()
    if not form.validate_on_submit():
        abort(400, description=_("Describe the measure."))
    return _act(
        report_id,
        lambda r, k: reports.record_measure(r, k, current_user, form.body.data),
        _("The measure is recorded."),
    )


@bp.post("/<int:report_id>/entries/<int:entry_id>/redact")
def redact(report_id: int, entry_id: int):
    form = RedactForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(
        report_id,
        lambda r, k: reports.redact(r, k, current_user, entry_id, fields=form.fields.data or ()),
        _("Removed for good."),
    )
