"""The benchmark: serve the loaded database as production does and measure it.

    .venv/bin/python -m bench.run            (after bench/load.py; ``make bench`` does both)

Web: three gunicorns with ``ideas serve --web-only``'s options and the same number of
sync workers (``bench.serve``): the smallest Flask app (``bench.minimal``, the ceiling),
the application with its page cache off (every request a first render) and the
application as shipped (page cache on, Redis). Measured with wrk on loopback:

- every page (and the API) with the cache off, twice at 4 connections (throughput, as a
  ratio over the ceiling measured in the same run) and twice at 1 (latency), beside the
  in-app ping ``/bench/ping``; the submit POST on the application as shipped;
- a realistic load on the application as shipped: 200 logged-in users walking the list,
  search, idea pages and the inbox, 5 % of the requests writing (``bench.mixed``);
- a write-only load: 16 clients commenting, each on an idea of its own, cache on and off;
- SQL queries per request, each page once more in-process, at 20 and 100 rows a page.

Digest: one weekly run for every user, through a real worker, delivered to a local SMTP
server. Routing: a real Celery worker on Redis, against a no-op task on the same broker.
Writes ``bench/RESULTS.md``; what the run created or changed in the database is deleted
or restored again, and every process it started is stopped.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench import mixed
from bench.load import (
    BENCH_PASSWORD,
    COMMON_WORD,
    EMPLOYEE_EMAIL,
    INBOX_MANAGER_EMAIL,
    database_url,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
FIXES = ROOT / "bench" / "fixes.md"
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
DURATION = int(os.environ.get("BENCH_DURATION", "5"))
WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
MIXED_USERS = int(os.environ.get("BENCH_MIXED_USERS", "200"))
MIXED_CONNECTIONS = int(os.environ.get("BENCH_MIXED_CONNECTIONS", str(CONNECTIONS)))
# As long as a stored page lives (PAGE_CACHE_SECONDS): the users come back to their pages.
MIXED_DURATION = int(os.environ.get("BENCH_MIXED_DURATION", str(DURATION * 12)))
WRITERS = int(os.environ.get("BENCH_WRITERS", "16"))
NOOP_TASKS = int(os.environ.get("BENCH_NOOP_TASKS", "2000"))
ROUTED_ITEMS = int(os.environ.get("BENCH_ROUTED_ITEMS", "300"))
TRICKLE_ITEMS = int(os.environ.get("BENCH_TRICKLE_ITEMS", "20"))
DIGEST_RUNS = int(os.environ.get("BENCH_DIGEST_RUNS", "2"))
ROUTING = os.environ.get("BENCH_ROUTING", "1") != "0"
PY = sys.executable
# One browser, as the server sees it: the login (urllib) and the load (wrk) say the same
# User-Agent. Flask-Login's session protection marks a session not fresh when it changes,
# so that every request by "another browser" would change the session it sends.
USER_AGENT = "ideas-bench"
# Issue 15's targets. Pages with the page cache off: latency at 1 connection and
# throughput at CONNECTIONS over the minimal Flask app's. The realistic load (cache on):
# throughput over the ceiling and p95. Writes: comments/s with the cache on over off.
TARGETS = {
    "p50_ms": 5.0,
    "p95_ms": 15.0,
    "page_ratio": 0.25,
    "submit_ratio": 0.2,
    "mixed_ratio": 0.3,
    "mixed_p95_ms": 25.0,
    "write_ratio": 0.9,
    "queries": 10,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- processes ---------------------------------------------------------------------


@contextmanager
def process(argv: list[str], env: dict, name: str, logdir: Path):
    out = open(logdir / f"{name}.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(  # noqa: S603 - our own argv
        argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        out.close()


def wait_for(check, what: str, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


# --- HTTP ----------------------------------------------------------------------------


class Session:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.opener.addheaders = [("User-Agent", USER_AGENT)]

    def get(self, path: str) -> tuple[int, str, str]:
        try:
            with self.opener.open(self.base + path, timeout=60) as r:
                return r.status, r.read().decode(), r.headers.get("Location", "")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(errors="replace"), err.headers.get("Location", "")

    def post(self, path: str, fields) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(fields).encode()
        req = urllib.request.Request(self.base + path, data=data, method="POST")  # noqa: S310
        try:
            with self.opener.open(req, timeout=60) as r:
                return r.status, r.read().decode(), r.headers.get("Location", "")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(errors="replace"), err.headers.get("Location", "")

    def get_ok(self, path: str, tries: int = 10) -> str:
        """A page that must answer 200; retried for a while, as the pages may be
        changing under the bench (a server restarting, a page briefly failing)."""
        for attempt in range(tries):
            status, body, _ = self.get(path)
            if status == 200:
                return body
            if attempt < tries - 1:
                time.sleep(2)
        raise SystemExit(f"{self.base}{path} answered {status}")

    def csrf(self, path: str) -> str:
        body = self.get_ok(path)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', body
        )
        if not found:
            raise SystemExit(f"no CSRF token on {path}")
        return found.group(1)

    def login(self, email: str) -> str:
        """Log in and return a CSRF token of the session as the login left it (read from
        the submit form, whose page also shows, and so takes out of the session, any
        message the login left: a session holding an unshown message gets no stored
        pages)."""
        token = self.csrf("/login")
        status, _, _ = self.post(
            "/login", {"csrf_token": token, "email": email, "password": BENCH_PASSWORD}
        )
        if status != 302:
            raise SystemExit(f"login as {email} failed ({status})")
        return self.csrf("/ideas/new")

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def wrk(
    url: str,
    *,
    headers: dict | None = None,
    connections: int,
    body: str | None = None,
    script: str | None = None,
    threads: int = 1,
    duration: int = DURATION,
) -> dict:
    """One wrk run: the same request over and over (``headers``, ``body``: a POST), or
    what ``script`` asks for (a script of ``bench.mixed``, which also counts status
    codes and the page cache's verdicts)."""
    if script is None:
        script = "".join(
            f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n"
            for k, v in {**(headers or {}), "User-Agent": USER_AGENT}.items()
        )
        if body is not None:
            script += f"wrk.method = 'POST'\nwrk.body = {json.dumps(body)}\n"
            script += "wrk.headers['Content-Type'] = 'application/x-www-form-urlencoded'\n"
        script += WRK_DONE
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    try:
        out = subprocess.run(  # noqa: S603 - our own argv
            [
                shutil.which("wrk") or "/usr/bin/wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "-s",
                fh.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(fh.name)
    lines = out.splitlines()
    line = next(x for x in lines if x.startswith("BENCH "))
    n, dur, bad_status, sock_err, p50, p95, p99 = map(int, line.split()[1:])
    result = {
        "rps": n / (dur / 1e6),
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        "errors": bad_status + sock_err,
        "socket_errors": sock_err,
        "requests": n,
    }
    codes = {int(x.split()[1]): int(x.split()[2]) for x in lines if x.startswith("CODE ")}
    if codes:
        result["codes"] = codes
    for x in lines:
        if x.startswith("CACHE "):
            result["cache_hits"], result["cache_misses"] = map(int, x.split()[1:])
        if x.startswith("WRITES "):
            result["writes"] = dict(
                zip(("support", "comment", "status"), map(int, x.split()[1:]), strict=True)
            )
    return result


# --- the data --------------------------------------------------------------------------


def facts(url: str) -> dict:
    with psycopg.connect(url) as conn:
        one = lambda sql, *a: conn.execute(sql, a).fetchone()[0]  # noqa: E731
        idea = one(
            "SELECT id FROM items WHERE kind = 'idea' AND status = 'implemented' "
            "ORDER BY comment_count * 10 + support_count DESC, id LIMIT 1"
        )
        return {
            "items": one("SELECT count(*) FROM items"),
            "ideas": one("SELECT count(*) FROM items WHERE kind = 'idea'"),
            "users": one("SELECT count(*) FROM users"),
            "units": one("SELECT count(*) FROM units"),
            "supports": one("SELECT count(*) FROM supports"),
            "comments": one("SELECT count(*) FROM comments"),
            "history": one("SELECT count(*) FROM item_history"),
            "depth": one(
                "WITH RECURSIVE t(id, d) AS (SELECT id, 1 FROM units WHERE parent_id IS NULL "
                "UNION ALL SELECT u.id, t.d + 1 FROM units u JOIN t ON u.parent_id = t.id) "
                "SELECT max(d) FROM t"
            ),
            "common_hits": one(
                "SELECT count(*) FROM items WHERE search_vector @@ "
                "websearch_to_tsquery('swedish', %s)",
                COMMON_WORD,
            ),
            "idea_page": idea,
            "idea_page_comments": one("SELECT comment_count FROM items WHERE id = %s", idea),
            "idea_page_supports": one("SELECT support_count FROM items WHERE id = %s", idea),
            "pg": one("SHOW server_version"),
        }


def baseline(url: str) -> dict:
    """Where the data stands before the run: the highest id of each table the run adds
    rows to, and the newest support and follow (their keys are (item, user), so their
    time marks what came after)."""
    with psycopg.connect(url) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "item": one("SELECT coalesce(max(id), 0) FROM items"),
            "history": one("SELECT coalesce(max(id), 0) FROM item_history"),
            "comment": one("SELECT coalesce(max(id), 0) FROM comments"),
            "token": one("SELECT coalesce(max(id), 0) FROM api_tokens"),
            "support_at": one("SELECT coalesce(max(created_at), '-infinity') FROM supports"),
            "follow_at": one("SELECT coalesce(max(created_at), '-infinity') FROM follows"),
            "items": {},  # id -> the row, for items whose status the run changes
            "logins": {},  # user id -> last_login_at, for the users the run logs in
        }


# An item's columns a status change may write (search_vector is generated).
_ITEM_STATE = (
    "status, updated_at, answered_at, decided_at, implemented_at, evaluation_due, "
    "evaluated_at, assignee_id, driver_id, handling_unit_id, outcome, lessons, effect, "
    "hours_saved, money_saved"
)


def remember(url: str, base: dict, *, items=(), users=()) -> None:
    """Keep the state of existing items the run may change (their status) and of users it
    logs in (their last login), for cleanup to put back."""
    cols = [c.strip() for c in _ITEM_STATE.split(",")]
    with psycopg.connect(url) as conn:
        for row in conn.execute(
            f"SELECT id, {_ITEM_STATE} FROM items WHERE id = ANY(%s)",  # noqa: S608
            (list(items),),
        ):
            base["items"].setdefault(row[0], dict(zip(cols, row[1:], strict=True)))
        for uid, at in conn.execute(
            "SELECT id, last_login_at FROM users WHERE id = ANY(%s)", (list(users),)
        ):
            base["logins"].setdefault(uid, at)


def cleanup(url: str, base: dict) -> None:
    """Delete what the run created (items, comments, supports, follows, history, API
    tokens, e-mails, digests, outbox, Redis db 13) and put back what it changed (the
    status of the items it moved, the support and comment counts of the items it wrote
    to, the last login of the users it logged in)."""
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")  # history is append-only
        marks = {
            "i": base["item"],
            "h": base["history"],
            "c": base["comment"],
            "s": base["support_at"],
            "f": base["follow_at"],
        }
        touched = [
            r[0]
            for r in conn.execute(
                "SELECT item_id FROM comments WHERE id > %(c)s AND item_id <= %(i)s "
                "UNION SELECT item_id FROM supports WHERE created_at > %(s)s "
                "AND item_id <= %(i)s",
                marks,
            )
        ]
        for sql in (
            "DELETE FROM item_history WHERE id > %(h)s OR item_id > %(i)s",
            "DELETE FROM item_values WHERE item_id > %(i)s",
            "DELETE FROM supports WHERE item_id > %(i)s OR created_at > %(s)s",
            "DELETE FROM follows WHERE item_id > %(i)s OR created_at > %(f)s",
            "DELETE FROM comments WHERE item_id > %(i)s OR id > %(c)s",
            "DELETE FROM deadline_notices WHERE item_id > %(i)s",
            "DELETE FROM items WHERE id > %(i)s",
            "DELETE FROM digest_deliveries",
            "DELETE FROM emails",
            "DELETE FROM outbox",
        ):
            conn.execute(sql, marks)
        conn.execute("DELETE FROM api_tokens WHERE id > %s", (base["token"],))
        # The loader's counts are those of the rows (checked: no item differs), so the
        # items written to count their rows again.
        conn.execute(
            "UPDATE items i SET support_count = "
            "(SELECT count(*) FROM supports s WHERE s.item_id = i.id), comment_count = "
            "(SELECT count(*) FROM comments c WHERE c.item_id = i.id) WHERE i.id = ANY(%s)",
            (touched,),
        )
        cols = [c.strip() for c in _ITEM_STATE.split(",")]
        sets = ", ".join(f"{c} = %({c})s" for c in cols)
        for item_id, row in base["items"].items():
            conn.execute(f"UPDATE items SET {sets} WHERE id = %(id)s", {**row, "id": item_id})  # noqa: S608
        for uid, at in base["logins"].items():
            conn.execute("UPDATE users SET last_login_at = %s WHERE id = %s", (at, uid))
        conn.commit()
    import redis

    redis.Redis.from_url(BROKER).flushdb()


def fingerprint(url: str) -> dict:
    """The data as the run must leave it: every table's row count (but the page cache's
    version counters, bookkeeping that moves with every change) and a digest of what
    the run writes to in rows it does not add: items' status, dates and counts, users'
    last login."""
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename NOT LIKE '%%version%%' ORDER BY tablename"
            )
        ]
        out = {
            t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # noqa: S608
            for t in tables
        }
        out["items: state"] = conn.execute(
            f"SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM "  # noqa: S608
            f"(SELECT id, support_count, comment_count, {_ITEM_STATE} FROM items) t"
        ).fetchone()[0]
        out["users: last login"] = conn.execute(
            "SELECT md5(string_agg(coalesce(last_login_at::text, '-'), ',' ORDER BY id)) FROM users"
        ).fetchone()[0]
    return out


