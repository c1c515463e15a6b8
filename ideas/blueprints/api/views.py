"""The endpoints. Each is thin: parse -> service -> commit -> JSON.

Rules (who may do what, which status may follow which) live in the services; a
refusal arrives as a DomainError and ``errors`` answers it after a rollback.
"""

from __future__ import annotations

from collections import defaultdict

from flask import jsonify, request, url_for
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ideas.blueprints.api import bp
from ideas.blueprints.api.auth import api_user
from ideas.blueprints.api.bodies import (
    Adoption,
    Delegation,
    Forwarding,
    Merging,
    NewComment,
    NewConcern,
    NewIdea,
    NewTransition,
    NotificationsRead,
    SettingsPatch,
    is_multipart,
    list_args,
    notification_args,
    parse_body,
    parse_submission,
    request_files,
)
from ideas.blueprints.api.errors import ApiError
from ideas.blueprints.api.idempotent import idempotent
from ideas.blueprints.api.serialize import (
    comment_json,
    decode_cursor,
    file_json,
    item_detail_json,
    item_json,
    me_json,
    notification_json,
    page_json,
    timestamp,
    unit_json,
    value_json,
)
from ideas.blueprints.files import send_item_file
from ideas.extensions import db
from ideas.models import STATUSES, Comment, Item, ItemFile, Kind, Role, Unit, Value
from ideas.services import item_files, notifications, triage
from ideas.services import items as item_service
from ideas.services.items import (
    IdeaFilters,
    idea_list_page,
    idea_list_page_after,
    load_item,
)
from ideas.services.permissions import can_view_item
from ideas.services.settings import update_settings

ID_MAX = 2**31 - 1  # item ids are 32-bit integers: a larger one names nothing


def _active_values():
    return select(Value).where(Value.active.is_(True))


@bp.get("/values")
def list_values():
    values = db.session.scalars(
        _active_values().options(selectinload(Value.behaviours)).order_by(Value.position)
    )
    return jsonify({"items": [value_json(v) for v in values]})


@bp.get("/units")
def list_units():
    units = db.session.scalars(select(Unit).options(joinedload(Unit.parent)).order_by(Unit.name))
    return jsonify({"items": [unit_json(u) for u in units]})


@bp.get("/ideas")
def list_ideas():
    return _list(Kind.IDEA)


def _list(kind: Kind):
    """One page of ideas, or of the concerns the caller may see: by number (``page``)
    or after the last row of the page before (``cursor``)."""
    args = list_args()
    cursor = request.args.get("cursor")
    after = decode_cursor(cursor) if cursor is not None else None
    if after is not None and "page" in request.args:
        raise ApiError(400, "Give page or cursor, not both.", "cursor")
    if args.value and not db.session.scalar(
        select(exists(_active_values().where(Value.name == args.value)))
    ):
        raise ApiError(400, f"Unknown value: {args.value}.", "value")
    if args.unit and not db.session.scalar(select(exists().where(Unit.code == args.unit))):
        raise ApiError(400, f"Unknown unit: {args.unit}.", "unit")
    filters = IdeaFilters(
        q=args.q,
        status=args.status,
        value=args.value,
        unit=args.unit,
        kind=kind.value,
        viewer=api_user(),
    )
    if after is not None:
        order, key = after
        page = idea_list_page_after(filters, order, key, per_page=args.per_page)
    else:
        page = idea_list_page(filters, page=args.page, per_page=args.per_page)
    return jsonify(page_json(page, api_user()))


@bp.post("/ideas")
@idempotent  # commits
def create_idea():
    body, files = parse_submission(NewIdea)
    item = item_service.submit_idea(
        api_user(),
        title=body.title,
        description=body.description,
        benefit=body.benefit,
        unit=body.unit,
        values=body.values,
        category=body.category,
        files=files,
    )
    db.session.flush()
    db.session.expire_all()  # the answer shows the idea as stored (the values in order)
    response = _detail(item.id)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_idea", item_id=item.id)
    return response


def _idea_or_404(item_id: int, *, full: bool = False, kind: Kind = Kind.IDEA) -> Item:
    """The item of this kind with this id, if the caller may see it; 404 otherwise (as on
    the web: a concern one may not see is not said to exist)."""
    item = None
    if 0 < item_id <= ID_MAX:
        if full:  # with the caller's own marks (item_detail_json's)
            item = load_item(item_id, comments=False, viewer=api_user())
        else:
            item = db.session.get(Item, item_id)
    if item is None or item.kind != kind or not can_view_item(api_user(), item):
        raise ApiError(404, f"No {kind.value} with id {item_id}.")
    return item


def _detail(item_id: int, kind: Kind = Kind.IDEA):
    """The item as it is now in the database, with its history."""
    return jsonify(item_detail_json(_idea_or_404(item_id, full=True, kind=kind), api_user()))


