"""GET /api/v1/ideas/similar: the ideas a new one might duplicate, before it is sent.

A program that files ideas (an intranet form, say) can offer its users the existing
idea to support instead, as the web form does. ``/ideas/<int:item_id>`` only takes
numbers, so ``/ideas/similar`` never reaches it.
"""

from __future__ import annotations

from flask import jsonify, request

from ideas.blueprints.api import bp
from ideas.blueprints.api.auth import api_user
from ideas.blueprints.api.errors import ApiError
from ideas.blueprints.api.serialize import item_json
from ideas.models.items import TITLE_MAX
from ideas.services.similar import similar_ideas as find_similar


def _title_arg() -> str:
    """The ``title`` query argument: 400 naming it when missing or longer than a title
    may be (a longer one could never be submitted anyway)."""
    title = request.args.get("title", "").strip()
    if not title:
        raise ApiError(400, "Give the title to compare: ?title=...", "title")
    if len(title) > TITLE_MAX:
        raise ApiError(400, f"The title can be at most {TITLE_MAX} characters.", "title")
    return title


@bp.get("/ideas/similar")
def similar_ideas():
    """Up to five ideas whose title resembles ``title``, most alike first; none for a
    title of fewer than three letters."""
    viewer = api_user()
    return jsonify({"items": [item_json(item, viewer) for item in find_similar(_title_arg())]})
