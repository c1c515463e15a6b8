"""A manager's triage on the web: the inbox with bulk actions, and forwarding, merging
and delegating an item. The rules are in ideas.services.triage; these views parse,
call, commit or show why not."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import exists, select
from wtforms.widgets import Select, html_params

from ideas import clock, page_cache
from ideas.extensions import db
from ideas.forms import BulkForm, DelegateForm, ForwardForm, MergeForm
from ideas.models import STATUS_LABELS, Item, Kind, Role, Status
from ideas.services import items as item_service
from ideas.services import triage
from ideas.services.permissions import can_view_item
from ideas.templating import item_path
from ideas.web import attempt, page_arg, paginate_ids, select_options

bp = Blueprint("triage", __name__)


def _may_triage() -> bool:
    return current_user.role in (Role.MANAGER, Role.ADMIN) or bool(
        db.session.scalar(select(exists().where(Item.driver_id == current_user.id)))
    )


def _filters() -> triage.InboxFilters:
    args = request.args
    status = args.get("status") or None
    kind = args.get("kind") or None
    return triage.InboxFilters(
        unit=args.get("unit") or None,
        status=status if status in triage.INBOX_STATUSES else None,
        kind=kind if kind in (Kind.IDEA.value, Kind.CONCERN.value) else None,
        value=args.get("value") or None,
    )


def unit_choices() -> list[tuple[str, str]]:
    """Every unit as ``(code, name)``, by name: the choices of a unit select. Made from
    the lists' unit rows (``items.filter_choices``), kept while the organisation is
    unchanged."""
    return page_cache.org_memo(
        "unit_choices", lambda: [(code, name) for code, name, _id in _unit_rows()]
    )


def unit_code(unit_id: int | None) -> str | None:
    """The code of the unit with this id (a person's own, say), without loading it."""
    codes = page_cache.org_memo(
        "unit_codes", lambda: {unit_id: code for code, _name, unit_id in _unit_rows()}
    )
    return None if unit_id is None else codes.get(unit_id)


def _unit_rows():
    return item_service.filter_choices()[1]


class UnitSelect(Select):
    """WTForms' select widget for a list of ``(code, name)`` choices, whose options are
    made once (``web.select_options``): with every unit in the list, WTForms' generic
    rendering (a choice object and attribute formatting per option) cost more than the
    rest of the page."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        for flag in self.validation_attrs:
            if flag not in kwargs and getattr(field.flags, flag, False):
                kwargs[flag] = True
        options = select_options(field.choices, field.data or "")
        attrs = html_params(name=field.name, **kwargs)
        return Markup(f"<select {attrs}>{options}</select>")  # noqa: S704 (escaped above)


def unit_field(field, choices: list[tuple[str, str]]):
    """Give a form's unit select its choices and the quick widget."""
    field.choices = choices
    field.widget = UnitSelect()
    return field


@bp.get("/inbox")
def inbox(form: BulkForm | None = None, code: int = 200):
    if not _may_triage():
        abort(403)
    filters = _filters()
    per_page = current_app.config["PER_PAGE"] * 2
    scope = triage.whose(current_user)
    counts = triage.inbox_counts(current_user, filters, scope=scope)
    page = paginate_ids(
        triage.inbox_query(current_user, filters, ids_only=True, scope=scope),
        item_service.inbox_rows,
        page=page_arg(),
        per_page=per_page,
        error_out=False,
        count=False,
    )
    page.total = counts["total"]  # counted once, with the rest of the counts
    units = unit_choices()
    form = form or BulkForm(formdata=None)
    unit_field(form.unit, [("", "—"), *units])
    rows = [(item, item.next_deadline) for item in page.items]
    return render_template(
        "triage/inbox.html",
        page=page,
        rows=rows,
        counts=counts,
        filters=filters,
        unit_options=select_options(units, filters.unit or ""),
        values=item_service.filter_choices()[0],  # kept while the organisation is unchanged
        statuses=[(s, STATUS_LABELS[Status(s)]) for s in triage.INBOX_STATUSES],
        form=form,
        now=clock.now(),
    ), code


@bp.post("/inbox/bulk")
def bulk():
    if not _may_triage():
        abort(403)
    form = BulkForm()
    form.unit.choices = unit_choices()
    if not form.validate_on_submit():
        abort(400)
    ids = [i for i in form.ids.data or [] if isinstance(i, int)]
    found = db.session.scalars(select(Item).where(Item.id.in_(ids))).all() if ids else []
    chosen = [item for item in found if can_view_item(current_user, item)]
    if len(chosen) != len(set(ids)):
        flash(_("Some of the selected items are not yours to change."), "error")
        return redirect(url_for("triage.inbox"))
    done = attempt(
        lambda: triage.bulk(
            chosen,
            current_user,
            form.action.data,
            assignee=form.assignee.data or "",
            unit=form.unit.data or "",
            comment=form.comment.data or "",
        ),
        form=form,
    )
    if done:
        flash(_("Done for %(n)d items.", n=len(chosen)), "success")
        return redirect(url_for("triage.inbox", **request.args))
    return inbox(form=form, code=400)


def _item(item_id: int) -> Item:
    item = db.session.get(Item, item_id) if item_id < 2**31 else None
    if item is None or item.kind == Kind.REPORT or not can_view_item(current_user, item):
        abort(404)
    return item


def _back(item: Item):
    return redirect(item_path(item) + "#manage")


def _item_action(item_id: int, form, action, *, success: str, missing: str):
    """One manager's action from an item's page: check the form, act, say how it went."""
    item = _item(item_id)
    if form.validate_on_submit():
        attempt(lambda: action(item, form), success=success)
    else:
        flash(missing, "error")
    return _back(item)


@bp.post("/items/<int:item_id>/forward")
def forward(item_id: int):
    form = ForwardForm()
    form.unit.choices = unit_choices()
    return _item_action(
        item_id,
        form,
        lambda item, f: triage.forward(item, current_user, f.unit.data, f.comment.data),
        success=_("The item is forwarded; routing runs again in the new unit."),
        missing=_("Choose a unit and say why."),
    )


@bp.post("/items/<int:item_id>/merge")
def merge(item_id: int):
    return _item_action(
        item_id,
        MergeForm(),
        lambda item, f: triage.merge(item, current_user, f.into.data),
        success=_("Merged: supports, followers and comments are with the original now."),
        missing=_("Give the number of the original idea."),
    )


@bp.post("/items/<int:item_id>/delegate")
def delegate(item_id: int):
    return _item_action(
        item_id,
        DelegateForm(),
        lambda item, f: triage.delegate(item, current_user, f.email.data),
        success=_("Delegated. You stay accountable and see every change."),
        missing=_("Give the employee's e-mail address."),
    )
