"""Categories: which unit owns which kind of idea."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from ideas.blueprints.admin import bp
from ideas.extensions import db
from ideas.forms import CategoryEditForm, CategoryForm
from ideas.models import Category, Unit
from ideas.services import categories
from ideas.services.errors import DomainError
from ideas.web import show_domain_error


def _unit_choices() -> list[SelectChoice]:
    units = db.session.scalars(select(Unit).order_by(Unit.name))
    return [SelectChoice("", _("No owning unit"))] + [SelectChoice(u.code, u.name) for u in units]


def _page(form: CategoryForm, code: int = 200):
    rows = db.session.scalars(
        select(Category).options(joinedload(Category.owner_unit)).order_by(Category.name)
    ).all()
    choices = _unit_choices()
    edits = []
    for category in rows:
        edit = CategoryEditForm(formdata=None, prefix=f"c{category.id}")
        edit.owner_unit.choices = choices
        edit.owner_unit.data = category.owner_unit.code if category.owner_unit else ""
        edit.active.data = category.active
        edits.append((category, edit))
    return render_template("admin/categories.html", form=form, edits=edits), code


@bp.get("/categories")
def category_list():
    form = CategoryForm(formdata=None)
    form.owner_unit.choices = _unit_choices()
    return _page(form)


@bp.post("/categories")
def category_create():
    form = CategoryForm()
    form.owner_unit.choices = _unit_choices()
    if form.validate_on_submit():
        try:
            categories.create_category(form.name.data, form.owner_unit.data or None)
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
        else:
            db.session.commit()
            flash(_("The category is created."), "success")
            return redirect(url_for("admin.category_list"))
    return _page(form, 400)


@bp.post("/categories/<int:category_id>")
def category_update(category_id: int):
    category = db.session.get(Category, category_id) or abort(404)
    form = CategoryEditForm(prefix=f"c{category.id}")
    form.owner_unit.choices = _unit_choices()
    if not form.validate_on_submit():
        abort(400)
    try:
        categories.update_category(
            category, owner_unit=form.owner_unit.data or None, active=form.active.data
        )
    except DomainError as err:
        db.session.rollback()
        abort(400, description=str(err.message))
    db.session.commit()
    flash(_("The category is saved."), "success")
    return redirect(url_for("admin.category_list"))
