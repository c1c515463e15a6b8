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
import logging

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from ideas.extensions import db, limiter
from ideas.forms import ActionForm, FollowupForm, MessageForm, ReportForm
from ideas.security import public
from ideas.services import reports
from ideas.services.errors import DomainError
from ideas.web import show_domain_error

bp = Blueprint("report", __name__, url_prefix="/report")
log = logging.getLogger(__name__)
COOKIE = "ideas_followup"


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
            )
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
        else:
            db.session.commit()
            # Shown in this response only: never in a URL, a cookie or a log.
            return render_template(
                "report/receipt.html", code=filed.receipt_code, case_number=filed.report.case_number
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


def _session():
    opened = reports.resume_followup(request.cookies.get(COOKIE))
    return opened


@bp.route("/mailbox", methods=["GET", "POST"])
@public
def mailbox():
    opened = _session()
    if opened is None:
        db.session.commit()  # an expired session row is gone
        flash(_("Your follow-up session has ended. Enter your receipt code again."), "info")
        return redirect(url_for("report.follow_up"))
    report, case_key = opened
    form = MessageForm()
    if form.validate_on_submit():
        try:
            reports.add_message(report, case_key, form.body.data)
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
        else:
            db.session.commit()
            flash(_("Your message is sent to the case handlers."), "success")
            return redirect(url_for("report.mailbox"))
    reports.audit(report, "reporter_viewed", by_reporter=True)
    entries = reports.read_entries(report, case_key)
    db.session.commit()
    return render_template(
        "report/mailbox.html", report=report, entries=entries, form=form, end_form=ActionForm()
    ), 400 if form.errors else 200


@bp.post("/end")
@public
def end():
    if ActionForm().validate_on_submit():
        reports.end_followup(request.cookies.get(COOKIE))
        db.session.commit()
    response = redirect(url_for("report.follow_up"))
    response.delete_cookie(COOKIE, path="/report")
    return response
