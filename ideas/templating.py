"""Jinja filters and the context every page shares."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, g
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_translations,
    to_user_timezone,
)

from ideas.markdown import render_markdown
from ideas.models import STATUS_LABELS, Status


def item_path(item) -> str:
    """The page of an idea or a concern."""
    return f"/{'concerns' if item.kind == 'concern' else 'ideas'}/{item.id}"


def date_filter(moment) -> str:
    """A date in the reader's language and time zone ("7 dec. 2026"). A list shows
    many rows of the same days: each day is formatted once a request (or task)."""
    if not moment:
        return ""
    day = to_user_timezone(moment).date() if isinstance(moment, datetime) else moment
    memo = g.setdefault("ideas.dates", {})
    key = (str(get_locale()), day)
    if key not in memo:
        memo[key] = format_date(day, "medium")
    return memo[key]


def status_label(status: str) -> str:
    """A status in words, in the reader's language (looked up once a request)."""
    memo = g.setdefault("ideas.status_labels", {})
    key = (str(get_locale()), status)
    if key not in memo:
        memo[key] = str(STATUS_LABELS[Status(status)])
    return memo[key]


VISION = "I Ljungby kommun formar vi framtiden tillsammans, 35 000 invånare år 2035"


def _catalogue_lookup():
    """``translations()``: the catalogue of the language the current request (or a
    ``force_locale`` block in it) speaks. Flask-Babel's own look-up walks the request
    context, the locale and its name on every string; a page has a hundred strings, so
    the catalogue is found once a language, from the locale the context already holds."""
    catalogues: dict = {}

    def translations():
        babel_context = g.get("_flask_babel")
        locale = getattr(babel_context, "babel_locale", None)
        if locale is None:  # not chosen yet in this request: Flask-Babel chooses it
            return get_translations()
        found = catalogues.get(locale)
        if found is None:
            found = catalogues[locale] = get_translations()
        return found

    return translations


def file_size(size: int) -> str:
    """A file's size as people read it: "340 kB", "2,4 MB" (in the user's language)."""
    if size < 1024 * 1024:
        return f"{format_decimal(max(1, round(size / 1024)))} kB"
    return f"{format_decimal(round(size / (1024 * 1024), 1))} MB"


def init_app(app: Flask) -> None:
    translations = _catalogue_lookup()
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["datetime"] = lambda d: format_datetime(d, "short") if d else ""
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["number"] = format_decimal  # 1 000 in Swedish, 1,000 in English
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["filesize"] = file_size
    app.jinja_env.globals["item_path"] = item_path
    from ideas.services.notifications import describe  # services import this module's kin

    app.jinja_env.globals["notification_text"] = describe
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _shared():
        return {
            "organisation_name": current_app.config["ORGANISATION_NAME"],
            "vision": VISION,
            "current_locale": str(get_locale()),
            "languages": current_app.config["LANGUAGES"],
        }
