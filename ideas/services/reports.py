"""The whistleblowing channel's rules: filing, opening and answering a case.

Nothing here takes a request, an address or a user id from the reporter's side: the
reporter is known only by the receipt code. Every text goes through ideas.crypto with
the case's own key; see that module for how keys are sealed.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from ideas import attachments, clock, crypto, receipt
from ideas.extensions import db
from ideas.models import (
    ApiToken,
    FollowupSession,
    HandlerKey,
    KeySession,
    Report,
    ReportAttachment,
    ReportAudit,
    ReportEntry,
    ReportExclusion,
    ReportKey,
    Role,
    SiteSecret,
    User,
)
from ideas.services.errors import DomainError
from ideas.services.uploads import Upload, clean_files

ACKNOWLEDGE_DAYS = 7
FEEDBACK_MONTHS = 3
TEXT_MAX = 20_000
log = logging.getLogger(__name__)
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


def ensure_handler_key(
    user: User, password: str, *, sealed_with: str = "password"
) -> HandlerKey | None:
    """Give a case handler their key pair on first need (their password seals it, or
    under single sign-on their key passphrase: ``sealed_with="passphrase"``)."""
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
            sealed_with=sealed_with,
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


def unlock_at_login(user: User, password: str) -> bytes | None:
    """At a case handler's login (the password is known good): their private key.

    A handler whose password was reset by someone else cannot open their old key; they
    get a new key pair, and the cases come back to them as soon as another handler or
    the reporter opens each case (share_with_handlers). Not a case handler: None.
    A key sealed under a key passphrase (single sign-on) is not the password's to open
    or replace: None, and the key page asks for the passphrase (services/sso.py)."""
    key = ensure_handler_key(user, password)
    if key is None or key.sealed_with == "passphrase":
        return None
    private = unlock_handler(user, password)
    if private is not None:
        return private
    log.warning("case handler %s has a new key pair: the old one did not open", user.id)
    db.session.execute(delete(ReportKey).where(ReportKey.handler_id == user.id))
    db.session.delete(key)
    db.session.flush()
    ensure_handler_key(user, password)
    return unlock_handler(user, password)


def reseal_handler_key(user: User, old_password: str, new_password: str) -> None:
    """On a password change: the same private key, sealed under the new password."""
    key = db.session.get(HandlerKey, user.id)
    if key is None or key.sealed_with == "passphrase":
        return
    private = unlock_handler(user, old_password)
    if private is None:
        return  # a key that did not open is replaced at the next login
    key.sealed_private_key = crypto.seal_with_secret(private, new_password, f"handler:{user.id}")


def forget_handler_keys(user: User) -> int:
    """Delete every key ``user`` holds: their key pair, each case key sealed to it, their
    key sessions, and the private key their API tokens carry (the tokens themselves go
    on working). Returns how many case keys were deleted (a count, never which)."""
    deleted = db.session.execute(delete(ReportKey).where(ReportKey.handler_id == user.id))
    db.session.execute(delete(HandlerKey).where(HandlerKey.user_id == user.id))
    db.session.execute(delete(KeySession).where(KeySession.user_id == user.id))
    db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id).values(sealed_private_key=None)
    )
    return deleted.rowcount or 0


def replace_handler_key(user: User, password: str) -> HandlerKey | None:
    """A new key pair for a case handler whose old one can no longer be opened (their
    password was forgotten and set anew): the old keys are deleted (forget_handler_keys)
    and each case comes back to them when another handler or the reporter next opens
    it (share_with_handlers). Not a case handler: None, nothing changes."""
    if user.role != Role.CASE_HANDLER:
        return None
    forget_handler_keys(user)
    return ensure_handler_key(user, password)


def seal_for_token(user: User, private_key: bytes, token: str) -> bytes:
    """A handler's private key sealed under one of their API tokens (256 random bits)."""
    return crypto.encrypt(_token_key(token), private_key, f"handler:{user.id}")


def key_from_token(user: User, sealed: bytes | None, token: str) -> bytes | None:
    if not sealed:
        return None
    try:
        return crypto.decrypt(_token_key(token), sealed, f"handler:{user.id}")
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
    removed: list[str] = field(default_factory=list)  # what was stripped from the files
    entry: ReportEntry | None = None


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


