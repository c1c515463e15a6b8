"""Case handlers of the whistleblowing channel: who they are, designating, removing.

These pages name people only: no case and no case number is ever shown to an
administrator here (see ``ideas.services.handlers``)."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ideas.blueprints.admin import bp
from ideas.extensions import db
from ideas.forms.handlers import DesignateHandlerForm, RemoveHandlerForm
from ideas.models import Role, User
from ideas.models.org import user_by_email
from ideas.services import handlers
from ideas.web import attempt


def _list_page(form: DesignateHandlerForm, code: int = 200):
    rows = handlers.list_handlers()
    return render_template("admin/handlers.html", form=form, rows=rows), code


@bp.get("/handlers")
def handler_list():
    return _list_page(DesignateHandlerForm(formdata=None))


@bp.post("/handlers")
def handler_designate():
    form = DesignateHandlerForm()
    if form.validate_on_submit():
        person = user_by_email(form.email.data)
        if person is None:
            form.email.errors = [_("Nobody here has that e-mail address.")]
        elif attempt(
            lambda: handlers.designate(person, current_user),
            form=form,
            success=_("%(name)s is now a case handler.", name=person.name),
        ):
            return redirect(url_for("admin.handler_list"))
    return _list_page(form, 400)


def _handler(user_id: int) -> User:
    person = db.session.get(User, user_id)
    if person is None or person.role != Role.CASE_HANDLER:
        abort(404)
    return person


def _remove_page(person: User, form: RemoveHandlerForm, code: int = 200):
    return render_template(
        "admin/handler_remove.html",
        person=person,
        form=form,
        last=person.active and handlers.other_active_handlers(person) == 0,
    ), code


@bp.get("/handlers/<int:user_id>/remove")
def handler_remove_confirm(user_id: int):
    return _remove_page(_handler(user_id), RemoveHandlerForm(formdata=None))


@bp.post("/handlers/<int:user_id>/remove")
def handler_remove(user_id: int):
    person = _handler(user_id)
    form = RemoveHandlerForm()
    if form.validate_on_submit() and attempt(
        lambda: handlers.remove(person, current_user, new_role=form.role.data),
        form=form,
        success=_("%(name)s is no longer a case handler.", name=person.name),
    ):
        return redirect(url_for("admin.handler_list"))
    return _remove_page(person, form, 400)
