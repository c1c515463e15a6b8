"""Notifications inside the product, and the one place that decides how each reaches
its reader.

An event that concerns people (an item assigned or delegated to them, a status change,
an answer, a merge or a comment on what they follow, a deadline near, an escalation)
is recorded by ``notify``, in the transaction of the event itself, as the outbox is:
a notification is shown only if its event was committed, and every committed event
has its notifications. ``notify`` also writes the e-mail of each reader who chose
e-mail for that event (``Delivery.EMAIL``); those who chose the digest find it in
their next digest (``digest_notices``); those who chose neither, only here.

What each person chose is kept on their account (``User.notification_choices``);
an event they never chose for goes as ``DEFAULTS`` says, which is what the product
did before it had notifications: e-mail for what needs action, the digest for news.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import load_only

from ideas import clock, page_cache
from ideas.extensions import db
from ideas.models import (
    DELIVERIES,
    EVENTS,
    STATUS_LABELS,
    STATUSES,
    Delivery,
    Event,
    Item,
    Notification,
    Status,
    User,
)
from ideas.services import mail
from ideas.services.errors import DomainError
from ideas.services.permissions import can_view_item

DEFAULTS: dict[str, str] = {
    Event.ASSIGNED: Delivery.EMAIL,
    Event.DELEGATED: Delivery.EMAIL,
    Event.MERGED: Delivery.EMAIL,
    Event.DEADLINE_NEAR: Delivery.EMAIL,
    Event.ESCALATED: Delivery.EMAIL,
    Event.STATUS_CHANGED: Delivery.DIGEST,
    Event.ANSWERED: Delivery.DIGEST,
    Event.COMMENTED: Delivery.HERE,
}
DEADLINE_WORDS = {
    "first_answer": _l("first answer"),
    "decision": _l("decision"),
    "evaluation": _l("evaluation"),
}
UNREAD_SHOWN_MAX = 99  # the header says "99+" beyond


def delivery(user: User, event: str) -> str:
    """How ``event`` reaches ``user`` besides the notifications page."""
    chosen = (user.notification_choices or {}).get(event)
    return chosen if chosen in DELIVERIES else DEFAULTS[event]


def choices(user: User) -> dict[str, str]:
    """Every event with how it reaches ``user``, in the order of ``EVENTS``."""
    return {event: delivery(user, event) for event in EVENTS}


def set_choices(user: User, chosen: dict[str, str | None]) -> None:
    """Keep what ``user`` chose for each event given (None: as it is)."""
    kept = dict(user.notification_choices or {})
    for event, how in chosen.items():
        if event not in EVENTS:
            raise DomainError(_l("Unknown notification: %(event)s.", event=event), field=event)
        if how is None:
            continue
        if how not in DELIVERIES:
            raise DomainError(_l("Choose e-mail, digest or only here."), field=event)
        kept[event] = how
    user.notification_choices = kept  # a new dict: the JSON column sees the change


def describe(event: str, detail: str = "") -> str:
    """What happened, in a few words of the current language."""
    if event in (Event.STATUS_CHANGED, Event.ANSWERED):
        label = STATUS_LABELS[Status(detail)] if detail in STATUSES else detail
        if event == Event.ANSWERED:
            return str(_l("Answered: %(status)s", status=label))
        return str(_l("New status: %(status)s", status=label))
    if event == Event.COMMENTED:
        return str(_l("New comment"))
    if event == Event.DEADLINE_NEAR:
        return str(_l("Deadline near: %(deadline)s", deadline=DEADLINE_WORDS.get(detail, detail)))
    if event == Event.ESCALATED:
        return str(
            _l("Overdue, escalated to you: %(deadline)s", deadline=DEADLINE_WORDS.get(detail, ""))
        )
    if event == Event.ASSIGNED:
        return str(_l("Assigned to you"))
    if event == Event.DELEGATED:
        return str(_l("Delegated to you"))
    if event == Event.MERGED:
        return str(_l("“%(title)s” is merged into this one", title=detail))
    return event


def notify(
    event: Event,
    item: Item,
    recipients: Iterable[User | None],
    *,
    key: str,
    detail: str = "",
    template: str = "notification",
    subject=None,
    new: bool = False,
    **context,
) -> list[Notification]:
    """Record ``event`` on ``item`` for each of ``recipients`` (once each; nobody
    inactive), in the current transaction, and the e-mail of those who chose e-mail
    for it: ``key`` names the event for the e-mail's once-only record, ``template``
    and ``subject`` (a callable, run in the reader's language) make it, ``context``
    is the template's besides ``item``.

    ``new``: the event is new in this transaction (a history entry, a comment just
    written), so no e-mail about it can exist yet (``mail.queue_new_emails``)."""
    emails: list = []
    made = _write(event, item, recipients, key, detail, template, subject, new, context, emails)
    if emails:
        mail.queue_new_emails(emails)  # flushes
    else:
        db.session.flush()
    return made


def notify_each(
    event: Event,
    notices: Sequence[tuple[Item, User, str]],
    *,
    template: str,
    subject_of,
    **context,
) -> None:
    """``notify`` for many items at once, ``(item, reader, key)`` each, all new in this
    transaction (routing a batch): their e-mails are written with one flush.
    ``subject_of(item)`` is each e-mail's subject."""
    emails: list = []
    for item, user, key in notices:
        _write(event, item, [user], key, "", template, subject_of(item), True, context, emails)
    if emails:
        mail.queue_new_emails(emails)  # flushes
    else:
        db.session.flush()


def _write(event, item, recipients, key, detail, template, subject, new, context, emails):
    """The notifications of one event, added to the session; each e-mail queued, or,
    for a ``new`` event, composed into ``emails`` for the caller to queue."""
    now = clock.now()
    detail = detail[:200]
    if subject is None:

        def subject():
            return _l("%(what)s: %(title)s", what=describe(event, detail), title=item.title)

    made: list[Notification] = []
    seen: set[int] = set()
    for user in recipients:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        made.append(
            Notification(
                user_id=user.id, event=event.value, item_id=item.id, detail=detail, created_at=now
            )
        )
        if delivery(user, event) != Delivery.EMAIL:
            continue
        letter = {
            "event_key": key,
            "template": template,
            "subject": subject,
            "item": item,
            "event": event.value,
            "detail": detail,
            **context,
        }
        if new:
            emails.append(mail.compose_email(user, **letter))
        else:
            mail.queue_email(user, **letter)
    db.session.add_all(made)
    return made


def followers_except(item: Item, actor: User | None) -> list[User]:
    """Who follows ``item`` (its author does), active, but not ``actor``."""
    from ideas.models import Follow  # models import nothing from services

    stmt = (
        select(User)
        .join(Follow, Follow.user_id == User.id)
        .where(Follow.item_id == item.id, User.active.is_(True))
        .order_by(User.id)
    )
    if actor is not None:
        stmt = stmt.where(User.id != actor.id)
    return list(db.session.scalars(stmt))


# --- reading them ---------------------------------------------------------------------------


def _unread(user_id: int):
    return select(Notification.id).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )


