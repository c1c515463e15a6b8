"""Forms of the case-handler and audit-log pages of the administration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Length, Optional

from ideas.models import Role

# What a removed case handler becomes (never a case handler again by this form).
NEW_ROLES = [
    (Role.EMPLOYEE.value, _l("Employee")),
    (Role.MANAGER.value, _l("Manager")),
    (Role.ADMIN.value, _l("Administrator")),
]


class DesignateHandlerForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("The person must already have an account here."),
        render_kw={"autocomplete": "off"},
    )


class RemoveHandlerForm(FlaskForm):
    role = SelectField(
        _l("New role"),
        choices=NEW_ROLES,
        default=Role.EMPLOYEE.value,
        validators=[DataRequired()],
        description=_l("What the person does here from now on."),
    )


class AuditFilterForm(FlaskForm):
    """The audit log's filters, read from the query string (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    target_type = SelectField(_l("Kind of change"), choices=[], validators=[Optional()])
    actor = SelectField(_l("Made by"), choices=[], validators=[Optional()])
