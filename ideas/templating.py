"""Jinja filters and the context every page shares."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import format_date, format_datetime, get_locale

from ideas.markdown import render_markdown
from ideas.models import STATUS_LABELS, Status


def item_path(item) -> str:
    """The page of an idea or a concern."""
    return f"/{'concerns' if item.kind == 'concern' else 'ideas'}/{item.id}"


VISION = "I Ljungby kommun formar vi framtiden tillsammans, 35 000 invånare år 2035"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["datetime"] = lambda d: format_datetime(d, "short") if d else ""
    app.jinja_env.filters["date"] = lambda d: format_date(d, "medium") if d else ""
    app.jinja_env.filters["status_label"] = lambda s: str(STATUS_LABELS[Status(s)])
    app.jinja_env.globals["item_path"] = item_path
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
