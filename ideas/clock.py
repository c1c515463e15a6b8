"""The one clock of the application.

Every piece of code that needs the current time asks ``now()``; tests move it with
``freeze()`` instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC) + _offset


def freeze(at: datetime | None) -> None:
    """Stop the clock at ``at`` (None lets it run again)."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs a timezone-aware datetime")
    _frozen = at


def advance(delta: timedelta) -> None:
    """Move the clock forward, frozen or not."""
    global _offset, _frozen
    if _frozen is not None:
        _frozen = _frozen + delta
    else:
        _offset += delta


def reset() -> None:
    global _offset, _frozen
    _offset = timedelta(0)
    _frozen = None
