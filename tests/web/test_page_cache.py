"""Stored pages (ideas/page_cache.py): nobody ever sees an old status, support count or
comment once a change is committed, whichever process made it; and a stored page is
really served (one query, the data version), or the rest would prove nothing.

These tests commit for real, in a database of their own (SQLite, or a fresh
PostgreSQL database when IDEAS_TEST_DATABASE_URL names one), with a real Redis.
"""

from __future__ import annotations

import os
import re
import secrets
import threading

import pytest
from sqlalchemy import event, func, select

from ideas import create_app, page_cache
from ideas.extensions import db
from ideas.models import Item, Notification, PageVersion, Status
from ideas.services import items, routing
from tests import factories
from tests.conftest import CSRF_RE, TEST_DATABASE_URL, Auth, IsolatedClient

pytestmark = pytest.mark.commits  # the real session: commits are commits
REDIS_URL = os.environ.get("IDEAS_TEST_BROKER_URL") or "redis://127.0.0.1:6379/15"


def _redis_or_skip(url: str):
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {url}")
    return client


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A database of this module's own, migrated; dropped afterwards."""
    if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgres"):
        import psycopg

        from tests.scale.topology import with_path

        name = f"ideas_pagecache_{secrets.token_hex(4)}"
        admin = with_path(TEST_DATABASE_URL, "/postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        yield with_path(TEST_DATABASE_URL, f"/{name}")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('pagecache') / 'ideas.sqlite3'}"


def _make_app(database: str, instance, cache_url: str | None = REDIS_URL):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": database,
            "SECRET_KEY": "page-cache-test",
            "CHEAP_PASSWORD_HASHING": True,
            "OUTBOX_RELAY": False,
            "BROKER_URL": f"sqla+sqlite:///{instance / 'broker.sqlite3'}",
            "PAGE_CACHE_URL": cache_url,
            "SERVER_NAME": None,
        }
    )
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="module")
def site(database, tmp_path_factory):
    """Two instances of the application ("two processes") on one database and one
    Redis, and an organisation: Anna and Bo (employees), Carl (their manager)."""
    redis_client = _redis_or_skip(REDIS_URL)
    redis_client.flushdb()
    one = _make_app(database, tmp_path_factory.mktemp("one"))
    two = _make_app(database, tmp_path_factory.mktemp("two"))
    with one.app_context():
        from flask_migrate import upgrade

        upgrade()
        org = factories.organisation()
        idea = items.submit_idea(
            org.anna,
            title="Gemensam kalender för vikarier",
            description="Vikarierna ser inte sina pass i tid.",
            unit="VOO",
            values=["Vi vill"],
        )
        db.session.commit()
        routing.route_item(idea.id)
        db.session.commit()
        idea_id = idea.id
    yield {"one": one, "two": two, "idea": idea_id}
    redis_client.flushdb()
    for app in (one, two):
        with app.app_context():
            db.engine.dispose()


def _browser(app, email: str) -> Auth:
    auth = Auth(app.test_client())
    auth.login(email)
    return auth


class Queries:
    def __init__(self, app):
        self.app, self.n = app, 0

    def __enter__(self):
        with self.app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        with self.app.app_context():
            event.remove(db.engine, "before_cursor_execute", self._on)

    def _on(self, *args):
        self.n += 1


def _page(app, browser: Auth, url: str) -> tuple[str, int]:
    """The page as the browser gets it, and how many SQL statements it cost (the data
    version is read on a connection outside the engine's events: a stored page costs
    none of them)."""
    with Queries(app) as queries:
        response = browser.client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True), queries.n


def _supports(page: str) -> str:
    found = re.search(r'class="support-count">(\d+) ', page)
    assert found, "no support count on the page"
    return found.group(1)


def test_a_page_seen_again_is_served_as_stored(site):
    app = site["one"]
    anna = _browser(app, "anna@example.se")
    url = f"/ideas/{site['idea']}"
    first, rendered = _page(app, anna, url)
    again, stored = _page(app, anna, url)
    assert rendered > 3
    assert stored == 0
    assert again == first


