"""Every route, every method, every role: who gets what.

The table below names every endpoint of the app. A new route without an entry
fails ``test_every_route_is_in_the_table``: deciding who may use it is part of
adding it.
"""

from __future__ import annotations

import io

import pytest

from ideas.extensions import db
from ideas.models import Comment, ItemFile
from ideas.models.org import unit_by_code, user_by_email
from ideas.models.values import Behaviour, Value
from ideas.services import accounts, categories, digest, item_files, items, reports, routing
from tests import factories
from tests.conftest import Auth

ROLES = ["anonymous", "employee", "manager", "other_manager", "admin", "case_handler"]
LOGIN = "login"  # a redirect to the login page
IGNORED = {"HEAD", "OPTIONS"}


def everyone(status, anonymous=LOGIN):
    return {role: (anonymous if role == "anonymous" else status) for role in ROLES}


def only(allowed: set[str], yes, no=403, anonymous=LOGIN):
    return {r: anonymous if r == "anonymous" else (yes if r in allowed else no) for r in ROLES}


def api(status, anonymous=401):
    return everyone(status, anonymous)


MANAGERS = {"manager", "admin"}
# (endpoint, method) -> {role: expected status}
TABLE = {
    ("static", "GET"): everyone(200, 200),
    ("health.healthz", "GET"): everyone(200, 200),
    ("auth.login", "GET"): {**everyone(302), "anonymous": 200},
    ("auth.login", "POST"): {**everyone(302), "anonymous": 400},
    ("auth.logout", "POST"): everyone(302, 302),
    # Forgotten passwords: open to all; the same answer for an unknown address, and an
    # unknown link is a 404. /login/local is /login while local login is on.
    ("auth.forgot_password", "GET"): everyone(200, 200),
    ("auth.forgot_password", "POST"): everyone(200, 200),
    ("auth.reset_password", "GET"): everyone(404, 404),
    ("auth.reset_password", "POST"): everyone(404, 404),
    ("auth.local_login", "GET"): everyone(302, 302),
    ("auth.local_login", "POST"): everyone(302, 302),
    # Single sign-on: no issuer is set here, so its two steps do not exist (404 for
    # everyone); tests/web/test_sso.py runs them against a real provider.
    ("sso.start", "GET"): everyone(404, 404),
    ("sso.callback", "GET"): everyone(404, 404),
    # The key passphrase: case handlers only (their key session is open: on to /cases).
    ("sso.key", "GET"): only({"case_handler"}, 302),
    ("sso.key", "POST"): only({"case_handler"}, 302),
    ("sso.new_key", "GET"): only({"case_handler"}, 200),
    ("sso.new_key", "POST"): only({"case_handler"}, 400),
    ("main.home", "GET"): everyone(302),
    ("main.set_language", "POST"): everyone(302, 302),
    ("main.my_items", "GET"): everyone(200),
    ("main.settings", "GET"): everyone(200),
    ("main.settings", "POST"): everyone(302),
    # Notifications: everyone's own, and only their own (tests/web/test_notifications.py).
    ("notifications.index", "GET"): everyone(200),
    ("notifications.mark_all_read", "POST"): everyone(302),
    ("main.unsubscribe", "GET"): everyone(200, 200),
    ("main.unsubscribe", "POST"): everyone(200, 200),
    ("main.mail_folder", "GET"): only({"admin"}, 200),
    ("admin.category_list", "GET"): only({"admin"}, 200),
    ("admin.category_create", "POST"): only({"admin"}, 302),
    ("admin.category_update", "POST"): only({"admin"}, 302),
    ("admin.home", "GET"): only({"admin"}, 200),
    ("admin.audit_log", "GET"): only({"admin"}, 200),
    ("admin.handler_list", "GET"): only({"admin"}, 200),
    ("admin.unit_list", "GET"): only({"admin"}, 200),
    ("admin.unit_create", "POST"): only({"admin"}, 302),
    ("admin.unit_edit", "GET"): only({"admin"}, 200),
    ("admin.unit_update", "POST"): only({"admin"}, 302),
    ("admin.unit_manager", "POST"): only({"admin"}, 302),
    # Retiring the root is refused while it has active sub-units: nothing changes.
    ("admin.unit_active", "POST"): only({"admin"}, 400),
    # An admin cannot be designated, and the last case handler cannot be removed: the
    # admin passes the permission check and meets the rule (nothing changes).
    ("admin.handler_designate", "POST"): only({"admin"}, 400),
    ("admin.handler_remove_confirm", "GET"): only({"admin"}, 200),
    ("admin.handler_remove", "POST"): only({"admin"}, 400),
    # Values and behaviours: "Vi är öppna" is retired (the requests' items carry the
    # other two), renamed to itself, moved; its behaviour "ärliga" likewise.
    ("admin.value_list", "GET"): only({"admin"}, 200),
    ("admin.value_create", "POST"): only({"admin"}, 302),
    ("admin.value_edit", "GET"): only({"admin"}, 200),
    ("admin.value_update", "POST"): only({"admin"}, 302),
    ("admin.value_active", "POST"): only({"admin"}, 302),
    ("admin.value_move", "POST"): only({"admin"}, 302),
    ("admin.behaviour_create", "POST"): only({"admin"}, 302),
    ("admin.behaviour_edit", "GET"): only({"admin"}, 200),
    ("admin.behaviour_update", "POST"): only({"admin"}, 302),
    ("admin.behaviour_active", "POST"): only({"admin"}, 302),
    ("admin.behaviour_move", "POST"): only({"admin"}, 302),
    ("admin.deadlines", "GET"): only({"admin"}, 200),
    ("admin.deadlines_update", "POST"): only({"admin"}, 302),
    ("admin.user_list", "GET"): only({"admin"}, 200),
    ("admin.user_new", "GET"): only({"admin"}, 200),
    ("admin.user_create", "POST"): only({"admin"}, 302),
    ("admin.user_edit", "GET"): only({"admin"}, 200),
    ("admin.user_update", "POST"): only({"admin"}, 302),
    ("admin.user_active", "POST"): only({"admin"}, 400),
    ("admin.user_import", "GET"): only({"admin"}, 200),
    # No file: refused at the field. An upload that is not one's own: not found.
    ("admin.user_import_upload", "POST"): only({"admin"}, 400),
    ("admin.user_import_preview", "GET"): only({"admin"}, 404),
    ("admin.user_import_apply", "POST"): only({"admin"}, 404),
    ("main.mail_message", "GET"): only({"admin"}, 404),
    ("ideas.index", "GET"): everyone(200),
    ("ideas.new", "GET"): everyone(200),
    ("ideas.new", "POST"): everyone(302),
    ("ideas.detail", "GET"): everyone(200),
    ("ideas.support", "POST"): everyone(302),
    ("ideas.withdraw_support", "POST"): everyone(302),
    ("ideas.follow", "POST"): everyone(302),
    ("ideas.unfollow", "POST"): everyone(302),
    ("ideas.comment", "POST"): everyone(302),
    ("ideas.change_status", "POST"): only(MANAGERS, 302),
    # A comment by the submitter (Anna, no role here): hers, or her item's managers'.
    ("ideas.remove_comment", "GET"): only(MANAGERS, 200),
    ("ideas.remove_comment", "POST"): only(MANAGERS, 302),
    # A concern by an employee of VOO, routed to its manager: nobody else sees it.
    ("concerns.index", "GET"): everyone(200),
    ("concerns.new", "GET"): everyone(200),
    ("concerns.new", "POST"): everyone(302),
    ("concerns.detail", "GET"): only({"manager"}, 200, 404),
    ("concerns.support", "POST"): everyone(404),
    ("concerns.withdraw_support", "POST"): everyone(404),
    ("concerns.follow", "POST"): only({"manager"}, 302, 404),
    ("concerns.unfollow", "POST"): only({"manager"}, 302, 404),
    ("concerns.comment", "POST"): only({"manager"}, 302, 404),
    ("concerns.change_status", "POST"): only({"manager"}, 302, 404),
    ("concerns.remove_comment", "GET"): only({"manager"}, 200, 404),
    ("concerns.remove_comment", "POST"): only({"manager"}, 302, 404),
    # The whistleblowing channel: the same for everyone, logged in or not.
    ("report.new", "GET"): everyone(200, 200),
    ("report.new", "POST"): everyone(200, 200),
    ("report.follow_up", "GET"): everyone(200, 200),
    ("report.follow_up", "POST"): everyone(400, 400),
    ("report.mailbox", "GET"): everyone(302, 302),
    ("report.mailbox", "POST"): everyone(302, 302),
    ("report.end", "POST"): everyone(302, 302),
    # The case handlers' side: nobody else, not even an admin.
    ("cases.inbox", "GET"): only({"case_handler"}, 200),
    ("cases.case", "GET"): only({"case_handler"}, 200),
    ("cases.acknowledge", "POST"): only({"case_handler"}, 302),
    ("cases.message", "POST"): only({"case_handler"}, 302),
    ("cases.feedback", "POST"): only({"case_handler"}, 302),
    ("cases.close", "POST"): only({"case_handler"}, 302),
    ("cases.reopen", "POST"): only({"case_handler"}, 302),
    ("cases.oral_report", "GET"): only({"case_handler"}, 200),
    ("cases.oral_report", "POST"): only({"case_handler"}, 200),
    ("cases.attachment", "GET"): only({"case_handler"}, 200),
    ("cases.minutes", "POST"): only({"case_handler"}, 302),
    ("cases.correct_minutes", "POST"): only({"case_handler"}, 302),
    ("cases.measure", "POST"): only({"case_handler"}, 302),
    ("cases.redact", "POST"): only({"case_handler"}, 302),
    ("report.approve_minutes", "POST"): everyone(302, 302),
    ("report.correct_minutes", "POST"): everyone(302, 302),
    ("report.attachment", "GET"): everyone(302, 302),
    ("ideas.similar", "GET"): everyone(200),
    ("concerns.similar", "GET"): everyone(404),
    ("bank.index", "GET"): everyone(200),
    ("bank.adopt", "POST"): everyone(302),  # the fresh idea is not implemented: flash, back
    ("api.similar_ideas", "GET"): api(200),
    ("dashboard.index", "GET"): only({"manager", "other_manager", "admin"}, 200),
    ("dashboard.export", "GET"): only({"manager", "other_manager", "admin"}, 200),
    ("api.get_stats", "GET"): only({"manager", "other_manager", "admin"}, 200, anonymous=401),
    ("api.get_stats_csv", "GET"): only({"manager", "other_manager", "admin"}, 200, anonymous=401),
    ("triage.inbox", "GET"): only({"manager", "other_manager", "admin"}, 200),
    ("triage.bulk", "POST"): only(MANAGERS, 302),
    ("triage.forward", "POST"): only(MANAGERS, 302),
    ("triage.merge", "POST"): only(MANAGERS, 302),
    ("triage.delegate", "POST"): only(MANAGERS, 302),
    ("api.inbox", "GET"): only({"manager", "other_manager", "admin"}, 200, anonymous=401),
    ("api.forward", "POST"): only(MANAGERS, 200, anonymous=401),
    # Merged into itself: a manager passes the permission check and meets the rule.
    ("api.merge", "POST"): only(MANAGERS, 422, anonymous=401),
    ("api.delegate", "POST"): only(MANAGERS, 200, anonymous=401),
    # Anyone may adopt an implemented idea; this one is not implemented yet.
    ("api.adopt", "POST"): api(422),
    ("about.accessibility", "GET"): everyone(200, 200),
    ("main.password", "GET"): everyone(200),
    ("main.password", "POST"): everyone(400),
    ("api.list_reports", "GET"): only({"case_handler"}, 200, anonymous=401),
    ("api.get_report", "GET"): only({"case_handler"}, 200, anonymous=401),
    ("api.post_report_message", "POST"): only({"case_handler"}, 201, anonymous=401),
    ("api.acknowledge_report", "POST"): only({"case_handler"}, 200, anonymous=401),
    ("api.close_report", "POST"): only({"case_handler"}, 200, anonymous=401),
    ("api.openapi", "GET"): api(200, 200),
    ("api.list_concerns", "GET"): api(200),
    ("api.create_concern", "POST"): api(201),
    ("api.get_concern", "GET"): only({"manager"}, 200, 404, anonymous=401),
    ("api.get_me", "GET"): api(200),
    ("api.patch_me", "PATCH"): api(200),
    ("api.list_notifications", "GET"): api(200),
    ("api.mark_notifications_read", "POST"): api(200),
    ("api.list_values", "GET"): api(200),
    ("api.list_units", "GET"): api(200),
    ("api.list_ideas", "GET"): api(200),
    ("api.create_idea", "POST"): api(201),
    ("api.get_idea", "GET"): api(200),
    ("api.transition", "POST"): only(MANAGERS, 200, anonymous=401),
    ("api.support", "POST"): api(200),
    ("api.withdraw_support", "DELETE"): api(200),
    ("api.list_comments", "GET"): api(200),
    ("api.add_comment", "POST"): api(201),
    ("api.remove_comment", "DELETE"): only(MANAGERS, 204, anonymous=401),
    ("api.follow", "POST"): api(200),
    ("api.unfollow", "DELETE"): api(200),
    # The admin API: admin tokens only.
    ("api.admin_list_users", "GET"): only({"admin"}, 200, anonymous=401),
    ("api.admin_create_user", "POST"): only({"admin"}, 201, anonymous=401),
    ("api.admin_update_user", "PATCH"): only({"admin"}, 200, anonymous=401),
    ("api.admin_list_units", "GET"): only({"admin"}, 200, anonymous=401),
    ("api.admin_create_unit", "POST"): only({"admin"}, 201, anonymous=401),
    ("api.admin_update_unit", "PATCH"): only({"admin"}, 200, anonymous=401),
    # Files: the idea's (a picture) for everyone who sees the idea; a concern's are
    # as private as the concern (test_a_concerns_files_are_as_private_as_the_concern).
    ("files.original", "GET"): everyone(200),
    ("files.thumbnail", "GET"): everyone(200),
    ("api.get_file", "GET"): api(200),
    ("api.get_file_thumbnail", "GET"): api(200),
    # Adding files later: the submitter (Anna, no role here) and the item's managers.
    ("api.add_idea_files", "POST"): only(MANAGERS, 201, anonymous=401),
    ("api.add_concern_files", "POST"): only({"manager"}, 201, 404, anonymous=401),
}

