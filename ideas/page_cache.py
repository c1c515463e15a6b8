"""Pages served from Redis while nothing they show has changed, and conditional
requests (``ETag``, ``304 Not Modified``) on the same promise.

The pages people reload all day (the idea list and search, an idea's page, the
manager's inbox, the dashboard) are stored in Redis once rendered, for the session
they were rendered for, and served from there while the data they show is as it was.

Why nobody sees a page older than the data:

- ``page_versions`` holds one number per *scope*: ``item:<id>`` (an item and what
  hangs on it: supports, comments, history, follows, files), ``list:<n>`` (the lists, in
  ``SHARDS`` shards by item id), ``user:<id>`` (what only that person's pages show:
  their session epoch, language, their unread notifications), and ``all`` (everything
  else: units, values, people's names, settings, reports, and any bulk statement that
  names no scopes of its own). A notification moves only its reader's ``user:<id>``:
  the header's count on their next page is right, and nobody else's stored pages
  change. Every transaction that writes what a page can show adds one to the scopes
  it touched, in that same transaction, when it commits (``_note_flush`` and
  ``_note_statement`` collect them, ``_bump`` writes them): the new numbers become
  visible exactly when the change does, on every process and machine. A change to an
  item moves its own scope and its list's shard, and nothing else; no row is moved by
  every writing transaction.
- A page names the scopes it shows (``scopes_of``): an item's page its item; a list,
  the inbox, the dashboard and the bank every list shard; every page ``all``, ``db``
  and the viewer's own ``user:<id>``. A request reads those numbers first, before
  anything its page shows, and a page is stored with the stamp (a hash of them) its
  request read. A stored page is served only to a request that reads the same stamp:
  nothing it shows has been committed since it was rendered.
- Invalidation writes nothing to Redis. Redis down, restarted or emptied only means
  pages are rendered again; it can never make an old page look current. The row
  ``db`` is random and never moves: a database made again has other stamps.
- A page is stored for the session state it embeds (the user, the CSRF token in its
  forms, the chosen language) and its URL; never a page with a flash message, an
  error, or anything but HTML; never the reporting channel or the case pages.
- Entries expire after ``PAGE_CACHE_SECONDS`` (60 s), and the stamp changes with the
  clock as often, so what changes with the clock alone (a deadline passing) shows
  within a minute.
- One request writes after making its page: an item's page marks its viewer's
  notifications about the item read (and shows the count that leaves). Its page is
  stored under the versions read again after that commit only if they are the ones
  it read plus its own move (``restamp_after_own_write``): had anyone else committed
  anything the page shows in between, it keeps its first stamp, which nobody matches.

Conditional requests rest on the same stamp. A page (whether or not Redis is there)
and the API's reading endpoints answer with an ``ETag`` made of the stamp, the URL
and who asks (the session's state for a page, the token's owner for the API); a
request that sends it back in ``If-None-Match`` while the stamp is unchanged gets
``304 Not Modified`` without the page being rendered. For the API the 304 comes after
the token is checked, so a revoked token never gets one.

Without ``IDEAS_PAGE_CACHE_URL`` (by default the broker's URL when that is Redis)
nothing is stored: the embedded default renders every page (and still answers 304).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from flask import Flask, Response, current_app, g, request, session
from flask_sqlalchemy.session import Session  # the app's sessions, not a library's
from sqlalchemy import event, inspect, text
from sqlalchemy.dialects import postgresql, sqlite

from ideas import clock
from ideas.extensions import db
from ideas.models import PageVersion

log = logging.getLogger(__name__)
T = TypeVar("T")

SHARDS = 32  # list scopes: writers to different items rarely share one
GENERATION, EVERYTHING = "db", "all"
LISTS = tuple(f"list:{n}" for n in range(SHARDS))

# What each page shows. An item page: its item (``item_id`` in the URL). A list: every
# shard. A manager's inbox and dashboard: the trees (the units below the top one, each
# with all below it) of the units they manage, and what is theirs anywhere.
ITEM_PAGES = frozenset({"ideas.detail", "concerns.detail"})
LIST_PAGES = frozenset({"ideas.index", "concerns.index", "bank.index"})
TREE_PAGES = frozenset({"triage.inbox", "dashboard.index"})
CACHED_ENDPOINTS = ITEM_PAGES | LIST_PAGES | TREE_PAGES
API_ITEM = frozenset({"api.get_idea", "api.get_concern", "api.list_comments"})
API_LIST = frozenset({"api.list_ideas", "api.list_concerns", "api.inbox", "api.get_stats"})
API_ORG = frozenset({"api.list_values", "api.list_units"})

# Tables no cached page shows: the worker's bookkeeping, and what is private to the
# request that writes it. Writing them changes nothing.
_IGNORED = frozenset(
    {
        "outbox",
        "emails",
        "digest_deliveries",
        "deadline_notices",
        "followup_sessions",
        "key_sessions",
        "idempotency_keys",
        "page_versions",
        "api_tokens",
        "password_resets",
        "people_imports",
        "admin_audit",
    }
)
# What hangs on one item: a write to it makes that item's pages stale, and no other.
_ITEM_PARTS = frozenset({"supports", "comments", "item_history", "follows", "item_files"})
# A person's columns that only their own pages show (or none at all).
_OWN_COLUMNS = frozenset(
    {
        "password_hash",
        "locale",
        "digest_frequency",
        "session_epoch",
        "last_login_at",
        "oidc_subject",
        "email",
    }
)
_SCOPES = "ideas.page_cache.scopes"
_PLACES = "ideas.page_cache.places"
_REDIS_BACKOFF_SECONDS = 5.0


def user_scope(user_id: int) -> str:
    """What only that person's own pages show: their session, language, notifications."""
    return f"user:{user_id}"


