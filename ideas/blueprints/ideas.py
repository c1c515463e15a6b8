"""Ideas and concerns: the list with search and filters, the submit form, the item's
page and its actions.

One blueprint serves both kinds: it is registered twice, as ``ideas`` (/ideas, open to
every employee) and as ``concerns`` (/concerns, seen only by the submitter and the
managers responsible). The rules that differ live in the services and permissions.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from ideas.blueprints.notifications import item_opened, shown_unread
from ideas.blueprints.triage import unit_choices, unit_code, unit_field
from ideas.errors import json_error
from ideas.extensions import db
from ideas.forms import (
    ActionForm,
    CommentForm,
    ConcernForm,
    DelegateForm,
    ForwardForm,
    IdeaForm,
    MergeForm,
    StatusForm,
)
from ideas.models import (
    STATUS_LABELS,
    STATUSES,
    Comment,
    Item,
    Kind,
    Status,
    Support,
    Value,
    allowed_next,
)
from ideas.models.items import TITLE_MAX
from ideas.services import categories
from ideas.services import items as item_service
from ideas.services import units as unit_service
from ideas.services.errors import DomainError
from ideas.services.items import IdeaFilters, filter_choices, idea_list_page, load_item
from ideas.services.permissions import (
    can_manage_item,
    can_remove_comment,
    can_view_item,
    is_only_driver,
    shows_author,
)
from ideas.services.search import MAX_QUERY
from ideas.services.similar import significant_words, similar_ideas
from ideas.services.uploads import read_uploads
from ideas.web import attempt, page_arg, select_options, show_domain_error

bp = Blueprint("ideas", __name__, url_prefix="/ideas")
KINDS = {"ideas": Kind.IDEA, "concerns": Kind.CONCERN}


def _kind() -> Kind:
    return KINDS[request.blueprint]


def _values() -> list[Value]:
    return list(
        db.session.scalars(
            select(Value)
            .where(Value.active.is_(True))
            .options(selectinload(Value.behaviours))
            .order_by(Value.position)
        )
    )


@bp.get("")
def index():
    filters = IdeaFilters(
        q=request.args.get("q", "").strip(),
        status=request.args.get("status", ""),
        value=request.args.get("value", ""),
        unit=request.args.get("unit", ""),
        kind=_kind().value,
        viewer=current_user,
    )
    if len(filters.q) > MAX_QUERY:
        abort(400, description=_("The search text can be at most %(n)d characters.", n=MAX_QUERY))
    if filters.status and filters.status not in STATUSES:
        abort(400, description=_("Unknown status: %(status)s.", status=filters.status))
    values, units = filter_choices()
    if filters.value and filters.value not in {v.name for v in values}:
        abort(400, description=_("Unknown value: %(names)s.", names=filters.value))
    if filters.unit and filters.unit not in {u.code for u in units}:
        abort(400, description=_("Unknown unit: %(code)s.", code=filters.unit))
    page = idea_list_page(
        filters,
        page=page_arg(),
        per_page=current_app.config["PER_PAGE"],
        rows=item_service.place_rows,  # a list row names nobody
    )
    return render_template(
        "ideas/index.html",
        kind=_kind().value,
        page=page,
        filters=filters,
        values=values,
        unit_options=select_options(units, filters.unit),
        statuses=[(s, str(STATUS_LABELS[Status(s)])) for s in STATUSES],
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    kind = _kind()
    form = IdeaForm() if kind == Kind.IDEA else ConcernForm()
    if kind == Kind.IDEA and request.method == "POST" and "preview" in request.form:
        # "Check for similar ideas": nothing is saved and no field is blamed yet; the
        # form comes back as typed, with the ideas it might duplicate above it.
        # (CSRFProtect has checked the token before this view ran.)
        return _render_new(form, kind, similar=_similar_to(form.title.data or ""))
    if form.validate_on_submit():
        fields = {
            "title": form.title.data,
            "description": form.description.data,
            "unit": form.unit.data,
            "values": form.values.data,
            "files": read_uploads(form.files.data),
        }
        try:
            if kind == Kind.IDEA:
                item = item_service.submit_idea(
                    current_user,
                    benefit=form.benefit.data or "",
                    category=form.category.data or None,
                    **fields,
                )
            else:
                item = item_service.submit_concern(
                    current_user,
                    confidential=form.confidential.data,
                    about_manager=form.about_manager.data,
                    **fields,
                )
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
        else:
            item_id = item.id  # read before the commit expires it
            # Also before it: the language is chosen from the user, whom it expires.
            thanks = (
                _("Thank you! Your idea has been submitted.")
                if kind == Kind.IDEA
                else _("Thank you! Your concern has been submitted.")
            )
            db.session.commit()
            flash(thanks, "success")
            return redirect(url_for(f"{request.blueprint}.detail", item_id=item_id))
    elif request.method == "GET" and current_user.unit_id is not None:
        form.unit.data = current_user.unit.code
    return _render_new(form, kind, status=400 if form.errors else 200)


def _item_or_404(item_id: int, *, full: bool = False) -> Item:
    if full:  # for its page: with what the viewer's own marks (_render_detail's)
        item = load_item(item_id, viewer=current_user, notices=True)
    else:
        item = db.session.get(Item, item_id)
    # Not found and not yours look the same: a concern's existence is not revealed.
    if item is None or item.kind != _kind() or not can_view_item(current_user, item):
        abort(404)
    return item


def triage_forms(item: Item, manage: bool) -> dict:
    """The manager's forms on an item's page: forward, merge, delegate; and, for anyone,
    adopt an implemented idea ("vi vill också")."""
    forms: dict = {}
    units = unit_choices()
    if manage and not is_only_driver(current_user, item):
        forms["forward"] = ForwardForm(formdata=None)
        unit_field(forms["forward"].unit, units)
        forms["merge"] = MergeForm(formdata=None)
        forms["delegate"] = DelegateForm(formdata=None)
    if item.kind == Kind.IDEA and item.status in ("implemented", "evaluated"):
        forms["adopt_options"] = select_options(units, unit_code(current_user.unit_id) or "")
    return forms


def _render_detail(
    item: Item, *, comment_form=None, status_form=None, code=200, opened: bool = False
):
    """The item's page. ``opened``: the viewer has come to read it, so what they were
    told about it is read now (after the page is made: the commit expires its data)."""
    manage = can_manage_item(current_user, item)
    if status_form is None and manage:
        status_form = StatusForm(formdata=None)
    if status_form is not None:
        status_form.status.choices = [
            SelectChoice(s.value, STATUS_LABELS[s]) for s in allowed_next(item.status)
        ]
    marks = item_service.viewer_marks(item, current_user, notices=True)
    # The header counts what stays unread once this page is seen.
    shown_unread(marks.unread - marks.unread_here if opened else marks.unread)
    page = render_template(
        "ideas/detail.html",
        item=item,
        kind=item.kind,
        show_author=shows_author(current_user, item),
        can_manage=manage,
        comment_form=comment_form or CommentForm(formdata=None),
        status_form=status_form if manage else None,
        action_form=ActionForm(),
        supported=marks.supported,
        following=marks.following,
        triage=triage_forms(item, manage),
        spread=item_service.spread_of(item) if item.kind == Kind.IDEA else [],
        # can_remove_comment, for every comment at once: the page's viewer may see it.
        removable={c.id for c in item.comments if manage or c.author_id == current_user.id},
        open_for_support=Status(item.status) in item_service.OPEN_STATUSES,
    )
    if opened and marks.unread_here:
        item_opened(item)
    return page, code


@bp.get("/<int:item_id>")
def detail(item_id: int):
    return _render_detail(_item_or_404(item_id, full=True), opened=True)


def _action(item_id: int, action, message: str, *, ideas_only: bool = False):
    if ideas_only and _kind() != Kind.IDEA:
        abort(404)  # support is for ideas; the route exists on both registrations
    item = _item_or_404(item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    attempt(lambda: action(item, current_user), success=message)
    return redirect(url_for(f"{request.blueprint}.detail", item_id=item_id))


@bp.post("/<int:item_id>/support")
def support(item_id: int):
    return _action(item_id, item_service.support, _("You support this idea."), ideas_only=True)


@bp.post("/<int:item_id>/support/withdraw")
def withdraw_support(item_id: int):
    return _action(
        item_id, item_service.withdraw_support, _("Your support is withdrawn."), ideas_only=True
    )


@bp.post("/<int:item_id>/follow")
def follow(item_id: int):
    return _action(item_id, item_service.follow, _("You follow it now."))


@bp.post("/<int:item_id>/unfollow")
def unfollow(item_id: int):
    return _action(item_id, item_service.unfollow, _("You no longer follow it."))


@bp.post("/<int:item_id>/comments")
def comment(item_id: int):
    item = _item_or_404(item_id)
    form = CommentForm()
    if form.validate_on_submit() and attempt(
        lambda: item_service.add_comment(
            item, current_user, form.body.data, read_uploads(form.files.data)
        ),
        form=form,
        success=_("Your comment is published."),
    ):
        return redirect(url_for(f"{request.blueprint}.detail", item_id=item_id, _anchor="comments"))
    return _render_detail(load_item(item_id), comment_form=form, code=400)


def _comment_or_404(item: Item, comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.item_id != item.id:
        abort(404)
    return comment


@bp.route("/<int:item_id>/comments/<int:comment_id>/remove", methods=["GET", "POST"])
def remove_comment(item_id: int, comment_id: int):
    """Asked first (a page, no script), then removed: a comment and its files."""
    item = _item_or_404(item_id)
    comment = _comment_or_404(item, comment_id)
    if not can_remove_comment(current_user, item, comment):
        abort(403)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        attempt(
            lambda: item_service.remove_comment(item, comment, current_user),
            success=_("The comment is removed."),
        )
        return redirect(url_for(f"{request.blueprint}.detail", item_id=item_id, _anchor="comments"))
    return render_template(
        "ideas/remove_comment.html",
        item=item,
        comment=comment,
        files=[f for f in item.files if f.comment_id == comment.id],
        form=form,
        own=comment.author_id == current_user.id,
    )


@bp.post("/<int:item_id>/status")
def change_status(item_id: int):
    item = _item_or_404(item_id)
    if not can_manage_item(current_user, item):
        abort(403)
    form = StatusForm()
    form.status.choices = [SelectChoice(s, s) for s in STATUSES]
    if form.validate_on_submit() and attempt(
        lambda: item_service.transition(
            item,
            current_user,
            form.status.data,
            form.comment.data or "",
            learning=item_service.Learning(
                outcome=form.outcome.data,
                lessons=form.lessons.data,
                effect=form.effect.data,
                hours_saved=form.hours_saved.data,
                money_saved=form.money_saved.data,
            ),
        ),
        form=form,
    ):
        flash(_("The status is now “%(status)s”.", status=item.status_label), "success")
        return redirect(url_for(f"{request.blueprint}.detail", item_id=item_id))
    return _render_detail(load_item(item_id), status_form=form, code=400)


@bp.get("/similar")
def similar():
    """The ideas like the title being typed, for ``static/similar.js`` on the submit
    form: JSON, for the logged-in user (session and all). Suggestions are for ideas
    only, so the concerns registration answers 404."""
    if _kind() != Kind.IDEA:
        abort(404)
    title = request.args.get("title", "").strip()
    if not title:
        return json_error(400, _("This field is required."), "title")
    if len(title) > TITLE_MAX:
        return json_error(400, _("At most %(n)d characters.", n=TITLE_MAX), "title")
    found = _similar_to(title)
    return jsonify({"items": [_suggestion_json(item, found.supported) for item in found.items]})


@dataclass
class Suggestions:
    """What the submit form shows of the ideas like the one being written."""

    title: str
    items: list[Item]
    supported: set[int]  # those of ``items`` the user supports already

    @property
    def too_short(self) -> bool:
        return not significant_words(self.title)


def _similar_to(title: str) -> Suggestions:
    found = similar_ideas(title)
    supported = (
        set(
            db.session.scalars(
                select(Support.item_id).where(
                    Support.user_id == current_user.id,
                    Support.item_id.in_([item.id for item in found]),
                )
            )
        )
        if found
        else set()
    )
    return Suggestions(title=title, items=found, supported=supported)


def _can_support(item: Item, supported: set[int]) -> bool:
    return item.id not in supported and Status(item.status) in item_service.OPEN_STATUSES


def _suggestion_json(item: Item, supported: set[int]) -> dict:
    """One suggestion with its words in the user's language: the script only places them."""
    return {
        "id": item.id,
        "title": item.title,
        "url": url_for("ideas.detail", item_id=item.id),
        "status": item.status,
        "status_label": item.status_label,
        "unit": item.unit.name,
        "supports": ngettext("%(num)d support", "%(num)d supports", item.support_count),
        "supported": item.id in supported,
        "support_url": (
            url_for("ideas.support", item_id=item.id) if _can_support(item, supported) else None
        ),
    }


def _render_new(form, kind: Kind, *, status: int = 200, similar=None):
    """The submit form, with its choices: every unit, the active values and categories."""
    values = _values()
    form.unit.choices = [SelectChoice("", _("Choose a unit"))] + [
        SelectChoice(u.code, u.name) for u in unit_service.active_units()
    ]
    form.values.choices = [SelectChoice(v.name, v.name) for v in values]
    if kind == Kind.IDEA:
        form.category.choices = [SelectChoice("", _("No category"))] + [
            SelectChoice(c.name, c.name) for c in categories.active_categories()
        ]
    return render_template(
        "ideas/new.html",
        form=form,
        values=values,
        kind=kind.value,
        similar=similar,
        can_support=_can_support,
    ), status
