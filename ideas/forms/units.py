"""Forms of the units page of the administration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class UnitForm(FlaskForm):
    """A new unit, or a unit's code, name and parent."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l(
            "A short code without spaces, as in the HR system (VOO-N). Imports and "
            "scripts name the unit by it."
        ),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    parent = SelectField(
        _l("Parent unit"),
        choices=[],
        validators=[Optional()],
        validate_choice=False,
        description=_l("Only active units can be parents."),
    )


class UnitManagerForm(FlaskForm):
    manager = EmailField(
        _l("Manager's e-mail address"),
        validators=[Optional(), Length(max=254)],
        description=_l(
            "A person with the manager role. Leave empty to remove the manager: the "
            "unit's items then go to the manager above."
        ),
        render_kw={"autocomplete": "off"},
    )
