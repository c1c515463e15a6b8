"""The whistleblowing channel's rules: filing, opening and answering a case.

Nothing here takes a request, an address or a user id from the reporter's side: the
reporter is known only by the receipt code. Every text goes through ideas.crypto with
the case's own key; see that module for how keys are sealed.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from ideas import clock, crypto, receipt
from ideas.extensions import db
from ideas.models import (
    FollowupSession,
    HandlerKey,
    KeySession,
    Report,
    ReportAudit,
    ReportEntry,
    ReportExclusion,
    ReportKey,
    Role,
    SiteSecret,
    User,
)
from ideas.services.errors import DomainError

ACKNOWLEDGE_DAYS = 7
FEEDBACK_MONTHS = 3
TEXT_MAX = 20_000
FIELDS = ("what", "where", "when", "who", "name", "contact")


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later (the last day of a shorter month)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def receipt_salt() -> bytes:
    return db.session.get(SiteSecret, "receipt_salt").value


# -- case handlers' keys ----------------------------------------------------------------


def ensure_handler_key(user: User, password: str) -> HandlerKey | None:
    """Give a case handler their key pair on first need (their password seals it)."""
    if user.role != Role.CASE_HANDLER:
        return None
    key = db.session.get(HandlerKey, user.id)
    if key is None:
        private, public = crypto.new_keypair()
        key = HandlerKey(
            user_id=user.id,
            public_key=public,
            created_at=clock.now(),
            sealed_private_key=crypto.seal_with_secret(private, password, f"handler:{user.id}"),
        )
        db.session.add(key)
        db.session.flush()
    return key


def unlock_handler(user: User, password: str) -> bytes | None:
    """The handler's private key, opened with their password; None if it does not open."""
    key = db.session.get(HandlerKey, user.id)
    if key is None:
        return None
    try:
        return crypto.open_with_secret(key.sealed_private_key, password, f"handler:{user.id}")
    except crypto.DecryptionError:
        return None


def _recipients(report: Report) -> list[HandlerKey]:
    excluded = select(ReportExclusion.handler_id).where(ReportExclusion.report_id == report.id)
    return list(
        db.session.scalars(
            select(HandlerKey)
            .join(User, User.id == HandlerKey.user_id)
            .where(
                User.role == Role.CASE_HANDLER.value,
                User.active.is_(True),
                HandlerKey.user_id.not_in(excluded),
            )
        )
    )


def share_with_handlers(report: Report, case_key: bytes) -> int:
    """Seal the case key to every case handler who may read the case and cannot yet
    (a handler who got their keys after the report was filed). Returns how many."""
    have = set(
        db.session.scalars(
            select(ReportKey.handler_id).where(
                ReportKey.report_id == report.id, ReportKey.handler_id.is_not(None)
            )
        )
    )
    added = 0
    for key in _recipients(report):
        if key.user_id not in have:
            db.session.add(
                ReportKey(
                    report=report,
                    handler_id=key.user_id,
                    sealed_key=crypto.seal_to(key.public_key, case_key, f"case:{report.id}"),
                )
            )
            added += 1
    db.session.flush()
    return added


# -- filing and following up ------------------------------------------------------------


@dataclass
class Filed:
    report: Report
    receipt_code: str  # shown once to the reporter, never stored


def _next_case_number(now: datetime) -> str:
    year = now.year
    count = (
        db.session.scalar(
            select(func.count(Report.id)).where(Report.case_number.like(f"VB-{year}-%"))
        )
        or 0
    )
    return f"VB-{year}-{count + 1:04d}"


def _check_text(fields: dict[str, str]) -> dict[str, str]:
    clean = {name: (fields.get(name) or "").strip() for name in FIELDS}
    if not clean["what"]:
        raise DomainError(_l("Describe what happened."), field="what")
    for name, value in clean.items():
        if len(value) > TEXT_MAX:
            raise DomainError(_l("At most %(n)d characters.", n=TEXT_MAX), field=name)
    return clean