def item_scopes(item_id: int) -> tuple[str, str]:
    """What a change to an item makes stale: its own pages, and its list's shard."""
    return f"item:{item_id}", LISTS[item_id % SHARDS]


def scopes_of(endpoint: str | None, view_args: dict | None, user_id=None) -> list[str] | None:
    """The scopes a page or API answer shows; None when it is not stamped at all."""
    if endpoint in ITEM_PAGES or endpoint in API_ITEM:
        shown = [f"item:{int((view_args or {})['item_id'])}"]
    elif endpoint in TREE_PAGES and user_id is not None:
        shown = _reader.viewer_scopes(int(user_id))
    elif endpoint in LIST_PAGES or endpoint in API_LIST or endpoint in TREE_PAGES:
        shown = list(LISTS)
    elif endpoint in API_ORG:
        shown = []
    else:
        return None
    own = [f"user:{user_id}"] if user_id is not None else []
    return [GENERATION, EVERYTHING, *own, *shown]


# --- the versions: moved with every change ------------------------------------------------------


def _scopes_of_object(obj, change: str, placed: set[int]) -> Iterable[str]:
    """What a new, changed or deleted object makes stale (``change``: new, dirty,
    deleted). The items whose places (units, people) count too go into ``placed``."""
    table = getattr(obj, "__tablename__", None)
    if table is None or table in _IGNORED:
        return ()
    if table == "items":
        found = [*item_scopes(obj.id)]
        placed.add(obj.id)
        for other in (obj.merged_into_id, obj.adopted_from_id):  # shown on the other's page
            if other is not None:
                found += item_scopes(other)
                placed.add(other)
        return found
    item_id = getattr(obj, "item_id", None)
    if table in _ITEM_PARTS and item_id is not None:
        if table != "follows":  # a follow shows on no inbox or dashboard
            placed.add(item_id)
        return item_scopes(item_id)
    if table == "notifications":  # the reader's header count and list, nobody else's
        return (user_scope(obj.user_id),)
    if table == "users" and change == "dirty":
        changed = {a.key for a in inspect(obj).attrs if a.history.has_changes()}
        if changed <= _OWN_COLUMNS:
            return (f"user:{obj.id}",)
        return (f"user:{obj.id}", EVERYTHING)
    return (EVERYTHING,)


