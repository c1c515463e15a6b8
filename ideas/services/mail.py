"""E-mail as records: each message is written before it is sent and marked once the
SMTP server has accepted it, unique per event and recipient, so nothing is sent
twice and nothing is lost when SMTP or a worker fails."""

from __future__ import annotations

import contextlib
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import NamedTuple

import psycopg
from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import Engine, and_, bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from ideas import clock, mailer
from ideas.extensions import db
from ideas.models import Email, User
from ideas.services import outbox

log = logging.getLogger(__name__)
SEND_TASK = "ideas.send_email"


def user_locale(user: User) -> str:
    return user.locale or current_app.config["DEFAULT_LOCALE"]


def render_email(template: str, user: User, subject_fn, **context) -> tuple[str, str, str]:
    """``(subject, text, html)`` in the recipient's language."""
    with force_locale(user_locale(user)):
        context = {"user": user, "base_url": current_app.config["BASE_URL"], **context}
        subject = str(subject_fn())
        text = render_template(f"email/{template}.txt", subject=subject, **context)
        html = render_template(f"email/{template}.html", subject=subject, **context)
    return subject, text, html


def compose_email(
    user: User,
    *,
    event_key: str,
    template: str,
    subject,
    headers: dict[str, str] | None = None,
    **context,
) -> Email:
    """The record of one e-mail to ``user`` about ``event_key``, rendered in their
    language (``subject`` is a callable run in it); not yet added to the session."""
    subject_text, text, html = render_email(template, user, subject, **context)
    return Email(
        event_key=event_key,
        recipient=user.email,
        user_id=user.id,
        subject=subject_text,
        body_text=text,
        body_html=html,
        headers=headers or {},
        created_at=clock.now(),
    )


def queue_email(
    user: User,
    *,
    event_key: str,
    template: str,
    subject,
    send_now: bool = True,
    headers: dict[str, str] | None = None,
    **context,
) -> Email | None:
    """Record one e-mail for ``user`` about the event ``event_key``; a second call for
    the same event and recipient records nothing. ``subject`` is a callable run in the
    recipient's language. With ``send_now`` a task sends it right after the commit."""
    if db.session.scalar(
        select(Email.id).where(Email.event_key == event_key, Email.recipient == user.email)
    ):
        return None
    email = compose_email(
        user, event_key=event_key, template=template, subject=subject, headers=headers, **context
    )
    try:
        with db.session.begin_nested():  # a concurrent twin loses here, quietly
            db.session.add(email)
    except IntegrityError:
        return None
    if send_now:
        outbox.enqueue(SEND_TASK, email_id=email.id)
    return email


def queue_new_emails(emails: list[Email]) -> None:
    """Record e-mails (``compose_email``) about events new in this transaction, and send
    each right after the commit. No earlier e-mail can exist for a new event, so the
    look-up and the savepoint of ``queue_email`` are skipped; the unique constraint on
    event and recipient still stands behind that."""
    db.session.add_all(emails)
    db.session.flush()
    for email in emails:
        outbox.enqueue(SEND_TASK, email_id=email.id)


def claimed_now() -> dict:
    """The columns of an e-mail written already claimed by its writer, who sends it
    next (``deliver(known=...)``): no other worker takes it before its claim times
    out, and no UPDATE is needed to claim it."""
    return {"status": "sending", "claimed_at": clock.now(), "attempts": 1}


class Outgoing(NamedTuple):
    """What a message is made of, as ``_claim`` reads it back, or as its writer still
    holds it (``deliver(known=...)``)."""

    id: int
    recipient: str
    subject: str
    body_text: str
    body_html: str
    headers: dict


_MADE_OF = (
    Email.id,
    Email.recipient,
    Email.subject,
    Email.body_text,
    Email.body_html,
    Email.headers,
)


