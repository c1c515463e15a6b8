"""The deadlines form of the administration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, ValidationError

from ideas.services.org_settings import DEADLINE_SETTINGS, DaysSetting, out_of_range

_SETTINGS = {s.field: s for s in DEADLINE_SETTINGS}


class DaysField(IntegerField):
    """A whole number of days within the setting's bounds, with one message for
    every way of missing them (not a number, too few, too many)."""

    def __init__(self, label, setting: DaysSetting, **kwargs):
        self.setting = setting
        message = out_of_range(setting)
        super().__init__(
            label,
            validators=[InputRequired(message=message), self._within],
            render_kw={"min": setting.low, "max": setting.high},
            **kwargs,
        )

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as err:
            raise ValueError(str(out_of_range(self.setting))) from err

    @staticmethod
    def _within(form, field):
        setting = field.setting
        if field.data is not None and not setting.low <= field.data <= setting.high:
            raise ValidationError(str(out_of_range(setting)))


class DeadlinesForm(FlaskForm):
    """The four numbers of days; each field's hint (with its default) is set by the view."""

    first_answer = DaysField(_l("First answer, days after submission"), _SETTINGS["first_answer"])
    decision = DaysField(_l("Decision, days after submission"), _SETTINGS["decision"])
    evaluation = DaysField(_l("Evaluation, days after implementation"), _SETTINGS["evaluation"])
    reminder = DaysField(_l("Reminder, days before a deadline"), _SETTINGS["reminder"])