def test_nobody_sees_an_old_support_count_comment_or_status(site):
    one, two = site["one"], site["two"]
    url = f"/ideas/{site['idea']}"
    anna = _browser(one, "anna@example.se")
    bo = _browser(two, "bo@example.se")  # on the other instance
    carl = _browser(two, "chef@example.se")

    page, _n = _page(one, anna, url)
    _page(one, anna, "/ideas")
    before = _supports(page)
    assert _page(one, anna, url)[1] == 0  # stored

    # Support, on the other instance: Anna's next look has the new count.
    bo.post(f"{url}/support", token_from=url)
    page, n = _page(one, anna, url)
    assert n > 0
    assert _supports(page) == str(int(before) + 1)

    # A comment.
    bo.post(f"{url}/comments", {"body": "Vi har samma problem i hemtjänsten."}, token_from=url)
    page, n = _page(one, anna, url)
    assert n > 0 and "Vi har samma problem i hemtjänsten." in page
    assert _page(one, anna, url) == (page, 0)  # stored again, with the comment

    # A status change by the manager: on the idea's page and in the list.
    for status in (Status.ACKNOWLEDGED, Status.ASSESSING):
        form = {"status": status.value, "comment": "Vi tittar på det."}
        response = carl.post(f"{url}/status", form, token_from=url)
        assert response.status_code == 302
        with one.app_context():
            label = db.session.get(Item, site["idea"]).status_label
        page, _n = _page(one, anna, url)
        assert str(label) in page
        listing, _n = _page(one, anna, "/ideas")
        assert re.search(rf"{re.escape(str(label))}", listing)


def test_a_change_made_by_the_worker_shows_in_the_inbox(site):
    """Routing runs in the worker: the manager's stored inbox must not hide it."""
    one = site["one"]
    carl = _browser(one, "chef@example.se")
    _page(one, carl, "/inbox")
    assert _page(one, carl, "/inbox")[1] == 0
    with site["two"].app_context():
        from ideas.models import User

        bo = db.session.scalar(select(User).where(User.email == "bo@example.se"))
        idea = items.submit_idea(
            bo,
            title="Laddplatser för tjänstebilar",
            description="Elbilarna står utan laddning.",
            unit="VOO",
            values=["Vi vill"],
        )
        db.session.commit()
        inbox, _n = _page(one, carl, "/inbox")
        assert "Laddplatser för tjänstebilar" not in inbox  # not routed yet: not Carl's
        routing.route_item(idea.id)  # what the worker's task does, then its commit
        db.session.commit()
    inbox, n = _page(one, carl, "/inbox")
    assert n > 0
    assert "Laddplatser för tjänstebilar" in inbox


def test_a_page_rendered_before_a_change_is_not_served_after_it(site, monkeypatch):
    """The race that matters: a page is read from the database, then someone commits a
    change, then the old page is stored. Nobody may be served that page afterwards."""
    one = site["one"]
    url = f"/ideas/{site['idea']}"
    anna = _browser(one, "anna@example.se")
    bo = _browser(site["two"], "bo@example.se")
    comment = "Skrivet medan sidan ritades."
    _page(one, anna, url)
    # A new comment elsewhere changes the data version, so Anna's next request renders.
    bo.post(f"{url}/comments", {"body": "Först."}, token_from=url)

    rendering, committed = threading.Event(), threading.Event()
    real_marks = items.viewer_marks

    def slow_marks(item, user, **kwargs):
        result = real_marks(item, user, **kwargs)  # the page's data is read by now
        rendering.set()
        assert committed.wait(10)
        return result

    monkeypatch.setattr(items, "viewer_marks", slow_marks)
    pages: list[str] = []
    reader = threading.Thread(target=lambda: pages.append(_page(one, anna, url)[0]))
    reader.start()
    assert rendering.wait(10)
    monkeypatch.setattr(items, "viewer_marks", real_marks)
    bo.post(f"{url}/comments", {"body": comment}, token_from=url)
    committed.set()
    reader.join(10)
    assert pages and comment not in pages[0]  # rendered before the comment: fine then
    page, _n = _page(one, anna, url)
    assert comment in page  # but never served after it


def test_a_flash_message_is_shown_once(site):
    one = site["one"]
    url = f"/ideas/{site['idea']}"
    bo = _browser(one, "bo@example.se")
    _page(one, bo, url)
    bo.post(f"{url}/follow", token_from=url)
    page, _n = _page(one, bo, url)
    message = re.search(r'<p class="flash flash-success"[^>]*>([^<]+)</p>', page)
    assert message, "no flash message after following"
    again, _n = _page(one, bo, url)
    assert message.group(1).strip() not in again