def _new_case(
    excluded_handlers: list[int] | tuple = (), *, acknowledgement_declined: bool = False
) -> tuple[Report, bytes, str]:
    """A new case with its key and receipt code, the key sealed to the code and to the
    case handlers the reporter did not exclude."""
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
    return report, case_key, code


def file_report(
    fields: dict[str, str],
    *,
    excluded_handlers: list[int] | tuple = (),
    acknowledgement_declined: bool = False,
    files: list[Upload] = (),
) -> Filed:
    """File a report: what, where, when, who (and, if the reporter wants, name and
    contact), and files. Returns the report and its receipt code, which exists nowhere
    else, and what was removed from the files."""
    clean = _check_text(fields)
    cleaned = clean_files(files)
    report, case_key, code = _new_case(
        excluded_handlers, acknowledgement_declined=acknowledgement_declined
    )
    entry = _add_entry(report, case_key, "report", clean, from_reporter=True)
    removed = _attach(report, case_key, entry, cleaned)
    share_with_handlers(report, case_key)
    audit(report, "filed", by_reporter=True)
    db.session.flush()
    return Filed(report=report, receipt_code=code, removed=removed)


def register_oral_report(
    handler: User, body: str, held_on: str, *, form: str = "oral_report"
) -> Filed:
    """A report made by telephone or in a meeting, written down by a case handler as
    minutes. The receipt code is for the handler to give the reporter, who can then read,
    correct and approve the minutes in the follow-up mailbox."""
    content = _minutes_content(body, held_on, form)
    report, case_key, code = _new_case()
    entry = _add_entry(report, case_key, "minutes", content, from_reporter=False, handler=handler)
    share_with_handlers(report, case_key)
    audit(report, "oral_report_registered", handler=handler)
    db.session.flush()
    return Filed(report=report, receipt_code=code, entry=entry)


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


HIDDEN_FROM_REPORTER = frozenset({"measure"})  # the handlers' own record of what is done


def read_entries(
    report: Report, case_key: bytes, *, for_reporter: bool = False
) -> list[tuple[ReportEntry, dict | None]]:
    """The mailbox in order, decrypted; a deleted or redacted entry reads as None. The
    reporter sees everything but the handlers' record of measures."""
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
        if not (for_reporter and entry.kind in HIDDEN_FROM_REPORTER)
    ]


def _check_body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("Write a message."), field="body")
    if len(body) > TEXT_MAX:
        raise DomainError(_l("At most %(n)d characters.", n=TEXT_MAX), field="body")
    return body


def add_message(
    report: Report,
    case_key: bytes,
    body: str,
    *,
    handler: User | None = None,
    kind: str = "message",
    files: list[Upload] = (),
) -> tuple[ReportEntry, list[str]]:
    """A message in the mailbox: from a case handler, or (no handler) from the reporter,
    with files if any. Returns the entry and what was removed from the files."""
    if report.personal_data_deleted_at is not None:
        raise DomainError(_l("This case is closed and its content deleted."), field="body")
    body = "" if any(f.data for f in files) and not (body or "").strip() else _check_body(body)
    cleaned = clean_files(files)
    entry = _add_entry(
        report, case_key, kind, {"body": body}, from_reporter=handler is None, handler=handler
    )
    removed = _attach(report, case_key, entry, cleaned)
    audit(report, kind, handler=handler, by_reporter=handler is None)
    return entry, removed


def record_measure(report: Report, case_key: bytes, handler: User, body: str) -> ReportEntry:
    """A measure taken on the case, kept for the handlers (the reporter is told in the
    feedback, in the words the handlers choose)."""
    entry = _add_entry(
        report,
        case_key,
        "measure",
        {"body": _check_body(body)},
        from_reporter=False,
        handler=handler,
    )
    audit(report, "measure", handler=handler)
    return entry


# -- minutes of oral reports and meetings (the reporter checks, corrects, approves) ---------

MINUTES_FORMS = ("oral_report", "meeting")


