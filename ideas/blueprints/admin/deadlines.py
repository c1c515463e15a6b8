"""Deadlines: the days of the first answer, the decision and the evaluation, and when
reminders go out. Stored in ``org_settings``; they override the ``IDEAS_*`` defaults."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ideas.blueprints.admin import bp
from ideas.extensions import db
from ideas.forms.deadlines import DeadlinesForm
from ideas.services import org_settings
from ideas.services.errors import DomainError
from ideas.web import show_domain_error

_ENV = "IDEAS_"  # the environment variable of a setting: IDEAS_ and its key


def _hints(form: DeadlinesForm) -> None:
    for setting in org_settings.DEADLINE_SETTINGS:
        default = org_settings.default_days(setting.name)
        hint = _(
            "Default: %(days)d (%(variable)s). Enter the default to follow it again.",
            days=default,
            variable=_ENV + setting.name,
        )
        if setting.name == org_settings.REMINDER:
            hint += " " + _("0: no reminders; a passed deadline is still escalated.")
        form[setting.field].description = hint


def _page(form: DeadlinesForm, code: int = 200):
    _hints(form)
    return render_template("admin/deadlines.html", form=form), code


@bp.get("/deadlines")
def deadlines():
    form = DeadlinesForm(formdata=None)
    days = org_settings.all_deadline_days()
    for setting in org_settings.DEADLINE_SETTINGS:
        form[setting.field].data = days[setting.name]
    return _page(form)


@bp.post("/deadlines")
def deadlines_update():
    form = DeadlinesForm()
    if form.validate_on_submit():
        try:
            changed = org_settings.set_deadline_days(
                current_user,
                **{s.name: form[s.field].data for s in org_settings.DEADLINE_SETTINGS},
            )
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
        else:
            db.session.commit()
            if changed:
                flash(
                    _(
                        "The deadlines are saved. Open items keep the deadlines they "
                        "have; new items get the new ones."
                    ),
                    "success",
                )
            else:
                flash(_("Nothing was changed."), "success")
            return redirect(url_for("admin.deadlines"))
    return _page(form, 400)
