"""Logging in and out."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ideas import clock
from ideas.extensions import db, limiter
from ideas.forms import ActionForm, LoginForm
from ideas.models import Role
from ideas.security import client_key, keyed_hash, public, safe_next_url
from ideas.services import reports
from ideas.services.accounts import authenticate, end_sessions

bp = Blueprint("auth", __name__)


def _login_client() -> str:
    return client_key("login")


def _login_account() -> str:
    # Lower-cased as accounts are looked up: "Anna@" and "anna@" share one budget.
    return keyed_hash("login-account", request.form.get("email", "").strip().lower())


def _failed(response) -> bool:
    return response.status_code != 302  # a login that worked redirects


def _wait_message() -> str:
    return _("Too many failed attempts to log in. Wait a while, then try again.")


def _local_login_off() -> str:
    return _("Logging in with a password is switched off here. Log in with single sign-on.")


# Guessing passwords is slowed per client and per account (one account cannot be tried
# from many addresses either); only failed attempts count. The admins' own way in
# (/login/local) draws on the same budgets: it is no second set of guesses.
_limit_per_client = limiter.shared_limit(
    "10 per minute;50 per hour",
    scope="login-client",
    key_func=_login_client,
    deduct_when=_failed,
    methods=["POST"],
    error_message=_wait_message,
)
_limit_per_account = limiter.shared_limit(
    "5 per minute;30 per hour",
    scope="login-account",
    key_func=_login_account,
    deduct_when=_failed,
    methods=["POST"],
    error_message=_wait_message,
)


@bp.route("/login", methods=["GET", "POST"])
@public
@_limit_per_client
@_limit_per_account
def login():
    if current_user.is_authenticated:
        return redirect(url_for("ideas.index"))
    if not current_app.config["LOCAL_LOGIN"]:
        # Single sign-on only (IDEAS_LOCAL_LOGIN=false): no password form, and a
        # password posted anyway is refused, whether or not it is right.
        if request.method == "POST":
            return render_template("auth/login.html", form=None, error=_local_login_off()), 403
        return render_template("auth/login.html", form=None, error=None)
    return password_login(admins_only=False)


def password_login(*, admins_only: bool):
    """The password form: of /login, and of /login/local, where only an admin's
    password opens (their way in while local login is off)."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None and admins_only and user.role != Role.ADMIN:
            user = None  # refused as any wrong password is: it tells nothing more
        if user is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session on login: nothing carried over from before
            if lang:
                session["lang"] = lang
            login_user(user)
            user.last_login_at = clock.now()
            # A case handler's key pair is made at their first login, under their password,
            # and opened for this session: the cases need it, the password is not kept.
            private = reports.unlock_at_login(user, form.password.data)
            if private is not None:
                session["key_token"] = reports.start_key_session(
                    user, private, current_app.permanent_session_lifetime
                )
            db.session.commit()  # a password hash may have been upgraded
            return redirect(safe_next_url(request.args.get("next")))
        # One message for every failure: it never tells whether an account exists.
        error = _("The e-mail address or password is wrong.")
    status = 200 if error is None and not form.errors else 400
    template = "auth/local_login.html" if admins_only else "auth/login.html"
    return render_template(template, form=form, error=error), status


@bp.post("/logout")
def logout():
    form = ActionForm()
    if form.validate_on_submit():
        from ideas.blueprints.sso import logout_url

        at_provider = logout_url()  # signed on: the provider's session ends too
        reports.end_key_session(session.get("key_token"))
        if current_user.is_authenticated:
            # Every session of the account ends, a copy of this one's cookie with it.
            end_sessions(current_user)
        db.session.commit()
        logout_user()
        session.clear()
        if at_provider:
            return redirect(at_provider)
    return redirect(url_for("auth.login"))


from ideas.blueprints import passwords  # noqa: E402, F401 - its routes join this blueprint
