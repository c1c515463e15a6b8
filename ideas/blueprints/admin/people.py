"""People: the searchable list, create, edit, deactivate and reactivate, and the import
of the HR system's CSV file (upload, preview, import)."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select
from wtforms.fields.choices import SelectChoice

from ideas import clock
from ideas.blueprints.admin import bp
from ideas.blueprints.admin.audit import ROLE_NAMES
from ideas.extensions import db
from ideas.forms import ActionForm
from ideas.forms.people import ImportForm, PeopleFilterForm, PersonForm
from ideas.models import ROLES, PeopleImport, Role, User
from ideas.services import people, people_import, units
from ideas.services.errors import DomainError
from ideas.web import attempt, outcome, page_arg, show_domain_error

PER_PAGE = 50
IMPORT_MAX_BYTES = 5 * 1024 * 1024  # 50,000 people at 100 bytes a line
PREVIEW_ROWS = 200  # of each list; the counts are always whole


def _unit_choices(blank: str, current: User | None = None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)]
    active = units.active_units()
    choices += [SelectChoice(u.code, f"{u.name} ({u.code})") for u in active]
    if current is not None and current.unit is not None and not current.unit.active:
        # A retired home unit stays chosen until the admin picks another.
        choices.append(
            SelectChoice(current.unit.code, _("%(name)s (retired)", name=current.unit.name))
        )
    return choices


def _role_choices(current: User | None = None) -> list[SelectChoice]:
    roles = [r for r in ROLES if r != Role.CASE_HANDLER]
    if current is not None and current.role == Role.CASE_HANDLER:
        roles.insert(2, Role.CASE_HANDLER.value)
    return [SelectChoice(r, str(ROLE_NAMES[r])) for r in roles]


@bp.get("/users")
def user_list():
    form = PeopleFilterForm(request.args)
    form.unit.choices = [SelectChoice("", _("All units"))] + [
        SelectChoice(u.code, u.name) for u in units.active_units()
    ]
    form.role.choices = [SelectChoice("", _("All roles"))] + [
        SelectChoice(r, str(ROLE_NAMES[r])) for r in ROLES
    ]
    status = 200
    try:
        query = people.people_query(form.q.data, form.unit.data, form.role.data)
    except DomainError as err:
        show_domain_error(form, err)
        query = people.people_query().where(User.id.is_(None))
        status = 400
    page = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template("admin/people.html", form=form, page=page, role_names=ROLE_NAMES), status


def _person_page(form: PersonForm, person: User | None, code: int = 200):
    form.unit.choices = _unit_choices(_("No unit"), person)
    form.role.choices = _role_choices(person)
    managed = people.managed_units(person) if person is not None else []
    return render_template(
        "admin/person.html",
        form=form,
        person=person,
        managed=managed,
        active_form=ActionForm(formdata=None),
    ), code


def _person_fields(form: PersonForm) -> dict:
    return {
        "email": form.email.data,
        "name": form.name.data,
        "unit": form.unit.data or None,
        "role": form.role.data,
    }


@bp.get("/users/new")
def user_new():
    form = PersonForm(formdata=None)
    form.role.data = Role.EMPLOYEE.value
    return _person_page(form, None)


@bp.post("/users/new")
def user_create():
    form = PersonForm()
    form.unit.choices = _unit_choices("")
    if form.validate_on_submit():
        done, person = outcome(
            lambda: people.create_person(current_user, **_person_fields(form)),
            form=form,
            success=lambda p: _(
                "%(name)s has an account. They log in with single sign-on, or choose "
                "a password with “Forgot your password?” on the login page.",
                name=p.name,
            ),
        )
        if done:
            return redirect(url_for("admin.user_edit", user_id=person.id))
    return _person_page(form, None, 400)


def _person(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.get("/users/<int:user_id>")
def user_edit(user_id: int):
    person = _person(user_id)
    form = PersonForm(formdata=None, obj=person)
    form.unit.data = person.unit.code if person.unit else ""
    return _person_page(form, person)


@bp.post("/users/<int:user_id>")
def user_update(user_id: int):
    person = _person(user_id)
    form = PersonForm()
    if form.validate_on_submit() and attempt(
        lambda: people.update_person(current_user, person, **_person_fields(form)),
        form=form,
        success=lambda p: _("%(name)s is saved.", name=p.name),
    ):
        return redirect(url_for("admin.user_edit", user_id=person.id))
    return _person_page(form, _person(user_id), 400)


@bp.post("/users/<int:user_id>/active")
def user_active(user_id: int):
    """Deactivate an active person, reactivate an inactive one."""
    person = _person(user_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    deactivating = person.active
    try:
        people.update_person(current_user, person, active=not person.active)
    except DomainError as err:
        db.session.rollback()
        flash(str(err.message), "error")
        edit = PersonForm(formdata=None, obj=_person(user_id))
        person = _person(user_id)
        edit.unit.data = person.unit.code if person.unit else ""
        return _person_page(edit, person, 400)
    db.session.commit()
    if deactivating:
        flash(
            _(
                "%(name)s is deactivated: logged out everywhere, their API tokens are gone, "
                "and their open items went to the line.",
                name=person.name,
            ),
            "success",
        )
    else:
        flash(_("%(name)s is active again.", name=person.name), "success")
    return redirect(url_for("admin.user_edit", user_id=person.id))


# -- import ---------------------------------------------------------------------------


def _import_page(form: ImportForm, code: int = 200, errors=None):
    return render_template("admin/people_import.html", form=form, errors=errors), code


@bp.get("/users/import")
def user_import():
    return _import_page(ImportForm(formdata=None))


@bp.post("/users/import")
def user_import_upload():
    """Step one: the file is read and checked, and kept for the preview."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form, 400)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [_("Choose the CSV file to import.")]
        return _import_page(form, 400)
    data = upload.read(IMPORT_MAX_BYTES + 1)
    if len(data) > IMPORT_MAX_BYTES:
        form.file.errors = [_("The file is larger than 5 MB.")]
        return _import_page(form, 400)
    try:
        people_import.plan(data, current_user)
    except people_import.ImportRefused as err:
        db.session.rollback()
        form.file.errors = [_("Nothing was imported. Correct these lines and try again.")]
        return _import_page(form, 400, errors=err.errors)
    people_import.forget_stale()
    kept = PeopleImport(
        id=secrets.token_urlsafe(32),
        actor_id=current_user.id,
        filename=(upload.filename or "")[-255:],
        content=data,
        created_at=clock.now(),
    )
    db.session.add(kept)
    db.session.commit()
    return redirect(url_for("admin.user_import_preview", import_id=kept.id))


