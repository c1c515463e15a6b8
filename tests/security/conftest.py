"""What the security tests share: one of everything a route can name, made fresh."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from ideas import create_app
from ideas.extensions import db
from ideas.services import categories, digest, items, reports, routing
from tests import factories
from tests.test_authorization import _request, _users, with_files


@dataclass
class World:
    """The ids that the requests of ``tests.test_authorization._request`` name."""

    idea: int
    token: str
    concern: int
    category: int
    case: int
    entry: int
    attachment: int


@pytest.fixture
def world(org) -> World:
    """An idea, a routed concern, a category, a filed report with an attachment, and an
    unsubscribe token, as in ``test_who_gets_what``."""
    concern = items.submit_concern(
        org.anna, title="Trasig lift", description="Hissen", unit="VOO", values=["Vi vill"]
    )
    routing.route_item(concern.id)
    filed = reports.file_report(
        {"what": "Mutor"}, files=[reports.Upload(b"Bilaga med text\n", "bilaga.txt")]
    )
    entry = filed.report.entries[0]
    idea = factories.idea(org.anna, unit="VOO").id
    with_files(org, idea, concern)
    return World(
        idea=idea,
        token=digest.unsubscribe_token(org.anna),
        concern=concern.id,
        category=categories.create_category("IT-stöd", "IT").id,
        case=filed.report.id,
        entry=entry.id,
        attachment=entry.attachments[0].id,
    )


def request_as(client, auth, org, world: World, role: str, endpoint: str, method: str):
    """The request ``tests.test_authorization`` makes for this role and route."""
    user = _users(org).get(role)
    w = world
    return _request(
        client,
        auth,
        role,
        user,
        endpoint,
        method,
        w.idea,
        w.token,
        w.concern,
        w.category,
        w.case,
        w.entry,
        w.attachment,
    )


def database_contents() -> dict[str, list[tuple]]:
    """Every row of every table, in key order: compared before and after a request."""
    db.session.flush()
    contents = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns))
        contents[table.name] = [tuple(row) for row in rows]
    return contents


@pytest.fixture
def make_app(app):
    """``with make_app(BASE_URL=...) as other:`` an app as the test app, configured
    otherwise, on the same database; the test app's Celery is the default again after."""

    @contextmanager
    def make(**config):
        other = create_app(
            {
                "TESTING": True,
                "INSTANCE_PATH": app.instance_path,
                "DATABASE_URL": app.config["DATABASE_URL"],
                "BROKER_URL": app.config["BROKER_URL"],
                "SECRET_KEY": app.config["SECRET_KEY"],
                "OUTBOX_RELAY": False,
                **config,
            }
        )
        other.test_client_class = app.test_client_class
        try:
            yield other
        finally:
            app.extensions["celery"].set_default()
            with other.app_context():
                db.engine.dispose()

    return make