def unread_columns(user_id: int, item_id: int | None = None) -> list:
    """Two columns for a select: how many of the reader's notifications are unread,
    counted up to ``UNREAD_SHOWN_MAX + 1``, and how many of them are about ``item_id``;
    both read from the partial index of the unread (``ix_notifications_unread``)."""
    bounded = _unread(user_id).limit(UNREAD_SHOWN_MAX + 1).subquery()
    columns = [select(func.count()).select_from(bounded).scalar_subquery()]
    if item_id is not None:  # an id, or the item's id column of the select (correlated)
        about = select(func.count(Notification.id)).where(
            Notification.user_id == user_id,
            Notification.read_at.is_(None),
            Notification.item_id == item_id,
        )
        columns.append(about.scalar_subquery())
    return columns


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread, up to ``UNREAD_SHOWN_MAX + 1``:
    one query, from the index."""
    return db.session.scalar(select(*unread_columns(user.id))) or 0


def count_unread(user: User) -> int:
    """How many of ``user``'s notifications are unread, exactly."""
    return db.session.scalar(select(func.count()).select_from(_unread(user.id).subquery()))


def _marked(stmt, user_id: int) -> int:
    """Run a mark-as-read UPDATE: it changes only the reader's own pages (the header's
    count), so only their page scope moves, not every page of everybody."""
    result = db.session.execute(
        stmt.values(read_at=clock.now()).execution_options(
            synchronize_session=False, page_scopes=(page_cache.user_scope(user_id),)
        )
    )
    return result.rowcount or 0


