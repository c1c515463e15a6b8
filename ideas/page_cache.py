"""Pages served from Redis while nothing they show has changed.

The pages people reload all day (the idea list and search, an idea's page, the
manager's inbox, the dashboard) are stored in Redis once rendered, for the session
they were rendered for, and served from there while the data is as it was.

Why nobody sees a page older than the data:

- ``data_version`` holds one number. Every transaction that writes anything a page
  can show (every table but the worker's own bookkeeping, ``_IGNORED``) adds one to
  it, in that same transaction, when it commits: the new number becomes visible
  exactly when the change does, on every process and machine.
- A request reads the number first, before anything its page shows, and a page is
  stored with the number its request read. A stored page is served only to a request
  that reads the same number: nothing has been committed since it was rendered.
- Invalidation writes nothing to Redis. Redis down, restarted or emptied only means
  pages are rendered again; it can never make an old page look current.
- A page is stored for the session state it embeds (the user, the CSRF token in its
  forms, the chosen language) and its URL; never a page with a flash message, an
  error, or anything but HTML; never the reporting channel or the case pages.
- Entries expire after ``PAGE_CACHE_SECONDS`` (60 s), so what changes with the clock
  alone (a deadline passing) shows within a minute.

Without ``IDEAS_PAGE_CACHE_URL`` (by default the broker's URL when that is Redis)
nothing is cached: the embedded default renders every page.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from itertools import chain

from flask import Flask, Response, current_app, g, request, session
from flask_sqlalchemy.session import Session  # the app's sessions, not a library's
from sqlalchemy import event, update

from ideas.extensions import db
from ideas.models import DataVersion

log = logging.getLogger(__name__)

CACHED_ENDPOINTS = frozenset(
    {
        "ideas.index",
        "ideas.detail",
        "concerns.index",
        "concerns.detail",
        "triage.inbox",
        "dashboard.index",
        "bank.index",
    }
)
# Tables no cached page shows: the worker's bookkeeping. Writing them changes nothing.
_IGNORED = frozenset(
    {
        "outbox",
        "emails",
        "digest_deliveries",
        "deadline_notices",
        "followup_sessions",
        "key_sessions",
        "idempotency_keys",
        "data_version",
    }
)
_WROTE = "ideas.page_cache.wrote"
_READ_VERSION = "SELECT value FROM data_version WHERE id = 1"
_REDIS_BACKOFF_SECONDS = 5.0


# --- the data version: written with every change ----------------------------------------------


class _VersionReader:
    """The data version, read on a connection of this thread's own, in autocommit: one
    round trip a request (a pooled connection would cost a ping, a rollback and more).

    It is read before the request's session begins, so what the session reads after it
    is at least this new (a later snapshot, on PostgreSQL and on SQLite alike)."""

    def __init__(self):
        self.local = threading.local()

    def read(self) -> int | None:
        connection = getattr(self.local, "connection", None)
        if connection is not None and self.local.pid != os.getpid():
            connection = None  # made before a fork: the parent's
        for attempt in (1, 2):
            if connection is None:
                connection = self._connect()
            try:
                cursor = connection.cursor()
                cursor.execute(_READ_VERSION)
                row = cursor.fetchone()
                cursor.close()
                return None if row is None else int(row[0])
            except Exception:
                self.local.connection = connection = None  # reconnect once
                if attempt == 2:
                    raise
        return None

    def _connect(self):
        engine = db.engine
        args, kwargs = engine.dialect.create_connect_args(engine.url)
        connection = engine.dialect.connect(*args, **kwargs)
        if engine.dialect.name == "sqlite":
            connection.isolation_level = None
        else:
            connection.autocommit = True
        self.local.connection, self.local.pid = connection, os.getpid()
        return connection


_reader = _VersionReader()


def current_version() -> int | None:
    return _reader.read()


@event.listens_for(Session, "after_flush")
def _note_flush(session, flush_context):
    for obj in chain(session.new, session.dirty, session.deleted):
        if getattr(obj, "__tablename__", None) not in _IGNORED:
            session.info[_WROTE] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state):
    if state.is_select:
        return
    statement = state.statement
    table = getattr(statement, "table", None)
    if table is not None and getattr(table, "name", None) in _IGNORED:
        return
    if table is None and str(statement).lstrip()[:6].upper() == "SELECT":
        return  # text("SELECT ...")
    state.session.info[_WROTE] = True


@event.listens_for(Session, "before_commit")
def _bump(session):
    # A savepoint's release comes here too: the outer transaction bumps, once.
    if session.in_nested_transaction():
        return
    if session.new or session.dirty or session.deleted:
        session.flush()
    if session.info.pop(_WROTE, False):
        table = DataVersion.__table__
        session.connection().execute(
            update(table).where(table.c.id == 1).values(value=table.c.value + 1)
        )


@event.listens_for(Session, "after_rollback")
def _forget(session):
    if not session.in_nested_transaction():
        session.info.pop(_WROTE, None)


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
    blob = json.dumps([url, state], sort_keys=True, default=str).encode()
    return "ideas:page:" + hashlib.sha256(blob).hexdigest()


def _serve_cached():
    if request.method != "GET" or request.endpoint not in CACHED_ENDPOINTS:
        return None
    cache = _cache()
    key = _key()
    if cache is None or key is None:
        return None
    # First, before anything the page shows: the page is as new as this number says.
    try:
        version = current_version()
    except Exception as exc:  # the database is away: the page itself will say so (503)
        log.warning("data version unreadable, page not from the cache: %s", exc)
        return None
    if version is None:
        return None
    g.page_cache_version = version
    stored = cache.get(key)
    if stored is None:
        return None
    head, _sep, body = stored.partition(b"\n\n")
    stored_version, _sep, content_type = head.decode().partition("\n")
    if int(stored_version) != version:
        return None
    del g.page_cache_version  # served, not stored again
    return Response(body, content_type=content_type)


def _store(response: Response) -> Response:
    version = g.pop("page_cache_version", None)
    if (
        version is None
        or response.status_code != 200
        or response.direct_passthrough
        or response.mimetype != "text/html"
        or "Set-Cookie" in response.headers
    ):
        return response
    key = _key()  # the session as the page left it: the CSRF token its forms carry
    cache = _cache()
    if key is not None and cache is not None:
        head = f"{version}\n{response.content_type}\n\n".encode()
        cache.put(key, head + response.get_data())
    return response


def init_app(app: Flask) -> None:
    """Cache pages when ``PAGE_CACHE_URL`` names a Redis server. Registered after the
    rate limits and before the login check: a stored page is only ever one this
    session was allowed to see, and nothing it showed has changed since."""
    url = app.config.get("PAGE_CACHE_URL")
    if url:
        app.extensions["ideas.page_cache"] = PageCache(
            str(url), int(app.config["PAGE_CACHE_SECONDS"])
        )
    app.before_request(_serve_cached)
    app.after_request(_store)