def schema_behind(url: str) -> str | None:
    """Why the bench database's schema is not the code's (a migration not applied), or
    None: the run measures the code as it is, on the schema it expects."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with psycopg.connect(url) as conn:
        at = {r[0] for r in conn.execute("SELECT version_num FROM alembic_version")}
    if at == heads:
        return None
    return (
        f"the bench database is at revision {', '.join(sorted(at))}, the code at "
        f"{', '.join(sorted(heads))}: IDEAS_DATABASE_URL={url} .venv/bin/ideas db upgrade"
    )


def api_token(email: str) -> str:
    """A fresh personal API token of ``email`` (deleted again by cleanup)."""
    from ideas import create_app
    from ideas.extensions import db
    from ideas.models import User
    from ideas.services import accounts

    app = create_app()
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        token = accounts.create_api_token(user, "bench")
        db.session.commit()
    return token


# --- in-process: queries per request -----------------------------------------------------


def in_process_app(per_page: int):
    from sqlalchemy import event

    from ideas import create_app
    from ideas.extensions import db

    # Without the page cache: the queries counted are those of rendering the page.
    app = create_app({"WTF_CSRF_ENABLED": False, "PER_PAGE": per_page, "PAGE_CACHE_URL": None})
    counter = {"n": 0}
    with app.app_context():
        event.listen(
            db.engine,
            "before_cursor_execute",
            lambda *a, **k: counter.__setitem__("n", counter["n"] + 1),
        )
    return app, counter


def count_queries(pages: dict, submit_fields: dict, token: str) -> dict:
    """SQL statements per request, each page requested twice (the second counted), at
    20 and at 100 rows a page (the API's default page size is the web's)."""
    result: dict[str, dict[int, int]] = {}
    for per_page in (20, 100):
        app, counter = in_process_app(per_page)
        clients = {}
        for who, email in (("employee", EMPLOYEE_EMAIL), ("manager", INBOX_MANAGER_EMAIL)):
            c = app.test_client()
            r = c.post("/login", data={"email": email, "password": BENCH_PASSWORD})
            assert r.status_code == 302, (who, r.status_code)
            clients[who] = c
        clients["api"] = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        for name, (who, path) in pages.items():
            c = clients[who]
            extra = headers if who == "api" else {}
            for _ in range(5):  # the app may be changing under the bench: retried
                c.get(path, headers=extra)
                counter["n"] = 0
                r = c.get(path, headers=extra)
                if r.status_code == 200:
                    break
                time.sleep(2)
            assert r.status_code == 200, (name, path, r.status_code)
            result.setdefault(name, {})[per_page] = counter["n"]
        if per_page == 20:
            c = clients["employee"]
            counter["n"] = 0
            r = c.post("/ideas/new", data=submit_fields)
            assert r.status_code == 302, ("submit", r.status_code)
            result["submit"] = {20: counter["n"]}
    return result


# --- the web ------------------------------------------------------------------------------


def drain(base: str, path: str) -> None:
    """Wait until the workers have answered what wrk left queued when it stopped (a
    slow page's backlog would otherwise be served in the next measurement): one light
    request per worker at once, all answered."""
    with ThreadPoolExecutor(WORKERS * 2) as pool:
        list(pool.map(lambda _: Session(base).get(path), range(WORKERS * 2)))


def fetch_ok(url: str, headers: dict, tries: int = 10) -> None:
    """A GET that must answer 200, retried for a while (the pages may be changing under
    the bench: a page briefly failing)."""
    request = urllib.request.Request(url, headers={**headers, "User-Agent": USER_AGENT})  # noqa: S310
    opener = urllib.request.build_opener(_NoRedirect())
    for attempt in range(tries):
        try:
            with opener.open(request, timeout=60) as r:
                r.read()
                status = r.status
        except urllib.error.HTTPError as err:
            status = err.code
        if status == 200:
            return
        if attempt < tries - 1:
            time.sleep(2)
    raise SystemExit(f"{url} answered {status}")


def measure_web(servers: dict, pages: dict, sessions: dict, token: str, submit_body: str) -> dict:
    """Each page with the page cache off, twice at CONNECTIONS and twice at 1, beside
    the ceiling (the minimal Flask app) and the in-app ping; the submit POST on the
    application as shipped (a write: the page cache only costs it)."""
    results: dict[str, dict] = {}
    order = ["ceiling", "ping", "reference", *pages, "submit"]
    for connections in (CONNECTIONS, 1):
        for rnd in (1, 2):
            for name in order:
                base, ping, body = servers["nocache"], "/bench/ping", None
                if name == "ceiling":
                    who, path = "employee", "/"
                    base, ping = servers["minimal"], "/"
                elif name == "reference":
                    who, path = "employee", "/"
                    base, ping = servers["reference"], "/"
                elif name == "ping":
                    who, path = "employee", "/bench/ping"
                elif name == "submit":
                    who, path, body = "employee", "/ideas/new", submit_body
                    base = servers["cached"]
                else:
                    who, path = pages[name]
                if who == "api":
                    headers = {"Authorization": f"Bearer {token}"}
                else:
                    headers = {"Cookie": sessions[who].cookie}
                if name in pages:
                    # Still answering (the app may be changing under the bench), and the
                    # workers' connections warm, before wrk starts.
                    fetch_ok(base + path, headers)
                r = wrk(base + path, headers=headers, connections=connections, body=body)
                r["load"] = os.getloadavg()[0]
                drain(base, ping)
                results.setdefault(name, {}).setdefault(connections, []).append(r)
                log(
                    f"  c={connections} run {rnd} {name:15s} {r['rps']:8.1f} req/s  "
                    f"p50 {r['p50']:6.1f}  p95 {r['p95']:6.1f}  p99 {r['p99']:6.1f} ms"
                    + (f"  ERRORS {r['errors']}" if r["errors"] else "")
                )
    return results


def log_in_all(base: str, users: list) -> None:
    """Log every bench user in (four at a time), keeping each one's session cookie and a
    CSRF token of it."""

    def one(user) -> None:
        for attempt in range(3):
            try:
                s = Session(base)
                user.csrf = s.login(user.email)
                user.cookie = s.cookie
                return
            except SystemExit:
                if attempt == 2:
                    raise
                time.sleep(2)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, users))


def failed_requests(access_log: Path, offset: int) -> dict[str, int]:
    """The requests answered other than 2xx/3xx in the server's access log from
    ``offset`` on, by method, path (ids as ``<id>``) and status: what wrk cannot say."""
    with open(access_log, "rb") as fh:
        fh.seek(offset)
        text = fh.read().decode(errors="replace")
    failed: dict[str, int] = {}
    for method, path, status in re.findall(r'"(GET|POST) (\S+) HTTP/[\d.]+" (\d{3})', text):
        if not 200 <= int(status) < 400:
            shape = re.sub(r"/\d+", "/<id>", path.split("?")[0])
            what = f"{method} {shape} {status}"
            failed[what] = failed.get(what, 0) + 1
    return failed


def measure_mixed(servers: dict, users: list, access_log: Path) -> dict:
    """The realistic load on the application as shipped (page cache on)."""
    script = mixed.mixed_script(users, USER_AGENT)
    offset = access_log.stat().st_size
    r = wrk(
        servers["cached"] + "/ideas",
        connections=MIXED_CONNECTIONS,
        script=script,
        duration=MIXED_DURATION,
    )
    r["load"] = os.getloadavg()[0]
    drain(servers["cached"], "/bench/ping")
    r["failed"] = failed_requests(access_log, offset)
    bad = {c: n for c, n in r.get("codes", {}).items() if not 200 <= c < 400}
    log(
        f"  realistic: {r['rps']:.1f} req/s  p50 {r['p50']:.1f}  p95 {r['p95']:.1f}  "
        f"p99 {r['p99']:.1f} ms  codes {r.get('codes')}  writes {r.get('writes')}  "
        f"cache hits/misses {r.get('cache_hits')}/{r.get('cache_misses')}"
        + (f"  NOT 2xx/3xx {bad}: {r['failed']}" if bad else "")
    )
    return r


def measure_writes(servers: dict, pairs: list) -> dict:
    """WRITERS clients commenting, each on an idea of its own, on the application with
    its page cache on and off, alternately, twice each."""
    script = mixed.writers_script(pairs, USER_AGENT)
    out: dict[str, list] = {"cached": [], "nocache": []}
    for rnd in (1, 2):
        for which in ("cached", "nocache"):
            r = wrk(
                servers[which] + "/ideas",
                connections=len(pairs),
                threads=len(pairs),
                script=script,
            )
            drain(servers[which], "/bench/ping")
            out[which].append(r)
            log(
                f"  writes, cache {'on ' if which == 'cached' else 'off'} run {rnd}: "
                f"{r['rps']:.1f} comments/s  p50 {r['p50']:.1f}  p95 {r['p95']:.1f} ms  "
                f"codes {r.get('codes')}"
            )
    return out


def page_cache_off(env: dict) -> bool:
    """Whether the application, started with this environment, caches no page."""
    probe = (
        "from ideas import create_app; a = create_app(); "
        "print(bool(a.config.get('PAGE_CACHE_URL')) or 'ideas.page_cache' in a.extensions)"
    )
    out = subprocess.run(  # noqa: S603 - our own argv
        [PY, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return out[-1] == "False"


# --- digest and routing ---------------------------------------------------------------------


WORKER = [PY, "-m", "celery", "-A", "bench.celery_app", "worker", "--loglevel=WARNING"]


def _pool(pid: int) -> list[int]:
    """The worker's pool processes (its children)."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout  # noqa: S603, S607
    return [int(p) for p in out.split()]


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _machine_cpu_s() -> tuple[float, float]:
    """CPU seconds the whole machine has spent (every core, every process), from boot;
    and the seconds the hypervisor gave to other machines while this one's processes
    waited to run (steal): time a run loses that no code of its own spends."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(fields[i] for i in (0, 1, 2, 5, 6))  # user nice system irq softirq
    return busy / os.sysconf("SC_CLK_TCK"), fields[7] / os.sysconf("SC_CLK_TCK")


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure_digest(
    env: dict, url: str, sink_count: Path, logdir: Path, runs: int = DIGEST_RUNS
) -> list[dict]:
    """The weekly digest for every user, as production runs it: beat's task
    (``ideas.run_digests``) queues DIGEST_PARTS parts through the outbox, and a real
    worker's processes (Celery's default: one a core) run them side by side, delivering
    to the local SMTP server. The clock runs from the sending of the task to the moment
    every user's digest is recorded and marked sent. CPU time is the pool processes',
    peak memory the largest pool process's (VmHWM), each a fresh worker's."""
    import redis

    from ideas import create_app

    celery = create_app().extensions["celery"]
    r = redis.Redis.from_url(BROKER)
    results = []
    for _ in range(runs):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DELETE FROM digest_deliveries")
            conn.execute("DELETE FROM emails")
            conn.execute("DELETE FROM outbox")
            conn.execute("VACUUM ANALYZE outbox, emails, digest_deliveries")
            users = conn.execute(
                "SELECT count(*) FROM users WHERE active AND digest_frequency = 'weekly'"
            ).fetchone()[0]
        with process(WORKER, env, "digest-worker", logdir) as worker:
            r.set("bench:noop", 0)
            celery.send_task("bench.noop")  # the worker is up once a task has run
            wait_for(lambda: int(r.get("bench:noop") or 0) == 1, "the worker")
            pool = _pool(worker.pid)
            cpu_before = sum(_cpu_s(p) for p in pool)
            rss_before = max(_peak_mb(p) for p in pool)
            received_before = int(sink_count.read_text() or 0)
            sink_cpu = sink_count.with_name(sink_count.name + ".cpu")
            sink_cpu_before = float(sink_cpu.read_text() or 0) if sink_cpu.exists() else 0.0
            poll = psycopg.connect(url, autocommit=True)
            machine_before = _machine_cpu_s()
            t0 = time.perf_counter()
            celery.send_task("ideas.run_digests", kwargs={"frequency": "weekly"})
            # Asked four times a second, and cheaply: whether an e-mail is unsent (its
            # index), and only when none is, how many digests are recorded. Counting
            # both ten times a second cost the database 24 s of CPU a run, taken from
            # the run it measured.
            while True:
                unsent = poll.execute(
                    "SELECT EXISTS (SELECT FROM emails WHERE status IN ('pending', 'sending'))"
                ).fetchone()[0]
                recorded = 0
                if not unsent:
                    recorded = poll.execute("SELECT count(*) FROM digest_deliveries").fetchone()[0]
                if recorded == users:
                    break
                if time.perf_counter() - t0 > 1800:
                    raise SystemExit("digest: not done after 30 min")
                time.sleep(0.25)
            wall = time.perf_counter() - t0
            machine, stolen = (b - a for a, b in zip(machine_before, _machine_cpu_s(), strict=True))
            sent = poll.execute("SELECT count(*) FROM emails WHERE status = 'sent'").fetchone()[0]
            poll.close()
            result = {
                "users": users,
                "parts": int(env.get("IDEAS_DIGEST_PARTS", 4)),
                "processes": len(pool),
                "sent": sent,
                "wall_s": wall,
                "cpu_s": sum(_cpu_s(p) for p in pool) - cpu_before,
                "machine_cpu_s": machine,
                "stolen_s": stolen,
                "rss_before_mb": rss_before,
                "peak_mb": max(_peak_mb(p) for p in pool),
            }
        time.sleep(1)
        result["received"] = int(sink_count.read_text() or 0) - received_before
        result["sink_cpu_s"] = float(sink_cpu.read_text() or 0) - sink_cpu_before
        result["load"] = os.getloadavg()[0]
        log(
            f"  digest: {result['sent']} sent ({result['received']} received) in "
            f"{result['wall_s']:.1f} s, peak RSS {result['peak_mb']:.0f} MB"
        )
        results.append(result)
    return results


def measure_routing(url: str, max_item: int) -> dict:
    import redis

    from ideas import create_app
    from ideas.extensions import db
    from ideas.models import User
    from ideas.services import items as item_service

    app = create_app()
    celery = app.extensions["celery"]
    r = redis.Redis.from_url(BROKER)

    def noop_burst(n: int) -> float:
        r.set("bench:noop", 0)
        t0 = time.perf_counter()
        for _ in range(n):
            celery.send_task("bench.noop")
        while int(r.get("bench:noop") or 0) < n:
            time.sleep(0.005)
        return n / (time.perf_counter() - t0)

    def drained() -> bool:
        """Nothing queued or being worked on: a task that found its work done by another
        (routing takes up waiting tasks) still takes the worker's time until it ran."""
        return r.llen("celery") == 0 and r.hlen("unacked") == 0

    # The rows earlier runs deleted are vacuumed away first, as autovacuum would have
    # (it may be off on a bench server): the workers scan the outbox's pending rows.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE outbox, emails")

    # The worker is up once one task has run.
    noop_burst(1)

    # One connection for the polling (every 20 ms), as the no-op burst polls Redis over
    # one: a new PostgreSQL connection per poll is a process forked on the machine the
    # worker runs on.
    poll = psycopg.connect(url, autocommit=True)

    def progress(first_id: int) -> tuple[int, int]:
        routed = poll.execute(
            "SELECT count(*) FROM items WHERE id > %s AND routed_at IS NOT NULL", (first_id,)
        ).fetchone()[0]
        mailed = poll.execute(
            "SELECT count(*) FROM emails e JOIN item_history h "
            "ON e.event_key = 'assigned:' || h.id "
            "WHERE h.item_id > %s AND h.action = 'assigned' AND e.status = 'sent'",
            (first_id,),
        ).fetchone()[0]
        return routed, mailed

    def latencies(first_id: int) -> list[float]:
        with psycopg.connect(url) as conn:
            rows = conn.execute(
                "SELECT extract(epoch FROM e.sent_at - i.created_at) FROM items i "
                "JOIN item_history h ON h.item_id = i.id AND h.action = 'assigned' "
                "JOIN emails e ON e.event_key = 'assigned:' || h.id "
                "WHERE i.id > %s AND e.status = 'sent'",
                (first_id,),
            ).fetchall()
        return sorted(float(x[0]) for x in rows)

    def submit(author, n: int, *, one_by_one: bool, pause: float = 0.0) -> float:
        """Submit ``n`` ideas; returns the moment of the last commit's start, which hands
        the tasks to the broker (the ideas are written, flushed, before it)."""
        for k in range(n):
            item_service.submit_idea(
                author,
                title=f"Bench-routing {k}",
                description="Ett förslag från routingmätningen.",
                unit=f"U{(k % 480) + 210:04d}",
                values=["Vi vill"],
            )
            if one_by_one:
                db.session.commit()
                time.sleep(pause)
        db.session.flush()
        t0 = time.perf_counter()
        db.session.commit()
        return t0

    out: dict = {"noop": [], "routing": [], "mail": [], "trickle": None}
    with app.app_context():
        author = db.session.scalar(db.select(User).where(User.email == EMPLOYEE_EMAIL))
        # The ideas one at a time first: besides their latency, they warm the worker's
        # processes up for routing, as one no-op task did for the no-ops.
        first_id = db.session.scalar(db.text("SELECT max(id) FROM items"))
        submit(author, TRICKLE_ITEMS, one_by_one=True, pause=0.25)
        wait_for(lambda: progress(first_id)[1] >= TRICKLE_ITEMS, "trickle e-mails", 120)
        lat = latencies(first_id)
        out["trickle"] = {
            "p50": statistics.median(lat) * 1000,
            "p95": lat[max(0, round(0.95 * len(lat)) - 1)] * 1000,
            "max": lat[-1] * 1000,
        }
        log(f"  submission to e-mail, one at a time: {out['trickle']}")
        wait_for(drained, "the worker to finish the trickle's tasks", 120)
        for _ in (1, 2):
            rate = noop_burst(NOOP_TASKS)
            out["noop"].append(rate)
            log(f"  no-op task: {rate:.0f} tasks/s")
            first_id = db.session.scalar(db.text("SELECT max(id) FROM items"))
            # One commit: a burst. The clock starts at that commit, which hands the
            # 300 tasks to the broker, as the no-op burst's clock includes sending its
            # tasks; writing the ideas before it is the submitter's work, not routing's.
            t0 = submit(author, ROUTED_ITEMS, one_by_one=False)
            t_routed = t_mailed = None
            while t_mailed is None:
                routed, mailed = progress(first_id)
                now = time.perf_counter()
                if t_routed is None and routed >= ROUTED_ITEMS:
                    t_routed = now
                if mailed >= ROUTED_ITEMS:
                    t_mailed = now
                if now - t0 > 600:
                    raise SystemExit("routing did not finish in 10 minutes")
                time.sleep(0.02)
            out["routing"].append(ROUTED_ITEMS / (t_routed - t0))
            out["mail"].append(ROUTED_ITEMS / (t_mailed - t0))
            wait_for(drained, "the worker to finish the burst's tasks", 120)
            log(
                f"  routing: {out['routing'][-1]:.1f} items/s routed, "
                f"{out['mail'][-1]:.1f} items/s routed and e-mailed"
            )
    poll.close()
    return out


