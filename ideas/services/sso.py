"""Single sign-on with OpenID Connect: who an identity from the provider is here, and
how a case handler's key is protected when they have no password.

The protocol itself (discovery, the authorization code flow with PKCE, ``state`` and
``nonce``, the ID token's signature against the provider's JWKS, its issuer, audience
and expiry) is Authlib's, configured in ``client()``; the blueprint drives it
(ideas/blueprints/sso.py). What is decided here, from the ID token's claims:

- an account is found by the provider's subject (``users.oidc_subject``); failing that,
  on a first login, by an e-mail address the provider says it has verified, and the
  subject is then linked to the account; an unverified address matches nothing;
- without a match, an account is created in the default unit only where the operator
  allows it (``IDEAS_OIDC_CREATE_ACCOUNTS``, ``IDEAS_OIDC_DEFAULT_UNIT``);
- roles follow the groups claim where one is configured (``IDEAS_OIDC_ROLE_CLAIM`` and
  ``IDEAS_OIDC_ROLE_MAP``); otherwise they stay as an administrator set them;
- an inactive account is refused.

Case handlers' keys: a handler's private key is sealed under a secret only they know.
With local login that secret is their password. Under single sign-on the password is
the provider's, never seen here, so the handler sets a *key passphrase* (the same rules
as a password) on their first sign-on; it seals the private key exactly as a password
does (``HandlerKey.sealed_with = "passphrase"``), and it is asked once per session to
open a key session as a password login does. A forgotten passphrase cannot be
recovered: the handler gets a new key pair, as after an administrator's password reset.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

from ideas import clock
from ideas.extensions import db
from ideas.models import ROLES, HandlerKey, Role, User, user_by_email
from ideas.services import audit, passwords, reports
from ideas.services.errors import DomainError

# When several mapped groups give a person different roles, the first of these wins.
ROLE_PRECEDENCE = (Role.ADMIN.value, Role.CASE_HANDLER.value, Role.MANAGER.value)


class SignOnRefused(DomainError):
    """The provider's answer does not let this person in; ``message`` says why."""

    status = 403


@dataclass(frozen=True)
class Identity:
    """What a checked ID token says about the person."""

    subject: str
    email: str | None
    email_verified: bool
    name: str
    groups: list[str] | None  # None: the token carries no groups claim


def enabled() -> bool:
    """Whether single sign-on is configured (the issuer is set)."""
    return bool(current_app.config.get("OIDC_ISSUER"))


def provider_name() -> str:
    """The name on the "Log in with …" button: IDEAS_OIDC_NAME, else the issuer's host."""
    return current_app.config.get("OIDC_NAME") or urlsplit(current_app.config["OIDC_ISSUER"]).netloc


def client():
    """The Authlib client for the configured provider, made once per configuration.

    The server metadata (and so the JWKS) is fetched on first use, not here: the login
    page never waits for the provider."""
    from authlib.integrations.flask_client import OAuth

    config = current_app.config
    settings = (
        config["OIDC_ISSUER"],
        config.get("OIDC_CLIENT_ID"),
        config.get("OIDC_CLIENT_SECRET"),
        config.get("OIDC_SCOPES"),
        config.get("OIDC_TIMEOUT"),
    )
    cached = current_app.extensions.get("ideas_oidc")
    if cached is not None and cached[0] == settings:
        return cached[1]
    issuer, client_id, client_secret, scopes, timeout = settings
    oauth = OAuth()
    oauth.init_app(current_app._get_current_object())
    app_client = oauth.register(
        "provider",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": scopes or "openid email profile",
            "code_challenge_method": "S256",
            "timeout": float(timeout or 10),
        },
    )
    current_app.extensions["ideas_oidc"] = (settings, app_client)
    return app_client


def claims_options() -> dict:
    """How the ID token's claims are checked besides its signature: the issuer must be
    the configured one exactly (not merely what the discovery document says), and the
    expiry must be there (Authlib checks audience, nonce and the times)."""
    return {
        "iss": {"essential": True, "values": [current_app.config["OIDC_ISSUER"]]},
        "exp": {"essential": True},
        "sub": {"essential": True},
    }


def identity_from_claims(claims: dict) -> Identity:
    """An ``Identity`` from a checked ID token's claims."""
    email = claims.get("email")
    groups = None
    claim = current_app.config.get("OIDC_ROLE_CLAIM")
    if claim and claim in claims:
        value = claims[claim]
        groups = [str(g) for g in value] if isinstance(value, list) else [str(value)]
    return Identity(
        subject=str(claims["sub"]),
        email=str(email).strip().lower() if email else None,
        email_verified=claims.get("email_verified") is True,
        name=str(claims.get("name") or "").strip(),
        groups=groups,
    )


def mapped_role(identity: Identity) -> str | None:
    """The role the groups claim gives, or None where roles do not follow it (no claim
    configured, or the token carries none). Groups claimed but none mapped: employee."""
    if identity.groups is None:
        return None
    mapping = current_app.config.get("OIDC_ROLE_MAP") or {}
    roles = {mapping[g] for g in identity.groups if g in mapping}
    bad = roles - set(ROLES)
    if bad:
        raise ValueError(f"IDEAS_OIDC_ROLE_MAP names unknown roles: {sorted(bad)}")
    for role in ROLE_PRECEDENCE:
        if role in roles:
            return role
    return Role.EMPLOYEE.value


