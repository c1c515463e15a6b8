"""Which language and time zone a request is served in."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI and the worker: the organisation's language
        return current_app.config["DEFAULT_LOCALE"]
    # The API speaks English, whatever the caller's profile: its messages are for programs
    # and the people who write them.
    if request.blueprint == "api":
        return "en"
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
