"""Forms of the people pages of the administration: the list's filters, a person, the
import of the HR system's CSV file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, SearchField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ideas.services.people import NAME_MAX


class PeopleFilterForm(FlaskForm):
    """The list's search and filters, read from the query string (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search by name or e-mail"), validators=[Optional(), Length(max=200)])
    unit = SelectField(_l("Unit"), choices=[], validators=[Optional()], validate_choice=False)
    role = SelectField(_l("Role"), choices=[], validators=[Optional()], validate_choice=False)


class PersonForm(FlaskForm):
    """A new person, or a person's e-mail, name, unit and role."""

    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("Their work address: they log in with it and get their e-mail there."),
        render_kw={"autocomplete": "off"},
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    unit = SelectField(
        _l("Unit"),
        choices=[],
        validators=[Optional()],
        validate_choice=False,
        description=_l("Where they work. Only active units can be chosen."),
    )
    role = SelectField(
        _l("Role"),
        choices=[],
        validators=[DataRequired()],
        validate_choice=False,
        description=_l(
            "A manager can be made the manager of units on the units page. Case handlers "
            "are designated and removed on the case handlers page."
        ),
    )


class ImportForm(FlaskForm):
    """Step one of an import: the file, checked and shown before anything is written."""

    file = FileField(
        _l("CSV file from the HR system"),
        description=_l(
            "Columns email, name, unit and (if you like) role; separated by comma or "
            "semicolon; UTF-8."
        ),
        render_kw={"accept": ".csv,text/csv"},
    )