def _noted(session) -> set[str]:
    return session.info.setdefault(_SCOPES, set())


def _placed(session) -> tuple[set[int], set[int], set[int]]:
    """The items whose places count, and the units and people they were in before."""
    return session.info.setdefault(_PLACES, (set(), set(), set()))


# An item's places: the units whose trees show it, the people whose inbox does.
_PLACE_COLUMNS = {
    "unit_id": ("unit", 1),
    "handling_unit_id": ("handling_unit", 1),
    "assignee_id": ("assignee", 2),
    "driver_id": ("driver", 2),
}


def _note_old_places(obj, places: tuple[set[int], set[int], set[int]]) -> None:
    """The units and people an item is leaving (a forward, a new assignee): its inbox
    and dashboard are stale too. Before the flush the foreign keys still hold what the
    database has, and ``committed_state`` what was set directly before."""
    committed = inspect(obj).committed_state
    for column, (relation, where) in _PLACE_COLUMNS.items():
        for old in (obj.__dict__.get(column), committed.get(column), committed.get(relation)):
            old = getattr(old, "id", old)
            if isinstance(old, int):
                places[where].add(old)


@event.listens_for(Session, "before_flush")
def _note_changes(session, flush_context, instances):
    # Before the flush, while each change's history is there to read.
    found, places = _noted(session), _placed(session)
    for obj in session.dirty:
        if session.is_modified(obj):
            found.update(_scopes_of_object(obj, "dirty", places[0]))
            if getattr(obj, "__tablename__", None) == "items":
                _note_old_places(obj, places)
    for obj in session.deleted:
        found.update(_scopes_of_object(obj, "deleted", places[0]))
        if getattr(obj, "__tablename__", None) == "items":
            _note_old_places(obj, places)


@event.listens_for(Session, "after_flush")
def _note_new(session, flush_context):
    # After it, when new rows have their ids.
    found, places = _noted(session), _placed(session)
    for obj in session.new:
        found.update(_scopes_of_object(obj, "new", places[0]))


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state):
    """A statement that writes without objects (``update(...)``, ``delete(...)``, text)
    names no rows we can see: unless its table is one no page shows, or it names the
    scopes it changes itself (the execution option ``page_scopes``, as marking one's
    notifications read does), it makes every page stale."""
    if state.is_select:
        return
    named = state.execution_options.get("page_scopes")
    if named is not None:
        _noted(state.session).update(named)
        return
    statement = state.statement
    table = getattr(statement, "table", None)
    if table is not None and getattr(table, "name", None) in _IGNORED:
        return
    if table is None and str(statement).lstrip()[:6].upper() == "SELECT":
        return  # text("SELECT ...")
    _noted(state.session).add(EVERYTHING)


@event.listens_for(Session, "before_commit")
def _bump(session):
    # A savepoint's release comes here too: the outer transaction bumps, once.
    if session.in_nested_transaction():
        return
    if session.new or session.dirty or session.deleted:
        session.flush()
    scopes = session.info.pop(_SCOPES, None)
    places = session.info.pop(_PLACES, None)
    if not scopes:
        return
    connection = session.connection()
    # One statement, the scopes in one order: two writers never wait on each other
    # crosswise (no deadlock), and each waits only while the other commits.
    if places and places[0] and EVERYTHING not in scopes:
        items, units, people = places
        scopes |= {f"inbox:{p}" for p in people}
        connection.execute(*_bump_with_places(scopes, items, units))
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    table = PageVersion.__table__
    stmt = dialect.insert(table).values([{"scope": s, "version": 1} for s in sorted(scopes)])
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.scope], set_={"version": table.c.version + 1}
    )
    connection.execute(stmt)


