"""The admin audit log: every change an administrator made, newest first.

Read only: the log has no route that changes it, and the database refuses updates and
deletes of its rows (migration 0014)."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ideas.blueprints.admin import bp
from ideas.extensions import db
from ideas.forms.handlers import AuditFilterForm
from ideas.models import AdminAudit, User
from ideas.web import page_arg

PER_PAGE = 50
COMMAND_LINE = "cli"  # the actor filter's value for changes made with no person

# What was changed, in words; an unknown kind is shown as it is stored.
TARGET_TYPES = {
    "user": _l("Person"),
    "unit": _l("Unit"),
    "value": _l("Value"),
    "behaviour": _l("Behaviour"),
    "setting": _l("Setting"),
    "deadline": _l("Deadline"),
    "case_handler": _l("Case handler"),
    "category": _l("Category"),
}
ACTIONS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "deactivate": _l("Deactivated"),
    "reactivate": _l("Reactivated"),
    "retire": _l("Retired"),
    "move": _l("Moved"),
    "rename": _l("Renamed"),
    "import": _l("Imported"),
    "designate_handler": _l("Designated as case handler"),
    "remove_handler": _l("Removed as case handler"),
    "create_user_sso": _l("Created at single sign-on"),
    "role_from_sso": _l("Role set by single sign-on"),
}
FIELDS = {
    "role": _l("Role"),
    "name": _l("Name"),
    "email": _l("E-mail address"),
    "unit": _l("Unit"),
    "active": _l("Active"),
    "parent": _l("Parent unit"),
    "manager": _l("Manager"),
    "code": _l("Code"),
    "key_pair": _l("Has a key"),
    "position": _l("Order"),
    "value": _l("Value"),
    "text": _l("Wording"),
    "days": _l("Days"),
}
ROLE_NAMES = {
    "employee": _l("Employee"),
    "manager": _l("Manager"),
    "case_handler": _l("Case handler"),
    "admin": _l("Administrator"),
}


def label(table: dict, key: str) -> str:
    """The words for ``key``, or ``key`` itself made readable."""
    return str(table[key]) if key in table else key.replace("_", " ")


def show_value(name: str, value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "role" and value in ROLE_NAMES:
        return str(ROLE_NAMES[value])
    if isinstance(value, list):
        return ", ".join(show_value(name, v) for v in value) or "–"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {show_value(k, v)}" for k, v in value.items())
    return str(value)


def changes(row: AdminAudit) -> list[tuple[str, str | None, str | None]]:
    """Each changed field of ``row``: its name, before and after in words (None where
    the change has no before, as a creation, or no after)."""
    before, after = row.before or {}, row.after or {}
    out = []
    for name in [*before, *[k for k in after if k not in before]]:
        out.append(
            (
                label(FIELDS, name),
                show_value(name, before.get(name)) if row.before is not None else None,
                show_value(name, after.get(name)) if row.after is not None else None,
            )
        )
    return out


def _filters() -> tuple[AuditFilterForm, Any]:
    form = AuditFilterForm(request.args)
    kinds = db.session.scalars(select(AdminAudit.target_type).distinct()).all()
    form.target_type.choices = [("", _("All kinds"))] + sorted(
        ((k, label(TARGET_TYPES, k)) for k in kinds), key=lambda c: c[1]
    )
    actors = db.session.execute(
        select(User.id, User.name)
        .where(User.id.in_(select(AdminAudit.actor_id).where(AdminAudit.actor_id.is_not(None))))
        .order_by(User.name)
    ).all()
    form.actor.choices = [("", _("Everyone")), (COMMAND_LINE, _("The command line"))] + [
        (str(a.id), a.name) for a in actors
    ]
    if not form.validate():
        abort(400, description=_("Choose a filter from the list."))
    query = select(AdminAudit.id)
    if form.target_type.data:
        query = query.where(AdminAudit.target_type == form.target_type.data)
    if form.actor.data == COMMAND_LINE:
        query = query.where(AdminAudit.actor_id.is_(None))
    elif form.actor.data:
        query = query.where(AdminAudit.actor_id == int(form.actor.data))
    return form, query.order_by(AdminAudit.created_at.desc(), AdminAudit.id.desc())


@bp.get("/audit")
def audit_log():
    form, ids = _filters()
    page = db.paginate(ids, page=page_arg(), per_page=PER_PAGE, error_out=False)
    wanted = list(page.items)
    rows = {
        row.id: row
        for row in db.session.scalars(
            select(AdminAudit)
            .options(joinedload(AdminAudit.actor))
            .where(AdminAudit.id.in_(wanted))
        )
    }
    entries = [
        {
            "row": rows[i],
            "action": label(ACTIONS, rows[i].action),
            "kind": label(TARGET_TYPES, rows[i].target_type),
            "changes": changes(rows[i]),
        }
        for i in wanted
    ]
    return render_template("admin/audit.html", form=form, page=page, entries=entries)