def test_other_sessions_never_get_each_others_pages(site):
    """The CSRF token in a stored page is the session's own; so is the name."""
    one = site["one"]
    url = f"/ideas/{site['idea']}"
    anna = _browser(one, "anna@example.se")
    bo = _browser(one, "bo@example.se")
    for browser in (anna, bo):
        _page(one, browser, url)
    page_anna, n_anna = _page(one, anna, url)
    page_bo, n_bo = _page(one, bo, url)
    assert (n_anna, n_bo) == (0, 0)
    assert CSRF_RE.search(page_anna).group(1) != CSRF_RE.search(page_bo).group(1)
    assert "Anna Andersson" in page_anna.split("<main")[0]
    assert "Bo Berg" in page_bo.split("<main")[0]


def test_a_copied_cookie_gets_no_stored_page_after_logout(site):
    """A page stored for a session is not served to a copy of its cookie once the
    session has ended: the logout moves the account's session epoch, a change."""
    one = site["one"]
    url = f"/ideas/{site['idea']}"
    anna = _browser(one, "anna@example.se")
    _page(one, anna, url)
    thief = one.test_client()
    thief.set_cookie("ideas_session", anna.client.get_cookie("ideas_session").value)
    page, n = _page(one, Auth(thief), url)
    assert n == 0 and "Anna Andersson" in page  # the stored page, while the session lasts
    anna.logout()
    response = thief.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_pages_are_rendered_while_redis_is_away(site, tmp_path):
    """A cache that cannot be reached is no cache: every page renders, none fails."""
    from tests.smtp import free_port

    app = _make_app(
        site["one"].config["DATABASE_URL"], tmp_path, cache_url=f"redis://127.0.0.1:{free_port()}/0"
    )
    anna = _browser(app, "anna@example.se")
    url = f"/ideas/{site['idea']}"
    for _ in range(2):
        page, n = _page(app, anna, url)
        assert n > 0 and "Gemensam kalender för vikarier" in page
    with app.app_context():
        db.engine.dispose()


def test_a_database_that_is_away_gets_a_503_not_a_500(site, tmp_path):
    """The data version is read on a connection of its own: when the database is away,
    that read must not turn the page's clear 503 into a 500."""
    from tests.smtp import free_port

    down = _make_app(f"postgresql://postgres@127.0.0.1:{free_port()}/ideas", tmp_path)
    anna = _browser(site["one"], "anna@example.se")
    cookie = anna.client.get_cookie("ideas_session")
    browser = down.test_client()
    browser.set_cookie("ideas_session", cookie.value)
    response = browser.get(f"/ideas/{site['idea']}")
    assert response.status_code == 503
    assert "Traceback" not in response.get_data(as_text=True)
    with down.app_context():
        db.engine.dispose()


# --- invalidation by what a page shows --------------------------------------------------------


def _second_idea(app, title: str = "Cykelställ vid stadshuset") -> int:
    """Another idea, committed: a page of its own, in its own scope."""
    with app.app_context():
        from ideas.models import User

        bo = db.session.scalar(select(User).where(User.email == "bo@example.se"))
        idea = items.submit_idea(
            bo,
            title=title,
            description="Det finns inga platser för cyklar.",
            unit="VOO",
            values=["Vi vill"],
        )
        db.session.commit()
        return idea.id


def _versions(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(PageVersion.scope, PageVersion.version)).all())


def test_a_change_to_one_idea_leaves_the_pages_of_others_stored(site):
    one, two = site["one"], site["two"]
    other = _second_idea(one)
    anna = _browser(one, "anna@example.se")
    bo = _browser(two, "bo@example.se")
    url, other_url = f"/ideas/{site['idea']}", f"/ideas/{other}"
    for page in (url, other_url, "/ideas"):
        _page(one, anna, page)

    before = _page(one, anna, url)[0]
    bo.post(f"{other_url}/support", token_from=other_url)  # the other idea only

    assert _page(one, anna, url) == (before, 0)  # still the stored page
    page, n = _page(one, anna, other_url)
    assert n > 0 and _supports(page) == "1"
    assert _page(one, anna, "/ideas")[1] > 0  # the list shows the count: rendered again