def _kept(import_id: str) -> PeopleImport:
    kept = db.session.scalar(
        select(PeopleImport).where(
            PeopleImport.id == import_id,
            PeopleImport.actor_id == current_user.id,
            PeopleImport.created_at >= clock.now() - people_import.UPLOAD_LIFETIME,
        )
    )
    if kept is None:
        abort(404, description=_("This upload has expired. Upload the file again."))
    return kept


def _preview(kept: PeopleImport, code: int = 200):
    try:
        plan = people_import.plan(kept.content, current_user)
    except people_import.ImportRefused as err:
        # The organisation changed since the upload (a unit retired, say).
        db.session.rollback()
        form = ImportForm(formdata=None)
        form.file.errors = [_("Nothing was imported. Correct these lines and try again.")]
        return _import_page(form, 400, errors=err.errors)
    return render_template(
        "admin/people_import_preview.html",
        kept=kept,
        plan=plan,
        digest=plan.digest(),
        form=ActionForm(formdata=None),
        shown=PREVIEW_ROWS,
        role_names=ROLE_NAMES,
    ), code


@bp.get("/users/import/<import_id>")
def user_import_preview(import_id: str):
    return _preview(_kept(import_id))


@bp.post("/users/import/<import_id>")
def user_import_apply(import_id: str):
    """Step two: the import, if the plan is still the one the admin saw."""
    kept = _kept(import_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    plan = None
    try:
        plan = people_import.plan(kept.content, current_user)
    except people_import.ImportRefused:
        db.session.rollback()
        return _preview(_kept(import_id), 409)
    if plan.digest() != request.form.get("digest", ""):
        flash(
            _(
                "Something changed since the preview was made. Here is what the import "
                "would do now: check it, and import again."
            ),
            "error",
        )
        return _preview(kept, 409)
    people_import.apply(plan, current_user)
    db.session.execute(delete(PeopleImport).where(PeopleImport.id == import_id))
    db.session.commit()
    flash(
        _(
            "Imported: %(created)d created, %(changed)d changed, %(deactivated)d "
            "deactivated, %(unchanged)d unchanged.",
            created=len(plan.create),
            changed=len(plan.change),
            deactivated=len(plan.deactivate),
            unchanged=plan.unchanged,
        ),
        "success",
    )
    return redirect(url_for("admin.user_list"))
