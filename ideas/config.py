"""Configuration: defaults, then ``IDEAS_*`` environment variables, then a test mapping."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

DEFAULTS = {
    "BASE_URL": "http://127.0.0.1:5000",
    "DEFAULT_LOCALE": "sv",
    "LANGUAGES": ["sv", "en"],
    "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
    "ORGANISATION_NAME": "Ljungby kommun",
    "PER_PAGE": 20,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "ideas_session",
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # Deadlines (DESIGN.md section 5), per organisation.
    "DEADLINE_FIRST_ANSWER_DAYS": 14,
    "DEADLINE_DECISION_DAYS": 60,
    "DEADLINE_EVALUATION_DAYS": 182,
    "REMINDER_DAYS_BEFORE": 3,
    # E-mail: IDEAS_SMTP_URL (smtp://user:password@host:port, smtps://..., or
    # ?starttls=true); without it, messages are written as .eml files.
    "SMTP_URL": None,
    "MAIL_FROM": "Idéer <ideas@localhost>",
    "SMTP_TIMEOUT": 10,
    # The task outbox: hand tasks to the broker right after commit; beat re-sends
    # any not processed this many seconds after creation or last relay.
    "OUTBOX_RELAY": True,
    "OUTBOX_SWEEP_AFTER_SECONDS": 60,
    "EMAIL_CLAIM_TIMEOUT_SECONDS": 300,
    "DIGEST_BATCH_SIZE": 500,
    # A digest run in this many parts, which the workers run side by side (PostgreSQL).
    "DIGEST_PARTS": 4,
    "PAGE_CACHE_SECONDS": 60,
    # Unit lists and value filters kept per process while the organisation is unchanged
    # (ideas.page_cache.org_memo); off only where data is never committed (tests).
    "ORG_MEMO": True,
    "DIGEST_HOUR": 7,
    # The whistleblowing channel: personal data of a closed case is deleted this many
    # days after its first closing; attachments (encrypted) live in UPLOAD_FOLDER
    # (default: "uploads" in the instance folder).
    "REPORT_RETENTION_DAYS": 730,
    # Behind a TLS proxy: how many proxies' X-Forwarded-* headers to trust (0: none).
    "TRUSTED_PROXIES": 0,
    # Rate-limit counters fall back to each process's memory while Redis is away.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "OUTBOX_SWEEP_INTERVAL_SECONDS": 60,
    "UPLOAD_FOLDER": None,
    # Local accounts: logging in with an e-mail address and password. Off (false) once
    # single sign-on works; admins still have /login/local (README, "Passwords").
    "LOCAL_LOGIN": True,
    # Single sign-on over OpenID Connect (README, "Single sign-on"): on when the issuer
    # is set. Discovery at IDEAS_OIDC_ISSUER/.well-known/openid-configuration.
    "OIDC_ISSUER": None,
    "OIDC_CLIENT_ID": None,
    "OIDC_CLIENT_SECRET": None,
    "OIDC_NAME": None,  # the button's "Logga in med …"; default the issuer's host
    "OIDC_SCOPES": "openid email profile",
    "OIDC_CREATE_ACCOUNTS": False,
    "OIDC_DEFAULT_UNIT": None,
    "OIDC_ROLE_CLAIM": None,  # e.g. "groups"; roles then follow OIDC_ROLE_MAP
    "OIDC_ROLE_MAP": {},
    "OIDC_TIMEOUT": 10,
}


def normalize_database_url(url: str) -> str:
    """Accept the plain URLs operators write and pick the driver we ship.

    ``postgres://`` and ``postgresql://`` both mean psycopg 3 here.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret(instance_path: str) -> str:
    """The secret key kept in the instance folder, made on first use.

    Several processes may start at once: the file is created exclusively, and a
    process that loses the race reads what the winner wrote.
    """
    path = Path(instance_path) / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            text = path.read_text().strip()
            if text:
                return text
            import time

            time.sleep(0.01)
        raise RuntimeError(f"{path} is empty") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


def config_flag(name: str, value) -> bool:
    """A yes/no setting: JSON's true and false as from_prefixed_env reads them, or
    the words operators write ("yes", "off", ...); anything else is a clear error."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"IDEAS_{name} must be true or false, not {value!r}")


def load_oidc_config(app: Flask) -> None:
    """The single sign-on settings in their types (from_prefixed_env reads JSON: a
    numeric client id arrives as a number); a bad role map is a clear error."""
    import json

    for name in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_NAME"):
        value = app.config.get(name)
        app.config[name] = str(value).strip() if value not in (None, "") else None
    app.config["OIDC_CREATE_ACCOUNTS"] = config_flag(
        "OIDC_CREATE_ACCOUNTS", app.config["OIDC_CREATE_ACCOUNTS"]
    )
    mapping = app.config.get("OIDC_ROLE_MAP") or {}
    if isinstance(mapping, str):
        try:
            mapping = json.loads(mapping)
        except ValueError:
            mapping = None
    if not isinstance(mapping, dict):
        raise ValueError('IDEAS_OIDC_ROLE_MAP must be a JSON object: {"group": "role", ...}')
    app.config["OIDC_ROLE_MAP"] = {str(k): str(v) for k, v in mapping.items()}


def load_config(app: Flask, config: dict | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("IDEAS")
    if config:
        app.config.from_mapping(config)

    # from_prefixed_env parses values as JSON: a numeric secret would arrive as an int.
    if app.config.get("SECRET_KEY") is not None:
        app.config["SECRET_KEY"] = str(app.config["SECRET_KEY"])
    else:
        app.config["SECRET_KEY"] = instance_secret(app.instance_path)

    url = app.config.get("DATABASE_URL") or (
        "sqlite:///" + os.path.join(app.instance_path, "ideas.sqlite3")
    )
    app.config["DATABASE_URL"] = url
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(str(url))
    app.config["BASE_URL"] = str(app.config["BASE_URL"]).rstrip("/")
    app.config["LOCAL_LOGIN"] = config_flag("LOCAL_LOGIN", app.config["LOCAL_LOGIN"])
    load_oidc_config(app)
    app.config["UPLOAD_FOLDER"] = str(
        app.config.get("UPLOAD_FOLDER") or os.path.join(app.instance_path, "uploads")
    )
    # Rate-limit counters live with the broker when that is Redis (shared by every
    # process); otherwise in each process's memory.
    broker = str(app.config.get("BROKER_URL") or "")
    app.config.setdefault(
        "RATELIMIT_STORAGE_URI", broker if broker.startswith("redis") else "memory://"
    )
    # So do stored pages (ideas/page_cache.py); without Redis, none are stored.
    app.config.setdefault("PAGE_CACHE_URL", broker if broker.startswith("redis") else None)
    # Served over TLS, cookies travel over TLS only (unless set otherwise on purpose).
    if app.config["BASE_URL"].startswith("https://") and not (
        (config or {}).get("SESSION_COOKIE_SECURE") is False
        or os.environ.get("IDEAS_SESSION_COOKIE_SECURE") is not None
    ):
        app.config["SESSION_COOKIE_SECURE"] = True
