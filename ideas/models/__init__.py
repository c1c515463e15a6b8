"""All models, importable from one place (and so known to Alembic)."""

from ideas.models.items import (
    ALLOWED_TRANSITIONS,
    KINDS,
    REASON_REQUIRED,
    STATUS_LABELS,
    STATUSES,
    Comment,
    Follow,
    HistoryEntry,
    Item,
    Kind,
    Status,
    Support,
    allowed_next,
    item_values,
)
from ideas.models.org import ROLES, ApiToken, Role, Unit, User, unit_by_code, user_by_email
from ideas.models.values import DEFAULT_VALUES, Behaviour, Value

__all__ = [
    "ALLOWED_TRANSITIONS",
    "DEFAULT_VALUES",
    "KINDS",
    "REASON_REQUIRED",
    "ROLES",
    "STATUSES",
    "STATUS_LABELS",
    "ApiToken",
    "Behaviour",
    "Comment",
    "Follow",
    "HistoryEntry",
    "Item",
    "Kind",
    "Role",
    "Status",
    "Support",
    "Unit",
    "User",
    "Value",
    "allowed_next",
    "item_values",
    "unit_by_code",
    "user_by_email",
]