# A unit's tree: the unit just below the top one on its way up (a top unit is its own).
# Read from the units of a CTE ``placed(id)``: ``trees(id, top)``, top 1 for a top unit.
_TREES = """up(id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM units WHERE id IN (SELECT id FROM placed)
    UNION
    SELECT u.id, u.parent_id, up.depth + 1 FROM units u
    JOIN up ON u.id = up.parent_id WHERE up.depth < 100
),
trees(id, top) AS (
    SELECT up.id, 0 FROM up JOIN units top ON top.id = up.parent_id
        WHERE top.parent_id IS NULL
    UNION SELECT id, 1 FROM up WHERE depth = 0 AND parent_id IS NULL
)"""

# The scopes of a write to items, with the trees and inboxes the items are in now (read
# in the writing transaction) or were in before (``units``), moved in one statement:
# ``tree:<unit>``, and ``inbox:<person>`` for whom each is assigned or delegated to.
_BUMP_WITH_PLACES = """WITH RECURSIVE
known(scope) AS (VALUES {known}),
placed(id) AS (
    SELECT unit_id FROM items WHERE id IN ({items})
    UNION SELECT handling_unit_id FROM items WHERE id IN ({items})
    UNION SELECT id FROM units WHERE id IN ({units})
),
{trees},
found(scope) AS (
    SELECT scope FROM known
    UNION SELECT 'tree:' || id FROM trees
    UNION SELECT 'inbox:' || assignee_id FROM items
        WHERE id IN ({items}) AND assignee_id IS NOT NULL
    UNION SELECT 'inbox:' || driver_id FROM items
        WHERE id IN ({items}) AND driver_id IS NOT NULL
)
INSERT INTO page_versions (scope, version)
SELECT scope, 1 FROM found WHERE true ORDER BY scope
ON CONFLICT (scope) DO UPDATE SET version = page_versions.version + 1"""


def _bump_with_places(scopes: set[str], items: set[int], units: set[int]):
    """The statement and parameters that move ``scopes`` and the places of ``items``
    (and of the ``units`` they left). Ids are whole numbers, written in; scopes bound."""
    known = sorted(scopes)
    params = {f"s{n}": scope for n, scope in enumerate(known)}
    sql = _BUMP_WITH_PLACES.format(
        known=", ".join(f"(:s{n})" for n in range(len(known))),
        items=", ".join(str(int(i)) for i in sorted(items)),
        units=", ".join(str(int(u)) for u in sorted(units)) or "NULL",
        trees=_TREES,
    )
    return text(sql), params


# Whose inbox and dashboard: the person, and the absent managers they stand in for; the
# trees of the units those manage; and whether the person is an admin.
_VIEWER = """WITH RECURSIVE people(id) AS (
    SELECT id FROM users WHERE id = {uid}
    UNION SELECT id FROM users WHERE deputy_id = {uid} AND absent
),
placed(id) AS (SELECT id FROM units WHERE manager_id IN (SELECT id FROM people)),
{trees}
SELECT 't', id, top FROM trees
UNION ALL SELECT 'p', id, 0 FROM people
UNION ALL SELECT 'r', id, 0 FROM users WHERE id = {uid} AND role = 'admin'"""


@event.listens_for(Session, "after_rollback")
def _forget(session):
    if not session.in_nested_transaction():
        session.info.pop(_SCOPES, None)
        session.info.pop(_PLACES, None)


