"""The start page, language choice and the employee's own items."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from ideas.extensions import db
from ideas.forms import LanguageForm
from ideas.security import public, safe_next_url
from ideas.services.items import IdeaFilters, idea_list_query
from ideas.web import page_arg

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    return redirect(url_for("ideas.index"))


@bp.post("/language")
@public
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["lang"] = form.lang.data
    if current_user.is_authenticated:
        current_user.locale = form.lang.data
        db.session.commit()
    return redirect(safe_next_url(request.form.get("next")))


@bp.get("/me/items")
def my_items():
    stmt = idea_list_query(IdeaFilters(author_id=current_user.id))
    page = db.paginate(
        stmt, page=page_arg(), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    return render_template("main/my_items.html", page=page)
