"""The organisation's values and their behaviours, as an admin edits them: wording,
new ones, order, retiring and reactivating.

A value is never deleted: the items that carry it keep it, and the statistics count
it (``stats.py`` lists a retired value while items carry it). Retired, it is no
longer offered for a new item and is refused if posted for one
(``items._values_by_name`` takes active values only); a retired behaviour is no
longer shown beside its value on the new-item forms and in the API's value list.

Every change is logged with ``audit.record`` in the caller's transaction (target
type "value" or "behaviour"); positions are logged from 1, as the page shows them.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ideas.extensions import db
from ideas.models import Behaviour, User, Value
from ideas.services import audit
from ideas.services.errors import DomainError

NAME_MAX = 100  # values.name
TEXT_MAX = 200  # behaviours.text
DIRECTIONS = ("up", "down")
_UNSET: Any = object()


def all_values() -> list[Value]:
    """Every value, retired ones too, in their order, each with all its behaviours."""
    return list(
        db.session.scalars(
            select(Value).options(selectinload(Value.behaviours)).order_by(Value.position, Value.id)
        )
    )


def _value_snapshot(value: Value) -> dict[str, Any]:
    return {"name": value.name, "position": value.position + 1, "active": value.active}


def _behaviour_snapshot(behaviour: Behaviour) -> dict[str, Any]:
    return {
        "value": behaviour.value.name,
        "text": behaviour.text,
        "position": behaviour.position + 1,
        "active": behaviour.active,
    }


def _behaviour_target(behaviour: Behaviour) -> str:
    return f"{behaviour.value.name}: {behaviour.text}"


def _name(name: str | None, value: Value | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_l("Enter the value's wording."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_l("At most %(n)d characters.", n=NAME_MAX), field="name")
    twin = db.session.scalar(select(Value).where(func.lower(Value.name) == name.lower()))
    if twin is not None and twin is not value:
        raise DomainError(
            _l("There is already a value called %(name)s.", name=twin.name), field="name"
        )
    return name


def _text(text: str | None, value: Value, behaviour: Behaviour | None = None) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise DomainError(_l("Enter the behaviour's wording."), field="text")
    if len(text) > TEXT_MAX:
        raise DomainError(_l("At most %(n)d characters.", n=TEXT_MAX), field="text")
    for other in value.behaviours:
        if other is not behaviour and other.text.lower() == text.lower():
            raise DomainError(
                _l(
                    "%(value)s already has the behaviour “%(text)s”.",
                    value=value.name,
                    text=other.text,
                ),
                field="text",
            )
    return text


def create_value(actor: User | None, name: str) -> Value:
    """Add a value, last in the order, active and with no behaviours yet."""
    name = _name(name)
    last = db.session.scalar(select(func.max(Value.position)))
    value = Value(name=name, position=(last + 1) if last is not None else 0, active=True)
    db.session.add(value)
    db.session.flush()
    audit.record(actor, "create", "value", value.name, after=_value_snapshot(value))
    return value


def update_value(
    actor: User | None, value: Value, *, name: str = _UNSET, active: bool = _UNSET
) -> Value:
    """Change a value's wording or retire or reactivate it; what is left out stays.

    The wording changes everywhere the value shows, on old items too: it is the same
    value. The last active value cannot be retired, since a new item needs one."""
    before = _value_snapshot(value)
    new_name = _name(name, value) if name is not _UNSET else value.name
    new_active = bool(active) if active is not _UNSET else value.active
    if value.active and not new_active:
        others = db.session.scalar(
            select(func.count(Value.id)).where(Value.active.is_(True), Value.id != value.id)
        )
        if not others:
            raise DomainError(
                _l(
                    "%(name)s is the last value in use, and every new item needs a value. "
                    "Add or reactivate another value first.",
                    name=value.name,
                ),
                field="active",
            )
    value.name, value.active = new_name, new_active
    db.session.flush()
    after = _value_snapshot(value)
    if before["active"] != after["active"]:
        action = "retire" if not new_active else "reactivate"
    else:
        action = "rename"
    audit.record(actor, action, "value", value.name, before=before, after=after)
    return value


def create_behaviour(actor: User | None, value: Value, text: str) -> Behaviour:
    """Add a behaviour to ``value``, last among its behaviours, active."""
    text = _text(text, value)
    last = max((b.position for b in value.behaviours), default=-1)
    behaviour = Behaviour(value=value, text=text, position=last + 1, active=True)
    db.session.add(behaviour)
    db.session.flush()
    audit.record(
        actor,
        "create",
        "behaviour",
        _behaviour_target(behaviour),
        after=_behaviour_snapshot(behaviour),
    )
    return behaviour


def update_behaviour(
    actor: User | None, behaviour: Behaviour, *, text: str = _UNSET, active: bool = _UNSET
) -> Behaviour:
    """Change a behaviour's wording or retire or reactivate it; what is left out stays."""
    before = _behaviour_snapshot(behaviour)
    target = _behaviour_target(behaviour)
    new_text = _text(text, behaviour.value, behaviour) if text is not _UNSET else behaviour.text
    behaviour.text = new_text
    if active is not _UNSET:
        behaviour.active = bool(active)
    db.session.flush()
    after = _behaviour_snapshot(behaviour)
    if before["active"] != after["active"]:
        action = "retire" if not behaviour.active else "reactivate"
    else:
        action = "update"
        target = _behaviour_target(behaviour)
    audit.record(actor, action, "behaviour", target, before=before, after=after)
    return behaviour


def _move(siblings: list, item, direction: str) -> bool:
    """Swap ``item`` with its neighbour in ``siblings`` (in their order); number them
    0, 1, 2, ... again on the way, so equal old positions cannot block a move. False
    where there is no neighbour that way (the first cannot move up)."""
    if direction not in DIRECTIONS:
        raise DomainError(_l("Choose up or down."), field="direction")
    at = siblings.index(item)
    to = at - 1 if direction == "up" else at + 1
    if not 0 <= to < len(siblings):
        return False
    siblings[at], siblings[to] = siblings[to], siblings[at]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    return True


def move_value(actor: User | None, value: Value, direction: str) -> bool:
    """Move a value one place up or down in the order the forms offer them in.
    False, and nothing changed, when it is already first (up) or last (down)."""
    before = _value_snapshot(value)
    siblings = list(db.session.scalars(select(Value).order_by(Value.position, Value.id)))
    if not _move(siblings, value, direction):
        return False
    db.session.flush()
    audit.record(actor, "move", "value", value.name, before=before, after=_value_snapshot(value))
    return True


def move_behaviour(actor: User | None, behaviour: Behaviour, direction: str) -> bool:
    """Move a behaviour one place up or down among its value's behaviours."""
    before = _behaviour_snapshot(behaviour)
    siblings = sorted(behaviour.value.behaviours, key=lambda b: (b.position, b.id))
    if not _move(siblings, behaviour, direction):
        return False
    db.session.flush()
    audit.record(
        actor,
        "move",
        "behaviour",
        _behaviour_target(behaviour),
        before=before,
        after=_behaviour_snapshot(behaviour),
    )
    return True