class _VersionReader:
    """The versions of some scopes, read on a connection of this thread's own, in
    autocommit: one round trip a request (a pooled connection would cost a ping, a
    rollback and more). One connection per database: a process may serve more than
    one application (the tests do).

    They are read before the request's session begins, so what the session reads after
    it is at least this new (a later snapshot, on PostgreSQL and on SQLite alike)."""

    def __init__(self):
        self.local = threading.local()

    def read(self, scopes: list[str]) -> dict[str, int]:
        if db.engine.dialect.name == "postgresql":
            sql, args = "SELECT scope, version FROM page_versions WHERE scope = ANY(%s)", (scopes,)
        else:
            marks = ", ".join("?" * len(scopes))
            sql = f"SELECT scope, version FROM page_versions WHERE scope IN ({marks})"  # noqa: S608 - only placeholders
            args = scopes
        return dict(self._query(sql, args))

    def _query(self, sql: str, args) -> list:
        engine = db.engine
        if getattr(self.local, "pid", None) != os.getpid():
            self.local.connections, self.local.pid = {}, os.getpid()  # not the parent's
        key = str(engine.url)
        for attempt in (1, 2):
            connection = self.local.connections.get(key)
            if connection is None:
                postgres = engine.dialect.name == "postgresql"
                connection = self.local.connections[key] = self._connect(engine, postgres)
            try:
                cursor = connection.cursor()
                cursor.execute(sql, args)
                rows = cursor.fetchall()
                cursor.close()
                return rows
            except Exception:
                self.local.connections.pop(key, None)  # reconnect once
                if attempt == 2:
                    raise
        return []

    def viewer_scopes(self, user_id: int) -> list[str]:
        """What a person's inbox and dashboard show: the trees of the units they manage
        (and those of the absent managers they stand in for), what is assigned to them
        anywhere; every list shard for an admin or the manager of a top unit. Read like
        the versions, before the request's session begins, on the same connection."""
        rows = self._query(_VIEWER.format(uid=int(user_id), trees=_TREES), ())
        if any(tag == "r" or (tag == "t" and top) for tag, _id, top in rows):
            return list(LISTS)  # an admin, or a top unit's manager: the whole organisation
        trees = sorted(i for tag, i, _top in rows if tag == "t")
        people = sorted(i for tag, i, _top in rows if tag == "p")
        return [*(f"tree:{t}" for t in trees), *(f"inbox:{p}" for p in people)]

    @staticmethod
    def _connect(engine, postgres: bool):
        args, kwargs = engine.dialect.create_connect_args(engine.url)
        connection = engine.dialect.connect(*args, **kwargs)
        if postgres:
            connection.autocommit = True
        else:
            connection.isolation_level = None
            connection.execute("PRAGMA busy_timeout=5000")
        return connection


_reader = _VersionReader()


def stamp(scopes: list[str]) -> str | None:
    """A hash of the scopes' versions as committed now, and of the clock's minute (what
    changes with the clock alone); None when the versions cannot be read (a database
    from before them)."""
    versions = _reader.read(scopes)
    if GENERATION not in versions:
        return None
    g.page_versions = versions
    g.page_scopes = scopes
    g.page_window = int(clock.now().timestamp()) // int(current_app.config["PAGE_CACHE_SECONDS"])
    return _stamp_of(g.page_window, scopes, versions)


def _stamp_of(window: int, scopes: list[str], versions: dict[str, int]) -> str:
    blob = json.dumps([window, [versions.get(s, 0) for s in scopes]]).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


def restamp_after_own_write(moved: set[str]) -> None:
    """The request has made its page, then committed a write of its own that moved
    the scopes ``moved`` once each (an item's page marks the viewer's notifications
    about it read, and shows the count that leaves). The page is stored under the
    versions as they are now if they are exactly those it read plus its own moves, in
    the same minute: nobody else has committed anything it shows since. Otherwise it
    keeps the stamp it read, which no later request matches: it is made again, never
    served old."""
    scopes, read = g.get("page_scopes"), g.get("page_versions")
    if g.get("page_stamp") is None or scopes is None or read is None:
        return
    try:
        now = _reader.read(scopes)
    except Exception as exc:  # the old stamp stays: the page is made again next time
        log.warning("page versions unreadable, page not stamped again: %s", exc)
        return
    window = int(clock.now().timestamp()) // int(current_app.config["PAGE_CACHE_SECONDS"])
    expected = {s: read.get(s, 0) + (s in moved) for s in scopes}
    if window == g.page_window and all(now.get(s, 0) == expected[s] for s in scopes):
        g.page_versions = now
        g.page_stamp = _stamp_of(window, scopes, now)