def file_report(
    fields: dict[str, str],
    *,
    excluded_handlers: list[int] | tuple = (),
    acknowledgement_declined: bool = False,
) -> Filed:
    """File a report: what, where, when, who (and, if the reporter wants, name and
    contact). Returns the report and its receipt code, which exists nowhere else."""
    clean = _check_text(fields)
    now = clock.now()
    code = receipt.new_code()
    normal = receipt.normalise(code)
    case_key = crypto.new_key()
    ack_due = now + timedelta(days=ACKNOWLEDGE_DAYS)
    report = Report(
        case_number=_next_case_number(now),
        created_at=now,
        receipt_hash=receipt.code_hash(normal, receipt_salt()),
        acknowledge_due=ack_due,
        feedback_due=add_months(ack_due, FEEDBACK_MONTHS),
        acknowledgement_declined=acknowledgement_declined,
    )
    db.session.add(report)
    db.session.flush()
    valid = set(
        db.session.scalars(
            select(User.id).where(
                User.role == Role.CASE_HANDLER.value, User.id.in_(list(excluded_handlers))
            )
        )
    )
    for handler_id in valid:
        db.session.add(ReportExclusion(report_id=report.id, handler_id=handler_id))
    db.session.add(
        ReportKey(
            report=report,
            handler_id=None,
            sealed_key=crypto.seal_with_secret(case_key, normal, f"case:{report.id}"),
        )
    )
    _add_entry(report, case_key, "report", clean, from_reporter=True)
    share_with_handlers(report, case_key)
    audit(report, "filed", by_reporter=True)
    db.session.flush()
    return Filed(report=report, receipt_code=code)


def open_as_reporter(typed_code: str) -> tuple[Report, bytes] | None:
    """The report and its key for a receipt code, or None (the same for every failure)."""
    normal = receipt.normalise(typed_code)
    if normal is None:
        return None
    digest = receipt.code_hash(normal, receipt_salt())
    report = db.session.scalar(select(Report).where(Report.receipt_hash == digest))
    if report is None or not receipt.matches(report.receipt_hash, digest):
        return None
    sealed = db.session.scalar(
        select(ReportKey.sealed_key).where(
            ReportKey.report_id == report.id, ReportKey.handler_id.is_(None)
        )
    )
    try:
        case_key = crypto.open_with_secret(sealed, normal, f"case:{report.id}")
    except crypto.DecryptionError:
        return None
    share_with_handlers(report, case_key)  # handlers who came after the filing
    return report, case_key


def open_as_handler(report: Report, handler: User, private_key: bytes) -> bytes | None:
    """The case key for a case handler who may read this case, or None."""
    if handler.role != Role.CASE_HANDLER or db.session.get(
        ReportExclusion, (report.id, handler.id)
    ):
        return None
    sealed = db.session.scalar(
        select(ReportKey.sealed_key).where(
            ReportKey.report_id == report.id, ReportKey.handler_id == handler.id
        )
    )
    if sealed is None:
        return None
    try:
        return crypto.open_sealed(private_key, sealed, f"case:{report.id}")
    except crypto.DecryptionError:
        return None


# -- the mailbox --------------------------------------------------------------------------


def _add_entry(
    report: Report,
    case_key: bytes,
    kind: str,
    content: dict,
    *,
    from_reporter: bool,
    handler: User | None = None,
) -> ReportEntry:
    entry = ReportEntry(
        report=report,
        kind=kind,
        from_reporter=from_reporter,
        handler_id=handler.id if handler else None,
        created_at=clock.now(),
    )
    db.session.add(entry)
    db.session.flush()
    entry.ciphertext = crypto.encrypt(
        case_key, json.dumps(content).encode(), f"report:{report.id}:entry:{entry.id}"
    )
    return entry


def read_entries(report: Report, case_key: bytes) -> list[tuple[ReportEntry, dict | None]]:
    """The mailbox in order, decrypted; a deleted or redacted entry reads as None."""
    return [
        (
            entry,
            json.loads(
                crypto.decrypt(case_key, entry.ciphertext, f"report:{report.id}:entry:{entry.id}")
            )
            if entry.ciphertext
            else None,
        )
        for entry in report.entries
    ]