@bp.get("/ideas/<int:item_id>")
def get_idea(item_id: int):
    return _detail(item_id)


@bp.post("/ideas/<int:item_id>/transitions")
def transition(item_id: int):
    item = _idea_or_404(item_id)
    body = parse_body(NewTransition)
    learning = item_service.Learning(
        outcome=body.outcome,
        lessons=body.lessons,
        effect=body.effect,
        hours_saved=body.hours_saved,
        money_saved=body.money_saved,
    )
    item_service.transition(item, api_user(), body.status, body.comment, learning=learning)
    db.session.commit()
    return _detail(item_id)


def _any_item_or_404(item_id: int) -> Item:
    """An idea, or a concern the caller may see (a manager triages both)."""
    item = db.session.get(Item, item_id) if item_id <= ID_MAX else None
    if item is None or item.kind == Kind.REPORT or not can_view_item(api_user(), item):
        raise ApiError(404, "No such item (or not one you may see).")
    return item


def _triage(item_id: int, body_model, action):
    """A manager's action on an idea or concern: parse, act, commit, answer the item."""
    item = _any_item_or_404(item_id)
    body = parse_body(body_model)
    action(item, body)
    db.session.commit()
    return _detail(item_id, Kind(item.kind))


@bp.post("/ideas/<int:item_id>/forward")
def forward(item_id: int):
    return _triage(
        item_id, Forwarding, lambda item, b: triage.forward(item, api_user(), b.unit, b.comment)
    )


@bp.post("/ideas/<int:item_id>/merge")
def merge(item_id: int):
    return _triage(item_id, Merging, lambda item, b: triage.merge(item, api_user(), b.into))


@bp.post("/ideas/<int:item_id>/delegate")
def delegate(item_id: int):
    return _triage(item_id, Delegation, lambda item, b: triage.delegate(item, api_user(), b.email))


@bp.post("/ideas/<int:item_id>/adopt")
def adopt(item_id: int):
    item = _idea_or_404(item_id)
    body = parse_body(Adoption)
    copy = item_service.adopt(item, api_user(), body.unit)
    db.session.commit()
    response = _detail(copy.id)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_idea", item_id=copy.id)
    return response


@bp.get("/inbox")
def inbox():
    user = api_user()
    if user.role not in (Role.MANAGER, Role.ADMIN) and not _drives_something(user):
        raise ApiError(403, "The inbox is for managers (and employees an item is delegated to).")
    args = request.args
    filters = triage.InboxFilters(
        unit=args.get("unit") or None,
        status=args.get("status") or None,
        kind=args.get("kind") or None,
        value=args.get("value") or None,
    )
    if filters.status and filters.status not in STATUSES:
        raise ApiError(400, f"Unknown status: {filters.status}.", "status")
    if filters.kind and filters.kind not in (Kind.IDEA.value, Kind.CONCERN.value):
        raise ApiError(400, f"Unknown kind: {filters.kind}.", "kind")
    rows = db.session.scalars(triage.inbox_query(user, filters).limit(INBOX_MAX)).unique()
    return jsonify(
        {
            "counts": triage.inbox_counts(user, filters),
            "items": [
                {**item_json(item, user), "next_deadline": timestamp(item.next_deadline)}
                for item in rows
            ],
        }
    )


INBOX_MAX = 500


def _drives_something(user) -> bool:
    return db.session.scalar(select(exists().where(Item.driver_id == user.id)))


@bp.post("/ideas/<int:item_id>/support")
def support(item_id: int):
    item_service.support(_idea_or_404(item_id), api_user())
    db.session.commit()
    return _detail(item_id)


@bp.delete("/ideas/<int:item_id>/support")
def withdraw_support(item_id: int):
    item_service.withdraw_support(_idea_or_404(item_id), api_user())
    db.session.commit()
    return _detail(item_id)


@bp.get("/ideas/<int:item_id>/comments")
def list_comments(item_id: int):
    item = _idea_or_404(item_id)
    comments = list(
        db.session.scalars(
            select(Comment)
            .where(Comment.item_id == item.id)
            .options(joinedload(Comment.author))
            .order_by(Comment.id)
        )
    )
    # The comments' files in one query, however many comments (or none) there are.
    files = defaultdict(list)
    for row in db.session.scalars(
        select(ItemFile)
        .where(ItemFile.item_id == item.id, ItemFile.comment_id.is_not(None))
        .order_by(ItemFile.id)
    ):
        files[row.comment_id].append(row)
    for comment in comments:
        set_committed_value(comment, "files", files[comment.id])
    return jsonify({"items": [comment_json(c) for c in comments]})