# --- what the organisation alone decides, built once while it stays as it is -------------------

_memo: dict[str, tuple[tuple, object]] = {}


def org_memo_active() -> bool:
    """Whether this request keeps what the organisation decides (``org_memo``): a
    caller with a cheaper way for one request alone can choose it otherwise."""
    return g.get("page_versions") is not None and current_app.config["ORG_MEMO"]


def org_memo(name: str, build: Callable[[], T]) -> T:
    """``build()``, kept in this process while the organisation (the scope ``all``:
    units, values, people's names) has not changed: the unit lists and value filters
    that every page shows, made once instead of on every request.

    Keyed by the versions this request read before anything else, so a value built
    from data at least as new: a change committed since moved ``all``, and every
    request after it builds anew. A request that read no versions (a page not
    stamped, or a test whose data is never committed: ``ORG_MEMO`` off) builds its own.
    What ``build`` returns is shared between requests and threads: plain rows, never
    ORM objects, and never changed by its users."""
    if not org_memo_active():
        return build()
    versions = g.page_versions
    key = (versions.get(GENERATION), versions.get(EVERYTHING, 0))
    kept = _memo.get(name)
    if kept is not None and kept[0] == key:
        return kept[1]  # type: ignore[return-value]
    value = build()
    _memo[name] = (key, value)
    return value


# --- the cache ----------------------------------------------------------------------------------


class PageCache:
    def __init__(self, url: str, seconds: int):
        import redis

        self.seconds = seconds
        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.down_until = 0.0

    def get(self, key: str) -> bytes | None:
        if time.monotonic() < self.down_until:
            return None
        try:
            return self.redis.get(key)
        except Exception as exc:  # redis raises several kinds; all mean "render it"
            self._down(exc)
            return None

    def put(self, key: str, value: bytes) -> None:
        if time.monotonic() < self.down_until:
            return
        try:
            self.redis.set(key, value, ex=self.seconds)
        except Exception as exc:
            self._down(exc)

    def _down(self, exc: Exception) -> None:
        log.warning("page cache unavailable for %.0f s: %s", _REDIS_BACKOFF_SECONDS, exc)
        self.down_until = time.monotonic() + _REDIS_BACKOFF_SECONDS


def _cache() -> PageCache | None:
    return current_app.extensions.get("ideas.page_cache")


def _key() -> str | None:
    """The page's key: its URL and the session state it was (or will be) rendered for;
    none for a request that must not be cached."""
    state = dict(session)
    if "_user_id" not in state or "_flashes" in state:
        return None
    env = request.environ  # the URL as it came (werkzeug's request.url costs more)
    url = [env["wsgi.url_scheme"], env.get("HTTP_HOST", ""), env.get("SCRIPT_NAME", "")]
    url += [env.get("PATH_INFO", ""), env.get("QUERY_STRING", "")]
    url.append(env.get("HTTP_ACCEPT_LANGUAGE", ""))  # the language, when none is chosen
    blob = json.dumps([url, state], sort_keys=True, default=str).encode()
    return "ideas:page:" + hashlib.sha256(blob).hexdigest()


