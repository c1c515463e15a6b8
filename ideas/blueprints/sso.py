"""Single sign-on with OpenID Connect: to the provider and back, and a case handler's
key passphrase. The rules are in ideas/services/sso.py; these views only drive them.

A refused sign-on writes nothing: the account is looked up (or made) only after the ID
token has passed every check, and any refusal after that rolls back.
"""

from __future__ import annotations

import logging

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)

from ideas.extensions import db
from ideas.forms.sso import KeyPassphraseForm, NewKeyPassphraseForm, ReplaceKeyForm
from ideas.models import Role
from ideas.security import public, safe_next_url
from ideas.services import reports, sso
from ideas.services.errors import DomainError
from ideas.web import attempt

bp = Blueprint("sso", __name__)
log = logging.getLogger(__name__)
# Clocks of the provider and of this server may differ this much (seconds).
LEEWAY = 60


@bp.app_context_processor
def _login_button():
    return {"sso_name": sso.provider_name() if sso.enabled() else None}


def _redirect_uri() -> str:
    # BASE_URL, as in e-mails: the address registered at the provider, also behind a proxy.
    return current_app.config["BASE_URL"] + url_for("sso.callback")


def _refused(message: str, status: int = 403):
    db.session.rollback()
    return render_template("sso/refused.html", message=message), status


def _unreachable():
    return _refused(
        _(
            "The identity provider cannot be reached just now, so signing in with it does "
            "not work. Try again in a while."
        ),
        503,
    )


@bp.get("/login/sso")
@public
def start():
    """Off to the provider: the authorization request with state, nonce and PKCE."""
    if not sso.enabled():
        abort(404)
    session["sso_next"] = safe_next_url(request.args.get("next"))
    try:
        return sso.client().authorize_redirect(_redirect_uri())
    except (requests.RequestException, ValueError, KeyError) as err:
        log.warning("single sign-on: the provider's discovery failed: %s", err)
        return _unreachable()


def _why(err: Exception) -> str:
    """The reason for a refused answer, in words a person can act on."""
    if isinstance(err, MismatchingStateError):
        return _(
            "This sign-in has been used already or was started in another browser. "
            "Start again from the login page."
        )
    if isinstance(err, ExpiredTokenError):
        return _(
            "The identity provider's answer had expired when it arrived. If this happens "
            "again, the provider's clock or this server's may be wrong: tell your IT "
            "department."
        )
    if isinstance(err, BadSignatureError | InvalidKeyIdError):
        return _(
            "The identity provider's answer could not be verified: its signature does not "
            "match the provider's keys. Tell your IT department."
        )
    if isinstance(err, ClaimError) and err.claim == "iss":
        return _(
            "The answer came from another identity provider than the one this service "
            "uses. Tell your IT department."
        )
    if isinstance(err, ClaimError) and err.claim == "nonce":
        return _(
            "The identity provider's answer does not belong to this sign-in. Start again "
            "from the login page."
        )
    if isinstance(err, OAuthError) and err.error == "access_denied":
        return _("You did not allow signing in, or the identity provider did not.")
    return _("Signing in with the identity provider did not work. Start again from the login page.")


@bp.get("/login/sso/callback")
@public
def callback():
    """Back from the provider: the code exchanged, the ID token checked, the person in."""
    if not sso.enabled():
        abort(404)
    try:
        token = sso.client().authorize_access_token(
            claims_options=sso.claims_options(), leeway=LEEWAY
        )
    except requests.RequestException as err:
        log.warning("single sign-on: the provider could not be reached: %s", err)
        return _unreachable()
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as err:
        log.warning("single sign-on refused: %s: %s", type(err).__name__, err)
        return _refused(_why(err), 400)
    claims = token.get("userinfo")
    if not claims:  # no ID token, or none bound to this sign-in's nonce
        log.warning("single sign-on refused: no ID token for this sign-in")
        return _refused(_why(Exception()), 400)
    try:
        user = sso.account_for(sso.identity_from_claims(claims))
    except DomainError as err:
        log.info("single sign-on refused for subject %s: %s", claims.get("sub"), err)
        return _refused(str(err.message))
    next_url = session.get("sso_next")
    lang = session.get("lang")
    session.clear()  # a fresh session on login: nothing carried over from before
    if lang:
        session["lang"] = lang
    login_user(user)
    sso.record_login(user)
    # Kept for logging out at the provider too (RP-initiated logout: id_token_hint).
    session["sso_id_token"] = token.get("id_token")
    db.session.commit()
    if user.role == Role.CASE_HANDLER:
        return redirect(url_for("sso.key", next=safe_next_url(next_url)))
    return redirect(safe_next_url(next_url))


def logout_url() -> str | None:
    """Where to send the browser to end the provider's session too (RP-initiated
    logout), or None: not signed on, or the provider offers no end_session_endpoint."""
    id_token = session.get("sso_id_token")
    if not id_token or not sso.enabled():
        return None
    try:
        endpoint = sso.client().load_server_metadata().get("end_session_endpoint")
    except (requests.RequestException, ValueError, KeyError) as err:
        log.warning("single sign-on: no logout at the provider: %s", err)
        return None
    if not endpoint:
        return None
    from urllib.parse import urlencode

    params = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": current_app.config["BASE_URL"] + url_for("auth.login"),
        "client_id": current_app.config.get("OIDC_CLIENT_ID") or "",
    }
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)


# -- a case handler's key passphrase ----------------------------------------------------


def _handlers_only() -> None:
    if current_user.role != Role.CASE_HANDLER:
        abort(403)


def _open_session(private_key: bytes) -> None:
    reports.end_key_session(session.get("key_token"))
    session["key_token"] = reports.start_key_session(
        current_user, private_key, current_app.permanent_session_lifetime
    )


@bp.route("/login/key", methods=["GET", "POST"])
def key():
    """Open the case handler's key for this session: their key passphrase, set on the
    first visit (single sign-on gives no password to seal the key with)."""
    _handlers_only()
    next_url = safe_next_url(request.args.get("next") or url_for("cases.inbox"))
    if reports.key_from_session(current_user, session.get("key_token")) is not None:
        return redirect(next_url)
    existing = sso.handler_key(current_user)
    form = KeyPassphraseForm() if existing is not None else NewKeyPassphraseForm()

    def open_it() -> None:
        if existing is not None:
            private = sso.open_key(current_user, form.passphrase.data)
        else:
            private = sso.set_key_passphrase(current_user, form.passphrase.data, form.confirm.data)
        _open_session(private)

    if form.validate_on_submit() and attempt(open_it, form=form):
        return redirect(next_url)
    status = 400 if form.errors else 200
    return render_template(
        "sso/key.html",
        form=form,
        first=existing is None,
        by_password=existing is not None and existing.sealed_with == "password",
        next_url=next_url,
    ), status


@bp.route("/login/key/new", methods=["GET", "POST"])
def new_key():
    """A forgotten key passphrase: a new key pair under a new passphrase."""
    _handlers_only()
    form = ReplaceKeyForm()

    def replace_it() -> None:
        _open_session(
            sso.replace_key_with_passphrase(current_user, form.passphrase.data, form.confirm.data)
        )

    if form.validate_on_submit() and attempt(replace_it, form=form):
        return redirect(url_for("cases.inbox"))
    return render_template("sso/new_key.html", form=form), 400 if form.errors else 200