# --- the report -------------------------------------------------------------------------------


def versions() -> dict:
    import importlib.metadata

    import celery
    import gunicorn
    import sqlalchemy

    wrk_v = subprocess.run(  # noqa: S603
        [shutil.which("wrk") or "/usr/bin/wrk", "-v"], capture_output=True, text=True
    )
    redis_v = subprocess.run(  # noqa: S603
        [shutil.which("redis-cli") or "/usr/bin/redis-cli", "-n", "13", "INFO", "server"],
        capture_output=True,
        text=True,
    ).stdout
    with open("/proc/cpuinfo") as fh:
        models = [ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")]
    cpu = models[0] if models else platform.processor()
    return {
        "cpu": f"{os.cpu_count()} cores ({cpu})",
        "python": platform.python_version(),
        "flask": importlib.metadata.version("flask"),
        "sqlalchemy": sqlalchemy.__version__,
        "gunicorn": gunicorn.__version__,
        "celery": celery.__version__,
        "redis": (re.search(r"redis_version:(\S+)", redis_v) or [None, "?"])[1],
        "wrk": (wrk_v.stdout + wrk_v.stderr).split()[1] if wrk_v.stdout + wrk_v.stderr else "?",
    }


def _mean(xs):
    return sum(xs) / len(xs)


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _ceiling(web: dict, connections: int) -> float:
    return _mean([r["rps"] for r in web["ceiling"][connections]])


PAGE_LABELS = {
    "list": "idea list, first page",
    "list_deep": "idea list, page 2000",
    "filtered": "list filtered by status and value",
    "search_common": "search, common word ({common_hits:,} hits)",
    "idea": "idea page (implemented; {idea_page_comments} comment(s), "
    "{idea_page_supports} supports)",
    "inbox": "manager's inbox (a förvaltning)",
    "dashboard": "manager's dashboard (a förvaltning)",
    "api_list": "API: `GET /api/v1/ideas` (bearer token)",
    "api_detail": "API: `GET /api/v1/ideas/<id>` (the idea page's idea)",
}


def report(run: dict) -> str:
    f, web, queries = run["facts"], run["web"], run["queries"]
    v = versions()
    ceiling = _ceiling(web, CONNECTIONS)
    verdicts: list[tuple[str, bool, str]] = []
    lines = [
        "# Benchmark results",
        "",
        f"The latest run of `make bench`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{run['wall'] / 60:.1f} minutes in all. Written by `bench/run.py`: do not edit by "
        "hand.",
        "",
        f"- Machine: {v['cpu']}, {os.uname().sysname} {os.uname().release}",
        f"- Versions: Python {v['python']}, Flask {v['flask']}, SQLAlchemy {v['sqlalchemy']}, "
        f"gunicorn {v['gunicorn']} ({WORKERS} sync workers), Celery {v['celery']}, "
        f"PostgreSQL {f['pg']}, Redis {v['redis']}, wrk {v['wrk']}",
        f"- Data: {f['items']:,} items ({f['ideas']:,} ideas, the rest concerns), "
        f"{f['users']:,} users, {f['units']} units {f['depth']} levels deep, "
        f"{f['supports']:,} supports, {f['comments']:,} comments, {f['history']:,} history "
        "rows",
        f"- Servers: four gunicorns with `ideas serve --web-only`'s options and {WORKERS} "
        "sync workers each: **the ceiling**, the smallest Flask app (`bench/minimal.py`, one "
        'route answering "ok"); **the reference**, a careful plain Flask list page on the '
        "same database (`bench/reference.py`: what the stack itself reaches for a page of "
        "rows); the application with its **page cache off** "
        "(`IDEAS_PAGE_CACHE_URL=` empty: every request a first render); the application "
        "**as shipped** (page cache on, Redis).",
        f"- Load: wrk on loopback, {DURATION} s per measurement, each twice (run 1 / run 2); "
        f"throughput at {CONNECTIONS} connections, latency at 1. Ratio: the mean of the two "
        "runs over the ceiling's mean in the same run.",
        "",
        "## Web, page cache off",
        "",
        f"| page | req/s at {CONNECTIONS} conn. (run 1 / run 2) | ratio to the ceiling | "
        "p50 / p95 / p99 ms at 1 conn. (run 2) | "
        f"p95 ms at {CONNECTIONS} conn. (run 2) | SQL queries (20 / 100 a page) | target |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = {
        "ceiling": "**ceiling**: the minimal Flask app",
        "ping": "in-app ping `/bench/ping` (no database)",
        "reference": "reference: a careful plain Flask list page (`bench/reference.py`: 25 "
        "rows, ORM, Jinja, indexed; no login or session)",
        **{k: label.format(**f) for k, label in PAGE_LABELS.items()},
        "submit": "submit an idea (POST; the application as shipped)",
    }
    for name, label in rows.items():
        runs = web[name][CONNECTIONS]
        ratio = _mean([r["rps"] for r in runs]) / ceiling
        one = web[name][1][-1]
        q = queries.get(name, {})
        qtext = "–" if not q else " / ".join(str(q[k]) for k in sorted(q))
        goals = []
        if name in PAGE_LABELS:
            goals = [
                (f"p50 ≤ {TARGETS['p50_ms']:g} ms", one["p50"] <= TARGETS["p50_ms"], one["p50"]),
                (f"p95 ≤ {TARGETS['p95_ms']:g} ms", one["p95"] <= TARGETS["p95_ms"], one["p95"]),
                (f"ratio ≥ {TARGETS['page_ratio']}", ratio >= TARGETS["page_ratio"], ratio),
            ]
        elif name == "submit":
            goals = [
                (f"ratio ≥ {TARGETS['submit_ratio']}", ratio >= TARGETS["submit_ratio"], ratio)
            ]
        for what, ok, value in goals:
            shown = f"{value:.3f}" if what.startswith("ratio") else f"{value:.1f} ms"
            where = "at 1 connection" if "ms" in what else f"at {CONNECTIONS} connections"
            cache = "as shipped" if name == "submit" else "page cache off"
            verdicts.append((f"{label}: {what} {where} ({cache})", ok, shown))
        goal = "; ".join(f"{what}: {_verdict(ok)}" for what, ok, _ in goals) or "–"
        errors = sum(r["errors"] for rs in web[name].values() for r in rs)
        lines.append(
            f"| {label} | {runs[0]['rps']:.0f} / {runs[1]['rps']:.0f} | "
            f"{'1' if name == 'ceiling' else f'{ratio:.3f}'} | "
            f"{one['p50']:.1f} / {one['p95']:.1f} / {one['p99']:.1f} | "
            f"{runs[-1]['p95']:.1f} | {qtext} | {goal}"
            + (f" ({errors} answers not 2xx/3xx)" if errors else "")
            + " |"
        )
    max_q = max(max(q.values()) for q in queries.values())
    grows = [n for n, q in queries.items() if len(q) > 1 and q[100] > q[20]]
    verdicts.append(
        (
            f"no page above {TARGETS['queries']} queries",
            max_q <= TARGETS["queries"],
            f"at most {max_q}",
        )
    )
    verdicts.append(
        (
            "queries do not grow with the page size",
            not grows,
            "none grows" if not grows else "grow: " + ", ".join(grows),
        )
    )
    loads = [r["load"] for rs in web.values() for runs_ in rs.values() for r in runs_]
    lines += [
        "",
        f"The machine's 1-minute load average during these measurements: {min(loads):.1f} to "
        f"{max(loads):.1f} ({os.cpu_count()} cores; other work was running on it too). The "
        f"ceiling at 1 connection: {_ceiling(web, 1):.0f} req/s. The submit POST creates real "
        "items (deleted again after the run). SQL queries are counted in-process, without "
        "the page cache, the second of two requests.",
    ]
    lines += mixed_lines(run, verdicts)
    lines += writes_lines(run["writes"], verdicts)
    if run.get("routing"):
        lines += routing_lines(run["routing"], verdicts)
    else:
        why = "skipped (BENCH_ROUTING=0)" if not ROUTING else "not measured yet in this run"
        lines += ["", "## Routing", "", f"Routing: {why}."]
    if run.get("digest"):
        lines += digest_lines(f, run["digest"], verdicts)
    else:
        why = "skipped (BENCH_DIGEST_RUNS=0)" if not DIGEST_RUNS else "not measured yet (last)"
        lines += ["", "## Digest", "", f"Digest: {why}."]
    lines += ["", "## Targets", "", "| target | result | |", "|---|---|---|"]
    for what, ok, value in verdicts:
        lines.append(f"| {what} | {value} | {_verdict(ok)} |")
    if run.get("as_found") is not None:
        lines += ["", "The database after the run: " + run["as_found"] + "."]
    if FIXES.exists():
        lines += ["", FIXES.read_text().strip()]
    return "\n".join(lines) + "\n"


def mixed_lines(run: dict, verdicts: list) -> list[str]:
    r, users = run["mixed"], run["users"]
    ceiling = _ceiling(run["web"], MIXED_CONNECTIONS)
    ratio = r["rps"] / ceiling
    codes = r.get("codes", {})
    bad = sum(n for c, n in codes.items() if not 200 <= c < 400) + r["socket_errors"]
    seen = r.get("cache_hits", 0) + r.get("cache_misses", 0)
    if seen:
        hit_rate = f"{r['cache_hits'] / seen:.1%} ({r['cache_hits']:,} hits of {seen:,} pages)"
    else:
        hit_rate = "n/a (the server sends no `X-Page-Cache: hit|miss` header)"
    w = r.get("writes", {})
    managers = sum(1 for u in users if u.manager)
    ok_ratio = ratio >= TARGETS["mixed_ratio"]
    ok_p95 = r["p95"] <= TARGETS["mixed_p95_ms"]
    verdicts += [
        (
            f"realistic load: ratio ≥ {TARGETS['mixed_ratio']} (page cache on)",
            ok_ratio,
            f"{ratio:.3f}",
        ),
        (f"realistic load: p95 ≤ {TARGETS['mixed_p95_ms']:g} ms", ok_p95, f"{r['p95']:.1f} ms"),
        ("realistic load: every answer 2xx or 3xx", bad == 0, f"{bad} not"),
    ]
    return [
        "",
        "## Realistic load, page cache on (as shipped)",
        "",
        f"{len(users)} distinct users logged in ({len(users) - managers} employees, "
        f"{managers} managers), each with a walk of their own: the list, a page further on, a "
        "search, a filter, six idea pages and, for managers, the inbox and ideas they "
        f"handle. wrk, {MIXED_CONNECTIONS} connections, {MIXED_DURATION} s: each request a "
        f"random user's cookie and a random page of their walk; {mixed.WRITE_SHARE:.0%} of the "
        "requests write instead, through the web forms with the user's CSRF token: a support "
        "(an open idea they did not support yet), a comment on one of their idea pages, or, by "
        "managers, a status change of an idea of their unit (assessing → declined → "
        "assessing). Everything written is deleted or put back after the run.",
        "",
        "| measurement | result | target |",
        "|---|---|---|",
        f"| requests (writes issued: supports, comments, status changes) | {r['requests']:,} "
        f"({w.get('support', 0)}, {w.get('comment', 0)}, {w.get('status', 0)}) | |",
        f"| throughput | {r['rps']:.0f} req/s | |",
        f"| ratio to the ceiling at {MIXED_CONNECTIONS} connections ({ceiling:.0f} req/s) | "
        f"{ratio:.3f} | ≥ {TARGETS['mixed_ratio']}: {_verdict(ok_ratio)} |",
        f"| p50 / p95 / p99 | {r['p50']:.1f} / {r['p95']:.1f} / {r['p99']:.1f} ms | "
        f"p95 ≤ {TARGETS['mixed_p95_ms']:g} ms: {_verdict(ok_p95)} |",
        "| answers by status | "
        + ", ".join(f"{c}: {n:,}" for c, n in sorted(codes.items()))
        + (f", socket errors: {r['socket_errors']}" if r["socket_errors"] else "")
        + " | |",
        f"| answers not 2xx/3xx | {bad}"
        + (
            " (the server's access log: "
            + ", ".join(f"{k} ×{n}" for k, n in sorted(r.get("failed", {}).items()))
            + ")"
            if r.get("failed")
            else ""
        )
        + f" | 0: {_verdict(bad == 0)} |",
        f"| page cache hit rate | {hit_rate} | |",
        "",
        f"The 1-minute load average after it: {r['load']:.1f}.",
    ]


def writes_lines(writes: dict, verdicts: list) -> list[str]:
    on = _mean([r["rps"] for r in writes["cached"]])
    off = _mean([r["rps"] for r in writes["nocache"]])
    ratio = on / off
    ok = ratio >= TARGETS["write_ratio"]
    verdicts.append(
        (
            f"writes only: comments/s with the page cache on over off ≥ {TARGETS['write_ratio']}",
            ok,
            f"{ratio:.2f}",
        )
    )
    lines = [
        "",
        f"## Writes only: {WRITERS} clients commenting",
        "",
        f"{WRITERS} connections (one wrk thread each), each a different user posting comments "
        f"on an idea of their own through the web form, {DURATION} s a run, the page cache on "
        "and off alternately.",
        "",
        "| page cache | comments/s (run 1 / run 2) | p50 / p95 / p99 ms (run 2) | answers not "
        "2xx/3xx |",
        "|---|---|---|---|",
    ]
    for which, label in (("cached", "on"), ("nocache", "off")):
        runs = writes[which]
        bad = sum(
            sum(n for c, n in r.get("codes", {}).items() if not 200 <= c < 400) + r["socket_errors"]
            for r in runs
        )
        lines.append(
            f"| {label} | {runs[0]['rps']:.1f} / {runs[1]['rps']:.1f} | {runs[-1]['p50']:.1f} / "
            f"{runs[-1]['p95']:.1f} / {runs[-1]['p99']:.1f} | {bad} |"
        )
    lines += [
        "",
        f"Comments/s with the cache on over off: {ratio:.2f} (target ≥ "
        f"{TARGETS['write_ratio']}: {_verdict(ok)}).",
    ]
    return lines


def digest_lines(f: dict, digest: list, verdicts: list) -> list[str]:
    lines = [
        "",
        "## Digest",
        "",
        "| run | users | parts, worker processes | digests sent | received by the SMTP server "
        "| wall time | CPU time of the worker | of the SMTP server | of the whole machine "
        "| stolen by the hypervisor | peak RSS of a worker process | load average after |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, d in enumerate(digest, 1):
        lines.append(
            f"| {i} | {f['users']:,} | {d['parts']}, {d['processes']} | {d['sent']:,} | "
            f"{d['received']:,} | {d['wall_s']:.1f} s | {d['cpu_s']:.1f} s | "
            f"{d['sink_cpu_s']:.1f} s | {d['machine_cpu_s']:.1f} s | {d['stolen_s']:.1f} s | "
            f"{d['peak_mb']:.0f} MB (at start {d['rss_before_mb']:.0f}) | {d['load']:.1f} |"
        )
    lines += [
        "",
        "Beat's task (`ideas.run_digests`) sent to a fresh worker, which queues the parts "
        "(`IDEAS_DIGEST_PARTS`) and runs them in its processes; the clock stops when every "
        "user's digest is recorded and marked sent. Everything shares the same cores: the "
        "worker, PostgreSQL and the SMTP server (`bench/smtp_sink.py`, standing in for the "
        "relay); the whole machine's CPU time is theirs together. Stolen time is the "
        "hypervisor's (steal in `/proc/stat`): the cores given to other virtual machines "
        "while this one had work to run, which lengthens the wall time of a run and "
        "varies from run to run.",
    ]
    worst_wall = max(d["wall_s"] for d in digest)
    worst_mem = max(d["peak_mb"] for d in digest)
    verdicts.append(("digest for all users under 60 s", worst_wall < 60, f"{worst_wall:.1f} s"))
    verdicts.append(("digest peak memory under 300 MB", worst_mem < 300, f"{worst_mem:.0f} MB"))
    return lines


def routing_lines(routing: dict, verdicts: list) -> list[str]:
    noop, routed, mailed = routing["noop"], routing["routing"], routing["mail"]
    ratio = _mean(routed) / _mean(noop)
    verdicts.append(("routing ≥ 0.5 of the no-op task's throughput", ratio >= 0.5, f"{ratio:.2f}"))
    return [
        "",
        "## Routing (Celery worker, prefork, Redis broker)",
        "",
        "| measurement | run 1 | run 2 |",
        "|---|---|---|",
        f"| no-op task (the ceiling), tasks/s, {NOOP_TASKS} tasks | {noop[0]:.0f} | "
        f"{noop[1]:.0f} |",
        f"| routing, items/s, a burst of {ROUTED_ITEMS} | {routed[0]:.1f} | {routed[1]:.1f} |",
        f"| routing and its e-mail delivered, items/s | {mailed[0]:.1f} | {mailed[1]:.1f} |",
        "",
        f"Routing over the no-op ceiling: {ratio:.2f}. Submission to e-mail accepted by the "
        f"SMTP server, {TRICKLE_ITEMS} ideas submitted one at a time: p50 "
        f"{routing['trickle']['p50']:.0f} ms, p95 {routing['trickle']['p95']:.0f} ms, max "
        f"{routing['trickle']['max']:.0f} ms.",
    ]


def main() -> None:
    started = time.monotonic()
    url = database_url()
    if shutil.which("wrk") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing wrk (apt-get install -y wrk)")
        subprocess.run(["/usr/bin/apt-get", "install", "-y", "wrk"], check=False)  # noqa: S603
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    f = facts(url)
    if f["items"] < 1000:
        raise SystemExit("the bench database is empty: run bench/load.py first")
    log(f"data: {f['items']} items, {f['users']} users; idea page #{f['idea_page']}")
    behind = schema_behind(url)
    if behind:
        raise SystemExit(behind)
    logdir = Path(tempfile.mkdtemp(prefix="ideas-bench-"))
    ports = {name: free_port() for name in ("cached", "nocache", "minimal", "reference", "smtp")}
    servers = {
        name: f"http://127.0.0.1:{ports[name]}"
        for name in ("cached", "nocache", "minimal", "reference")
    }
    sink_count = logdir / "smtp-count"
    sink_count.write_text("0")
    env = {
        **os.environ,
        "IDEAS_DATABASE_URL": url,
        "IDEAS_BROKER_URL": BROKER,
        "IDEAS_SECRET_KEY": "bench-secret-key",
        "IDEAS_BASE_URL": servers["cached"],
        "IDEAS_INSTANCE_PATH": str(logdir / "instance"),
        "IDEAS_SMTP_URL": f"smtp://127.0.0.1:{ports['smtp']}",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("IDEAS_PAGE_CACHE_URL", None)  # as shipped: the broker's Redis
    # The page cache off: config.py reads an empty IDEAS_PAGE_CACHE_URL as "no cache".
    env_nocache = {**env, "IDEAS_PAGE_CACHE_URL": ""}
    os.environ.update({k: v for k, v in env.items() if k.startswith("IDEAS_")})
    if not page_cache_off(env_nocache):
        raise SystemExit("IDEAS_PAGE_CACHE_URL= (empty) does not switch the page cache off")
    # The statistics and visibility map as autovacuum leaves them: a migration that
    # rewrote a table (0017 adds a generated column to items) leaves neither, and the
    # planner then reads the heap where an index would do.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    base = baseline(url)
    cleanup(url, base)  # e-mails, outbox and digests a run left behind
    before = fingerprint(url)
    pages = {
        "list": ("employee", "/ideas"),
        "list_deep": ("employee", "/ideas?page=2000"),
        "filtered": ("employee", "/ideas?status=implemented&value=Vi+vill"),
        "search_common": ("employee", "/ideas?q=" + urllib.parse.quote(COMMON_WORD)),
        "idea": ("employee", f"/ideas/{f['idea_page']}"),
        "inbox": ("manager", "/inbox"),
        "dashboard": ("manager", "/dashboard"),
        "api_list": ("api", "/api/v1/ideas"),
        "api_detail": ("api", f"/api/v1/ideas/{f['idea_page']}"),
    }
    submit = {
        "title": "Bench: fler cykelställ vid entrén",
        "description": "Cykelställen räcker inte till på morgonen.",
        "benefit": "Fler cyklar till jobbet",
        "unit": "U0300",
        "values": "Vi vill",
        "category": "",
    }
    users = mixed.choose_users(url, MIXED_USERS)
    pairs = mixed.writers(users, WRITERS, url)
    with psycopg.connect(url) as conn:
        named = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM users WHERE email = ANY(%s)",
                ([EMPLOYEE_EMAIL, INBOX_MANAGER_EMAIL],),
            )
        ]
    remember(
        url, base, items=[i for u in users for i in u.status], users=[u.id for u in users] + named
    )
    run: dict = {"facts": f, "users": users, "digest": [], "routing": {}, "as_found": None}
    try:
        with ExitStack() as stack:
            stack.enter_context(
                process(
                    [PY, "-m", "bench.smtp_sink", str(ports["smtp"]), str(sink_count)],
                    env,
                    "smtp",
                    logdir,
                )
            )
            token = api_token(EMPLOYEE_EMAIL)
            log(f"counting SQL queries per request (logs in {logdir})")
            run["queries"] = count_queries(pages, submit, token)
            log(f"  {run['queries']}")
            for name, which, server_env in (
                ("cached", "app", env),
                ("nocache", "app", env_nocache),
                ("minimal", "minimal", env),
                ("reference", "reference", env),
            ):
                stack.enter_context(
                    process(
                        [PY, "-m", "bench.serve", str(ports[name]), str(WORKERS), which],
                        server_env,
                        f"web-{name}",
                        logdir,
                    )
                )
            for name, path in (
                ("cached", "/bench/ping"),
                ("nocache", "/bench/ping"),
                ("minimal", "/"),
                ("reference", "/"),
            ):
                wait_for(lambda b=servers[name], p=path: Session(b).get(p)[0] == 200, name)
            sessions = {
                "employee": Session(servers["cached"]),
                "manager": Session(servers["cached"]),
            }
            csrf = sessions["employee"].login(EMPLOYEE_EMAIL)
            sessions["manager"].login(INBOX_MANAGER_EMAIL)
            body = urllib.parse.urlencode({**submit, "csrf_token": csrf})
            status, _, location = sessions["employee"].post(
                "/ideas/new", {**submit, "csrf_token": csrf}
            )
            if status != 302:
                raise SystemExit(f"submit answered {status}")
            # Follow the redirect, as a browser does: its page shows (and so takes out of
            # the session) the thank-you message.
            sessions["employee"].get_ok(urllib.parse.urlsplit(location).path)
            log(f"logging {len(users)} users in")
            log_in_all(servers["cached"], users)
            log(f"web, page cache off: gunicorn, {WORKERS} sync workers")
            run["web"] = measure_web(servers, pages, sessions, token, body)
            log(
                f"realistic load, page cache on: {len(users)} users, {MIXED_CONNECTIONS} "
                f"connections, {MIXED_DURATION} s"
            )
            run["mixed"] = measure_mixed(servers, users, logdir / "web-cached.log")
            if MIXED_CONNECTIONS not in run["web"]["ceiling"]:
                for _ in (1, 2):
                    r = wrk(servers["minimal"] + "/", connections=MIXED_CONNECTIONS)
                    r["load"] = os.getloadavg()[0]
                    run["web"]["ceiling"].setdefault(MIXED_CONNECTIONS, []).append(r)
                    drain(servers["minimal"], "/")
            log(f"writes only: {len(pairs)} clients commenting, page cache on and off")
            run["writes"] = measure_writes(servers, pairs)
            stack.close()  # the web servers are done
            cleanup(url, base)
            run["wall"] = time.monotonic() - started
            write(report(run))
            if ROUTING:
                stack.enter_context(
                    process(
                        [PY, "-m", "bench.smtp_sink", str(ports["smtp"]), str(sink_count)],
                        env,
                        "smtp2",
                        logdir,
                    )
                )
                time.sleep(1)
                log("routing: celery worker on Redis db 13")
                with process(WORKER, env, "worker", logdir):
                    run["routing"] = measure_routing(url, base["item"])
                cleanup(url, base)
                run["wall"] = time.monotonic() - started
                write(report(run))
            if DIGEST_RUNS:
                log("digest: weekly, every user")
            for _ in range(DIGEST_RUNS):
                run["digest"] += measure_digest(env, url, sink_count, logdir, runs=1)
                run["wall"] = time.monotonic() - started
                write(report(run))
    finally:
        cleanup(url, base)
        after = fingerprint(url)
        changed = {
            k: (before.get(k), after.get(k))
            for k in {*before, *after}
            if before.get(k) != after.get(k)
        }
        if changed:
            log(f"the database is NOT as the run found it: {changed}")
        else:
            log("the database is as the run found it (row counts, items' state, last logins)")
    if "web" in run and "writes" in run:
        run["as_found"] = (
            "as the run found it (every table's row count, the items' status, dates and counts, "
            "the users' last login)"
            if not changed
            else "**not** as the run found it: "
            + ", ".join(f"{k} {a} → {b}" for k, (a, b) in sorted(changed.items()))
        )
        run["wall"] = time.monotonic() - started
        write(report(run))
    print()
    print(RESULTS.read_text())


def write(text: str) -> None:
    RESULTS.write_text(text)
    log(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
