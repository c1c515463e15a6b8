"""The benchmark: serve the loaded database as production does and measure it.

    .venv/bin/python -m bench.run            (after bench/load.py; ``make bench`` does both)

Web: gunicorn sync workers (``ideas serve --web-only``'s options, ``bench.serve``),
measured with wrk on loopback, every page twice at 4 connections (throughput) and
twice at 1 (latency), each against ``/bench/ping`` (the ceiling: the same app and
server, no database). SQL queries per request: each page once more in-process, at
20 and 100 rows a page. Digest: one weekly run for every user, in a process of its
own, delivered to a local SMTP server. Routing: a real Celery worker on Redis, against
a no-op task on the same broker. Writes ``bench/RESULTS.md``; what the run created is
deleted again, and every process it started is stopped.
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
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench.load import (
    BENCH_PASSWORD,
    COMMON_WORD,
    EMPLOYEE_EMAIL,
    INBOX_MANAGER_EMAIL,
    RARE_WORD,
    database_url,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
FIXES = ROOT / "bench" / "fixes.md"
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
DURATION = int(os.environ.get("BENCH_DURATION", "5"))
WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
NOOP_TASKS = int(os.environ.get("BENCH_NOOP_TASKS", "2000"))
ROUTED_ITEMS = int(os.environ.get("BENCH_ROUTED_ITEMS", "300"))
TRICKLE_ITEMS = int(os.environ.get("BENCH_TRICKLE_ITEMS", "20"))
DIGEST_RUNS = int(os.environ.get("BENCH_DIGEST_RUNS", "2"))
PY = sys.executable
# One browser, as the server sees it: the login (urllib) and the load (wrk) say the same
# User-Agent. Flask-Login's session protection marks a session not fresh when it changes,
# so that every request by "another browser" would change the session it sends.
USER_AGENT = "ideas-bench"
TARGETS = {"list": 0.5, "inbox": 0.5, "idea": 0.5, "search": 0.1}


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

    def csrf(self, path: str) -> str:
        status, body, _ = self.get(path)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', body
        )
        if not found:
            raise SystemExit(f"no CSRF token on {path} ({status})")
        return found.group(1)

    def login(self, email: str) -> None:
        token = self.csrf("/login")
        status, _, location = self.post(
            "/login", {"csrf_token": token, "email": email, "password": BENCH_PASSWORD}
        )
        if status != 302:
            raise SystemExit(f"login as {email} failed ({status})")

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


def wrk(url: str, *, cookie: str, connections: int, body: str | None = None) -> dict:
    script = f"wrk.headers['Cookie'] = {json.dumps(cookie)}\n"
    script += f"wrk.headers['User-Agent'] = {json.dumps(USER_AGENT)}\n"
    if body is not None:
        script += f"wrk.method = 'POST'\nwrk.body = {json.dumps(body)}\n"
        script += "wrk.headers['Content-Type'] = 'application/x-www-form-urlencoded'\n"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script + WRK_DONE)
    try:
        out = subprocess.run(  # noqa: S603 - our own argv
            [
                shutil.which("wrk") or "/usr/bin/wrk",
                "-t1",
                f"-c{connections}",
                f"-d{DURATION}s",
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
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    n, dur, bad_status, sock_err, p50, p95, p99 = map(int, line.split()[1:])
    return {
        "rps": n / (dur / 1e6),
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        "errors": bad_status + sock_err,
        "requests": n,
    }


# --- the data --------------------------------------------------------------------------


def facts(url: str) -> dict:
    with psycopg.connect(url) as conn:
        one = lambda sql, *a: conn.execute(sql, a).fetchone()[0]  # noqa: E731
        idea = one(
            "SELECT id FROM items WHERE kind = 'idea' AND status = 'implemented' "
            "ORDER BY comment_count * 10 + support_count DESC, id LIMIT 1"
        )
        return {
            "max_item": one("SELECT max(id) FROM items"),
            "max_history": one("SELECT max(id) FROM item_history"),
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
            "rare_hits": one(
                "SELECT count(*) FROM items WHERE search_vector @@ "
                "websearch_to_tsquery('swedish', %s)",
                RARE_WORD,
            ),
            "idea_page": idea,
            "idea_page_comments": one("SELECT comment_count FROM items WHERE id = %s", idea),
            "idea_page_supports": one("SELECT support_count FROM items WHERE id = %s", idea),
            "pg": one("SHOW server_version"),
        }


def cleanup(url: str, max_item: int, max_history: int) -> None:
    """Delete what the run created (items, their history, e-mails, digests, outbox)."""
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")  # history is append-only
        for sql in (
            "DELETE FROM item_history WHERE id > %(h)s",
            "DELETE FROM item_values WHERE item_id > %(i)s",
            "DELETE FROM supports WHERE item_id > %(i)s",
            "DELETE FROM follows WHERE item_id > %(i)s",
            "DELETE FROM comments WHERE item_id > %(i)s",
            "DELETE FROM deadline_notices WHERE item_id > %(i)s",
            "DELETE FROM items WHERE id > %(i)s",
            "DELETE FROM digest_deliveries",
            "DELETE FROM emails",
            "DELETE FROM outbox",
        ):
            conn.execute(sql, {"i": max_item, "h": max_history})
        conn.commit()
    import redis

    redis.Redis.from_url(BROKER).flushdb()


# --- in-process: queries per request -----------------------------------------------------


def in_process_app(per_page: int):
    from sqlalchemy import event

    from ideas import create_app
    from ideas.extensions import db

    # Without the page cache: the queries counted are those of rendering the page
    # (a stored page costs one, the data version).
    app = create_app({"WTF_CSRF_ENABLED": False, "PER_PAGE": per_page, "PAGE_CACHE_URL": None})
    counter = {"n": 0}
    with app.app_context():
        event.listen(
            db.engine,
            "before_cursor_execute",
            lambda *a, **k: counter.__setitem__("n", counter["n"] + 1),
        )
    return app, counter


def count_queries(pages: dict, submit_fields: dict) -> dict:
    """SQL statements per request, each page requested twice (the second counted), at
    20 and at 100 rows a page."""
    result: dict[str, dict[int, int]] = {}
    for per_page in (20, 100):
        app, counter = in_process_app(per_page)
        clients = {}
        for who, email in (("employee", EMPLOYEE_EMAIL), ("manager", INBOX_MANAGER_EMAIL)):
            c = app.test_client()
            r = c.post("/login", data={"email": email, "password": BENCH_PASSWORD})
            assert r.status_code == 302, (who, r.status_code)
            clients[who] = c
        for name, (who, path) in pages.items():
            c = clients[who]
            c.get(path)
            counter["n"] = 0
            r = c.get(path)
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


def drain(base: str) -> None:
    """Wait until the workers have answered what wrk left queued when it stopped (a
    slow page's backlog would otherwise be served in the next measurement): one ping
    per worker at once, all answered."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(WORKERS * 2) as pool:
        list(pool.map(lambda _: Session(base).get("/bench/ping"), range(WORKERS * 2)))


def measure_cold(base: str, url: str, pages: dict, sessions: dict, times: int = 5) -> dict:
    """Each page's first request after a change (the page cache then renders it):
    the data version is moved on before each request, as any commit does. Median ms."""
    out = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for name, (who, path) in pages.items():
            took = []
            for _ in range(times):
                conn.execute("UPDATE data_version SET value = value + 1 WHERE id = 1")
                t0 = time.perf_counter()
                status = sessions[who].get(path)[0]
                took.append((time.perf_counter() - t0) * 1000)
                if status != 200:
                    raise SystemExit(f"{name}: {path} answered {status}")
            out[name] = statistics.median(took)
            log(f"  first request after a change: {name:15s} {out[name]:7.1f} ms")
    return out


def measure_web(base: str, pages: dict, sessions: dict, submit_body: str) -> dict:
    results: dict[str, dict] = {}
    order = ["ceiling", *pages, "submit"]
    for connections in (CONNECTIONS, 1):
        for rnd in (1, 2):
            for name in order:
                if name == "ceiling":
                    who, path = "employee", "/bench/ping"
                elif name == "submit":
                    who, path = "employee", "/ideas/new"
                else:
                    who, path = pages[name]
                    # Warm: the page is rendered (after the last round's submissions)
                    # before wrk starts, so that wrk measures the steady state; the first
                    # request after a change is measured apart (measure_cold). wrk
                    # corrects for coordinated omission: one 300 ms render in a 5 s run
                    # at 1 connection would otherwise count as ~90 slow requests.
                    sessions[who].get(path)
                r = wrk(
                    base + path,
                    cookie=sessions[who].cookie,
                    connections=connections,
                    body=submit_body if name == "submit" else None,
                )
                r["load"] = os.getloadavg()[0]
                drain(base)
                results.setdefault(name, {}).setdefault(connections, []).append(r)
                log(
                    f"  c={connections} run {rnd} {name:15s} {r['rps']:8.1f} req/s  "
                    f"p50 {r['p50']:6.1f}  p95 {r['p95']:6.1f}  p99 {r['p99']:6.1f} ms"
                    + (f"  ERRORS {r['errors']}" if r["errors"] else "")
                )
    return results


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
    return "met" if ok else "**missed**"


def report(f: dict, web: dict, queries: dict, digest: list, routing: dict, wall: float) -> str:
    v = versions()
    ceiling = _mean([r["rps"] for r in web["ceiling"][CONNECTIONS]])
    ceiling1 = _mean([r["rps"] for r in web["ceiling"][1]])
    labels = {
        "ceiling": "ceiling: `/bench/ping` (no database)",
        "list": "idea list, first page",
        "list_deep": "idea list, page 2000",
        "filtered": "list filtered by status and value",
        "search_common": f"search, common word ({f['common_hits']:,} hits)",
        "search_rare": f"search, rare word ({f['rare_hits']} hits)",
        "idea": f"idea page (implemented; {f['idea_page_comments']} comment(s), "
        f"{f['idea_page_supports']} supports)",
        "inbox": "manager's inbox (a förvaltning)",
        "dashboard": "manager's dashboard (a förvaltning)",
        "submit": "submit an idea (POST)",
    }
    target = {
        "list": TARGETS["list"],
        "list_deep": TARGETS["list"],
        "filtered": TARGETS["list"],
        "search_common": TARGETS["search"],
        "idea": TARGETS["idea"],
        "inbox": TARGETS["inbox"],
    }
    lines = [
        "# Benchmark results",
        "",
        f"The latest run of `make bench`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{wall / 60:.1f} minutes in all. Written by `bench/run.py`: do not edit by hand.",
        "",
        f"- Machine: {v['cpu']}, {os.uname().sysname} {os.uname().release}",
        f"- Versions: Python {v['python']}, Flask {v['flask']}, SQLAlchemy {v['sqlalchemy']}, "
        f"gunicorn {v['gunicorn']} ({WORKERS} sync workers), Celery {v['celery']}, "
        f"PostgreSQL {f['pg']}, Redis {v['redis']}, wrk {v['wrk']}",
        f"- Data: {f['items']:,} items ({f['ideas']:,} ideas, the rest concerns), "
        f"{f['users']:,} users, {f['units']} units {f['depth']} levels deep, "
        f"{f['supports']:,} supports, {f['comments']:,} comments, {f['history']:,} history "
        "rows",
        f"- Load: wrk on loopback, {DURATION} s per measurement, each measurement twice "
        f"(both shown as run 1 / run 2); throughput at {CONNECTIONS} connections, latency "
        "at 1. Ratio: the mean of the two runs over the ceiling's mean in the same run.",
        "",
        "## Web",
        "",
        f"| page | req/s at {CONNECTIONS} conn. (run 1 / run 2) | ratio to ceiling | "
        "p50 / p95 / p99 ms at 1 conn. (run 2) | "
        f"p95 ms at {CONNECTIONS} conn. | first request after a change, ms | "
        "SQL queries (20 / 100 a page) | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    cold = web.get("cold", {})
    verdicts = []
    for name, label in labels.items():
        runs = web[name][CONNECTIONS]
        rps = _mean([r["rps"] for r in runs])
        ratio = rps / ceiling
        one = web[name][1][-1]
        q = queries.get(name, {})
        qtext = "–" if not q else " / ".join(str(q[k]) for k in sorted(q))
        goal = ""
        if name in target:
            ok = ratio >= target[name]
            goal = f"≥ {target[name]}: {_verdict(ok)}"
            verdicts.append((f"{label}: ratio ≥ {target[name]}", ok, f"{ratio:.3f}"))
        if name == "search_common":
            ok = one["p95"] < 50
            goal += f"; p95 < 50 ms at 1 conn.: {_verdict(ok)}"
            verdicts.append((f"{label}: p95 < 50 ms at 1 connection", ok, f"{one['p95']:.1f} ms"))
        errors = sum(r["errors"] for rs in web[name].values() for r in rs)
        lines.append(
            f"| {label} | {runs[0]['rps']:.0f} / {runs[1]['rps']:.0f} | "
            f"{'1' if name == 'ceiling' else f'{ratio:.3f}'} | "
            f"{one['p50']:.1f} / {one['p95']:.1f} / {one['p99']:.1f} | "
            f"{runs[-1]['p95']:.1f} | "
            f"{f'{cold[name]:.0f}' if name in cold else '–'} | {qtext} | {goal}"
            + (f" ({errors} errors)" if errors else "")
            + " |"
        )
    max_q = max(max(q.values()) for q in queries.values())
    grows = [n for n, q in queries.items() if len(q) > 1 and q[100] > q[20]]
    verdicts.append(("no page above 10 queries", max_q <= 10, f"at most {max_q}"))
    verdicts.append(
        (
            "queries do not grow with the page size",
            not grows,
            "none grows" if not grows else "grow: " + ", ".join(grows),
        )
    )
    loads = [
        r["load"] for n, rs in web.items() if n != "cold" for runs_ in rs.values() for r in runs_
    ]
    lines += [
        "",
        f"The machine's 1-minute load average during the web measurements: "
        f"{min(loads):.1f} to {max(loads):.1f} ({os.cpu_count()} cores; other work was "
        "running on it too).",
        "",
        f"The ceiling at 1 connection: {ceiling1:.0f} req/s. The submit POST creates real "
        "items (deleted again after the run).",
        "",
        "Pages come from the page cache (`ideas/page_cache.py`) once rendered, until the "
        "next change: wrk's repeated requests measure that. The column \"first request "
        'after a change" is the other case, a page rendered (median of 5, each after the '
        "data version was moved on, at 1 connection); the SQL queries are those of "
        "rendering.",
    ]
    if digest:
        lines += digest_lines(f, digest, verdicts)
    else:
        lines += ["", "## Digest", "", "Not measured yet in this run (it runs last)."]
    if routing:
        lines += routing_lines(routing, verdicts)
    else:
        lines += ["", "## Routing", "", "Not measured yet in this run."]
    lines += ["", "## Targets", "", "| target | result | |", "|---|---|---|"]
    for what, ok, value in verdicts:
        lines.append(f"| {what} | {value} | {_verdict(ok)} |")
    if FIXES.exists():
        lines += ["", FIXES.read_text().strip()]
    return "\n".join(lines) + "\n"


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
    logdir = Path(tempfile.mkdtemp(prefix="ideas-bench-"))
    web_port, smtp_port = free_port(), free_port()
    sink_count = logdir / "smtp-count"
    sink_count.write_text("0")
    env = {
        **os.environ,
        "IDEAS_DATABASE_URL": url,
        "IDEAS_BROKER_URL": BROKER,
        "IDEAS_SECRET_KEY": "bench-secret-key",
        "IDEAS_BASE_URL": f"http://127.0.0.1:{web_port}",
        "IDEAS_INSTANCE_PATH": str(logdir / "instance"),
        "IDEAS_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update({k: v for k, v in env.items() if k.startswith("IDEAS_")})
    cleanup(url, f["max_item"], f["max_history"])
    pages = {
        "list": ("employee", "/ideas"),
        "list_deep": ("employee", "/ideas?page=2000"),
        "filtered": ("employee", "/ideas?status=implemented&value=Vi+vill"),
        "search_common": ("employee", "/ideas?q=" + urllib.parse.quote(COMMON_WORD)),
        "search_rare": ("employee", "/ideas?q=" + urllib.parse.quote(RARE_WORD)),
        "idea": ("employee", f"/ideas/{f['idea_page']}"),
        "inbox": ("manager", "/inbox"),
        "dashboard": ("manager", "/dashboard"),
    }
    submit = {
        "title": "Bench: fler cykelställ vid entrén",
        "description": "Cykelställen räcker inte till på morgonen.",
        "benefit": "Fler cyklar till jobbet",
        "unit": "U0300",
        "values": "Vi vill",
        "category": "",
    }
    try:
        with ExitStack() as stack:
            stack.enter_context(
                process(
                    [PY, "-m", "bench.smtp_sink", str(smtp_port), str(sink_count)],
                    env,
                    "smtp",
                    logdir,
                )
            )
            log(f"counting SQL queries per request (logs in {logdir})")
            queries = count_queries(pages, submit)
            log(f"  {queries}")
            stack.enter_context(
                process([PY, "-m", "bench.serve", str(web_port), str(WORKERS)], env, "web", logdir)
            )
            base = f"http://127.0.0.1:{web_port}"
            wait_for(lambda: Session(base).get("/bench/ping")[0] == 200, "gunicorn")
            sessions = {"employee": Session(base), "manager": Session(base)}
            sessions["employee"].login(EMPLOYEE_EMAIL)
            sessions["manager"].login(INBOX_MANAGER_EMAIL)
            for name, (who, path) in pages.items():
                status = sessions[who].get(path)[0]
                if status != 200:
                    raise SystemExit(f"{name}: {path} answered {status}")
            token = sessions["employee"].csrf("/ideas/new")
            body = urllib.parse.urlencode({**submit, "csrf_token": token})
            status, _, location = sessions["employee"].post(
                "/ideas/new", dict(urllib.parse.parse_qsl(body))
            )
            if status != 302:
                raise SystemExit(f"submit answered {status}")
            # Follow the redirect, as a browser does: its page shows (and so takes out of
            # the session) the thank-you message; a session holding an unshown message
            # gets no stored pages.
            sessions["employee"].get(urllib.parse.urlsplit(location).path)
            for who, path in pages.values():
                sessions[who].get(path)  # rendered once more, for the sessions as they are
            log(f"web: gunicorn, {WORKERS} sync workers, port {web_port}")
            web = measure_web(base, pages, sessions, body)
            web["cold"] = measure_cold(base, url, pages, sessions)
            stack.close()  # the web server is done
            cleanup(url, f["max_item"], f["max_history"])
            write(report(f, web, queries, [], {}, time.monotonic() - started))
            stack.enter_context(
                process(
                    [PY, "-m", "bench.smtp_sink", str(smtp_port), str(sink_count)],
                    env,
                    "smtp2",
                    logdir,
                )
            )
            time.sleep(1)
            log("routing: celery worker on Redis db 13")
            with process(
                [PY, "-m", "celery", "-A", "bench.celery_app", "worker", "--loglevel=WARNING"],
                env,
                "worker",
                logdir,
            ):
                routing = measure_routing(url, f["max_item"])
            cleanup(url, f["max_item"], f["max_history"])
            write(report(f, web, queries, [], routing, time.monotonic() - started))
            log("digest: weekly, every user")
            digest_runs = []
            for _ in range(DIGEST_RUNS):
                digest_runs += measure_digest(env, url, sink_count, logdir, runs=1)
                write(report(f, web, queries, digest_runs, routing, time.monotonic() - started))
    finally:
        cleanup(url, f["max_item"], f["max_history"])
    print()
    print(RESULTS.read_text())


def write(text: str) -> None:
    RESULTS.write_text(text)
    log(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
