"""WTForms classes: validation only, no database writes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    MultipleFileField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ideas.attachments import MAX_BYTES, MAX_FILES
from ideas.forms.passwords import new_password_hint
from ideas.models.items import BENEFIT_MAX, COMMENT_MAX, DESCRIPTION_MAX, REASON_MAX, TITLE_MAX
from ideas.models.notifications import DELIVERIES, DELIVERY_LABELS, EVENT_LABELS, EVENTS


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )


# What the file inputs of ideas, concerns and comments offer to choose. HEIC is left
# out on purpose: a browser on an iPhone then sends a picture as JPEG by itself.
FILE_ACCEPT = "image/jpeg,image/png,application/pdf,text/plain,.jpg,.jpeg,.png,.pdf,.txt"


def item_files_field() -> MultipleFileField:
    return MultipleFileField(
        _l("Files (optional)"),
        description=_l(
            "Up to %(n)d files of at most %(mb)d MB each: pictures (JPEG, PNG), PDF or "
            "plain text. We remove hidden information, such as the place a picture was "
            "taken.",
            n=MAX_FILES,
            mb=MAX_BYTES // (1024 * 1024),
        ),
        render_kw={"accept": FILE_ACCEPT},
    )


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class IdeaForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(), Length(max=TITLE_MAX)],
        description=_l("Say in a few words what should be improved."),
    )
    description = TextAreaField(
        _l("Your idea"),
        validators=[DataRequired(), Length(max=DESCRIPTION_MAX)],
        description=_l(
            "What is the problem today, and what do you suggest? You can use simple Markdown."
        ),
    )
    benefit = TextAreaField(
        _l("Benefit"),
        validators=[Optional(), Length(max=BENEFIT_MAX)],
        description=_l("What would it give the residents or the operation?"),
    )
    # The unit, category and values are checked by the service, which names the field
    # of a wrong one (items.submit_idea): the choices are loaded only to show the form.
    unit = SelectField(
        _l("Unit concerned"), validators=[InputRequired()], choices=[], validate_choice=False
    )
    category = SelectField(
        _l("Category"),
        validators=[Optional()],
        choices=[],
        validate_choice=False,
        description=_l("Optional. Some categories go straight to the unit that owns them."),
    )
    values = MultiCheckboxField(
        _l("Values the idea supports"),
        choices=[],
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose at least one value."))],
    )
    files = item_files_field()


class ConcernForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(), Length(max=TITLE_MAX)],
        description=_l("Say in a few words what does not work."),
    )
    description = TextAreaField(
        _l("Your concern"),
        validators=[DataRequired(), Length(max=DESCRIPTION_MAX)],
        description=_l(
            "What happens, where, and what risk do you see? You can use simple Markdown."
        ),
    )
    unit = SelectField(  # checked by the service, as in IdeaForm
        _l("Unit concerned"), validators=[InputRequired()], choices=[], validate_choice=False
    )
    values = MultiCheckboxField(
        _l("Values it concerns"),
        choices=[],
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose at least one value."))],
    )
    confidential = BooleanField(
        _l("Confidential"),
        description=_l("Only the manager who handles it sees your name."),
    )
    about_manager = BooleanField(
        _l("It is about my own manager"),
        description=_l(
            "It then goes to the manager one level above, and your manager does not see it."
        ),
    )
    files = item_files_field()


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=COMMENT_MAX)])
    files = item_files_field()


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), validators=[InputRequired()], choices=[])
    comment = TextAreaField(
        _l("Comment to the submitter"),
        validators=[Optional(), Length(max=REASON_MAX)],
        description=_l("Required for a decision: accept, decline, forward or duplicate."),
    )
    outcome = TextAreaField(
        _l("What was done"),
        validators=[Optional(), Length(max=5_000)],
        description=_l("Required when you mark the idea implemented."),
    )
    lessons = TextAreaField(
        _l("Lessons learned"),
        validators=[Optional(), Length(max=5_000)],
        description=_l("Required when you mark the idea implemented: what others can learn."),
    )
    hours_saved = StringField(
        _l("Working hours saved a year (if known)"), validators=[Optional(), Length(max=20)]
    )
    money_saved = StringField(
        _l("Kronor saved a year (if known)"), validators=[Optional(), Length(max=20)]
    )
    effect = TextAreaField(
        _l("Effect seen"),
        validators=[Optional(), Length(max=5_000)],
        description=_l("Required when you mark the idea followed up: what it gave in practice."),
    )


class ForwardForm(FlaskForm):
    unit = SelectField(_l("Forward to unit"), validators=[InputRequired()], choices=[])
    comment = TextAreaField(
        _l("Why"),
        validators=[DataRequired(), Length(max=REASON_MAX)],
        description=_l("Both units and the submitter read it."),
    )


class MergeForm(FlaskForm):
    into = IntegerField(
        _l("Number of the original idea"),
        validators=[InputRequired()],
        description=_l("Supports, followers and comments move there; followers are told."),
    )


class DelegateForm(FlaskForm):
    email = EmailField(
        _l("Employee's e-mail address"),
        validators=[DataRequired(), Length(max=254)],
        description=_l(
            "They get the mandate to drive the item forward; you stay accountable and see "
            "every change."
        ),
    )


class BulkForm(FlaskForm):
    ids = SelectMultipleField(_l("Items"), choices=[], coerce=int, validate_choice=False)
    action = SelectField(
        _l("Action"),
        choices=[
            SelectChoice("acknowledge", _l("Acknowledge")),
            SelectChoice("assess", _l("Start assessing")),
            SelectChoice("assign", _l("Hand to a colleague")),
            SelectChoice("forward", _l("Forward to a unit")),
        ],
    )
    assignee = EmailField(
        _l("Colleague's e-mail address"), validators=[Optional(), Length(max=254)]
    )
    unit = SelectField(_l("Unit"), choices=[], validators=[Optional()], validate_choice=False)
    comment = TextAreaField(
        _l("Comment"),
        validators=[Optional(), Length(max=REASON_MAX)],
        description=_l("Required when forwarding."),
    )


class LanguageForm(FlaskForm):
    lang = SelectField(_l("Language"), choices=["sv", "en"])


class SettingsForm(FlaskForm):
    digest_frequency = SelectField(
        _l("Digest by e-mail"),
        choices=[
            SelectChoice("none", _l("Never")),
            SelectChoice("daily", _l("Daily")),
            SelectChoice("weekly", _l("Weekly")),
            SelectChoice("monthly", _l("Monthly")),
        ],
        description=_l(
            "News on your ideas and the ones you follow, new ideas in your unit "
            "and implemented ideas to learn from."
        ),
    )
    absent = BooleanField(
        _l("I am away"),
        description=_l("While you are away, new items go to your deputy."),
    )
    deputy = EmailField(
        _l("Deputy's e-mail address"),
        validators=[Optional(), Length(max=254)],
        description=_l("A colleague who stands in for you while you are away."),
    )


# One choice per kind of notification: how it comes besides the notifications page.
# Left out of a request, a choice stays as it was.
for _event in EVENTS:
    setattr(
        SettingsForm,
        f"notify_{_event}",
        SelectField(
            EVENT_LABELS[_event],
            choices=[SelectChoice(d, DELIVERY_LABELS[d]) for d in DELIVERIES],
            validators=[Optional()],
        ),
    )


def notification_fields(form: SettingsForm) -> list:
    """The form's notification choices, in the order of ``EVENTS``."""
    return [form[f"notify_{event}"] for event in EVENTS]


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    owner_unit = SelectField(
        _l("Owning unit"),
        validators=[Optional()],
        choices=[],
        description=_l("Ideas in this category go to this unit's manager."),
    )