def mark_read(user: User, ids: Sequence[int] | None = None) -> int:
    """Mark ``user``'s unread notifications read: all of them, or those of ``ids``
    that are theirs (the ids of others' notifications name nothing of theirs and are
    left alone). Returns how many were marked."""
    stmt = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if ids is not None:
        if not ids:
            return 0
        stmt = stmt.where(Notification.id.in_(list(ids)))
    return _marked(stmt, user.id)


def mark_item_read(user_id: int, item_id: int) -> int:
    """Mark read what the person ``user_id`` was told about ``item_id``: they have
    opened it. Ids, not objects: it runs right after a commit (an item's page), and
    reading an expired object first would begin the transaction as a reader."""
    return _marked(
        update(Notification).where(
            Notification.user_id == user_id,
            Notification.item_id == item_id,
            Notification.read_at.is_(None),
        ),
        user_id,
    )


@dataclass
class Shown:
    """A notification as its reader's list shows it: the item only if they may still
    see it (a concern forwarded elsewhere is no longer theirs to read)."""

    id: int
    event: str
    detail: str
    created_at: datetime
    read: bool
    item: Item | None
    item_id: int

    @property
    def what(self) -> str:
        return describe(self.event, self.detail)


@dataclass
class NotificationPage:
    items: list[Shown]
    page: int
    per_page: int
    total: int
    unread: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


_ITEM_SHOWN = (
    Item.id,
    Item.kind,
    Item.title,
    Item.author_id,
    Item.assignee_id,
    Item.driver_id,
    Item.handling_unit_id,
)


def page_for(user: User, *, unread: bool | None, page: int, per_page: int) -> NotificationPage:
    """One page of ``user``'s notifications, newest first (``unread``: only the unread,
    or only the read ones; None: all), with how many there are and how many unread:
    three queries, whatever the page holds."""
    where = [Notification.user_id == user.id]
    if unread is True:
        where.append(Notification.read_at.is_(None))
    elif unread is False:
        where.append(Notification.read_at.is_not(None))
    total, unread_total = db.session.execute(
        select(
            select(func.count()).where(*where).select_from(Notification).scalar_subquery(),
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .scalar_subquery(),
        )
    ).one()
    rows = db.session.scalars(
        select(Notification)
        .where(*where)
        .options(
            load_only(
                Notification.item_id,
                Notification.event,
                Notification.detail,
                Notification.created_at,
                Notification.read_at,
            )
        )
        .order_by(Notification.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = (
        {
            i.id: i
            for i in db.session.scalars(
                select(Item)
                .where(Item.id.in_({n.item_id for n in rows}))
                .options(load_only(*_ITEM_SHOWN[1:]))
            )
        }
        if rows
        else {}
    )
    shown = []
    for n in rows:
        item = items.get(n.item_id)
        visible = item is not None and can_view_item(user, item)
        shown.append(
            Shown(
                n.id,
                n.event,
                n.detail,
                n.created_at,
                n.read_at is not None,
                item if visible else None,
                n.item_id,
            )
        )
    return NotificationPage(shown, page, per_page, total or 0, unread_total or 0)


def digest_notices(user_ids: Sequence[int], since: datetime) -> list[tuple]:
    """``(user_id, event, detail, item_id, kind, title)`` of the notifications since
    ``since`` of these readers, oldest first: one query for a batch of a digest run,
    which keeps those whose reader chose the digest for them."""
    if not user_ids:
        return []
    return list(
        db.session.execute(
            select(
                Notification.user_id,
                Notification.event,
                Notification.detail,
                Item.id,
                Item.kind,
                Item.title,
            )
            .join(Item, Item.id == Notification.item_id)
            .where(Notification.user_id.in_(user_ids), Notification.created_at >= since)
            .order_by(Notification.id)
        )
    )
