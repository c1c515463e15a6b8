"""Digests: news by e-mail, daily, weekly or monthly, once per user and period.

Built in batches of users with a fixed number of queries per batch, whatever the
batch holds; each batch is recorded (one delivery per user and period) before it is
sent, so a second run, or a run after a crash half-way, sends each digest once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, load_only

from ideas import clock
from ideas.extensions import db
from ideas.models import (
    DigestDelivery,
    DigestFrequency,
    Email,
    Follow,
    HistoryEntry,
    Item,
    Kind,
    Status,
    User,
)
from ideas.services import mail

log = logging.getLogger(__name__)
ZONE = ZoneInfo("Europe/Stockholm")
OPEN = [Status.SUBMITTED, Status.ACKNOWLEDGED, Status.ASSESSING, Status.FORWARDED, Status.ACCEPTED]
LIST_LIMIT = 10


def period_of(frequency: str, now: datetime) -> tuple[str, datetime]:
    """The period a run at ``now`` covers: its key and the time it starts from."""
    local = now.astimezone(ZONE)
    if frequency == DigestFrequency.DAILY:
        return f"daily:{local:%Y-%m-%d}", now - timedelta(days=1)
    if frequency == DigestFrequency.WEEKLY:
        year, week, _day = local.isocalendar()
        return f"weekly:{year}-W{week:02d}", now - timedelta(days=7)
    if frequency == DigestFrequency.MONTHLY:
        previous = (local.replace(day=1) - timedelta(days=1)).replace(day=1)
        return f"monthly:{local:%Y-%m}", previous.astimezone(now.tzinfo)
    raise ValueError(f"no digest period for {frequency!r}")


def frequencies_due(now: datetime) -> list[str]:
    """Daily every morning, weekly on Mondays, monthly on the 1st (Stockholm time)."""
    local = now.astimezone(ZONE)
    due = [DigestFrequency.DAILY.value]
    if local.isoweekday() == 1:
        due.append(DigestFrequency.WEEKLY.value)
    if local.day == 1:
        due.append(DigestFrequency.MONTHLY.value)
    return due


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="digest-unsubscribe")


def unsubscribe_token(user: User) -> str:
    return _serializer().dumps(user.id)


def user_for_unsubscribe(token: str) -> User | None:
    try:
        user_id = _serializer().loads(token)
    except BadSignature:
        return None
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def unsubscribe(user: User) -> None:
    user.digest_frequency = DigestFrequency.NONE.value


@dataclass
class Digest:
    user: User
    news: list[tuple[Item, HistoryEntry]] = field(default_factory=list)
    unit_ideas: list[Item] = field(default_factory=list)
    queue: list[Item] = field(default_factory=list)
    implemented: list[dict] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.news or self.unit_ideas or self.queue or self.implemented)


# What a digest shows of an item (templates/email/digest.*: title, link, status, the
# nearest deadline) and what compose() sorts by: only these are loaded, so that a batch
# of managers with thousands of open items each stays small (bench/RESULTS.md).
_SHOWN = load_only(
    Item.id,
    Item.kind,
    Item.title,
    Item.status,
    Item.unit_id,
    Item.author_id,
    Item.assignee_id,
    Item.created_at,
    Item.first_answer_due,
    Item.answered_at,
    Item.decision_due,
    Item.decided_at,
    Item.evaluation_due,
    Item.evaluated_at,
)


def compose(users: list[User], since: datetime, implemented: list[dict]) -> list[Digest]:
    """The digests of a batch of users, in three queries whatever the batch size."""
    ids = [u.id for u in users]
    digests = {u.id: Digest(user=u, implemented=implemented) for u in users}
    # 1. What happened to items they submitted or follow (authors follow their own).
    rows = db.session.execute(
        select(Follow.user_id, HistoryEntry, Item)
        .join(HistoryEntry, HistoryEntry.item_id == Follow.item_id)
        .join(Item, Item.id == Follow.item_id)
        .where(
            Follow.user_id.in_(ids),
            HistoryEntry.created_at >= since,
            Item.kind.in_([Kind.IDEA.value, Kind.CONCERN.value]),
            (HistoryEntry.actor_id.is_(None)) | (HistoryEntry.actor_id != Follow.user_id),
        )
        .options(_SHOWN)
        .order_by(HistoryEntry.id)
    ).all()
    for user_id, entry, item in rows:
        digests[user_id].news.append((item, entry))
    # 2. New ideas in their units.
    units = {u.unit_id for u in users if u.unit_id}
    by_unit: dict[int, list[Item]] = defaultdict(list)
    if units:
        for item in db.session.scalars(
            select(Item)
            .where(Item.kind == Kind.IDEA.value, Item.unit_id.in_(units), Item.created_at >= since)
            .options(_SHOWN)
            .order_by(Item.created_at.desc())
        ):
            by_unit[item.unit_id].append(item)
    for digest in digests.values():
        own = [i for i in by_unit.get(digest.user.unit_id, []) if i.author_id != digest.user.id]
        digest.unit_ideas = own[:LIST_LIMIT]
    # 3. A manager's queue: open items they have, nearest deadline first.
    for item in db.session.scalars(
        select(Item)
        .where(Item.assignee_id.in_(ids), Item.status.in_(OPEN), Item.kind != Kind.REPORT.value)
        .options(_SHOWN)
        .order_by(Item.first_answer_due)
    ):
        digests[item.assignee_id].queue.append(item)
    return list(digests.values())


def _subject(digest: Digest):
    return lambda: _l(
        "Your digest from %(org)s's idea system", org=current_app.config["ORGANISATION_NAME"]
    )


def run(frequency: str, now: datetime | None = None) -> int:
    """Send the ``frequency`` digests of the period ``now`` falls in. Returns the number
    of digests sent by this run. Commits per batch (a long job, called from a task or a
    command): what a crash leaves half-done, the next run finishes."""
    now = now or clock.now()
    period, since = period_of(frequency, now)
    batch_size = int(current_app.config["DIGEST_BATCH_SIZE"])
    # Learning travels: ideas implemented anywhere, the same for everyone, as plain
    # values so that they outlive each batch's session.
    implemented = [
        {"id": i.id, "title": i.title, "unit": i.unit.name}
        for i in db.session.scalars(
            select(Item)
            .where(Item.kind == Kind.IDEA.value, Item.implemented_at >= since)
            .options(joinedload(Item.unit))
            .order_by(Item.implemented_at.desc())
            .limit(LIST_LIMIT)
        )
    ]
    sent = _deliver_left_over(period)  # a run after a crash first finishes what it recorded
    last_id = 0
    while True:
        users = list(
            db.session.scalars(
                select(User)
                .where(
                    User.active.is_(True),
                    User.digest_frequency == frequency,
                    User.id > last_id,
                    ~exists().where(
                        DigestDelivery.user_id == User.id, DigestDelivery.period == period
                    ),
                )
                .order_by(User.id)
                .limit(batch_size)
            )
        )
        if not users:
            break
        last_id = users[-1].id
        email_ids = _record_batch(compose(users, since, implemented), frequency, period, now)
        if email_ids:
            sent += _deliver(email_ids)
        db.session.expunge_all()  # flat memory, whatever the number of users
    log.info("digest %s: %d sent", period, sent)
    return sent


def _deliver(email_ids: list[int]) -> int:
    """``mail.deliver`` for a batch, without reading each e-mail again after the
    commit that claims the batch: the claim has just loaded them, as they are in the
    database, and a commit would otherwise expire them, so that building each message
    cost one more query (500 a batch; bench/RESULTS.md). The batch is expunged
    right after, so nothing outlives it."""
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        return mail.deliver(email_ids)
    finally:
        session.expire_on_commit = expire


def _record_batch(digests: list[Digest], frequency: str, period: str, now: datetime) -> list[int]:
    emails = []
    for digest in digests:
        email = None
        if not digest.empty:
            user = digest.user
            token = unsubscribe_token(user)
            link = f"{current_app.config['BASE_URL']}/unsubscribe/{token}"
            subject, text, html = mail.render_email(
                "digest",
                user,
                _subject(digest),
                digest=digest,
                unsubscribe_url=link,
                frequency=frequency,
            )
            email = Email(
                event_key=f"digest:{period}:{user.id}",
                recipient=user.email,
                user_id=user.id,
                subject=subject,
                body_text=text,
                body_html=html,
                headers={
                    "List-Unsubscribe": f"<{link}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
                created_at=now,
            )
            emails.append(email)
        db.session.add(
            DigestDelivery(
                user_id=digest.user.id,
                frequency=frequency,
                period=period,
                email=email,
                created_at=now,
            )
        )
    db.session.add_all(emails)
    try:
        db.session.commit()
    except IntegrityError:
        # Another run recorded some of these users first: it sends theirs.
        db.session.rollback()
        log.info("digest %s: a batch was recorded by a concurrent run", period)
        return []
    return [e.id for e in emails]


def _deliver_left_over(period: str) -> int:
    ids = list(
        db.session.scalars(
            select(Email.id)
            .join(DigestDelivery, DigestDelivery.email_id == Email.id)
            .where(DigestDelivery.period == period, Email.status != "sent")
        )
    )
    return mail.deliver(ids) if ids else 0