def test_a_file_added_to_one_idea_leaves_the_pages_of_others_stored(site):
    """A file moves its own idea's scope (like a comment), never every page's."""
    one = site["one"]
    other = _second_idea(one, "Skylt vid entrén")
    anna = _browser(one, "anna@example.se")
    url, other_url = f"/ideas/{site['idea']}", f"/ideas/{other}"
    _page(one, anna, url)
    before_page = _page(one, anna, other_url)[0]
    before = _versions(one)
    with one.app_context():
        from ideas.models import User
        from ideas.services import item_files
        from ideas.services.uploads import Upload

        bo = db.session.scalar(select(User).where(User.email == "bo@example.se"))
        idea = db.session.get(Item, site["idea"])
        item_files.attach(idea, bo, item_files.check([Upload(factories.png(), "a.png")]))
        db.session.commit()
    after = _versions(one)
    moved = {scope for scope in after if after[scope] != before.get(scope)}
    assert page_cache.EVERYTHING not in moved
    assert f"item:{site['idea']}" in moved and f"item:{other}" not in moved
    assert _page(one, anna, other_url) == (before_page, 0)  # still the stored page
    page, n = _page(one, anna, url)
    assert n > 0 and "/thumbnail" in page  # rendered again, with the picture


def test_a_write_moves_only_the_versions_of_what_it_changed(site):
    """No row is moved by every writing transaction: a comment moves its idea's scope,
    its list's shard, its unit's tree and its assignee's inbox, and the own scope of
    each follower it notifies (their header's count), nothing else; and a login
    elsewhere moves only that person's."""
    one = site["one"]
    url = f"/ideas/{site['idea']}"
    bo = _browser(one, "bo@example.se")
    with one.app_context():
        last = db.session.scalar(select(func.coalesce(func.max(Notification.id), 0)))
    before = _versions(one)
    bo.post(f"{url}/comments", {"body": "En rad till."}, token_from=url)
    after = _versions(one)
    moved = {scope for scope in after if after[scope] != before.get(scope)}
    with one.app_context():
        idea = db.session.get(Item, site["idea"])
        places = {f"tree:{idea.unit_id}", f"inbox:{idea.assignee_id}"}  # VOO, below the top
        told = {
            page_cache.user_scope(user_id)
            for user_id in db.session.scalars(
                select(Notification.user_id).where(Notification.id > last)
            )
        }
    assert told  # Anna follows her idea: she is told
    assert moved == set(page_cache.item_scopes(site["idea"])) | places | told

    anna = _browser(one, "anna@example.se")
    _page(one, anna, url)
    before = _versions(one)
    _browser(one, "chef@example.se")  # Carl logs in: his last login is recorded
    after = _versions(one)
    with one.app_context():
        from ideas.models import User

        carl = db.session.scalar(select(User).where(User.email == "chef@example.se"))
        carl_scope = f"user:{carl.id}"
    assert {s for s in after if after[s] != before.get(s)} <= {carl_scope}
    assert _page(one, anna, url)[1] == 0  # Anna's page is still the stored one


def test_a_change_to_the_organisation_makes_every_page_stale(site):
    """A unit renamed shows on every page that names it: nothing stored survives it."""
    one = site["one"]
    url = f"/ideas/{site['idea']}"
    anna = _browser(one, "anna@example.se")
    _page(one, anna, url)
    assert _page(one, anna, url)[1] == 0
    with site["two"].app_context():
        from ideas.models import Unit

        unit = db.session.scalar(select(Unit).where(Unit.code == "VOO"))
        old, unit.name = unit.name, "Vård och omsorg i hemmet"
        db.session.commit()
    try:
        page, n = _page(one, anna, url)
        assert n > 0 and "Vård och omsorg i hemmet" in page
    finally:
        with site["two"].app_context():
            db.session.scalar(select(Unit).where(Unit.code == "VOO")).name = old
            db.session.commit()


# --- conditional requests -----------------------------------------------------------------------


def test_a_page_not_changed_since_is_answered_304_without_rendering(site):
    one, two = site["one"], site["two"]
    url = f"/ideas/{site['idea']}"
    anna = _browser(one, "anna@example.se")
    _page(one, anna, url)
    first = anna.client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"

    with Queries(one) as queries:
        again = anna.client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert queries.n == 0

    # Another session's page of the same URL is its own: Bo's tag is not Anna's.
    bo = _browser(one, "bo@example.se")
    assert bo.client.get(url, headers={"If-None-Match": etag}).status_code == 200

    # A comment, on the other instance: the old tag no longer holds.
    _browser(two, "bo@example.se").post(f"{url}/comments", {"body": "Ny."}, token_from=url)
    fresh = anna.client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] != etag