@bp.post("/ideas/<int:item_id>/comments")
@idempotent  # commits
def add_comment(item_id: int):
    item = _idea_or_404(item_id)
    body, files = parse_submission(NewComment)
    comment = item_service.add_comment(item, api_user(), body.body, files)
    db.session.flush()
    return jsonify(comment_json(comment)), 201


@bp.delete("/ideas/<int:item_id>/comments/<int:comment_id>")
def remove_comment(item_id: int, comment_id: int):
    """A comment and its files removed, by its writer or whoever may manage the idea."""
    item = _idea_or_404(item_id)
    comment = db.session.get(Comment, comment_id) if 0 < comment_id <= ID_MAX else None
    if comment is None or comment.item_id != item.id:
        raise ApiError(404, f"No comment with id {comment_id} on idea {item_id}.")
    item_service.remove_comment(item, comment, api_user())
    db.session.commit()
    return "", 204


@bp.post("/ideas/<int:item_id>/follow")
def follow(item_id: int):
    item_service.follow(_idea_or_404(item_id), api_user())
    db.session.commit()
    return _detail(item_id)


@bp.delete("/ideas/<int:item_id>/follow")
def unfollow(item_id: int):
    item_service.unfollow(_idea_or_404(item_id), api_user())
    db.session.commit()
    return _detail(item_id)


@bp.get("/me")
def get_me():
    return jsonify(me_json(api_user()))


@bp.patch("/me")
def patch_me():
    body = parse_body(SettingsPatch)
    given = body.model_fields_set
    user = api_user()
    update_settings(
        user,
        digest_frequency=body.digest_frequency if "digest_frequency" in given else None,
        absent=body.absent if "absent" in given else None,
        deputy=(body.deputy or "") if "deputy" in given else None,
    )
    db.session.commit()
    return jsonify(me_json(user))


@bp.get("/notifications")
def list_notifications():
    """The caller's notifications, newest first, with how many there are and how many
    are unread."""
    args = notification_args()
    page = notifications.page_for(
        api_user(), unread=args.unread, page=args.page, per_page=args.per_page
    )
    return jsonify(
        {
            "items": [notification_json(n) for n in page.items],
            "unread": page.unread,
            "total": page.total,
        }
    )


@bp.post("/notifications/read")
def mark_notifications_read():
    """Mark the caller's notifications read: those of ``ids``, or all. Others' ids
    are ignored: they name nothing of the caller's, and say nothing either way."""
    ids = parse_body(NotificationsRead).ids if request.get_data(cache=True).strip() else None
    user = api_user()
    marked = notifications.mark_read(user, ids)
    db.session.commit()
    return jsonify({"marked": marked, "unread": notifications.count_unread(user)})


@bp.get("/concerns")
def list_concerns():
    return _list(Kind.CONCERN)


@bp.post("/concerns")
def create_concern():
    body, files = parse_submission(NewConcern)
    item = item_service.submit_concern(
        api_user(),
        title=body.title,
        description=body.description,
        unit=body.unit,
        values=body.values,
        confidential=body.confidential,
        about_manager=body.about_manager,
        files=files,
    )
    db.session.commit()
    response = _detail(item.id, Kind.CONCERN)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_concern", item_id=item.id)
    return response


@bp.get("/concerns/<int:item_id>")
def get_concern(item_id: int):
    return _detail(item_id, Kind.CONCERN)


def _add_files(item_id: int, kind: Kind):
    """Files added to an item already submitted (its submitter, or a manager of it)."""
    item = _idea_or_404(item_id, kind=kind)
    if not is_multipart():
        raise ApiError(415, "Send the files as multipart/form-data, in the field 'files'.", "files")
    rows = item_files.add_files(item, api_user(), request_files())
    db.session.commit()
    return jsonify({"items": [file_json(row) for row in rows]}), 201


@bp.post("/ideas/<int:item_id>/attachments")
def add_idea_files(item_id: int):
    return _add_files(item_id, Kind.IDEA)


@bp.post("/concerns/<int:item_id>/attachments")
def add_concern_files(item_id: int):
    return _add_files(item_id, Kind.CONCERN)


def _file_or_404(file_id: int):
    row = item_files.file_for(api_user(), file_id) if 0 < file_id <= ID_MAX else None
    if row is None:
        raise ApiError(404, f"No file with id {file_id}.")
    return row


@bp.get("/files/<int:file_id>")
def get_file(file_id: int):
    return send_item_file(_file_or_404(file_id))


@bp.get("/files/<int:file_id>/thumbnail")
def get_file_thumbnail(file_id: int):
    row = _file_or_404(file_id)
    if row.thumbnail_name is None:
        raise ApiError(404, f"File {file_id} has no thumbnail: it is not a picture.")
    return send_item_file(row, thumbnail=True)
