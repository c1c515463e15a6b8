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
    if app.config["BASE_URL"].startswith("https://"):
        app.config.setdefault("SESSION_COOKIE_SECURE", True)