NEW_IDEA = {"title": "Ny idé", "description": "Text", "unit": "VOO", "values": ["Vi vill"]}


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - IGNORED):
            yield rule, method


def test_every_route_is_in_the_table(app):
    served = {(rule.endpoint, method) for rule, method in _routes(app)}
    assert served - TABLE.keys() == set(), "routes without an entry in TABLE"
    assert TABLE.keys() - served == set(), "entries for routes that no longer exist"


def _users(org):
    return {
        "employee": org.bo,
        "manager": org.boss,
        "other_manager": org.it_boss,
        "admin": org.admin,
        "case_handler": org.handler,
    }


def _request(  # noqa: PLR0913 - one argument per kind of thing a route names
    client,
    auth,
    role,
    user,
    endpoint,
    method,
    idea,
    token,
    concern,
    category,
    case,
    entry,
    attachment,
):
    """One request as a browser or API client of that role would make it."""
    if endpoint.startswith("concerns."):
        endpoint, idea = "ideas." + endpoint.split(".", 1)[1], concern
        prefix = "/concerns"
    else:
        prefix = "/ideas"
    handler = user_by_email("handlaggare@example.se").id  # the organisation's case handler
    value = db.session.scalar(db.select(Value.id).where(Value.name == "Vi är öppna"))
    behaviour = db.session.scalar(
        db.select(Behaviour.id).where(Behaviour.value_id == value, Behaviour.text == "ärliga")
    )
    idea_file = _first_file(idea)
    target = {
        "static": "/static/style.css",
        "files.original": f"/files/{idea_file}",
        "files.thumbnail": f"/files/{idea_file}/thumbnail",
        "main.unsubscribe": f"/unsubscribe/{token}",
        "main.mail_message": "/admin/mail/none.eml",
        "main.mail_folder": "/admin/mail",
        "admin.category_list": "/admin/categories",
        "admin.category_create": "/admin/categories",
        "admin.category_update": f"/admin/categories/{category}",
        "admin.home": "/admin",
        "admin.audit_log": "/admin/audit",
        "admin.handler_list": "/admin/handlers",
        "admin.unit_list": "/admin/units",
        "admin.unit_create": "/admin/units",
        "admin.unit_edit": f"/admin/units/{unit_by_code('IT').id}",
        "admin.unit_update": f"/admin/units/{unit_by_code('IT').id}",
        "admin.unit_manager": f"/admin/units/{unit_by_code('IT').id}/manager",
        "admin.unit_active": f"/admin/units/{unit_by_code('SBF').id}/active",
        "admin.handler_designate": "/admin/handlers",
        "admin.handler_remove_confirm": f"/admin/handlers/{handler}/remove",
        "admin.handler_remove": f"/admin/handlers/{handler}/remove",
        "admin.value_list": "/admin/values",
        "admin.value_create": "/admin/values",
        "admin.value_edit": f"/admin/values/{value}",
        "admin.value_update": f"/admin/values/{value}",
        "admin.value_active": f"/admin/values/{value}/active",
        "admin.value_move": f"/admin/values/{value}/move",
        "admin.behaviour_create": f"/admin/values/{value}/behaviours",
        "admin.behaviour_edit": f"/admin/behaviours/{behaviour}",
        "admin.behaviour_update": f"/admin/behaviours/{behaviour}",
        "admin.behaviour_active": f"/admin/behaviours/{behaviour}/active",
        "admin.behaviour_move": f"/admin/behaviours/{behaviour}/move",
        "admin.deadlines": "/admin/deadlines",
        "admin.user_list": "/admin/users",
        "admin.user_new": "/admin/users/new",
        "admin.user_create": "/admin/users/new",
        "admin.user_edit": f"/admin/users/{user_by_email('bo@example.se').id}",
        "admin.user_update": f"/admin/users/{user_by_email('bo@example.se').id}",
        # The admin's own account: refused (nobody deactivates themselves), so the
        # table's other requests find everyone active (tests/web/test_admin_people.py).
        "admin.user_active": f"/admin/users/{user_by_email('admin@example.se').id}/active",
        "admin.user_import": "/admin/users/import",
        "admin.user_import_upload": "/admin/users/import",
        "admin.user_import_preview": "/admin/users/import/none",
        "admin.user_import_apply": "/admin/users/import/none",
        "admin.deadlines_update": "/admin/deadlines",
        "report.new": "/report",
        "report.follow_up": "/report/follow-up",
        "report.mailbox": "/report/mailbox",
        "report.end": "/report/end",
        "cases.inbox": "/cases",
        "cases.case": f"/cases/{case}",
        "cases.acknowledge": f"/cases/{case}/acknowledge",
        "cases.message": f"/cases/{case}/messages",
        "cases.feedback": f"/cases/{case}/feedback",
        "cases.close": f"/cases/{case}/close",
        "cases.reopen": f"/cases/{case}/reopen",
        "cases.oral_report": "/cases/oral",
        "cases.attachment": f"/cases/{case}/attachments/{attachment}",
        "cases.minutes": f"/cases/{case}/minutes",
        "cases.correct_minutes": f"/cases/{case}/minutes/{entry}/correct",
        "cases.measure": f"/cases/{case}/measures",
        "cases.redact": f"/cases/{case}/entries/{entry}/redact",
        "report.approve_minutes": f"/report/minutes/{entry}/approve",
        "report.correct_minutes": f"/report/minutes/{entry}/correct",
        "report.attachment": f"/report/attachments/{attachment}",
    }
    api_token = None
    if endpoint.startswith("api."):
        if role != "anonymous":
            # A case handler's token carries their key, as `ideas tokens create` makes it.
            private = reports.unlock_at_login(user, factories.PASSWORD)
            api_token = accounts.create_api_token(user, private_key=private)
            db.session.flush()
        headers = {"Authorization": f"Bearer {api_token}"} if api_token else {}
        paths = {
            "api.openapi": "/api/v1/openapi.json",
            "api.get_me": "/api/v1/me",
            "api.patch_me": "/api/v1/me",
            "api.list_notifications": "/api/v1/notifications",
            "api.mark_notifications_read": "/api/v1/notifications/read",
            "api.list_values": "/api/v1/values",
            "api.list_units": "/api/v1/units",
            "api.list_ideas": "/api/v1/ideas",
            "api.create_idea": "/api/v1/ideas",
            "api.get_idea": f"/api/v1/ideas/{idea}",
            "api.transition": f"/api/v1/ideas/{idea}/transitions",
            "api.support": f"/api/v1/ideas/{idea}/support",
            "api.withdraw_support": f"/api/v1/ideas/{idea}/support",
            "api.list_comments": f"/api/v1/ideas/{idea}/comments",
            "api.add_comment": f"/api/v1/ideas/{idea}/comments",
            "api.remove_comment": f"/api/v1/ideas/{idea}/comments/{_first_comment(idea)}",
            "api.follow": f"/api/v1/ideas/{idea}/follow",
            "api.unfollow": f"/api/v1/ideas/{idea}/follow",
            "api.list_concerns": "/api/v1/concerns",
            "api.create_concern": "/api/v1/concerns",
            "api.get_concern": f"/api/v1/concerns/{concern}",
            "api.inbox": "/api/v1/inbox",
            "api.get_stats": "/api/v1/stats",
            "api.get_stats_csv": "/api/v1/stats.csv",
            "api.similar_ideas": "/api/v1/ideas/similar?title=Nyckel",
            "api.forward": f"/api/v1/ideas/{idea}/forward",
            "api.merge": f"/api/v1/ideas/{idea}/merge",
            "api.delegate": f"/api/v1/ideas/{idea}/delegate",
            "api.adopt": f"/api/v1/ideas/{idea}/adopt",
            "api.list_reports": "/api/v1/reports",
            "api.get_report": f"/api/v1/reports/{case}",
            "api.post_report_message": f"/api/v1/reports/{case}/messages",
            "api.acknowledge_report": f"/api/v1/reports/{case}/acknowledge",
            "api.close_report": f"/api/v1/reports/{case}/close",
            "api.admin_list_users": "/api/v1/admin/users",
            "api.admin_create_user": "/api/v1/admin/users",
            "api.admin_update_user": f"/api/v1/admin/users/{user_by_email('bo@example.se').id}",
            "api.admin_list_units": "/api/v1/admin/units",
            "api.admin_create_unit": "/api/v1/admin/units",
            "api.admin_update_unit": "/api/v1/admin/units/IT",
            "api.get_file": f"/api/v1/files/{idea_file}",
            "api.get_file_thumbnail": f"/api/v1/files/{idea_file}/thumbnail",
            "api.add_idea_files": f"/api/v1/ideas/{idea}/attachments",
            "api.add_concern_files": f"/api/v1/concerns/{concern}/attachments",
        }
        bodies = {
            "api.create_idea": NEW_IDEA,
            "api.create_concern": NEW_IDEA,
            "api.patch_me": {"absent": False},
            "api.transition": {"status": "acknowledged"},
            "api.add_comment": {"body": "Ja"},
            "api.post_report_message": {"body": "Tack"},
            "api.forward": {"unit": "IT", "comment": "IT äger frågan"},
            "api.merge": {"into": idea},
            "api.delegate": {"email": "bo@example.se"},
            "api.adopt": {"unit": "IT"},
            "api.close_report": {"outcome": "unfounded"},
            "api.admin_create_user": {"email": "ny@example.se", "name": "Ny Person"},
            "api.admin_update_user": {"name": "Bo Bergström"},
            "api.admin_create_unit": {"code": "NY-API", "name": "Ny enhet"},
            "api.admin_update_unit": {"name": "IT-avdelningen"},
        }
        if endpoint in ("api.add_idea_files", "api.add_concern_files"):
            files = {"files": (io.BytesIO(b"Protokoll\n"), "protokoll.txt")}
            return client.post(paths[endpoint], headers=headers, data=files)
        return client.open(
            paths[endpoint], method=method, headers=headers, json=bodies.get(endpoint)
        )
    paths = {
        "health.healthz": "/healthz",
        "auth.login": "/login",
        "auth.logout": "/logout",
        "auth.forgot_password": "/password/forgot",
        "auth.reset_password": "/password/reset/not-a-token",
        "auth.local_login": "/login/local",
        "sso.start": "/login/sso",
        "sso.callback": "/login/sso/callback?code=c&state=s",
        "sso.key": "/login/key",
        "sso.new_key": "/login/key/new",
        "main.home": "/",
        "main.set_language": "/language",
        "main.my_items": "/me/items",
        "main.settings": "/settings",
        "notifications.index": "/notifications",
        "notifications.mark_all_read": "/notifications/read",
        "main.password": "/settings/password",
        "about.accessibility": "/accessibility",
        "triage.inbox": "/inbox",
        "dashboard.index": "/dashboard",
        "dashboard.export": "/dashboard/export.csv",
        "ideas.similar": f"{prefix}/similar?title=Nyckel",
        "concerns.similar": f"{prefix}/similar?title=Nyckel",
        "bank.index": "/bank",
        "bank.adopt": f"/bank/{idea}/adopt",
        "triage.bulk": "/inbox/bulk",
        "triage.forward": f"/items/{idea}/forward",
        "triage.merge": f"/items/{idea}/merge",
        "triage.delegate": f"/items/{idea}/delegate",
        "ideas.index": prefix,
        "ideas.new": f"{prefix}/new",
        "ideas.detail": f"{prefix}/{idea}",
        "ideas.support": f"{prefix}/{idea}/support",
        "ideas.withdraw_support": f"{prefix}/{idea}/support/withdraw",
        "ideas.follow": f"{prefix}/{idea}/follow",
        "ideas.unfollow": f"{prefix}/{idea}/unfollow",
        "ideas.comment": f"{prefix}/{idea}/comments",
        "ideas.change_status": f"{prefix}/{idea}/status",
        "ideas.remove_comment": f"{prefix}/{idea}/comments/{_first_comment(idea)}/remove",
        **target,
    }
    if method == "GET":
        return client.get(paths[endpoint])
    forms = {
        "auth.login": {"email": "nobody@example.se", "password": "wrong password"},
        "auth.forgot_password": {"email": "nobody@example.se"},
        "auth.reset_password": {"password": "ett långt nytt lösenord", "confirm": "x"},
        "auth.local_login": {"email": "nobody@example.se", "password": "wrong password"},
        "main.set_language": {"lang": "sv"},
        "main.settings": {"digest_frequency": "weekly"},
        "report.new": {"what": "Något allvarligt"},
        "report.follow_up": {"code": "0000-0000-0000-0000-0000"},
        "report.mailbox": {"body": "Hej"},
        "cases.message": {"body": "Tack"},
        "cases.feedback": {"body": "Åtgärder vidtagna"},
        "cases.close": {"outcome": "unfounded"},
        "cases.oral_report": {"form": "oral_report", "held_on": "2026-01-02", "body": "Samtal"},
        "cases.minutes": {"form": "meeting", "held_on": "2026-01-02", "body": "Möte"},
        "cases.correct_minutes": {"body": "Rättat"},
        "cases.measure": {"body": "Åtgärd"},
        "main.password": {"current": "fel", "new": "kort", "confirm": "kort"},
        "triage.bulk": {"ids": [idea], "action": "acknowledge"},
        "bank.adopt": {"unit": "IT"},
        "triage.forward": {"unit": "IT", "comment": "IT äger frågan"},
        "triage.merge": {"into": idea},
        "triage.delegate": {"email": "bo@example.se"},
        "admin.category_create": {"name": f"Kategori {role}-{idea}"},
        "admin.category_update": {f"c{category}-owner_unit": "IT", f"c{category}-active": "y"},
        "admin.handler_designate": {"email": "admin@example.se"},
        "admin.handler_remove": {"role": "employee"},
        "admin.unit_create": {"code": f"NY-{role}-{idea}", "name": "Ny enhet"},
        "admin.unit_update": {"code": "IT", "name": "IT-enheten", "parent": "SBF"},
        "admin.unit_manager": {"manager": "itchef@example.se"},
        "admin.value_create": {"name": f"Vi {role} {idea}"},
        "admin.value_update": {"name": "Vi är öppna"},
        "admin.value_active": {"active": "0"},
        "admin.value_move": {"direction": "down"},
        "admin.behaviour_create": {"text": f"ny {role} {idea}"},
        "admin.behaviour_update": {"text": "ärliga"},
        "admin.behaviour_active": {"active": "0"},
        "admin.behaviour_move": {"direction": "down"},
        "admin.user_create": {
            "email": f"ny-{role}-{idea}@example.se",
            "name": "Ny Person",
            "unit": "IT",
            "role": "employee",
        },
        "admin.user_update": {
            "email": "bo@example.se",
            "name": "Bo Berg",
            "unit": "VOO",
            "role": "employee",
        },
        "admin.deadlines_update": {
            "first_answer": "14",
            "decision": "60",
            "evaluation": "182",
            "reminder": "3",
        },
        "ideas.new": NEW_IDEA,
        "ideas.comment": {"body": "Bra!"},
        "ideas.change_status": {"status": "acknowledged"},
    }
    data = dict(forms.get(endpoint, {}))
    if endpoint != "main.unsubscribe":
        data["csrf_token"] = auth.csrf("/login" if role == "anonymous" else "/ideas")
    return client.post(paths[endpoint], data=data)


