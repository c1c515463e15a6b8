"""The start page, language, the employee's own items and settings, unsubscribing,
and the admin's view of e-mail written to files."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user

from ideas import mailer
from ideas.extensions import csrf, db
from ideas.forms import (
    ActionForm,
    LanguageForm,
    PasswordForm,
    SettingsForm,
    notification_fields,
)
from ideas.models import Role
from ideas.security import public, safe_next_url
from ideas.services import digest
from ideas.services import notifications as notification_service
from ideas.services.accounts import change_password
from ideas.services.errors import DomainError
from ideas.services.items import IdeaFilters, idea_list_query
from ideas.services.settings import update_settings
from ideas.web import attempt, page_arg, show_domain_error

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


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    form = SettingsForm(obj=current_user if request.method == "GET" else None)
    if request.method == "GET":
        form.deputy.data = current_user.deputy.email if current_user.deputy else ""
        for event, how in notification_service.choices(current_user).items():
            form[f"notify_{event}"].data = how
    if form.validate_on_submit():
        try:
            update_settings(
                current_user,
                digest_frequency=form.digest_frequency.data,
                absent=form.absent.data,
                deputy=form.deputy.data or "",
                notifications={
                    f.name.removeprefix("notify_"): f.data for f in notification_fields(form)
                },
            )
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
        else:
            db.session.commit()
            flash(_("Your settings are saved."), "success")
            return redirect(url_for("main.settings"))
    return render_template(
        "main/settings.html", form=form, notification_fields=notification_fields(form)
    ), 400 if form.errors else 200


@bp.route("/settings/password", methods=["GET", "POST"])
def password():
    form = PasswordForm()
    if form.validate_on_submit() and attempt(
        lambda: change_password(current_user, form.current.data, form.new.data, form.confirm.data),
        form=form,
        success=_("Your password is changed."),
    ):
        # Sessions elsewhere have ended (the epoch moved); this one goes on, renewed.
        login_user(current_user._get_current_object())
        return redirect(url_for("main.settings"))
    return render_template("main/password.html", form=form), 400 if form.errors else 200


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # the signed token in the link is the proof (RFC 8058 one-click)
def unsubscribe(token: str):
    user = digest.user_for_unsubscribe(token)
    if user is None:
        abort(404)
    if request.method == "POST":
        digest.unsubscribe(user)
        db.session.commit()
        return render_template("main/unsubscribed.html")
    return render_template("main/unsubscribe.html", token=token, form=ActionForm())


@bp.get("/admin/mail")
def mail_folder():
    """Admins read the e-mails written to files when no SMTP server is configured."""
    if current_user.role != Role.ADMIN:
        abort(403)
    folder = mailer.mail_folder()
    files = sorted(folder.glob("*.eml"), reverse=True)[:200] if folder.exists() else []
    messages = [mailer.summary(path) for path in files]
    return render_template(
        "main/mail.html", messages=messages, smtp=bool(current_app.config.get("SMTP_URL"))
    )


@bp.get("/admin/mail/<name>")
def mail_message(name: str):
    if current_user.role != Role.ADMIN:
        abort(403)
    path = mailer.mail_folder() / Path(name).name
    if not name.endswith(".eml") or not path.is_file():
        abort(404)
    return render_template("main/mail_message.html", message=mailer.summary(path, body=True))