def add_message(
    report: Report,
    case_key: bytes,
    body: str,
    *,
    handler: User | None = None,
    kind: str = "message",
) -> ReportEntry:
    """A message in the mailbox: from a case handler, or (no handler) from the reporter."""
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("Write a message."), field="body")
    if len(body) > TEXT_MAX:
        raise DomainError(_l("At most %(n)d characters.", n=TEXT_MAX), field="body")
    entry = _add_entry(
        report, case_key, kind, {"body": body}, from_reporter=handler is None, handler=handler
    )
    audit(report, kind, handler=handler)
    return entry


def audit(
    report: Report, action: str, *, handler: User | None = None, by_reporter: bool = False
) -> None:
    """Record a view or an action on a case (never its content)."""
    db.session.add(
        ReportAudit(
            report=report,
            handler_id=handler.id if handler else None,
            by_reporter=by_reporter or handler is None,
            action=action,
            created_at=clock.now(),
        )
    )


# -- the reporter's follow-up session -----------------------------------------------------

FOLLOWUP_MINUTES = 15


def _token_key(token: str) -> bytes:
    return hashlib.sha256(b"ideas followup key v1:" + token.encode()).digest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(b"ideas followup id v1:" + token.encode()).hexdigest()


def start_followup(report: Report, case_key: bytes) -> str:
    """A new follow-up session; returns the token for the browser's cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        FollowupSession(
            token_hash=_token_hash(token),
            report_id=report.id,
            sealed_case_key=crypto.encrypt(_token_key(token), case_key, f"followup:{report.id}"),
            expires_at=clock.now() + timedelta(minutes=FOLLOWUP_MINUTES),
        )
    )
    audit(report, "reporter_opened", by_reporter=True)
    db.session.flush()
    return token


def resume_followup(token: str | None) -> tuple[Report, bytes] | None:
    """The report and key of a live follow-up session; each use extends it a little."""
    if not token or len(token) > 100:
        return None
    row = db.session.get(FollowupSession, _token_hash(token))
    now = clock.now()
    if row is None:
        return None
    if row.expires_at <= now:
        db.session.delete(row)
        return None
    try:
        case_key = crypto.decrypt(
            _token_key(token), row.sealed_case_key, f"followup:{row.report_id}"
        )
    except crypto.DecryptionError:
        return None
    row.expires_at = now + timedelta(minutes=FOLLOWUP_MINUTES)
    return db.session.get(Report, row.report_id), case_key


def end_followup(token: str | None) -> None:
    if token:
        db.session.execute(
            delete(FollowupSession).where(FollowupSession.token_hash == _token_hash(token))
        )


def purge_expired_followups() -> int:
    return db.session.execute(
        delete(FollowupSession).where(FollowupSession.expires_at <= clock.now())
    ).rowcount


def handlers_to_choose() -> list[User]:
    """The case handlers a reporter may ask to keep out of their case."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.CASE_HANDLER.value, User.active.is_(True))
            .order_by(User.name)
        )
    )


# -- case handlers' sessions and actions ----------------------------------------------------

RETENTION_DAYS = 730  # personal data deleted 2 years after the case is closed
OUTCOMES = ("measures_taken", "unfounded", "referred", "insufficient_information", "other")


def start_key_session(user: User, private_key: bytes, lifetime: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        KeySession(
            token_hash=_token_hash(token),
            user_id=user.id,
            sealed_private_key=crypto.encrypt(_token_key(token), private_key, f"handler:{user.id}"),
            expires_at=clock.now() + lifetime,
        )
    )
    db.session.flush()
    return token


def key_from_session(user: User, token: str | None) -> bytes | None:
    if not token:
        return None
    row = db.session.get(KeySession, _token_hash(token))
    if row is None or row.user_id != user.id or row.expires_at <= clock.now():
        return None
    try:
        return crypto.decrypt(_token_key(token), row.sealed_private_key, f"handler:{user.id}")
    except crypto.DecryptionError:
        return None


def end_key_session(token: str | None) -> None:
    if token:
        db.session.execute(delete(KeySession).where(KeySession.token_hash == _token_hash(token)))


def cases_for(handler: User) -> list[Report]:
    """The cases this handler can open, nearest deadline first."""
    return list(
        db.session.scalars(
            select(Report)
            .join(ReportKey, ReportKey.report_id == Report.id)
            .where(ReportKey.handler_id == handler.id)
            .order_by(Report.closed_at.is_not(None), Report.acknowledge_due)
        )
    )


