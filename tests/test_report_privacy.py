"""No route or API endpoint shows a report's content to anyone but the case's handlers.

Every endpoint of the app (the table of tests/test_authorization.py) is requested, every
method, as every role and as an anonymous visitor, with a report on file whose texts and
attachment carry a unique marker; only the case handler's own case pages may show it.
"""

from __future__ import annotations

import pytest

from ideas.services import categories, digest, items, reports, routing
from tests import factories
from tests.conftest import Auth
from tests.test_authorization import ROLES, TABLE, _request, _users

MARKER = "Sekretess-e41b9d"
# Where the handler of the case reads it, and nowhere else.
SHOWS_CONTENT = {"cases.case", "cases.attachment", "api.get_report"}


@pytest.mark.parametrize("role", ROLES)
def test_report_content_reaches_only_the_cases_handlers(app, role, org):
    user = _users(org).get(role)
    token = digest.unsubscribe_token(org.anna)
    category = categories.create_category("IT-stöd", "IT")
    leaks, shown = [], set()
    for endpoint, method in sorted(TABLE):
        idea = factories.idea(org.anna, unit="VOO").id
        concern = items.submit_concern(
            org.anna, title="Trasig lift", description="Hissen", unit="VOO", values=["Vi vill"]
        )
        routing.route_item(concern.id)
        filed = reports.file_report(
            {"what": MARKER, "who": MARKER, "name": MARKER},
            files=[reports.Upload(f"{MARKER} bilaga\n".encode(), "bilaga.txt")],
        )
        entry = filed.report.entries[0]
        client = app.test_client()
        auth = Auth(client)
        if user is not None:
            auth.login(user.email)
        response = _request(
            client,
            auth,
            role,
            user,
            endpoint,
            method,
            idea,
            token,
            concern.id,
            category.id,
            filed.report.id,
            entry.id,
            entry.attachments[0].id,
        )
        if MARKER in response.get_data(as_text=True):
            if role == "case_handler" and endpoint in SHOWS_CONTENT:
                shown.add(endpoint)
            else:
                leaks.append(f"{method} {endpoint}")
    assert leaks == []
    # The handler really reads it where they should (so the search above is not empty).
    assert shown == (SHOWS_CONTENT if role == "case_handler" else set())