def test_conditional_requests_without_redis(site, tmp_path):
    """The embedded default stores no page, and still answers 304 while nothing changed."""
    app = _make_app(site["one"].config["DATABASE_URL"], tmp_path, cache_url=None)
    anna = _browser(app, "anna@example.se")
    url = f"/ideas/{site['idea']}"
    anna.client.get(url)
    first = anna.client.get(url)
    assert first.status_code == 200 and first.headers["X-Page-Cache"] == "miss"
    again = anna.client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    with app.app_context():
        db.engine.dispose()


def test_the_api_answers_304_to_its_caller_only(site):
    one, two = site["one"], site["two"]
    with one.app_context():
        from ideas.models import User
        from ideas.services import accounts

        anna = db.session.scalar(select(User).where(User.email == "anna@example.se"))
        bo = db.session.scalar(select(User).where(User.email == "bo@example.se"))
        tokens = {
            "anna": accounts.create_api_token(anna, "etag"),
            "bo": accounts.create_api_token(bo, "etag"),
        }
        db.session.commit()
    client = one.test_client()

    def get(url: str, who: str, etag: str | None = None):
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        if etag:
            headers["If-None-Match"] = etag
        return client.get(url, headers=headers)

    for url in (f"/api/v1/ideas/{site['idea']}", "/api/v1/ideas"):
        first = get(url, "anna")
        assert first.status_code == 200 and "Authorization" in first.headers["Vary"]
        etag = first.headers["ETag"]
        assert get(url, "anna", etag).status_code == 304
        assert get(url, "bo", etag).status_code == 200  # another caller: another answer
        revoked = client.get(url, headers={"If-None-Match": etag})  # no token at all
        assert revoked.status_code == 401
        two.test_client().post(
            f"/api/v1/ideas/{site['idea']}/comments",
            json={"body": f"Kommentar via API ({url})."},
            headers={"Authorization": f"Bearer {tokens['bo']}"},
        )
        changed = get(url, "anna", etag)
        assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_a_new_manager_manages_at_once_where_the_organisation_is_kept(site):
    """Pages keep the unit tree between requests (page_cache.org_memo, on here as in
    production): a unit given a new manager is the new manager's on the next page."""
    one = site["one"]
    url = f"/ideas/{site['idea']}"
    status_form = f'action="{url}/status"'
    ida = _browser(one, "itchef@example.se")  # manages IT, not the idea's unit
    carl = _browser(one, "chef@example.se")
    dora = _browser(one, "direktor@example.se")  # above both
    assert status_form not in _page(one, ida, url)[0]
    assert status_form in _page(one, carl, url)[0]
    assert status_form in _page(one, dora, url)[0]
    with site["two"].app_context():
        from ideas.models import Unit, User

        unit = db.session.scalar(select(Unit).where(Unit.code == "VOO"))
        before = unit.manager_id
        unit.manager_id = db.session.scalar(
            select(User.id).where(User.email == "itchef@example.se")
        )
        db.session.commit()
    try:
        assert status_form in _page(one, ida, url)[0]
        assert status_form in _page(one, carl, url)[0]  # still the idea's assignee
    finally:
        with site["two"].app_context():
            db.session.scalar(select(Unit).where(Unit.code == "VOO")).manager_id = before
            db.session.commit()
    assert status_form not in _page(one, ida, url)[0]


def test_a_change_in_one_tree_leaves_the_inboxes_of_another_stored(site):
    """Forty managers triaging on a Monday: a change in Carl's units (VOO) re-renders
    his inbox and the director's above both, and leaves Ida's (IT) stored; an item
    forwarded from VOO to IT is in Ida's inbox, and gone from Carl's, once the
    worker has routed it to her; both inboxes are rendered again at each step."""
    one, two = site["one"], site["two"]
    carl = _browser(one, "chef@example.se")
    ida = _browser(one, "itchef@example.se")
    dora = _browser(one, "direktor@example.se")
    for manager in (carl, ida, dora):
        _page(one, manager, "/inbox")
        assert _page(one, manager, "/inbox")[1] == 0
    title = "Skottning av personalparkeringen"
    idea = _second_idea(two, title)  # submitted in VOO, not yet routed
    with two.app_context():
        routing.route_item(idea)
        db.session.commit()
    inbox, n = _page(one, carl, "/inbox")
    assert n > 0 and title in inbox
    assert _page(one, dora, "/inbox")[1] > 0  # the top unit's manager sees every tree
    assert _page(one, ida, "/inbox")[1] == 0  # another tree: still the stored page

    url = f"/ideas/{idea}"
    form = {"unit": "IT", "comment": "Det här är IT-enhetens fråga."}
    response = _browser(two, "chef@example.se").post(f"/items/{idea}/forward", form, token_from=url)
    assert response.status_code == 302
    assert _page(one, ida, "/inbox")[1] > 0  # now handled in IT: rendered again
    assert _page(one, carl, "/inbox")[1] > 0
    with two.app_context():
        routing.route_item(idea)  # the worker routes it again, to IT's manager
        db.session.commit()
    inbox, n = _page(one, carl, "/inbox")
    assert n > 0 and title not in inbox
    assert title in _page(one, ida, "/inbox")[0]


