"""Forgotten passwords, and the admins' own way in while local login is off. These
routes join the auth blueprint (imported at the bottom of ideas.blueprints.auth)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ideas.blueprints.auth import _limit_per_account, _limit_per_client, bp, password_login
from ideas.extensions import db, limiter
from ideas.forms.passwords import ForgotPasswordForm, ResetPasswordForm
from ideas.security import client_key, keyed_hash, public
from ideas.services import password_reset
from ideas.services.accounts import normalize_email
from ideas.services.errors import DomainError
from ideas.web import show_domain_error


def _reset_client() -> str:
    return client_key("reset")


def _reset_account() -> str:
    # As accounts are looked up: "Anna@" and "anna@" share one budget. A keyed hash: the
    # limiter's store never holds an address, nor tells which exist.
    return keyed_hash("reset-account", request.form.get("email", "").strip().lower())


def _reset_wait() -> str:
    return _("You have asked for many links in a short time. Wait a while, then try again.")


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(
    "5 per minute;30 per hour",
    key_func=_reset_client,
    scope="reset-client",
    methods=["POST"],
    error_message=_reset_wait,
)
@limiter.limit(
    "3 per hour;10 per day",
    key_func=_reset_account,
    scope="reset-account",
    methods=["POST"],
    error_message=_reset_wait,
)
def forgot_password():
    if not current_app.config["LOCAL_LOGIN"]:
        return render_template("auth/forgot_password.html", form=None, sent=False), (
            403 if request.method == "POST" else 200
        )
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.request_reset(normalize_email(form.email.data))
        except DomainError as err:  # not an e-mail address at all: said at the field
            db.session.rollback()
            show_domain_error(form, err)
        else:
            db.session.commit()
            # The same page whether or not the address has an account.
            return render_template("auth/forgot_password.html", form=None, sent=True)
    return render_template("auth/forgot_password.html", form=form, sent=False), (
        400 if form.errors else 200
    )


def _private(response):
    """The link's token is in the path: never in another site's Referer, nor cached."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(err: password_reset.LinkRefused):
    page = render_template("auth/reset_refused.html", message=err.message, reason=err.reason)
    return _private(current_app.make_response((page, err.status)))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    try:
        row = password_reset.check_link(token)
    except password_reset.LinkRefused as err:
        return _refused(err)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            done = password_reset.reset_password(token, form.password.data, form.confirm.data)
        except password_reset.LinkRefused as err:  # used meanwhile, in another tab
            db.session.rollback()
            return _refused(err)
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
        else:
            db.session.commit()
            if current_user.is_authenticated:  # someone else's session in this browser
                logout_user()
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            flash(_("Your password is changed. Log in with your new password."), "success")
            if done.new_key_pair:
                flash(
                    _(
                        "You have a new key for the cases. The cases you handled come back "
                        "to you one by one, as soon as another case handler or the reporter "
                        "opens each case."
                    ),
                    "info",
                )
            local = current_app.config["LOCAL_LOGIN"]
            return redirect(url_for("auth.login" if local else "auth.local_login"))
    page = render_template(
        "auth/reset_password.html",
        form=form,
        case_handler=password_reset.key_sealed_by_password(row.user),
    )
    return _private(current_app.make_response((page, 400 if form.errors else 200)))


@bp.route("/login/local", methods=["GET", "POST"])
@public
@_limit_per_client
@_limit_per_account
def local_login():
    """Admins' way in while local login is off (the identity provider may be down):
    only an admin's password opens here. With local login on, this is /login."""
    if current_app.config["LOCAL_LOGIN"]:
        return redirect(url_for("auth.login", next=request.args.get("next")))
    if current_user.is_authenticated:
        return redirect(url_for("ideas.index"))
    return password_login(admins_only=True)
