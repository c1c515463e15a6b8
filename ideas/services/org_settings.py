"""The organisation's own settings, set by an admin in the browser: the deadlines' days.

Each is stored in ``org_settings`` under its configuration key (DEADLINE_FIRST_ANSWER_DAYS,
...) and overrides the ``IDEAS_*`` default of that name (``ideas/config.py``); with no
row, the default holds. Saving the default's number removes the row, so the setting
follows the default again.

What a change does to items: ``deadlines.start`` and ``deadlines.on_transition`` read
the days when they set a deadline, so the deadlines already set on open items stay as
they were; new items get the new first-answer and decision days, and items that reach
"implemented" the new evaluation days. ``deadlines.check`` reads the reminder days at
each run (hourly), so reminders follow the new number from the next run.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ideas import clock
from ideas.extensions import db
from ideas.models import OrgSetting, User
from ideas.services import audit
from ideas.services.errors import DomainError

FIRST_ANSWER = "DEADLINE_FIRST_ANSWER_DAYS"
DECISION = "DEADLINE_DECISION_DAYS"
EVALUATION = "DEADLINE_EVALUATION_DAYS"
REMINDER = "REMINDER_DAYS_BEFORE"


@dataclass(frozen=True)
class DaysSetting:
    name: str  # the configuration key, and the row's name
    field: str  # the form's field
    low: int
    high: int


DEADLINE_SETTINGS = (
    DaysSetting(FIRST_ANSWER, "first_answer", 1, 730),
    DaysSetting(DECISION, "decision", 1, 730),
    DaysSetting(EVALUATION, "evaluation", 1, 730),
    DaysSetting(REMINDER, "reminder", 0, 60),
)
_BY_NAME = {s.name: s for s in DEADLINE_SETTINGS}


def default_days(name: str) -> int:
    """The ``IDEAS_*`` default of ``name``, as the configuration gives it."""
    return int(current_app.config[name])


def _stored() -> dict[str, int]:
    with db.session.no_autoflush:  # called while a new item is being built
        rows = db.session.execute(
            select(OrgSetting.name, OrgSetting.value).where(OrgSetting.name.in_(_BY_NAME))
        ).all()
    out = {}
    for name, value in rows:
        try:
            out[name] = int(value)
        except ValueError:  # not written by this module: the default holds
            continue
    return out


def deadline_days(name: str) -> int:
    """The days of the deadline setting ``name`` (DEADLINE_FIRST_ANSWER_DAYS, ...): the
    admin's setting where there is one, else the ``IDEAS_*`` default."""
    if name not in _BY_NAME:
        raise KeyError(name)
    return _stored().get(name, default_days(name))


def all_deadline_days() -> dict[str, int]:
    """Every deadline setting's days, in one query."""
    stored = _stored()
    return {s.name: stored.get(s.name, default_days(s.name)) for s in DEADLINE_SETTINGS}


def out_of_range(setting: DaysSetting):
    return _l(
        "Give a whole number of days from %(low)d to %(high)d.",
        low=setting.low,
        high=setting.high,
    )


def _check(days: dict[str, int]) -> None:
    for setting in DEADLINE_SETTINGS:
        value = days[setting.name]
        if isinstance(value, bool) or not isinstance(value, int):
            raise DomainError(out_of_range(setting), field=setting.field)
        if not setting.low <= value <= setting.high:
            raise DomainError(out_of_range(setting), field=setting.field)
    if days[DECISION] < days[FIRST_ANSWER]:
        raise DomainError(
            _l(
                "A decision cannot be due before the first answer: give at least "
                "%(n)d days, the first answer's.",
                n=days[FIRST_ANSWER],
            ),
            field="decision",
        )
    shortest = min(days[FIRST_ANSWER], days[EVALUATION])
    if days[REMINDER] >= shortest:
        raise DomainError(
            _l(
                "A reminder must go out before the deadline: give fewer days than the "
                "shortest deadline (%(n)d).",
                n=shortest,
            ),
            field="reminder",
        )


def set_deadline_days(actor: User | None, **changes: int) -> list[str]:
    """Set any of the deadline settings, by name (``DEADLINE_DECISION_DAYS=90``); those
    left out stay. All are checked together, before anything changes: each within its
    bounds, the decision no sooner than the first answer, the reminder before the
    shortest deadline. Each change is logged in the admin audit log (target type
    "setting"). Returns the names of the settings that changed."""
    unknown = set(changes) - set(_BY_NAME)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    current = all_deadline_days()
    wanted = {**current, **changes}
    _check(wanted)
    changed = []
    now = clock.now()
    for setting in DEADLINE_SETTINGS:
        name = setting.name
        if wanted[name] == current[name]:
            continue
        row = db.session.get(OrgSetting, name)
        if wanted[name] == default_days(name):
            if row is not None:  # the default's number: follow the default again
                db.session.delete(row)
        elif row is None:
            db.session.add(OrgSetting(name=name, value=str(wanted[name]), updated_at=now))
        else:
            row.value, row.updated_at = str(wanted[name]), now
        audit.record(
            actor, "update", "setting", name, before={"days": current[name]},
            after={"days": wanted[name]},
        )  # fmt: skip
        changed.append(name)
    db.session.flush()
    return changed