def _first_file(item_id: int) -> int | None:
    return db.session.scalar(
        db.select(ItemFile.id).where(ItemFile.item_id == item_id).order_by(ItemFile.id)
    )


def _first_comment(item_id: int) -> int | None:
    return db.session.scalar(
        db.select(Comment.id).where(Comment.item_id == item_id).order_by(Comment.id)
    )


def with_files(org, idea_id: int, concern) -> None:
    """A picture on the idea, a text file on the concern: what the file routes serve;
    and a comment by the submitter on each, with a file of its own."""
    from ideas.models import Item

    idea = db.session.get(Item, idea_id)
    item_files.add_files(idea, org.anna, [reports.Upload(factories.png(), "bild.png")])
    item_files.add_files(concern, org.anna, [reports.Upload(b"Hissen stannar\n", "a.txt")])
    for item in (idea, concern):
        items.add_comment(item, org.anna, "Min kommentar", [reports.Upload(b"Bilaga\n", "b.txt")])


def request_as(  # noqa: PLR0913
    app, org, role, user, endpoint, method, token, category, *, report_text: str = "Mutor"
):
    """One request to ``endpoint`` as ``role``, on fresh things (earlier requests changed
    theirs): an idea, a routed concern, and a report with an attachment."""
    idea = factories.idea(org.anna, unit="VOO").id
    concern = items.submit_concern(
        org.anna, title="Trasig lift", description="Hissen", unit="VOO", values=["Vi vill"]
    )
    routing.route_item(concern.id)
    with_files(org, idea, concern)
    filed = reports.file_report(
        {"what": report_text, "who": report_text, "name": report_text},
        files=[reports.Upload(f"{report_text} bilaga\n".encode(), "bilaga.txt")],
    )
    entry = filed.report.entries[0]
    client = app.test_client()
    auth = Auth(client)
    if user is not None:
        auth.login(user.email)
    return _request(
        client, auth, role, user, endpoint, method, idea, token, concern.id, category.id,
        filed.report.id, entry.id, entry.attachments[0].id,
    )  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_who_gets_what(app, role, org):
    user = _users(org).get(role)
    token = digest.unsubscribe_token(org.anna)
    category = categories.create_category("IT-stöd", "IT")
    failures = []
    for (endpoint, method), expected in sorted(TABLE.items()):
        response = request_as(app, org, role, user, endpoint, method, token, category)
        want = expected[role]
        got = response.status_code
        if want == LOGIN:
            ok = got == 302 and response.headers["Location"].startswith("/login")
        else:
            ok = got == want
        if not ok:
            failures.append(f"{method} {endpoint} as {role}: {got}, expected {want}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_a_concerns_files_are_as_private_as_the_concern(app, org, role):
    """The concern's submitter and the manager who has it get its file; for everyone
    else it does not exist, on the web and in the API."""
    concern = items.submit_concern(
        org.anna, title="Trasig lift", description="Hissen", unit="VOO", values=["Vi vill"]
    )
    routing.route_item(concern.id)
    (row,) = item_files.add_files(concern, org.anna, [reports.Upload(b"Hissen\n", "a.txt")])
    user = _users(org).get(role)
    client = app.test_client()
    headers = {}
    if user is not None:
        Auth(client).login(user.email)
        headers = {"Authorization": f"Bearer {accounts.create_api_token(user)}"}
        db.session.flush()
    web = client.get(f"/files/{row.id}")
    api_answer = client.get(f"/api/v1/files/{row.id}", headers=headers)
    if role == "anonymous":
        assert web.status_code == 302 and web.headers["Location"].startswith("/login")
        assert api_answer.status_code == 401
    elif role == "manager":
        assert (web.status_code, api_answer.status_code) == (200, 200)
        assert web.headers["Cache-Control"] == "private, no-cache"
        assert web.get_data() == b"Hissen\n"
    else:
        assert (web.status_code, api_answer.status_code) == (404, 404), role
