"""The forgotten-password forms: validation only; the rules of a new password are the
service's (ideas.services.passwords.check_new_password), shown at the field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from ideas.services.passwords import MIN_LENGTH


def new_password_hint():
    return _l(
        "At least %(n)d characters, and not one of the most common passwords. "
        "A few words in a row are easy to remember and hard to guess.",
        n=MIN_LENGTH,
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("The address you log in with. We send the link there."),
        render_kw={"autocomplete": "username"},
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1000)],
        description=new_password_hint(),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"autocomplete": "new-password"},
    )