class CategoryEditForm(FlaskForm):
    owner_unit = SelectField(_l("Owning unit"), validators=[Optional()], choices=[])
    active = BooleanField(_l("In use"))


class ReportForm(FlaskForm):
    """A serious irregularity. Only 'what' is required; everything else helps."""

    what = TextAreaField(
        _l("What happened?"),
        validators=[DataRequired(), Length(max=20_000)],
        description=_l("Describe the irregularity as exactly as you can."),
    )
    where = TextAreaField(
        _l("Where?"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("The workplace, unit or activity."),
    )
    when = TextAreaField(
        _l("When?"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("Dates or a period, as well as you know them."),
    )
    who = TextAreaField(
        _l("Who is involved?"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("Names or roles, if you know them."),
    )
    name = StringField(
        _l("Your name (optional)"),
        validators=[Optional(), Length(max=200)],
        description=_l("Leave it empty to report anonymously."),
    )
    contact = StringField(
        _l("How to reach you (optional)"),
        validators=[Optional(), Length(max=500)],
        description=_l("Only if you want to be contacted outside the mailbox."),
    )
    exclude = MultiCheckboxField(
        _l("Case handlers who must not see your report (optional)"),
        choices=[],
        validators=[Optional()],
    )
    files = MultipleFileField(
        _l("Files (optional)"),
        description=_l(
            "Up to 5 files of at most 10 MB each: pictures (JPEG, PNG), PDF or plain text. "
            "We remove hidden information such as the place a picture was taken or a "
            "document's author, and we do not keep the files' names."
        ),
    )


class FollowupForm(FlaskForm):
    code = StringField(
        _l("Your receipt code"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=20_000)])


class ReporterMessageForm(FlaskForm):
    """The reporter's answer: words, files, or both."""

    body = TextAreaField(
        _l("Answer or add information"), validators=[Optional(), Length(max=20_000)]
    )
    files = MultipleFileField(
        _l("Files (optional)"), description=ReportForm.files.kwargs["description"]
    )


class MinutesForm(FlaskForm):
    """Minutes of an oral report or of a meeting with the reporter."""

    form = SelectField(
        _l("Minutes of"),
        choices=[
            SelectChoice("meeting", _l("A meeting with the reporter")),
            SelectChoice("oral_report", _l("An oral report (telephone or in person)")),
        ],
    )
    held_on = DateField(_l("Date"), validators=[InputRequired()])
    body = TextAreaField(
        _l("Minutes"),
        validators=[DataRequired(), Length(max=20_000)],
        description=_l("The reporter can read, correct and approve them in the mailbox."),
    )


class CorrectMinutesForm(FlaskForm):
    body = TextAreaField(_l("Corrected minutes"), validators=[DataRequired(), Length(max=20_000)])


class MeasureForm(FlaskForm):
    body = TextAreaField(
        _l("Measure taken"),
        validators=[DataRequired(), Length(max=20_000)],
        description=_l("For the case handlers' record; the reporter does not see it."),
    )


class RedactForm(FlaskForm):
    fields = MultiCheckboxField(
        _l("Parts to remove"),
        choices=[
            SelectChoice("where", _l("Where?")),
            SelectChoice("when", _l("When?")),
            SelectChoice("who", _l("Who is involved?")),
            SelectChoice("name", _l("Name")),
            SelectChoice("contact", _l("Contact")),
        ],
        validators=[Optional()],
    )


class PasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
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


class CloseCaseForm(FlaskForm):
    outcome = SelectField(
        _l("Outcome"),
        choices=[
            SelectChoice("measures_taken", _l("Measures taken")),
            SelectChoice("unfounded", _l("Unfounded")),
            SelectChoice("referred", _l("Referred to another authority")),
            SelectChoice("insufficient_information", _l("Not enough information")),
            SelectChoice("other", _l("Other")),
        ],
    )
