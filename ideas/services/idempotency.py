"""Idempotency keys (the ``Idempotency-Key`` header of the IETF's HTTP API working
group, draft-ietf-httpapi-idempotency-key-header): the answer to a request that
created something is kept, in the transaction that created it, under the key its
client sent, for ``KEEP``. The same request sent again with that key (after a timeout,
a 503 or a lost answer) gets that answer back and creates nothing more; the key sent
with another request is refused. Keys are the client's own: one client's key never
answers another's request."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import delete, select

from ideas import clock
from ideas.extensions import db
from ideas.models import IdempotencyKey, User

KEEP = timedelta(hours=24)


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same request: method, path and query, body."""
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def answer_for(user: User, key: str) -> IdempotencyKey | None:
    """The kept answer to ``user``'s request under ``key``, if it is younger than KEEP.
    An older one is forgotten here, so the key may be used again."""
    kept = db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user.id, IdempotencyKey.key == key)
    )
    if kept is not None and kept.created_at <= clock.now() - KEEP:
        db.session.delete(kept)
        db.session.flush()
        return None
    return kept


def keep(user: User, key: str, print_: str, status: int, body: str, location: str | None):
    """Keep an answer, in the current transaction: with what it answered, or not at all.
    Two requests with one key at once: the second's commit fails on the unique key."""
    db.session.add(
        IdempotencyKey(
            user_id=user.id,
            key=key,
            fingerprint=print_,
            status=status,
            body=body,
            location=location,
            created_at=clock.now(),
        )
    )


def forget_expired() -> int:
    """Delete the answers older than KEEP (the worker, hourly)."""
    result = db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at <= clock.now() - KEEP)
    )
    return result.rowcount or 0
