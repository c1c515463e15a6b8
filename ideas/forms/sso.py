"""A case handler's key passphrase under single sign-on: validation only; the rules of a
new passphrase are the service's (ideas.services.sso), shown at the field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length

from ideas.services.passwords import MIN_LENGTH


def _new_passphrase_hint():
    return _l(
        "At least %(n)d characters, and not one of the most common passwords. Not the "
        "password you sign in with: this one only you know, not even the IT department.",
        n=MIN_LENGTH,
    )


class KeyPassphraseForm(FlaskForm):
    passphrase = PasswordField(
        _l("Key passphrase"),
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )


class NewKeyPassphraseForm(FlaskForm):
    passphrase = PasswordField(
        _l("New key passphrase"),
        validators=[DataRequired(), Length(max=1000)],
        description=_new_passphrase_hint(),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New key passphrase again"),
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"autocomplete": "new-password"},
    )


class ReplaceKeyForm(NewKeyPassphraseForm):
    understood = BooleanField(
        _l("I understand that my cases stay closed to me until they are shared with me again"),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
