"""The admin audit log: every change an administrator makes, who, when, what, before
and after. Written in the same transaction as the change (the caller flushes and
commits both, or neither), so the log never tells of a change that did not happen
nor misses one that did."""

from __future__ import annotations

from typing import Any

from ideas import clock
from ideas.extensions import db
from ideas.models import AdminAudit, User


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of ``obj`` as plain JSON values (for before and after)."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        out[name] = value
    return out


def record(
    actor: User | None,
    action: str,
    target_type: str,
    target: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AdminAudit | None:
    """Log one change. Only what changed is kept in ``before`` and ``after``; a change
    that changed nothing is not logged (re-importing the same file logs nothing)."""
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        if not changed:
            return None
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after.get(k) for k in sorted(changed)}
    row = AdminAudit(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target=str(target)[:254],
        before=before,
        after=after,
        created_at=clock.now(),
    )
    db.session.add(row)
    return row