def _claim(email_ids: list[int]) -> list[Outgoing]:
    """Take these e-mails for sending, except those sent or held by another worker:
    what each message is made of, as plain rows, not ``Email`` objects, which the
    session would keep until it ends.

    The claim is one conditional UPDATE, so of two workers only one gets each
    message, on any database. A claim older than the timeout belonged to a worker
    that died, and may be taken again.
    """
    now = clock.now()
    stale = now - timedelta(seconds=current_app.config["EMAIL_CLAIM_TIMEOUT_SECONDS"])
    claimed = (
        db.session.execute(
            update(Email)
            .where(
                Email.id.in_(email_ids),
                or_(
                    Email.status == "pending",
                    and_(Email.status == "sending", Email.claimed_at <= stale),
                ),
            )
            .values(status="sending", claimed_at=now, attempts=Email.attempts + 1)
            .returning(Email.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    if not claimed:
        return []
    return sorted(
        Outgoing(*row) for row in db.session.execute(select(*_MADE_OF).where(Email.id.in_(claimed)))
    )


class DeliveryFailed(Exception):
    """Some messages could not be sent now; they are pending again, for a retry."""


def deliver(email_ids: list[int], known: dict[int, Outgoing] | None = None) -> int:
    """Send recorded e-mails once each, over one connection. Returns how many were sent.
    ``known``: the messages of ``email_ids`` as their caller has just written them,
    already claimed (``claimed_now``): sent without a claim or a read of their own.

    This is a unit of work of its own (called from a task or a command, never inside
    a request): it commits the claim before talking to the SMTP server, and marks each
    message sent (a commit) as soon as the server has accepted it. The mark of one
    message is committed while the next one is built and announced (MAIL, RCPT,
    DATA), and that one's data goes, with its end (the server accepts it), only once
    the mark is committed: at most one message is ever accepted and not yet marked,
    as when each waited for the last.
    Messages that fail go back to pending with the error kept, and
    ``DeliveryFailed`` is raised so the task retries.
    """
    claimed = sorted(known[i] for i in email_ids) if known else _claim(email_ids)
    db.session.commit()
    if not claimed:
        return 0
    accepted: list[int] = []
    error: Exception | None = None
    try:
        with mailer.transport() as transport, _marker() as marks:
            for row in claimed:
                transport.send(
                    mailer.build_message(
                        to=row.recipient,
                        subject=row.subject,
                        text=row.body_text,
                        html=row.body_html,
                        headers=row.headers,
                    ),
                    before_end=marks.wait,
                )
                accepted.append(row.id)
                # Marked sent as soon as the server has it: a process killed later in
                # the batch leaves only unsent messages to send again, not sent ones.
                marks.mark(row.id)
            marks.wait()
    except Exception as exc:  # SMTP, network, disk: the rest waits for a retry
        error = exc
    # A message the server accepted but that could not be marked stays claimed: it is
    # not handed out again before its claim times out.
    done = set(accepted)
    failed = [row.id for row in claimed if row.id not in done]
    if failed:
        db.session.execute(
            update(Email)
            .where(Email.id.in_(failed))
            .values(status="pending", last_error=f"{type(error).__name__}: {error}"[:1000])
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    if failed:
        log.warning("%d e-mail(s) not sent, will retry: %s", len(failed), error)
        raise DeliveryFailed(str(error)) from error
    return len(accepted)


# Core, not an ORM bulk UPDATE: compiled once, and a tenth of the CPU per message.
_SENT = (
    Email.__table__.update()
    .where(Email.__table__.c.id == bindparam("email_id"))
    .values(status="sent", sent_at=bindparam("sent_at"), last_error="")
)


# The same UPDATE for PostgreSQL's driver itself (``_ThreadMarks``).
_SENT_SQL = (
    "UPDATE emails SET status = 'sent', sent_at = %(sent_at)s, last_error = ''"
    " WHERE id = %(email_id)s"
)
# The database is away (a restart, a failover, a broken connection): through
# SQLAlchemy, or from the driver itself.
_AWAY = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


def _mark_retrying(email_id: int, attempt, reset, timeout: float) -> None:
    """Record that the SMTP server has this message: ``attempt()``, one UPDATE and its
    commit (a commit costs about 0.5 ms on PostgreSQL here, most of it the WAL flush;
    it is what makes the record outlive a crash). Retried while the database is away
    (a restart, a failover) for up to half the claim timeout: until the claim times
    out no other worker takes the message, so a record made by then keeps it from
    going out a second time."""
    deadline = time.monotonic() + timeout / 2
    delay = 0.2
    while True:
        try:
            attempt()
            return
        except _AWAY:
            with contextlib.suppress(Exception):
                reset()
            if time.monotonic() + delay > deadline:
                raise
            log.warning("e-mail %s sent; the database is away, marking it again", email_id)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def _mark_sent(email_id: int) -> None:
    """Mark one message sent through the session."""

    def attempt():
        db.session.connection().execute(_SENT, {"email_id": email_id, "sent_at": clock.now()})
        db.session.commit()

    _mark_retrying(
        email_id, attempt, db.session.rollback, current_app.config["EMAIL_CLAIM_TIMEOUT_SECONDS"]
    )


class _InlineMarks:
    """Each mark committed through the session before the next message goes."""

    def mark(self, email_id: int) -> None:
        _mark_sent(email_id)

    def wait(self) -> None:
        pass


class _ThreadMarks:
    """Each mark committed on a connection of its own, in a thread, while the main
    thread builds and transfers the next message; ``wait()`` returns once the last
    mark is committed (or raises what it failed with)."""

    def __init__(self, engine: Engine, timeout: float):
        self.engine = engine
        self.timeout = timeout
        self.connection = None
        self.pending: Future | None = None
        self.thread = ThreadPoolExecutor(1, thread_name_prefix="mark-sent")

    def mark(self, email_id: int) -> None:
        self.wait()  # never more than one: the caller waits before the next is accepted
        self.pending = self.thread.submit(self._mark, email_id, clock.now())

    def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def _mark(self, email_id: int, sent_at) -> None:
        def attempt():
            if self.connection is None:
                # Each UPDATE its own transaction: one round trip (no BEGIN, no COMMIT).
                connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                # Committed without waiting for the WAL to reach the disk: the mark
                # outlives the worker at once, and the database's crash (not a restart)
                # only if it came after the WAL writer's next flush (within 0.6 s).
                # A mark lost so is a message sent again, never one lost.
                connection.exec_driver_sql("SET synchronous_commit TO off")
                self.connection = connection
            # Straight to the driver, prepared on the server: SQLAlchemy's execution of
            # even a compiled statement cost the worker 0.3 ms a message, five times
            # the driver's (bench/RESULTS.md).
            self.connection.connection.driver_connection.execute(
                _SENT_SQL, {"email_id": email_id, "sent_at": sent_at}, prepare=True
            )

        _mark_retrying(email_id, attempt, self._drop, self.timeout)

    def _drop(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:  # back to the pool as it came: other work waits for its commits
                connection.exec_driver_sql("RESET synchronous_commit")
            except Exception:
                connection.invalidate()  # broken: closed, not pooled
            connection.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a failed last mark: its message stays claimed
            self.wait()
        self.thread.submit(self._drop).result()
        self.thread.shutdown()


@contextlib.contextmanager
def _marker():
    """Marks in a thread on a connection of its own, on PostgreSQL; through the
    session when it is bound to a connection (a test running inside one transaction,
    which another connection would not see) or on SQLite (one writer at a time)."""
    bind = db.session.get_bind()
    if not isinstance(bind, Engine) or bind.dialect.name == "sqlite":
        yield _InlineMarks()
        return
    marks = _ThreadMarks(bind, current_app.config["EMAIL_CLAIM_TIMEOUT_SECONDS"])
    try:
        yield marks
    finally:
        marks.close()


def pending_email_ids(older_than: timedelta, limit: int = 1000) -> list[int]:
    """E-mails recorded but not sent a while after: an outage, a lost task, a crash."""
    now = clock.now()
    stale = now - timedelta(seconds=current_app.config["EMAIL_CLAIM_TIMEOUT_SECONDS"])
    return list(
        db.session.scalars(
            select(Email.id)
            .where(
                or_(
                    and_(Email.status == "pending", Email.created_at <= now - older_than),
                    and_(Email.status == "sending", Email.claimed_at <= stale),
                )
            )
            .order_by(Email.id)
            .limit(limit)
        )
    )
