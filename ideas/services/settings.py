"""A person's own settings: digest frequency, absence and deputy, and how each kind of
notification reaches them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ideas.models import DIGEST_FREQUENCIES, User, user_by_email
from ideas.services import notifications as notification_service
from ideas.services.errors import DomainError


def update_settings(
    user: User,
    *,
    digest_frequency: str | None = None,
    absent: bool | None = None,
    deputy: str | None = None,
    notifications: dict[str, str | None] | None = None,
) -> User:
    """Change what is given; ``deputy=""`` removes the deputy; ``notifications`` maps
    events to deliveries (``services.notifications.set_choices``)."""
    if digest_frequency is not None:
        if digest_frequency not in DIGEST_FREQUENCIES:
            raise DomainError(
                _l("Choose none, daily, weekly or monthly."), field="digest_frequency"
            )
        user.digest_frequency = digest_frequency
    if deputy is not None:
        if not deputy.strip():
            user.deputy = None
        else:
            person = user_by_email(deputy)
            if person is None or not person.active:
                raise DomainError(
                    _l("No account with e-mail %(email)s.", email=deputy), field="deputy"
                )
            if person.id == user.id:
                raise DomainError(_l("You cannot be your own deputy."), field="deputy")
            user.deputy = person
    if absent is not None:
        user.absent = bool(absent)
    if notifications:
        notification_service.set_choices(user, notifications)
    return user
