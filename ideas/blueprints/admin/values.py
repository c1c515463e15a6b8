"""Values and behaviours: wording, new ones, order, retiring and reactivating."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ideas.blueprints.admin import bp
from ideas.extensions import db
from ideas.forms.values import ActiveForm, BehaviourForm, MoveForm, ValueForm
from ideas.models import Behaviour, Value
from ideas.services import values
from ideas.services.errors import DomainError
from ideas.web import attempt, outcome


def _value(value_id: int) -> Value:
    return db.session.get(Value, value_id) or abort(404)


def _behaviour(behaviour_id: int) -> Behaviour:
    return db.session.get(Behaviour, behaviour_id) or abort(404)


def _list_page(form: ValueForm, code: int = 200):
    return render_template("admin/values.html", values=values.all_values(), form=form), code


@bp.get("/values")
def value_list():
    return _list_page(ValueForm(formdata=None))


@bp.post("/values")
def value_create():
    form = ValueForm()
    if form.validate_on_submit():
        done, value = outcome(
            lambda: values.create_value(current_user, form.name.data),
            form=form,
            success=lambda v: _(
                "The value %(name)s is added, last in the order. Give it its behaviours.",
                name=v.name,
            ),
        )
        if done:
            return redirect(url_for("admin.value_edit", value_id=value.id))
    return _list_page(form, 400)


def _edit_page(value: Value, form=None, behaviour_form=None, code: int = 200):
    if form is None:
        form = ValueForm(formdata=None, obj=value)
    return render_template(
        "admin/value_edit.html",
        value=value,
        form=form,
        behaviour_form=behaviour_form or BehaviourForm(formdata=None),
    ), code


@bp.get("/values/<int:value_id>")
def value_edit(value_id: int):
    return _edit_page(_value(value_id))


@bp.post("/values/<int:value_id>")
def value_update(value_id: int):
    value = _value(value_id)
    form = ValueForm()
    if form.validate_on_submit() and attempt(
        lambda: values.update_value(current_user, value, name=form.name.data),
        form=form,
        success=lambda v: _("The value %(name)s is saved.", name=v.name),
    ):
        return redirect(url_for("admin.value_edit", value_id=value.id))
    return _edit_page(_value(value_id), form=form, code=400)


@bp.post("/values/<int:value_id>/active")
def value_active(value_id: int):
    value = _value(value_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    active = form.active.data == "1"
    try:
        values.update_value(current_user, value, active=active)
    except DomainError as err:
        db.session.rollback()
        flash(str(err.message), "error")
        return _edit_page(_value(value_id), code=400)
    db.session.commit()
    if active:
        message = _("%(name)s is in use again: it is offered for new items.", name=value.name)
    else:
        message = _(
            "%(name)s is retired: it is no longer offered for new items. The items that "
            "carry it keep it, and the statistics still count it.",
            name=value.name,
        )
    flash(message, "success")
    return redirect(url_for("admin.value_edit", value_id=value.id))


@bp.post("/values/<int:value_id>/move")
def value_move(value_id: int):
    value = _value(value_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    if values.move_value(current_user, value, form.direction.data):
        db.session.commit()
        flash(_("%(name)s is moved.", name=value.name), "success")
    return redirect(url_for("admin.value_list") + f"#value-{value.id}")


@bp.post("/values/<int:value_id>/behaviours")
def behaviour_create(value_id: int):
    value = _value(value_id)
    form = BehaviourForm()
    if form.validate_on_submit():
        done, behaviour = outcome(
            lambda: values.create_behaviour(current_user, value, form.text.data),
            form=form,
            success=lambda b: _(
                "The behaviour “%(text)s” is added to %(name)s.", text=b.text, name=value.name
            ),
        )
        if done:
            return redirect(
                url_for("admin.value_edit", value_id=value.id) + f"#behaviour-{behaviour.id}"
            )
    return _edit_page(_value(value_id), behaviour_form=form, code=400)


def _behaviour_page(behaviour: Behaviour, form=None, code: int = 200):
    if form is None:
        form = BehaviourForm(formdata=None, obj=behaviour)
    return render_template("admin/behaviour_edit.html", behaviour=behaviour, form=form), code


@bp.get("/behaviours/<int:behaviour_id>")
def behaviour_edit(behaviour_id: int):
    return _behaviour_page(_behaviour(behaviour_id))


@bp.post("/behaviours/<int:behaviour_id>")
def behaviour_update(behaviour_id: int):
    behaviour = _behaviour(behaviour_id)
    form = BehaviourForm()
    if form.validate_on_submit() and attempt(
        lambda: values.update_behaviour(current_user, behaviour, text=form.text.data),
        form=form,
        success=lambda b: _("The behaviour “%(text)s” is saved.", text=b.text),
    ):
        return redirect(
            url_for("admin.value_edit", value_id=behaviour.value_id) + f"#behaviour-{behaviour.id}"
        )
    return _behaviour_page(_behaviour(behaviour_id), form=form, code=400)


@bp.post("/behaviours/<int:behaviour_id>/active")
def behaviour_active(behaviour_id: int):
    behaviour = _behaviour(behaviour_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    active = form.active.data == "1"
    values.update_behaviour(current_user, behaviour, active=active)
    db.session.commit()
    if active:
        message = _("“%(text)s” is shown again beside its value.", text=behaviour.text)
    else:
        message = _(
            "“%(text)s” is retired: it is no longer shown beside its value on the forms.",
            text=behaviour.text,
        )
    flash(message, "success")
    return redirect(
        url_for("admin.value_edit", value_id=behaviour.value_id) + f"#behaviour-{behaviour.id}"
    )


@bp.post("/behaviours/<int:behaviour_id>/move")
def behaviour_move(behaviour_id: int):
    behaviour = _behaviour(behaviour_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    if values.move_behaviour(current_user, behaviour, form.direction.data):
        db.session.commit()
        flash(_("“%(text)s” is moved.", text=behaviour.text), "success")
    return redirect(
        url_for("admin.value_edit", value_id=behaviour.value_id) + f"#behaviour-{behaviour.id}"
    )
