"""Units: the organisation tree, with create, rename, move, manager, retire."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ideas.blueprints.admin import bp
from ideas.extensions import db
from ideas.forms import ActionForm
from ideas.forms.units import UnitForm, UnitManagerForm
from ideas.models import Unit
from ideas.services import units
from ideas.services.errors import DomainError
from ideas.web import show_domain_error


def _parent_choices(unit: Unit | None = None) -> list[SelectChoice]:
    # Active units only; the unit itself is left out (its sub-units are refused on save).
    return [SelectChoice("", _("None (a top unit)"))] + [
        SelectChoice(u.code, f"{u.name} ({u.code})")
        for u in units.active_units()
        if unit is None or u.id != unit.id
    ]


def _list_page(form: UnitForm, code: int = 200):
    return render_template("admin/units.html", roots=units.tree(), form=form), code


@bp.get("/units")
def unit_list():
    form = UnitForm(formdata=None)
    form.parent.choices = _parent_choices()
    return _list_page(form)


@bp.post("/units")
def unit_create():
    form = UnitForm()
    form.parent.choices = _parent_choices()
    if form.validate_on_submit():
        try:
            unit = units.create_unit(
                code=form.code.data,
                name=form.name.data,
                parent_code=form.parent.data or None,
                actor=current_user,
                audited=True,
                check_manager_role=True,
            )
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
        else:
            db.session.commit()
            flash(_("The unit %(name)s is created.", name=unit.name), "success")
            return redirect(url_for("admin.unit_list") + f"#unit-{unit.id}")
    return _list_page(form, 400)


def _edit_page(unit: Unit, form: UnitForm | None = None, manager_form=None, code: int = 200):
    if form is None:
        form = UnitForm(formdata=None, obj=unit)
        form.parent.data = unit.parent.code if unit.parent else ""
    form.parent.choices = _parent_choices(unit)
    if manager_form is None:
        manager_form = UnitManagerForm(formdata=None)
        manager_form.manager.data = unit.manager.email if unit.manager else ""
    kids = [k for k in unit.children if k.active]
    return render_template(
        "admin/unit_edit.html",
        unit=unit,
        form=form,
        manager_form=manager_form,
        active_form=ActionForm(formdata=None),
        active_kids=kids,
    ), code


def _unit(unit_id: int) -> Unit:
    return db.session.get(Unit, unit_id) or abort(404)


@bp.get("/units/<int:unit_id>")
def unit_edit(unit_id: int):
    return _edit_page(_unit(unit_id))


@bp.post("/units/<int:unit_id>")
def unit_update(unit_id: int):
    unit = _unit(unit_id)
    form = UnitForm()
    form.parent.choices = _parent_choices(unit)
    if form.validate_on_submit():
        try:
            units.update_unit(
                current_user,
                unit,
                code=form.code.data,
                name=form.name.data,
                parent=form.parent.data or None,
            )
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
        else:
            db.session.commit()
            flash(_("The unit %(name)s is saved.", name=unit.name), "success")
            return redirect(url_for("admin.unit_edit", unit_id=unit.id))
    return _edit_page(_unit(unit_id), form=form, code=400)


@bp.post("/units/<int:unit_id>/manager")
def unit_manager(unit_id: int):
    unit = _unit(unit_id)
    form = UnitManagerForm()
    if form.validate_on_submit():
        try:
            units.update_unit(current_user, unit, manager=form.manager.data or None)
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
        else:
            db.session.commit()
            if unit.manager is not None:
                flash(
                    _(
                        "%(person)s is now the manager of %(name)s. Its open items were "
                        "routed again.",
                        person=unit.manager.name,
                        name=unit.name,
                    ),
                    "success",
                )
            else:
                flash(
                    _(
                        "%(name)s has no manager now. Its open items were routed again.",
                        name=unit.name,
                    ),
                    "success",
                )
            return redirect(url_for("admin.unit_edit", unit_id=unit.id))
    return _edit_page(_unit(unit_id), manager_form=form, code=400)


@bp.post("/units/<int:unit_id>/active")
def unit_active(unit_id: int):
    unit = _unit(unit_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    retire = unit.active
    try:
        units.update_unit(current_user, unit, active=not retire)
    except DomainError as err:
        db.session.rollback()
        flash(str(err.message), "error")
        return _edit_page(_unit(unit_id), code=400)
    db.session.commit()
    if retire:
        message = _(
            "%(name)s is retired. Its open items were routed again up the tree.", name=unit.name
        )
    else:
        message = _("%(name)s is active again.", name=unit.name)
    flash(message, "success")
    return redirect(url_for("admin.unit_edit", unit_id=unit.id))
