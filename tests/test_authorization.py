"""Every route, every method, every role: who gets what.

The table below names every endpoint of the app. A new route without an entry
fails ``test_every_route_is_in_the_table``: deciding who may use it is part of
adding it.
"""

from __future__ import annotations

import pytest

from ideas.extensions import db
from ideas.services import accounts, categories, digest, items, reports, routing
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
    ("main.home", "GET"): everyone(302),
    ("main.set_language", "POST"): everyone(302, 302),
    ("main.my_items", "GET"): everyone(200),
    ("main.settings", "GET"): everyone(200),
    ("main.settings", "POST"): everyone(302),
    ("main.unsubscribe", "GET"): everyone(200, 200),
    ("main.unsubscribe", "POST"): everyone(200, 200),
    ("main.mail_folder", "GET"): only({"admin"}, 200),
    ("admin.category_list", "GET"): only({"admin"}, 200),
    ("admin.category_create", "POST"): only({"admin"}, 302),
    ("admin.category_update", "POST"): only({"admin"}, 302),
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
    ("api.follow", "POST"): api(200),
    ("api.unfollow", "DELETE"): api(200),
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
    target = {
        "static": "/static/style.css",
        "main.unsubscribe": f"/unsubscribe/{token}",
        "main.mail_message": "/admin/mail/none.eml",
        "main.mail_folder": "/admin/mail",
        "admin.category_list": "/admin/categories",
        "admin.category_create": "/admin/categories",
        "admin.category_update": f"/admin/categories/{category}",
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
        }
        return client.open(
            paths[endpoint], method=method, headers=headers, json=bodies.get(endpoint)
        )
    paths = {
        "health.healthz": "/healthz",
        "auth.login": "/login",
        "auth.logout": "/logout",
        "main.home": "/",
        "main.set_language": "/language",
        "main.my_items": "/me/items",
        "main.settings": "/settings",
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
        **target,
    }
    if method == "GET":
        return client.get(paths[endpoint])
    forms = {
        "auth.login": {"email": "nobody@example.se", "password": "wrong password"},
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
        "ideas.new": NEW_IDEA,
        "ideas.comment": {"body": "Bra!"},
        "ideas.change_status": {"status": "acknowledged"},
    }
    data = dict(forms.get(endpoint, {}))
    if endpoint != "main.unsubscribe":
        data["csrf_token"] = auth.csrf("/login" if role == "anonymous" else "/ideas")
    return client.post(paths[endpoint], data=data)


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