def _etag(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _not_modified(etag: str) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Page-Cache"] = "not-modified"
    return response


def _read_stamp(endpoint: str | None, view_args: dict | None, user_id=None) -> str | None:
    try:
        scopes = scopes_of(endpoint, view_args, user_id)
        return None if scopes is None else stamp(scopes)
    except Exception as exc:  # the database is away: the page itself will say so (503)
        log.warning("page versions unreadable, page not from the cache: %s", exc)
        return None


def _serve_cached():
    if request.method != "GET" or request.endpoint not in CACHED_ENDPOINTS:
        return None
    key = _key()
    if key is None:
        return None
    # First, before anything the page shows: the page is as new as this stamp says.
    # The session names its user as "id:epoch" (models.User.get_id).
    user_id = str(session["_user_id"]).partition(":")[0]
    page_stamp = _read_stamp(request.endpoint, request.view_args, user_id)
    if page_stamp is None:
        return None
    g.page_stamp = page_stamp
    etag = _etag(key, page_stamp)
    if etag in request.if_none_match:
        del g.page_stamp
        return _not_modified(etag)
    cache = _cache()
    stored = cache.get(key) if cache is not None else None
    if stored is None:
        return None
    head, _sep, body = stored.partition(b"\n\n")
    stored_stamp, _sep, content_type = head.decode().partition("\n")
    if stored_stamp != page_stamp:
        return None
    del g.page_stamp  # served, not stored again
    response = Response(body, content_type=content_type)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Page-Cache"] = "hit"
    return response


def _store(response: Response) -> Response:
    page_stamp = g.pop("page_stamp", None)
    if (
        page_stamp is None
        or response.status_code != 200
        or response.direct_passthrough
        or response.mimetype != "text/html"
        or "Set-Cookie" in response.headers
    ):
        return response
    key = _key()  # the session as the page left it: the CSRF token its forms carry
    if key is None:
        return response
    response.set_etag(_etag(key, page_stamp))
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Page-Cache"] = "miss"
    cache = _cache()
    if cache is not None:
        cache.put(key, f"{page_stamp}\n{response.content_type}\n\n".encode() + response.get_data())
    return response


# --- the API: conditional requests --------------------------------------------------------------


def _api_read_stamp():
    """Before the token is checked, like a page's stamp before the login: the answer
    is at least as new as this."""
    endpoint = request.endpoint
    if request.method == "GET" and (
        endpoint in API_ITEM or endpoint in API_LIST or endpoint in API_ORG
    ):
        g.api_stamp = _read_stamp(endpoint, request.view_args)


def _api_etag() -> str | None:
    page_stamp = g.get("api_stamp")
    user = g.get("api_user")
    if page_stamp is None or user is None:
        return None
    env = request.environ
    language = env.get("HTTP_ACCEPT_LANGUAGE", "")
    return _etag(
        env.get("PATH_INFO", ""), env.get("QUERY_STRING", ""), language, str(user.id), page_stamp
    )


def _api_not_modified():
    """After the token is checked: the caller's own answer, unchanged since they got it."""
    etag = _api_etag()
    if etag is not None and etag in request.if_none_match:
        g.api_stamp = None
        return _not_modified(etag)
    return None


def _api_tag(response: Response) -> Response:
    etag = _api_etag() if response.status_code == 200 and response.is_json else None
    if etag is not None:
        response.set_etag(etag)
        response.headers["Cache-Control"] = "private, no-cache"
        response.vary.add("Authorization")
    return response


def init_app(app: Flask) -> None:
    """Cache pages when ``PAGE_CACHE_URL`` names a Redis server, and stamp the pages and
    the API's answers for conditional requests. Registered after the rate limits and
    before the login check: a stored page (or a 304) is only ever one this session was
    allowed to see, and nothing it showed has changed since. Called after the
    blueprints are registered, so that the API's 304 comes after its token check."""
    url = app.config.get("PAGE_CACHE_URL")
    if url:
        app.extensions["ideas.page_cache"] = PageCache(
            str(url), int(app.config["PAGE_CACHE_SECONDS"])
        )
    app.before_request(_serve_cached)
    app.before_request(_api_read_stamp)
    app.before_request_funcs.setdefault("api", []).append(_api_not_modified)
    app.after_request(_store)
    app.after_request_funcs.setdefault("api", []).append(_api_tag)
