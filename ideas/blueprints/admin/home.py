# ruff: noqa: E501 - one page a line reads better than wrapped sentences
"""The administration's front page: every admin page, with what it is for."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from ideas.blueprints.admin import bp

# (endpoint, title, what it is for), in the order an administrator needs them.
PAGES = [
    ("admin.user_list", _l("People"), _l("Find, add and edit the people who use the service: their unit, their role, and whether their account is active.")),
    ("admin.user_import", _l("Import people"), _l("Bring in people from the HR system's CSV file, with a preview of every change before it is made.")),
    ("admin.unit_list", _l("Units"), _l("The organisation tree: create, rename and move units, choose their managers, retire a unit after a reorganisation.")),
    ("admin.value_list", _l("Values and behaviours"), _l("The values an idea can be tied to, and their behaviours: wording, order, new ones, retired ones.")),
    ("admin.deadlines", _l("Deadlines"), _l("How many days a first answer, a decision and an evaluation may take, and when reminders go out.")),
    ("admin.handler_list", _l("Case handlers"), _l("Who receives the reports of the whistleblowing channel. You choose the people; you never see the cases.")),
    ("admin.category_list", _l("Categories"), _l("The kinds of idea a submitter can choose, and which unit owns each kind.")),
    ("admin.audit_log", _l("Audit log"), _l("Every change made by an administrator: who, when, what, before and after.")),
    ("main.mail_folder", _l("Sent e-mail"), _l("The e-mail the service wrote to files, when no mail server is set up.")),
]  # fmt: skip


@bp.get("")
def home():
    pages = [page for page in PAGES if page[0] in current_app.view_functions]
    return render_template("admin/home.html", pages=pages)
