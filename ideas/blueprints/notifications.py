"""The reader's notifications: the list, marking them read, and the count in the header.

The header's count is one query a page at most (``header_count``: from the partial
index of the unread), and a page stored for its reader stays right: a notification,
and marking one read, moves the reader's own page scope (``ideas/page_cache.py``).
Opening an item's page marks what its reader was told about it read (``item_opened``).
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from ideas import page_cache
from ideas.extensions import db
from ideas.forms import ActionForm
from ideas.models import Item
from ideas.services import notifications
from ideas.web import attempt, page_arg

log = logging.getLogger(__name__)
bp = Blueprint("notifications", __name__, url_prefix="/notifications")
_COUNT = "ideas.unread_notifications"


def header_count() -> int:
    """How many of the signed-in reader's notifications are unread (up to
    ``UNREAD_SHOWN_MAX + 1``), read once a request, and only if the page shows it."""
    if _COUNT not in g:
        g.setdefault(_COUNT, notifications.unread_count(current_user))
    return g.get(_COUNT)


def shown_unread(count: int) -> None:
    """The header's count, as the request has read it already (no query of its own):
    with the signed-in user (``security._load_user``), or as a page knows it better
    (an item's page, once what it was told about the item is read)."""
    setattr(g, _COUNT, count)


def item_opened(item: Item) -> None:
    """The reader has opened ``item``'s page: what they were told about it is read now.
    Only the reader's own rows change (and only their page scope moves), so the GET
    that shows the page may do it; the page's query found there was something unread
    (``items.viewer_marks``), so nothing is written when there is none.

    The page is made by then: its reading transaction ends first, and the UPDATE
    begins the next one (SQLite: a snapshot read before the worker's last commit could
    not become a write). Should the write fail all the same, the page stands and the
    notifications stay unread, for the next time."""
    user_id, item_id = current_user.id, item.id  # read before the commit expires them
    db.session.commit()
    try:
        notifications.mark_item_read(user_id, item_id)
        db.session.commit()
    except OperationalError as exc:
        db.session.rollback()
        log.warning("notifications on item %s not marked read: %s", item_id, exc)
        return
    page_cache.restamp_after_own_write({page_cache.user_scope(user_id)})


@bp.app_context_processor
def _header():
    return {
        "unread_notifications": header_count,
        "unread_shown_max": notifications.UNREAD_SHOWN_MAX,
    }


@bp.get("")
def index():
    page = notifications.page_for(
        current_user, unread=None, page=page_arg(), per_page=current_app.config["PER_PAGE"]
    )
    shown_unread(page.unread)
    return render_template("notifications/index.html", page=page, form=ActionForm())


@bp.post("/read")
def mark_all_read():
    if not ActionForm().validate_on_submit():
        abort(400)
    attempt(
        lambda: notifications.mark_read(current_user),
        success=_("All your notifications are marked as read."),
    )
    return redirect(url_for("notifications.index"))
