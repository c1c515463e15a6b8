"""Digests: news by e-mail, daily, weekly or monthly, once per user and period.

Built in batches of users with a fixed number of queries per batch, whatever the
batch holds; each batch is recorded (one delivery per user and period) before it is
sent, so a second run, or a run after a crash half-way, sends each digest once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, format_date, get_timezone, get_translations
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Template, pass_context
from markupsafe import Markup
from sqlalchemy import select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Bundle, joinedload

from ideas import clock, database
from ideas.extensions import db
from ideas.models import (
    STATUS_LABELS,
    Delivery,
    DigestDelivery,
    DigestFrequency,
    Email,
    Event,
    Follow,
    HistoryEntry,
    Item,
    Kind,
    Status,
    User,
)
from ideas.models.items import DEADLINE_COLUMNS
from ideas.services import mail, notifications

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
    news: list[tuple] = field(default_factory=list)  # (item, entry): _ITEM_SHOWN, _ENTRY_SHOWN
    unit_ideas: list = field(default_factory=list)  # _ITEM_SHOWN
    queue: list[QueueItem] = field(default_factory=list)  # the nearest deadlines first
    queue_total: int = 0  # open items, of which ``queue`` shows LIST_LIMIT
    queue_overdue: int = 0
    implemented: list[dict] = field(default_factory=list)
    # The reader's notifications they chose the digest for: ``Notice``s, oldest first.
    notices: list[Notice] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.news or self.unit_ideas or self.queue or self.implemented or self.notices)


class Notice(NamedTuple):
    """A notification as a digest shows it (templates/email/digest.*)."""

    event: str
    detail: str
    item_id: int
    kind: str
    title: str


class QueueItem(NamedTuple):
    """What a digest shows of an item in a manager's queue (templates/email/digest.*:
    title, link, status, the nearest deadline): a plain row, not an ``Item``, so that
    a batch of managers with hundreds of open items each stays small."""

    id: int
    title: str
    status: str
    next_deadline: datetime | None
    overdue: bool


# What the news and the unit's new ideas show (templates/email/digest.*).
_ITEM_SHOWN = Bundle("item", Item.id, Item.title)
_ENTRY_SHOWN = Bundle(
    "entry", HistoryEntry.id, HistoryEntry.action, HistoryEntry.to_status, HistoryEntry.comment
)


@dataclass
class RunFacts:
    """What a run reads once for all its batches: the period's news on ideas and
    concerns, by item, and who has a queue. Asked per batch instead, PostgreSQL's
    estimates (a manager has 80 open items, so 500 readers must have 40,000) chose
    whole-table scans for every batch of readers with no queue at all."""

    since: datetime
    implemented: list[dict]
    news: dict[int, list[tuple]] = field(default_factory=dict)  # item id: (item, entry, actor)
    assignees: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, since: datetime, implemented: list[dict]) -> RunFacts:
        facts = cls(since, implemented)
        for actor_id, item, entry in db.session.execute(
            select(HistoryEntry.actor_id, _ITEM_SHOWN, _ENTRY_SHOWN)
            .join(Item, Item.id == HistoryEntry.item_id)
            .where(
                HistoryEntry.created_at >= since,
                Item.kind.in_([Kind.IDEA.value, Kind.CONCERN.value]),
            )
            .order_by(HistoryEntry.id)
        ):
            facts.news.setdefault(item.id, []).append((item, entry, actor_id))
        facts.assignees = set(
            db.session.scalars(
                select(Item.assignee_id)
                .where(Item.status.in_(OPEN), Item.kind != Kind.REPORT.value)
                .distinct()
            )
        )
        return facts


def compose(users: list[User], facts: RunFacts) -> list[Digest]:
    """The digests of a batch of users, in at most four queries whatever its size."""
    ids = [u.id for u in users]
    digests = {u.id: Digest(user=u, implemented=facts.implemented) for u in users}
    # 1. What happened to items they submitted or follow (authors follow their own),
    # but not what they did themselves; and 2. new ideas in their units: as plain rows
    # of what the e-mail shows, not entities, which cost more to build than the rest.
    news: dict[int, list] = defaultdict(list)
    # A status change (an answer, when it came with words) is there for those who
    # chose the digest for it (``notifications.delivery``), not for those who chose
    # e-mail or only the notifications page.
    for user_id, item_id in db.session.execute(
        select(Follow.user_id, Follow.item_id).where(Follow.user_id.in_(ids))
    ):
        for item, entry, actor_id in facts.news.get(item_id, ()):
            if actor_id != user_id and _in_digest(digests[user_id].user, entry):
                news[user_id].append((item, entry))
    for user_id, entries in news.items():
        entries.sort(key=lambda pair: pair[1].id)
        digests[user_id].news = entries
    units = {u.unit_id for u in users if u.unit_id}
    by_unit: dict[int, list] = defaultdict(list)
    if units:
        for unit_id, author_id, item in db.session.execute(
            select(Item.unit_id, Item.author_id, _ITEM_SHOWN)
            .where(
                Item.kind == Kind.IDEA.value,
                Item.unit_id.in_(units),
                Item.created_at >= facts.since,
            )
            .order_by(Item.created_at.desc())
        ):
            by_unit[unit_id].append((author_id, item))
    for digest in digests.values():
        own = [i for a, i in by_unit.get(digest.user.unit_id, []) if a != digest.user.id]
        digest.unit_ideas = own[:LIST_LIMIT]
    # 3. A manager's queue: how many open items they have and how many are overdue,
    # and the LIST_LIMIT with the nearest deadlines; the inbox has them all.
    now = clock.now()
    managers = [i for i in ids if i in facts.assignees]
    queues = (
        db.session.execute(
            select(Item.assignee_id, Item.id, Item.title, *DEADLINE_COLUMNS)
            # Unordered: sorted below, by the next deadline.
            .where(
                Item.assignee_id.in_(managers),
                Item.status.in_(OPEN),
                Item.kind != Kind.REPORT.value,
            )
        )
        if managers
        else ()
    )
    for row in queues:
        pending = Item.open_deadlines(row)  # the same rule as Item.next_deadline
        due = pending[0][1] if pending else None
        digests[row.assignee_id].queue.append(
            QueueItem(row.id, row.title, row.status, due, due is not None and due < now)
        )
    for digest in digests.values():
        if digest.queue:
            digest.queue.sort(key=_nearest_first)
            digest.queue_total = len(digest.queue)
            digest.queue_overdue = sum(1 for q in digest.queue if q.overdue)
            del digest.queue[LIST_LIMIT:]
    # 4. The other notifications of the period that each reader chose the digest for
    # (status changes and answers are in the news, above).
    for user_id, event, detail, item_id, kind, title in notifications.digest_notices(
        ids, facts.since
    ):
        digest = digests[user_id]
        if event not in _IN_NEWS and notifications.delivery(digest.user, event) == DIGEST:
            digest.notices.append(Notice(event, detail, item_id, kind, title))
    return list(digests.values())


_IN_NEWS = frozenset({Event.STATUS_CHANGED, Event.ANSWERED})
DIGEST = Delivery.DIGEST


def _in_digest(user: User, entry) -> bool:
    """Whether a history entry of an item ``user`` follows is news in their digest: a
    status change only if they chose the digest for it (as the notification it is)."""
    if entry.action != "status":
        return True
    event = Event.ANSWERED if entry.comment else Event.STATUS_CHANGED
    return notifications.delivery(user, event) == DIGEST


def _nearest_first(item: QueueItem) -> tuple:
    return (item.next_deadline is None, item.next_deadline or datetime.min, item.id)


def _SUBJECT():  # noqa: N802 - a constant, in the recipient's language
    return _l("Your digest from %(org)s's idea system", org=current_app.config["ORGANISATION_NAME"])


def run(
    frequency: str,
    now: datetime | None = None,
    *,
    part: int = 0,
    parts: int = 1,
    progress: Callable[[], None] | None = None,
) -> int:
    """Send the ``frequency`` digests of the period ``now`` falls in. Returns the number
    of digests sent by this run. Commits per batch (a long job, called from a task or a
    command): what a crash leaves half-done, the next run finishes.

    With ``parts``, only the users whose id leaves ``part`` divided by ``parts``: the
    workers run the parts side by side (``worker/tasks.py``, ``run_digests``). Runs
    that overlap (two parts, a part and a whole run) still send each digest once: a
    delivery is recorded once per user and period. ``progress`` is called after each
    batch."""
    if not 0 <= part < parts:
        raise ValueError(f"part {part} of {parts}")
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
    mine = (User.id % parts == part) if parts > 1 else true()
    sent = _deliver_left_over(period, mine)  # a run after a crash first finishes what it recorded
    facts = RunFacts.load(since, implemented)
    renderer = _Renderer(frequency)
    last_id = 0
    while True:
        # The next batch of readers, then those of them this period's digest is
        # recorded for (a run after a crash, an overlapping run), each by its index.
        # Asked in one query (NOT EXISTS), the planner, misled by a deliveries table
        # filling up as it ran, chose a plan that read it whole for each batch: 46 s
        # of the database's time in a run for 50,000 (bench/RESULTS.md).
        users = list(
            db.session.scalars(
                select(User)
                .where(
                    User.active.is_(True),
                    User.digest_frequency == frequency,
                    User.id > last_id,
                    mine,
                )
                .order_by(User.id)
                .limit(batch_size)
            )
        )
        if not users:
            break
        last_id = users[-1].id
        recorded = set(
            db.session.scalars(
                select(DigestDelivery.user_id).where(
                    DigestDelivery.user_id.in_([u.id for u in users]),
                    DigestDelivery.period == period,
                )
            )
        )
        users = [u for u in users if u.id not in recorded]
        if users:
            written = _record_batch(compose(users, facts), renderer, frequency, period, now)
            if written:
                sent += mail.deliver(sorted(written), known=written)
            del written
        del users
        db.session.expunge_all()  # flat memory, whatever the number of users
        if progress is not None:
            progress()
    log.info("digest %s (part %d of %d): %d sent", period, part + 1, parts, sent)
    return sent


def _gettext(translations):
    """``_()`` for the templates, straight from one language's catalogue: what
    Flask-Babel's looks up again at every call (the locale, then the catalogue),
    the same for every message of a batch. Formats and escapes as Jinja's
    "newstyle" gettext does."""

    @pass_context
    def gettext(context, message, **variables):
        translated = translations.gettext(message)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)  # noqa: S704 - our own catalogue, as Jinja does
        return translated % variables

    return gettext


class _Renderer:
    """The digest's templates, and the context every digest in one language shares
    (the organisation's name, the subject, the catalogue), worked out once a run,
    not once a message; what ``render_template`` would add besides (the request,
    the session, the signed-in user) a digest has none of.

    Each language gets the templates from an overlay of the application's Jinja
    environment whose ``status_label`` and ``date`` filters are that language's, looked
    up once: the application's look the locale up again at every call, which cost a
    third of the rendering of a manager's queue (bench/RESULTS.md)."""

    def __init__(self, frequency: str):
        self.frequency = frequency
        self.shared: dict[str, tuple[dict, Template, Template]] = {}

    @contextmanager
    def language(self, locale: str):
        with force_locale(locale):
            if locale not in self.shared:
                context: dict = {}
                current_app.update_template_context(context)
                context["subject"] = str(_SUBJECT())
                context["base_url"] = current_app.config["BASE_URL"]
                context["frequency"] = self.frequency
                context["gettext"] = _gettext(get_translations())
                env = current_app.jinja_env.overlay(cache_size=50)  # its own compiled copies
                env.filters = {**env.filters, **_language_filters()}
                text, html = ({**context} for _format in range(2))
                text["sections"] = _Sections(env, "email/digest_sections.txt", context)
                html["sections"] = _Sections(env, "email/digest_sections.html", context)
                self.shared[locale] = (
                    (text, html),
                    env.get_template("email/digest.txt"),
                    env.get_template("email/digest.html"),
                )
            yield self.shared[locale]

    @staticmethod
    def render(shared: tuple, digest: Digest, unsubscribe_url: str) -> tuple[str, str]:
        (text_base, html_base), text, html = shared
        own = {"user": digest.user, "digest": digest, "unsubscribe_url": unsubscribe_url}
        return text.render({**text_base, **own}), html.render({**html_base, **own})


class _Sections:
    """The parts of a digest that many readers share (``email/digest_sections.*``),
    each rendered once per language, format and content, not once a reader: everyone
    gets the same implemented ideas, and the readers of a unit the same new ideas
    (less their own). Half the rendering of an employee's digest."""

    LIMIT = 1000  # contents kept at most: units times their authors, in one run

    def __init__(self, env, name: str, context: dict):
        self.macros = env.get_template(name).make_module(context)
        self.done: dict[tuple, str] = {}

    def unit_ideas(self, items) -> str:
        return self._render("unit_ideas", items)

    def implemented(self, items) -> str:
        return self._render("implemented", items)

    def _render(self, macro: str, items) -> str:
        key = (macro, *(tuple(i.values()) if isinstance(i, dict) else tuple(i) for i in items))
        if key not in self.done:
            if len(self.done) >= self.LIMIT:
                self.done.clear()
            self.done[key] = getattr(self.macros, macro)(items)
        return self.done[key]


def _language_filters() -> dict:
    """``status_label`` and ``date`` (ideas/templating.py) for the current locale,
    each value worked out once."""
    labels = {status.value: str(label) for status, label in STATUS_LABELS.items()}
    zone = get_timezone()
    days: dict = {}

    def date(value):
        if not value:
            return ""
        if isinstance(value, datetime):  # as format_date rebases it
            aware = value if value.tzinfo else value.replace(tzinfo=UTC)
            value = zone.normalize(aware.astimezone(zone)).date()
        if value not in days:
            days[value] = format_date(value, "medium")
        return days[value]

    return {"status_label": labels.__getitem__, "date": date}


_EMAILS = Email.__table__
_DELIVERIES = DigestDelivery.__table__


def _record_batch(
    digests: list[Digest], renderer: _Renderer, frequency: str, period: str, now: datetime
) -> dict[int, mail.Outgoing]:
    """Render and record the batch's e-mails and deliveries, in one commit. Returns the
    e-mails to send by id (none when a concurrent run recorded these users).

    Written in bulk (``database.insert_rows``: COPY on PostgreSQL), not as ORM
    objects: the session would build, track and flush 2 objects a user."""
    by_locale: dict[str, list[Digest]] = defaultdict(list)
    for digest in digests:
        if not digest.empty:
            by_locale[mail.user_locale(digest.user)].append(digest)
    emails: list[dict] = []
    base_url = current_app.config["BASE_URL"]
    claimed = mail.claimed_now()  # this run sends them next
    for locale, group in by_locale.items():
        with renderer.language(locale) as shared:
            subject = shared[0][0]["subject"]
            for digest in group:
                user = digest.user
                link = f"{base_url}/unsubscribe/{unsubscribe_token(user)}"
                text, html = renderer.render(shared, digest, link)
                emails.append(
                    {
                        "event_key": f"digest:{period}:{user.id}",
                        "recipient": user.email,
                        "user_id": user.id,
                        "subject": subject,
                        "body_text": text,
                        "body_html": html,
                        "headers": {
                            "List-Unsubscribe": f"<{link}>",
                            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                        },
                        "created_at": now,
                        "last_error": "",
                        **claimed,
                    }
                )
    try:
        email_of = dict(
            zip(
                (e["user_id"] for e in emails),
                database.insert_rows(_EMAILS, emails, ids=True),
                strict=True,
            )
        )
        database.insert_rows(
            _DELIVERIES,
            [
                {
                    "user_id": digest.user.id,
                    "frequency": frequency,
                    "period": period,
                    "email_id": email_of.get(digest.user.id),
                    "created_at": now,
                }
                for digest in digests
            ],
        )
        db.session.commit()
    except IntegrityError:
        # Another run recorded some of these users first: it sends theirs.
        db.session.rollback()
        log.info("digest %s: a batch was recorded by a concurrent run", period)
        return {}
    # As written, so that sending need not read 500 bodies back.
    return {
        email_of[e["user_id"]]: mail.Outgoing(
            email_of[e["user_id"]], *(e[k] for k in mail.Outgoing._fields[1:])
        )
        for e in emails
    }


def _deliver_left_over(period: str, mine) -> int:
    ids = list(
        db.session.scalars(
            select(Email.id)
            .join(DigestDelivery, DigestDelivery.email_id == Email.id)
            .join(User, User.id == DigestDelivery.user_id)
            .where(DigestDelivery.period == period, Email.status != "sent", mine)
        )
    )
    return mail.deliver(ids) if ids else 0