def _minutes_content(body: str, held_on: str, form: str) -> dict:
    if form not in MINUTES_FORMS:
        raise DomainError(_l("Choose what the minutes are of."), field="form")
    try:
        held = datetime.strptime((held_on or "").strip(), "%Y-%m-%d").date()
    except ValueError:
        raise DomainError(_l("Give the date as YYYY-MM-DD."), field="held_on") from None
    if held > clock.now().date():
        raise DomainError(_l("The date cannot be in the future."), field="held_on")
    return {"body": _check_body(body), "held_on": held.isoformat(), "form": form}


def record_minutes(
    report: Report, case_key: bytes, handler: User, body: str, held_on: str, form: str
) -> ReportEntry:
    """Minutes of a meeting with the reporter (or of an oral report), for them to approve."""
    content = _minutes_content(body, held_on, form)
    entry = _add_entry(report, case_key, "minutes", content, from_reporter=False, handler=handler)
    audit(report, "minutes", handler=handler)
    return entry


def _current_minutes(report: Report, entry_id: int) -> ReportEntry:
    entry = db.session.get(ReportEntry, entry_id)
    if entry is None or entry.report_id != report.id or entry.kind != "minutes":
        raise DomainError(_l("There are no such minutes in this case."), field="entry")
    newer = db.session.scalar(select(ReportEntry.id).where(ReportEntry.supersedes_id == entry.id))
    if newer is not None:
        raise DomainError(_l("A newer version of these minutes exists."), field="entry")
    if entry.ciphertext is None:
        raise DomainError(_l("These minutes were removed."), field="entry")
    return entry


def correct_minutes(
    report: Report, case_key: bytes, entry_id: int, body: str, *, handler: User | None = None
) -> ReportEntry:
    """A corrected version of minutes; every version is kept. The reporter's own
    correction counts as approved by them; a handler's needs their approval again."""
    previous = _current_minutes(report, entry_id)
    old = json.loads(
        crypto.decrypt(case_key, previous.ciphertext, f"report:{report.id}:entry:{previous.id}")
    )
    content = {**old, "body": _check_body(body)}
    entry = _add_entry(
        report, case_key, "minutes", content, from_reporter=handler is None, handler=handler
    )
    entry.supersedes_id = previous.id
    if handler is None:
        entry.approved_at = clock.now()
    audit(report, "minutes_corrected", handler=handler, by_reporter=handler is None)
    return entry


def approve_minutes(report: Report, entry_id: int) -> ReportEntry:
    """The reporter approves the current version of minutes a handler wrote."""
    entry = _current_minutes(report, entry_id)
    if entry.approved_at is not None:
        raise DomainError(_l("These minutes are already approved."), field="entry")
    entry.approved_at = clock.now()
    audit(report, "minutes_approved", by_reporter=True)
    return entry


# -- attachments -------------------------------------------------------------------------


def upload_folder() -> str:
    return current_app.config["UPLOAD_FOLDER"]


def _attach(
    report: Report, case_key: bytes, entry: ReportEntry, cleaned: list[attachments.Cleaned]
) -> list[str]:
    """Store cleaned files with the entry, encrypted; returns what was removed from them."""
    if not cleaned:
        return []
    number = db.session.scalar(
        select(func.count(ReportAttachment.id)).where(ReportAttachment.report_id == report.id)
    )
    removed: list[str] = []
    for item in cleaned:
        number += 1
        row = ReportAttachment(
            report_id=report.id,
            entry=entry,
            name=attachments.safe_name(number, item),
            content_type=item.content_type,
            size=item.size,
            removed=",".join(item.removed),
            created_at=clock.now(),
        )
        db.session.add(row)
        db.session.flush()
        row.stored_name = attachments.store(
            upload_folder(), case_key, _attachment_context(report, row), item.data
        )
        removed.extend(code for code in item.removed if code not in removed)
    return removed


def _attachment_context(report: Report, row: ReportAttachment) -> str:
    return f"report:{report.id}:attachment:{row.id}"


