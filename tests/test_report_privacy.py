"""No route or API endpoint shows a report's content to anyone but the case's handlers.

Every endpoint of the app (the table of tests/test_authorization.py) is requested, every
method, as every role and as an anonymous visitor, with a report on file whose texts and
attachment carry a unique marker; only the case handler's own case pages may show it.
"""

from __future__ import annotations

import pytest

from ideas.services import categories, digest
from tests.test_authorization import ROLES, TABLE, _users, request_as

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
        response = request_as(
            app, org, role, user, endpoint, method, token, category, report_text=MARKER
        )
        if MARKER.encode() in response.get_data():  # a picture is no text
            if role == "case_handler" and endpoint in SHOWS_CONTENT:
                shown.add(endpoint)
            else:
                leaks.append(f"{method} {endpoint}")
    assert leaks == []
    # The handler really reads it where they should (so the search above is not empty).
    assert shown == (SHOWS_CONTENT if role == "case_handler" else set())
