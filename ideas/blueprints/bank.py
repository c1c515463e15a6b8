"""The idea bank: implemented ideas, what they gave and what was learned, searchable,
and adoptable by another unit ("vi vill också"), as DESIGN.md section 8 asks.

A learning organisation spreads what works: a unit that finds an idea done elsewhere
can take it up with one button, and the new idea stays linked to where it came from.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, select

from ideas.extensions import db
from ideas.models import Category, Item, Kind, Status, Unit
from ideas.services import items as item_service
from ideas.services.items import NEWEST, IdeaFilters, filter_choices, idea_list_query, ranked
from ideas.services.paging import page_of
from ideas.services.search import MAX_QUERY, relevance
from ideas.web import attempt, page_arg, select_options

bp = Blueprint("bank", __name__, url_prefix="/bank")

# What the bank holds: ideas that were carried out (and, later, followed up).
IN_THE_BANK = (Status.IMPLEMENTED.value, Status.EVALUATED.value)
# An adoption that was declined or merged away did not take the idea anywhere.
NOT_SPREAD = (Status.DECLINED.value, Status.DUPLICATE.value)


@dataclass
class BankFilters:
    q: str = ""
    value: str = ""
    unit: str = ""
    category: str = ""


@dataclass
class Spread:
    """One place an idea has spread to: the adopting unit and its own idea there."""

    item_id: int
    unit_name: str


def bank_query(filters: BankFilters, *, by_relevance: bool = False) -> Select:
    """The ids of the implemented and evaluated ideas matching the filters, most
    recently implemented first (most relevant first, ``by_relevance``, when searching);
    ``list_rows`` loads the rows of a page (as for the idea list)."""
    stmt = idea_list_query(
        IdeaFilters(kind=Kind.IDEA.value, value=filters.value, unit=filters.unit, q=filters.q),
        ids_only=True,
        order=NEWEST,
    ).where(Item.status.in_(IN_THE_BANK))
    if filters.category:
        stmt = stmt.where(Item.category.has(Category.name == filters.category))
    score = relevance(filters.q) if by_relevance else None
    if score is not None:
        return stmt.order_by(None).order_by(score.desc(), Item.id.desc())
    # Read in this order from an index (migration 0016), however many ideas are done.
    return stmt.order_by(None).order_by(Item.implemented_at.desc().nulls_last(), Item.id.desc())


def spread_of_page(ids: list[int]) -> dict[int, list[Spread]]:
    """Where each of these ideas has spread, in one query for the whole page."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(Item.adopted_from_id, Item.id, Unit.name)
        .join(Unit, Unit.id == Item.unit_id)
        .where(
            Item.adopted_from_id.in_(ids),
            Item.kind == Kind.IDEA.value,
            Item.status.not_in(NOT_SPREAD),
        )
        .order_by(Item.created_at, Item.id)
    )
    spread: dict[int, list[Spread]] = defaultdict(list)
    for origin, item_id, unit_name in rows:
        spread[origin].append(Spread(item_id=item_id, unit_name=unit_name))
    return dict(spread)


def _choices() -> tuple[list, list, list[Category]]:
    values, units = filter_choices()
    # Old ideas keep a category that is no longer offered: it still finds them.
    categories = db.session.scalars(select(Category).order_by(Category.name))
    return values, units, list(categories)


def _filters(values: list, units: list, categories: list[Category]) -> BankFilters:
    """The query arguments, or a clear 400 naming what is wrong (as on the idea list)."""
    filters = BankFilters(
        q=request.args.get("q", "").strip(),
        value=request.args.get("value", ""),
        unit=request.args.get("unit", ""),
        category=request.args.get("category", ""),
    )
    if len(filters.q) > MAX_QUERY:
        abort(400, description=_("The search text can be at most %(n)d characters.", n=MAX_QUERY))
    if filters.value and filters.value not in {v.name for v in values}:
        abort(400, description=_("Unknown value: %(names)s.", names=filters.value))
    if filters.unit and filters.unit not in {u.code for u in units}:
        abort(400, description=_("Unknown unit: %(code)s.", code=filters.unit))
    if filters.category and filters.category not in {c.name for c in categories}:
        abort(400, description=_("Unknown category: %(name)s.", name=filters.category))
    return filters


@bp.get("")
def index():
    values, units, categories = _choices()
    filters = _filters(values, units, categories)
    by_relevance, total = ranked(bank_query(filters), filters.q)
    page = page_of(
        bank_query(filters, by_relevance=by_relevance),
        partial(item_service.place_rows, pictures=True),
        page=page_arg(),
        per_page=current_app.config["PER_PAGE"],
        total=total,
    )
    own_unit = next((u.code for u in units if u.id == current_user.unit_id), "")
    return render_template(
        "bank/index.html",
        page=page,
        filters=filters,
        values=values,
        unit_options=select_options(units, filters.unit),
        adopt_unit_options=select_options(units, own_unit),
        categories=categories,
        spread=spread_of_page([item.id for item in page.items]),
        own_unit=own_unit,
        format_decimal=format_decimal,
    )


def _back_to_bank() -> str:
    """Where the adopt form came from, if that is a page of the bank; else the bank."""
    target = request.form.get("next", "")
    bank = url_for("bank.index")
    if target == bank or target.startswith((bank + "?", bank + "/")):
        return target
    return bank


@bp.post("/<int:item_id>/adopt")
def adopt(item_id: int):
    """ "Vi vill också": the chosen unit gets its own idea, linked to this one."""
    item = db.session.get(Item, item_id)
    if item is None or item.kind != Kind.IDEA:
        abort(404)
    unit_code = request.form.get("unit", "").strip()
    adopted: list[Item] = []
    if attempt(
        lambda: adopted.append(item_service.adopt(item, current_user, unit_code)),
        success=_(
            "Adopted. This is the unit's own copy of the idea, linked to where it came from."
        ),
    ):
        return redirect(url_for("ideas.detail", item_id=adopted[0].id))
    return redirect(_back_to_bank())
