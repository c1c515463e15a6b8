"""Categories: admin-editable data; one that names an owning unit routes there."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ideas.extensions import db
from ideas.models import Category, unit_by_code
from ideas.services.errors import DomainError

NAME_MAX = 100


def active_categories() -> list[Category]:
    return list(
        db.session.scalars(
            select(Category).where(Category.active.is_(True)).order_by(Category.name)
        )
    )


def category_by_name(name: str) -> Category | None:
    return db.session.scalar(
        select(Category).where(func.lower(Category.name) == name.strip().lower())
    )


def _owner(unit_code: str | None):
    if not unit_code:
        return None
    unit = unit_by_code(unit_code)
    if unit is None:
        raise DomainError(_l("Unknown unit: %(code)s.", code=unit_code), field="owner_unit")
    return unit


def create_category(name: str, owner_unit: str | None = None) -> Category:
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Enter a name."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_l("At most %(n)d characters.", n=NAME_MAX), field="name")
    if category_by_name(name):
        raise DomainError(_l("A category with that name already exists."), field="name")
    category = Category(name=name, owner_unit=_owner(owner_unit), active=True)
    db.session.add(category)
    db.session.flush()
    return category


def update_category(category: Category, *, owner_unit: str | None, active: bool) -> Category:
    category.owner_unit = _owner(owner_unit)
    category.active = active
    db.session.flush()
    return category


def resolve(name: str | None) -> Category | None:
    """The active category a submitter chose, by name; none chosen is fine."""
    if not name or not name.strip():
        return None
    category = category_by_name(name)
    if category is None or not category.active:
        raise DomainError(_l("Unknown category: %(name)s.", name=name), field="category")
    return category
