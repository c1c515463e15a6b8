"""The whistleblowing channel for reporters: /report, reachable without logging in.

These views never read who is logged in, never store or log an address, a user agent
or a user id, and keep nothing in Flask's session cookie (which is signed, not
encrypted): the receipt code is shown once and kept nowhere; a follow-up session is a
random token in a cookie of its own, the rest on the server (services.reports).
gunicorn's access log leaves these paths out (ideas.logging_policy).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from ideas.attachments import describe_removed
from ideas.extensions import db, limiter
from ideas.forms import (
    ActionForm,
    CorrectMinutesForm,
    FollowupForm,
    ReporterMessageForm,
    ReportForm,
)
from ideas.security import public
from ideas.services import reports
from ideas.services.errors import DomainError
from ideas.services.uploads import read_uploads
from ideas.web import show_domain_error

bp = Blueprint("report", __name__, url_prefix="/report")
log = logging.getLogger(__name__)
COOKIE = "ideas_followup"


def uploads(field) -> list[reports.Upload]:
    """The files of a multiple-file field, read into memory (each at most 10 MB)."""
    return read_uploads(field.data)


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def guess_key() -> str:
    """Who is guessing, for the rate limit only: a keyed hash of the address, never
    the address itself, kept in the limiter's store just for its window."""
    secret = current_app.config["SECRET_KEY"].encode()
    address = (request.remote_addr or "").encode()
    return hmac.new(secret, b"followup:" + address, hashlib.sha256).hexdigest()[:32]


def _failed(response) -> bool:
    return response.status_code != 302


@bp.route("", methods=["GET", "POST"])
@public
def new():
    form = ReportForm()
    form.exclude.choices = [SelectChoice(str(u.id), u.name) for u in reports.handlers_to_choose()]
    if form.validate_on_submit():
        try:
            filed = reports.file_report(
                {name: getattr(form, name).data or "" for name in reports.FIELDS},
                excluded_handlers=[int(i) for i in form.exclude.data or []],
                files=uploads(form.files),
            )
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
        else:
            db.session.commit()
            # Shown in this response only: never in a URL, a cookie or a log.
            return render_template(
                "report/receipt.html",
                code=filed.receipt_code,
                case_number=filed.report.case_number,
                removed=describe_removed(filed.removed),
                files=len(filed.report.entries[0].attachments),
            )
    return render_template("report/new.html", form=form), 400 if form.errors else 200


@bp.route("/follow-up", methods=["GET", "POST"])
@public
@limiter.limit(
    "5 per minute;20 per hour", key_func=guess_key, deduct_when=_failed, methods=["POST"]
)
@limiter.limit(
    "300 per hour",
    scope="followup-all",
    key_func=lambda: "all",
    deduct_when=_failed,
    methods=["POST"],
)
def follow_up():
    form = FollowupForm()
    error = None
    if form.validate_on_submit():
        opened = reports.open_as_reporter(form.code.data)
        if opened is not None:
            token = reports.start_followup(*opened)
            db.session.commit()
            response = redirect(url_for("report.mailbox"))
            response.set_cookie(
                COOKIE,
                token,
                httponly=True,
                samesite="Strict",
                path="/report",
                secure=request.is_secure,
                max_age=reports.FOLLOWUP_MINUTES * 60,
            )
            return response
        db.session.rollback()
        log.warning("a receipt code did not open any report")  # never the code itself
        error = _("That code does not open any report. Check it and try again.")
    status = 400 if (error or form.errors) else 200
    return render_template("report/follow_up.html", form=form, error=error), status


def _opened() -> tuple:
    opened = reports.resume_followup(request.cookies.get(COOKIE))
    if opened is None:
        db.session.commit()  # an expired session row is gone
        flash(_("Your follow-up session has ended. Enter your receipt code again."), "info")
        abort(redirect(url_for("report.follow_up")))
    return opened


def _mailbox(report, case_key, form, *, status=200):
    reports.audit(report, "reporter_viewed", by_reporter=True)
    entries = reports.read_entries(report, case_key, for_reporter=True)
    superseded = {e.supersedes_id for e, _c in entries if e.supersedes_id}
    db.session.commit()
    return render_template(
        "report/mailbox.html",
        report=report,
        entries=entries,
        superseded=superseded,
        form=form,
        end_form=ActionForm(),
        action_form=ActionForm(),
        correct_form=CorrectMinutesForm(formdata=None),
        attachment_url=lambda a: url_for("report.attachment", attachment_id=a.id),
    ), status


@bp.route("/mailbox", methods=["GET", "POST"])
@public
def mailbox():
    report, case_key = _opened()
    form = ReporterMessageForm()
    if form.validate_on_submit():
        try:
            _entry, removed = reports.add_message(
                report, case_key, form.body.data, files=uploads(form.files)
            )
        except DomainError as err:
            db.session.rollback()
            report, case_key = _opened()
            show_domain_error(form, err)
        else:
            db.session.commit()
            flash(_("Your message is sent to the case handlers."), "success")
            for line in describe_removed(removed):
                flash(_("Removed from your files: %(what)s.", what=line), "info")
            return redirect(url_for("report.mailbox"))
    return _mailbox(report, case_key, form, status=400 if form.errors else 200)


@bp.post("/minutes/<int:entry_id>/approve")
@public
def approve_minutes(entry_id: int):
    report, case_key = _opened()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        reports.approve_minutes(report, entry_id)
    except DomainError as err:
        db.session.rollback()
        flash(str(err.message), "error")
    else:
        db.session.commit()
        flash(_("You approved the minutes."), "success")
    return redirect(url_for("report.mailbox"))


@bp.post("/minutes/<int:entry_id>/correct")
@public
def correct_minutes(entry_id: int):
    report, case_key = _opened()
    form = CorrectMinutesForm()
    if form.validate_on_submit():
        try:
            reports.correct_minutes(report, case_key, entry_id, form.body.data)
        except DomainError as err:
            db.session.rollback()
            flash(str(err.message), "error")
        else:
            db.session.commit()
            flash(_("Your corrected minutes are saved; the case handlers see them."), "success")
            return redirect(url_for("report.mailbox"))
    else:
        flash(_("Write the corrected minutes."), "error")
    return redirect(url_for("report.mailbox"))


@bp.get("/attachments/<int:attachment_id>")
@public
def attachment(attachment_id: int):
    report, case_key = _opened()
    found = reports.read_attachment(report, case_key, attachment_id, for_reporter=True)
    if found is None:
        abort(404)
    row, data = found
    reports.audit(report, "reporter_downloaded", by_reporter=True)
    db.session.commit()
    return send_attachment(row, data)


def send_attachment(row, data: bytes):
    """A decrypted attachment, as a download the browser will not try to run."""
    response = send_file(
        io.BytesIO(data), mimetype=row.content_type, as_attachment=True, download_name=row.name
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/end")
@public
def end():
    if ActionForm().validate_on_submit():
        reports.end_followup(request.cookies.get(COOKIE))
        db.session.commit()
    response = redirect(url_for("report.follow_up"))
    response.delete_cookie(COOKIE, path="/report")
    return response