def read_attachment(
    report: Report, case_key: bytes, attachment_id: int, *, for_reporter: bool = False
) -> tuple[ReportAttachment, bytes] | None:
    row = db.session.get(ReportAttachment, attachment_id)
    if row is None or row.report_id != report.id or row.stored_name is None:
        return None
    if for_reporter and row.entry.kind in HIDDEN_FROM_REPORTER:
        return None
    data = attachments.load(
        upload_folder(), row.stored_name, case_key, _attachment_context(report, row)
    )
    return row, data


def _delete_attachment(row: ReportAttachment) -> None:
    """Forget the file now; wipe it from the disk once the transaction commits (a
    rollback leaves it where the database still points)."""
    if row.stored_name:
        attachments.remove_after_commit(db.session, upload_folder(), row.stored_name)
        row.stored_name = None


# -- redaction and retention ---------------------------------------------------------------

REDACTABLE_FIELDS = ("where", "when", "who", "name", "contact")


def redact(
    report: Report,
    case_key: bytes,
    handler: User,
    entry_id: int,
    *,
    fields: list[str] | tuple = (),
) -> None:
    """Remove personal data collected by mistake, at once and for good: the named fields
    of the report as filed, or a whole entry with its files. What was there is gone
    from the database and the disk; the audit log records that it was done, not what."""
    entry = db.session.get(ReportEntry, entry_id)
    if entry is None or entry.report_id != report.id or entry.ciphertext is None:
        raise DomainError(_l("There is no such entry to remove."), field="entry")
    context = f"report:{report.id}:entry:{entry.id}"
    if fields:
        if entry.kind != "report" or not set(fields) <= set(REDACTABLE_FIELDS):
            raise DomainError(_l("Only parts of the report as filed can be removed."), "fields")
        content = json.loads(crypto.decrypt(case_key, entry.ciphertext, context))
        for name in fields:
            content[name] = ""
        content["redacted"] = sorted(set(content.get("redacted", [])) | set(fields))
        entry.ciphertext = crypto.encrypt(case_key, json.dumps(content).encode(), context)
    else:
        entry.ciphertext = None
        for row in entry.attachments:
            _delete_attachment(row)
    entry.redacted_at = clock.now()
    audit(report, "redacted", handler=handler)


def retention_days() -> int:
    return int(current_app.config.get("REPORT_RETENTION_DAYS", RETENTION_DAYS))


def delete_personal_data(report: Report) -> None:
    """Keep the register entry (case number, dates, status, outcome) and delete the rest:
    every text and file, the sealed keys (so the receipt code opens nothing), the
    reporter's exclusions and sessions."""
    for entry in report.entries:
        entry.ciphertext = None
        for row in entry.attachments:
            _delete_attachment(row)
    db.session.execute(delete(ReportKey).where(ReportKey.report_id == report.id))
    db.session.execute(delete(ReportExclusion).where(ReportExclusion.report_id == report.id))
    db.session.execute(delete(FollowupSession).where(FollowupSession.report_id == report.id))
    report.receipt_hash = secrets.token_bytes(32)  # the old code now matches nothing
    report.personal_data_deleted_at = clock.now()
    audit(report, "personal_data_deleted")


def purge_personal_data(now: datetime | None = None) -> list[str]:
    """Delete the personal data of every closed case whose retention time has run out.
    A case reopened after its date keeps its data while open (it is being handled) and
    loses it when closed again: the date is never moved. Returns the case numbers."""
    now = now or clock.now()
    due = db.session.scalars(
        select(Report).where(
            Report.status == "closed",
            Report.delete_personal_data_at <= now,
            Report.personal_data_deleted_at.is_(None),
        )
    ).all()
    for report in due:
        delete_personal_data(report)
        log.info("deleted the personal data of case %s (retention ended)", report.case_number)
    db.session.flush()
    return [report.case_number for report in due]


def audit(
    report: Report, action: str, *, handler: User | None = None, by_reporter: bool = False
) -> None:
    """Record a view or an action on a case (never its content)."""
    db.session.add(
        ReportAudit(
            report=report,
            handler_id=handler.id if handler else None,
            by_reporter=by_reporter,
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
        report.delete_personal_data_at = now + timedelta(days=retention_days())
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
