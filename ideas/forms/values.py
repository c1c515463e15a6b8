"""Forms of the values page of the administration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from ideas.services.values import NAME_MAX, TEXT_MAX


class ValueForm(FlaskForm):
    """A new value, or a value's wording."""

    name = StringField(
        _l("Value"),
        validators=[DataRequired(), Length(max=NAME_MAX)],
        description=_l(
            "As in the organisation's own text, such as “Vi är öppna”. A new wording "
            "shows on every item that carries the value, earlier ones too."
        ),
    )


class BehaviourForm(FlaskForm):
    """A new behaviour of a value, or a behaviour's wording."""

    text = StringField(
        _l("Behaviour"),
        validators=[DataRequired(), Length(max=TEXT_MAX)],
        description=_l("What someone does who lives the value, such as “löser det tillsammans”."),
    )


class MoveForm(FlaskForm):
    """A "move up" or "move down" button."""

    direction = HiddenField(validators=[AnyOf(("up", "down"))])


class ActiveForm(FlaskForm):
    """A "retire" or "reactivate" button: says which, so that sending it twice does
    not undo it."""

    active = HiddenField(validators=[AnyOf(("0", "1"))])