# --- notifications: only their reader's pages --------------------------------------------------


def _count_in_header(page: str) -> int:
    found = re.search(r'class="notifications-link"[^>]*>[^<]*(?:<span class="count">(\d+))?', page)
    assert found, "no notifications link in the header"
    return int(found.group(1) or 0)


def test_a_notification_moves_only_its_readers_pages(site):
    """Carl answers Anna's idea: Anna's next page (any page) counts one more unread;
    Bo's stored pages, which show nothing of it, stay stored. Opening the idea reads
    it: the count drops on that very page, which is then stored as it is."""
    one, two = site["one"], site["two"]
    other = _second_idea(one, "Laddstolpar vid äldreboendet")
    other_url = f"/ideas/{other}"
    anna = _browser(one, "anna@example.se")
    bo = _browser(one, "bo@example.se")
    carl = _browser(two, "chef@example.se")
    anna_list = _page(one, anna, "/ideas")[0]
    _page(one, anna, other_url)
    unread = _count_in_header(_page(one, anna, other_url)[0])
    _page(one, bo, other_url)
    bo_page, n = _page(one, bo, other_url)
    assert n == 0

    with one.app_context():
        from ideas.models import User

        anna_id = db.session.scalar(select(User.id).where(User.email == "anna@example.se"))
        bo_id = db.session.scalar(select(User.id).where(User.email == "bo@example.se"))
        idea = items.submit_idea(
            db.session.get(User, anna_id),
            title="Ljusslingor i entrén",
            description="Entrén är mörk på vintern.",
            unit="VOO",
            values=["Vi vill"],
        )
        db.session.commit()
        url = f"/ideas/{idea.id}"
    before = _versions(one)
    # Carl answers Anna's new idea, on the other instance: only she follows it.
    response = carl.post(
        f"{url}/status", {"status": "acknowledged", "comment": "Tack!"}, token_from=url
    )
    assert response.status_code == 302
    after = _versions(one)
    moved = {s for s in after if after[s] != before.get(s)}
    assert page_cache.user_scope(anna_id) in moved
    assert page_cache.user_scope(bo_id) not in moved and "all" not in moved

    assert _page(one, bo, other_url) == (bo_page, 0)  # Bo's stored page: still a hit
    page, n = _page(one, anna, other_url)  # Anna's: made again, one more unread
    assert n > 0 and _count_in_header(page) == unread + 1
    assert anna_list != _page(one, anna, "/ideas")[0]

    # Anna opens the idea: that page already counts it read, and is stored so.
    page, n = _page(one, anna, url)
    assert n > 0 and _count_in_header(page) == unread
    assert _page(one, anna, url) == (page, 0)
    assert _count_in_header(_page(one, anna, other_url)[0]) == unread


def test_marking_all_read_moves_only_the_readers_scope(site):
    one = site["one"]
    url = f"/ideas/{site['idea']}"
    anna = _browser(one, "anna@example.se")
    bo = _browser(one, "bo@example.se")
    bo.post(f"{url}/comments", {"body": "Ännu en fråga."}, token_from=url)
    _page(one, bo, url)  # with the flash message: not stored
    _page(one, bo, url)
    bo_page = _page(one, bo, url)
    assert bo_page[1] == 0
    before = _versions(one)
    response = anna.post("/notifications/read", token_from="/notifications")
    assert response.status_code == 302
    after = _versions(one)
    with one.app_context():
        from ideas.models import User

        anna_id = db.session.scalar(select(User.id).where(User.email == "anna@example.se"))
    assert {s for s in after if after[s] != before.get(s)} == {page_cache.user_scope(anna_id)}
    assert _page(one, bo, url) == bo_page
    assert _count_in_header(_page(one, anna, url)[0]) == 0