def acknowledge(report: Report, case_key: bytes, handler: User) -> None:
    """Confirm receipt to the reporter, in the mailbox (the 7-day promise)."""
    if report.acknowledged_at is not None:
        raise DomainError(_l("The report is already acknowledged."), field="status")
    now = clock.now()
    report.acknowledged_at = now
    report.feedback_due = add_months(now, FEEDBACK_MONTHS)
    report.status = "acknowledged"
    _add_entry(
        report,
        case_key,
        "acknowledgement",
        {"body": str(_l("Your report has been received and will be looked into."))},
        from_reporter=False,
        handler=handler,
    )
    audit(report, "acknowledged", handler=handler)


def give_feedback(report: Report, case_key: bytes, handler: User, body: str) -> None:
    """Tell the reporter what is done (the 3-month promise)."""
    add_message(report, case_key, body, handler=handler, kind="feedback")
    report.feedback_at = report.feedback_at or clock.now()
    report.status = "investigating" if report.closed_at is None else report.status


def close(report: Report, handler: User, outcome: str) -> None:
    if outcome not in OUTCOMES:
        raise DomainError(_l("Choose an outcome."), field="outcome")
    if report.closed_at is not None and report.status == "closed":
        raise DomainError(_l("The case is already closed."), field="status")
    now = clock.now()
    report.closed_at = now
    report.status = "closed"
    report.outcome = outcome
    # The retention clock starts at the first closing; reopening never resets it.
    if report.delete_personal_data_at is None:
        report.delete_personal_data_at = now + timedelta(days=RETENTION_DAYS)
    audit(report, "closed", handler=handler)


def reopen(report: Report, handler: User) -> None:
    if report.status != "closed":
        raise DomainError(_l("Only a closed case can be reopened."), field="status")
    report.status = "investigating"
    audit(report, "reopened", handler=handler)


# -- deadlines (tracked by the worker) --------------------------------------------------------

ACK_REMIND_DAYS = 2
FEEDBACK_REMIND_DAYS = 14


def _case_handlers() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.CASE_HANDLER.value, User.active.is_(True))
            .order_by(User.id)
        )
    )


def check_deadlines(now: datetime | None = None) -> tuple[int, int]:
    """Remind the handlers of a case before its acknowledgement (7 days) and feedback
    (3 months) deadlines; once a deadline has passed, tell the whole case-handler group.
    Each notice goes once per deadline and person (the e-mail record is unique), and
    says nothing of the case: "a case needs you" and a link. Returns (reminders,
    escalations) sent."""
    from ideas.services import mail  # mail renders templates; keep this module light

    now = now or clock.now()
    open_reports = db.session.scalars(select(Report).where(Report.closed_at.is_(None)))
    reminders = escalations = 0
    for report in open_reports:
        deadlines = []
        if report.acknowledged_at is None and not report.acknowledgement_declined:
            deadlines.append(("acknowledge", report.acknowledge_due, ACK_REMIND_DAYS))
        if report.feedback_at is None:
            deadlines.append(("feedback", report.feedback_due, FEEDBACK_REMIND_DAYS))
        for name, due, remind_days in deadlines:
            if now >= due:
                action, recipients = "escalation", _case_handlers()
            elif now >= due - timedelta(days=remind_days):
                holders = select(ReportKey.handler_id).where(ReportKey.report_id == report.id)
                action = "reminder"
                recipients = [
                    u for u in _case_handlers() if u.id in set(db.session.scalars(holders))
                ]
            else:
                continue
            excluded = set(
                db.session.scalars(
                    select(ReportExclusion.handler_id).where(ReportExclusion.report_id == report.id)
                )
            )
            for user in recipients:
                if user.id in excluded:
                    continue
                sent = mail.queue_email(
                    user,
                    event_key=f"case-{action}:{report.id}:{name}:{due:%Y%m%d}",
                    template="case_needs_you",
                    report_id=report.id,
                    overdue=action == "escalation",
                    subject=lambda: _l("A case in the whistleblowing channel needs you"),
                )
                if sent is not None:
                    if action == "reminder":
                        reminders += 1
                    else:
                        escalations += 1
    db.session.flush()
    return reminders, escalations