def account_for(identity: Identity) -> User:
    """The account this identity signs in to: matched by subject, else by a verified
    e-mail address (and linked), else created where allowed. Raises ``SignOnRefused``
    with the reason; nothing is written then."""
    user = db.session.scalar(db.select(User).where(User.oidc_subject == identity.subject))
    if user is None and identity.email:
        if not identity.email_verified:
            raise SignOnRefused(
                _l(
                    "Your identity provider has not verified your e-mail address, so it "
                    "cannot be matched to an account here. Ask your IT department to "
                    "verify it, or an administrator to connect your account."
                )
            )
        user = user_by_email(identity.email)
        if user is not None and user.oidc_subject and user.oidc_subject != identity.subject:
            raise SignOnRefused(
                _l(
                    "The account with your e-mail address is connected to another "
                    "identity at the provider. Ask an administrator for help."
                )
            )
        if user is None:
            user = _create_account(identity)
    if user is None:
        raise SignOnRefused(
            _l(
                "There is no account for you here. Ask an administrator to create one "
                "with your e-mail address."
            )
        )
    if not user.active:
        raise SignOnRefused(
            _l("Your account is deactivated. Ask an administrator if you need it again.")
        )
    if user.oidc_subject is None:
        user.oidc_subject = identity.subject
    _follow_role(user, identity)
    db.session.flush()
    return user


def _create_account(identity: Identity) -> User | None:
    config = current_app.config
    if not config.get("OIDC_CREATE_ACCOUNTS"):
        return None
    from ideas.services import accounts

    unit = config.get("OIDC_DEFAULT_UNIT")
    role = mapped_role(identity) or Role.EMPLOYEE.value
    user = accounts.create_user(
        email=identity.email,
        name=identity.name or identity.email.split("@")[0],
        password=None,
        role=role,
        unit_code=str(unit) if unit else None,
    )
    user.oidc_subject = identity.subject
    audit.record(
        None,
        "create_user_sso",
        "user",
        user.email,
        before=None,
        after={"role": role, "unit": str(unit) if unit else None},
    )
    return user


def _follow_role(user: User, identity: Identity) -> None:
    role = mapped_role(identity)
    if role is None or role == user.role:
        return
    if user.role == Role.CASE_HANDLER:
        from ideas.services import handlers

        try:
            handlers.remove(user, None, new_role=role)  # their case keys go with the role
        except DomainError:
            # The last case handler keeps the role: the channel needs somebody.
            current_app.logger.warning(
                "user %s keeps the case-handler role although the groups claim says %s: "
                "they are the last case handler",
                user.id,
                role,
            )
        return
    before = audit.snapshot(user, ("role",))
    user.role = role
    audit.record(None, "role_from_sso", "user", user.email, before=before, after={"role": role})


def record_login(user: User) -> None:
    """A sign-on happened: when, for the people list."""
    user.last_login_at = clock.now()


# -- a case handler's key passphrase -------------------------------------------------


def handler_key(user: User) -> HandlerKey | None:
    """The case handler's key pair, if they have one yet."""
    return db.session.get(HandlerKey, user.id)


def _check_passphrase(passphrase: str | None, field: str) -> str:
    passphrase = passphrase or ""
    if len(passphrase) < passwords.MIN_LENGTH:
        raise DomainError(
            _l("The key passphrase must be at least %(n)d characters.", n=passwords.MIN_LENGTH),
            field=field,
        )
    if passwords.is_common(passphrase):
        raise DomainError(
            _l(
                "This is among the most common passwords, which are tried first when "
                "an account is attacked. Choose another key passphrase."
            ),
            field=field,
        )
    return passphrase


def set_key_passphrase(user: User, passphrase: str, confirm: str) -> bytes:
    """A case handler without a key pair gets one, sealed under a new key passphrase
    (the password rules apply). Returns the private key, to open a key session."""
    if user.role != Role.CASE_HANDLER:
        raise DomainError(_l("Only case handlers have a key passphrase."))
    if handler_key(user) is not None:
        raise DomainError(_l("You already have a key passphrase."), field="passphrase")
    passphrase = _check_passphrase(passphrase, "passphrase")
    if passphrase != confirm:
        raise DomainError(_l("The two key passphrases differ."), field="confirm")
    reports.ensure_handler_key(user, passphrase, sealed_with="passphrase")
    return reports.unlock_handler(user, passphrase)


def open_key(user: User, secret: str) -> bytes:
    """The handler's private key, opened with their key passphrase (or, for a key still
    sealed under their password from local login, that password). A wrong one opens
    nothing and changes nothing."""
    key = handler_key(user)
    if key is None:
        raise DomainError(_l("Set a key passphrase first."), field="passphrase")
    private = reports.unlock_handler(user, secret or "")
    if private is None:
        if key.sealed_with == "passphrase":
            message = _l("That is not your key passphrase.")
        else:
            message = _l("That is not the password your key is locked with.")
        raise DomainError(message, field="passphrase")
    return private


def replace_key_with_passphrase(user: User, passphrase: str, confirm: str) -> bytes:
    """A forgotten key passphrase: a new key pair under a new one. The old keys are
    deleted; each case comes back when another handler or the reporter next opens it."""
    if user.role != Role.CASE_HANDLER:
        raise DomainError(_l("Only case handlers have a key passphrase."))
    passphrase = _check_passphrase(passphrase, "passphrase")
    if passphrase != confirm:
        raise DomainError(_l("The two key passphrases differ."), field="confirm")
    reports.forget_handler_keys(user)
    db.session.flush()
    reports.ensure_handler_key(user, passphrase, sealed_with="passphrase")
    return reports.unlock_handler(user, passphrase)
