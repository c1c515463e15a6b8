"""What the API's objects look like in JSON (described for clients in ``openapi``)."""

from __future__ import annotations

import base64
import binascii
import json
import math
from datetime import datetime

from flask import current_app, url_for

from ideas.blueprints.api.errors import ApiError
from ideas.models import Comment, HistoryEntry, Item, ItemFile, Unit, User, Value
from ideas.services import items as item_service
from ideas.services.paging import Page
from ideas.services.permissions import shows_author
from ideas.templating import item_path, status_label


def timestamp(moment: datetime | None) -> str | None:
    """ISO 8601 with its offset (the database keeps UTC)."""
    return moment.isoformat() if moment is not None else None


def person(user: User | None) -> dict | None:
    return None if user is None else {"name": user.name, "email": user.email}


def me_json(user: User) -> dict:
    """The caller's own account and settings."""
    return {
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "unit": {"code": user.unit.code, "name": user.unit.name} if user.unit else None,
        "digest_frequency": user.digest_frequency,
        "absent": user.absent,
        "deputy": person(user.deputy),
    }


def notification_json(shown) -> dict:
    """One of the caller's notifications (``notifications.Shown``): the item is null
    when the caller may no longer see it (a concern that has moved on)."""
    item = shown.item
    return {
        "id": shown.id,
        "event": shown.event,
        "read": shown.read,
        "created_at": timestamp(shown.created_at),
        "item": None
        if item is None
        else {"id": item.id, "kind": item.kind, "title": item.title, "url": item_url(item)},
    }


def item_url(item: Item) -> str:
    """The item's page on the web."""
    return current_app.config["BASE_URL"] + item_path(item)


def item_json(item: Item, viewer: User | None = None) -> dict:
    """An item as a list shows it; everything used is loaded by ``idea_list_query``.
    A confidential concern's submitter is shown only to those ``shows_author`` allows."""
    author = item.author if viewer is None or shows_author(viewer, item) else None
    return {
        "id": item.id,
        "kind": item.kind,
        "title": item.title,
        "description": item.description,
        "benefit": item.benefit,
        "unit": {"code": item.unit.code, "name": item.unit.name},
        "values": [value.name for value in item.values],
        "category": item.category.name if item.category else None,
        "status": item.status,
        "status_label": status_label(item.status),  # looked up once a request
        "author": person(author),
        "assignee": person(item.assignee),
        "driver": person(item.driver),
        "confidential": item.confidential,
        "about_manager": item.about_manager,
        "supports": item.support_count,
        "comments": item.comment_count,
        "merged_into": item.merged_into_id,
        "adopted_from": item.adopted_from_id,
        "outcome": item.outcome,
        "lessons": item.lessons,
        "effect": item.effect,
        "hours_saved": _number(item.hours_saved),
        "money_saved": _number(item.money_saved),
        "url": item_url(item),
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
    }


def page_json(page: Page, viewer: User) -> dict:
    """A page of items. ``total`` is exact up to ``page.limit`` (1,000) and null beyond,
    when ``total_more`` is true; ``next_cursor`` asks for the page after this one."""
    return {
        "items": [item_json(item, viewer) for item in page.items],
        "total": page.total,
        "total_more": page.more,
        "page": page.page,
        "pages": page.pages,
        "per_page": page.per_page,
        "next_cursor": encode_cursor(page.order, page.next_key) if page.next_key else None,
    }


# A cursor is the sort key of the last row of a page, and the name of the order the
# list is in (newest first, or by relevance: a search's order stays the one its
# first page had). Opaque to clients: base64 of JSON.
CURSOR_MAX = 200


def encode_cursor(order: str, key: tuple) -> str:
    *values, last_id = key
    if order == item_service.NEWEST:
        values = [timestamp(values[0])]
    blob = json.dumps([order, *values, last_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(blob).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, tuple]:
    """``(order, (sort key, id))`` from a cursor, or a 400 naming ``cursor``."""
    try:
        if not cursor or len(cursor) > CURSOR_MAX:
            raise ValueError
        blob = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        order, value, last_id = json.loads(blob)
        if type(last_id) is not int or not 0 < last_id < 2**31:
            raise ValueError
        if order == item_service.NEWEST and isinstance(value, str):
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError
            return order, (moment, last_id)
        if order == item_service.RELEVANCE and type(value) in (int, float):
            if not math.isfinite(value):
                raise ValueError
            return order, (float(value), last_id)
        raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ApiError(
            400, "The cursor is not one this API gave (use next_cursor as it is).", "cursor"
        ) from None


def _number(amount) -> float | None:
    return None if amount is None else float(amount)


def history_json(entry: HistoryEntry, item: Item, viewer: User) -> dict:
    hidden = entry.actor_id == item.author_id and not shows_author(viewer, item)
    return {
        "at": timestamp(entry.created_at),
        "actor": None if hidden else person(entry.actor),
        "action": entry.action,
        "from": entry.from_status,
        "to": entry.to_status,
        "comment": entry.comment,
    }


def file_json(row: ItemFile) -> dict:
    """A file on an item or comment; ``url`` and ``thumbnail_url`` are this API's (with
    the same token), ``web_url`` the page's link for a logged-in browser."""
    base = current_app.config["BASE_URL"]
    return {
        "id": row.id,
        "name": row.name,
        "content_type": row.content_type,
        "size": row.size,
        "width": row.width,
        "height": row.height,
        "comment": row.comment_id,
        "url": base + url_for("api.get_file", file_id=row.id),
        "thumbnail_url": (
            base + url_for("api.get_file_thumbnail", file_id=row.id) if row.thumbnail_name else None
        ),
        "web_url": base + url_for("files.original", file_id=row.id),
        "created_at": timestamp(row.created_at),
    }


def item_detail_json(item: Item, viewer: User) -> dict:
    """An item with its history and where the caller stands (loaded by ``load_item``)."""
    supported, following, *_notices = item_service.viewer_marks(item, viewer)
    return {
        **item_json(item, viewer),
        "history": [history_json(entry, item, viewer) for entry in item.history],
        "files": [file_json(row) for row in item.files],
        "supported_by_me": supported,
        "spread_to": [
            {"id": copy.id, "unit": {"code": copy.unit.code, "name": copy.unit.name}}
            for copy in item_service.spread_of(item)
        ],
        "following": following,
    }


def comment_json(comment: Comment) -> dict:
    return {
        "id": comment.id,
        "body": comment.body,
        "author": person(comment.author),
        "files": [file_json(row) for row in comment.files],
        "created_at": timestamp(comment.created_at),
    }


def value_json(value: Value) -> dict:
    # A retired behaviour is no longer shown beside its value.
    return {"name": value.name, "behaviours": [b.text for b in value.behaviours if b.active]}


def unit_json(unit: Unit) -> dict:
    return {
        "code": unit.code,
        "name": unit.name,
        "parent": unit.parent.code if unit.parent is not None else None,
    }
