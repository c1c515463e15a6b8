"""Faults under load (issue 7): a worker killed with SIGKILL while routing, Redis
stopped and started, PostgreSQL stopped and started, while API submissions keep
coming. Redis and PostgreSQL are servers of this test's own: the machine's are shared.

What must hold afterwards: every submission answered 2xx is in the database, routed
once, with one e-mail to its manager; a request made while PostgreSQL was away got a
503 (JSON for the API, a page for the web), never a 500."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from contextlib import suppress

import pytest
import requests

from tests.scale.topology import (
    PASSWORD,
    OwnPostgres,
    OwnRedis,
    Processes,
    create_org,
    fresh_database,
    post_form,
    require_services,
    site_env,
    smtp_server,
    sql,
    start_beat,
    start_web,
    start_worker,
    wait_until,
)

pytestmark = pytest.mark.services
MAX_SUBMISSIONS = 100
THREADS = 4
PAUSE = 0.6  # between one thread's submissions
CLAIM_TIMEOUT = 40  # > 2 x the PostgreSQL outage: see mail._mark_sent
SMTP_DELAY = 0.2  # seconds before the SMTP server takes each message


@pytest.fixture
def site(tmp_path):
    require_services()
    processes = Processes(tmp_path)
    smtp = smtp_server(delay=SMTP_DELAY)  # a kill then often lands in the middle of a send
    postgres = OwnPostgres()
    redis = OwnRedis(processes)
    try:
        postgres.start()
        redis.start()
        with fresh_database(postgres.url) as database:

            def env(name):
                return site_env(
                    tmp_path / name,
                    database,
                    redis.url,
                    smtp.url,
                    IDEAS_OUTBOX_SWEEP_INTERVAL_SECONDS="2",
                    IDEAS_OUTBOX_SWEEP_AFTER_SECONDS="4",
                    # An e-mail claimed by the worker killed below is sent again once its
                    # claim times out (300 s by default): shortened to fit the test.
                    IDEAS_EMAIL_CLAIM_TIMEOUT_SECONDS=str(CLAIM_TIMEOUT),
                )

            tokens = create_org(env("cli"), ["anna@example.se"])
            webs = [
                start_web(processes, "web-a", env("web-a")),
                start_web(processes, "web-b", env("web-b")),
            ]
            start_worker(processes, "worker-1", env("worker-1"))
            start_worker(processes, "worker-2", env("worker-2"))
            start_beat(processes, env("beat"))
            yield {
                "webs": webs,
                "token": tokens["anna@example.se"],
                "database": database,
                "smtp": smtp.inbox,
                "processes": processes,
                "env": env,
                "postgres": postgres,
                "redis": redis,
            }
    finally:
        processes.stop_all()
        postgres.destroy()
        smtp.stop()


class Load:
    """Threads submitting ideas through the API of both web servers, each outcome kept."""

    def __init__(self, webs: list[str], token: str):
        self.webs, self.token = webs, token
        self.results: list[tuple[str, int, dict | str]] = []  # title, status, body
        self.numbers = itertools.count(1)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(THREADS)]

    def _run(self):
        while not self.stop.is_set():
            with self.lock:
                n = next(self.numbers)
            if n > MAX_SUBMISSIONS:
                return
            title = f"Lastidé {n}"
            try:
                response = requests.post(
                    self.webs[n % 2] + "/api/v1/ideas",
                    json={
                        "title": title,
                        "description": "Under last.",
                        "unit": "VOO",
                        "values": ["Vi vill"],
                    },
                    headers={"Authorization": f"Bearer {self.token}"},
                    timeout=20,
                )
                body = (
                    response.json()
                    if "json" in response.headers.get("Content-Type", "")
                    else response.text[:300]
                )
                outcome = (title, response.status_code, body)
            except requests.RequestException as exc:
                outcome = (title, 0, type(exc).__name__)
            with self.lock:
                self.results.append(outcome)
            time.sleep(PAUSE)

    def ok(self) -> list[int]:
        return [body["id"] for _t, status, body in self.results if 200 <= status < 300]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def _routed(database: str) -> int:
    return sql(database, "SELECT count(*) FROM items WHERE routed_at IS NOT NULL")[0][0]


def _emails_of(database: str, item_ids: list[int]) -> list[tuple]:
    """The e-mail rows about these items' assignment: what a failure needs explained."""
    return sql(
        database,
        "SELECT h.item_id, e.status, e.attempts, e.claimed_at, e.last_error FROM item_history h "
        "LEFT JOIN emails e ON e.event_key = 'assigned:' || h.id "
        "WHERE h.action = 'assigned' AND h.item_id = ANY(%s)",
        item_ids,
    )


def test_submissions_survive_a_killed_worker_and_redis_and_postgresql_restarts(site):
    webs, database, processes = site["webs"], site["database"], site["processes"]
    injected: list[str] = []
    browser = requests.Session()
    response = post_form(
        browser,
        webs[0] + "/login",
        webs[0] + "/login",
        {"email": "anna@example.se", "password": PASSWORD},
    )
    assert response.status_code == 302
    while_down: list[tuple[str, int, str]] = []

    with Load(webs, site["token"]) as load:
        # 1. A worker killed with SIGKILL in the middle of routing, then replaced.
        wait_until(lambda: _routed(database) >= 5, 60, "five ideas routed")
        pid = processes.kill("worker-1")
        injected.append(f"killed worker pid {pid} after {_routed(database)} routed")
        time.sleep(3)
        start_worker(processes, "worker-3", site["env"]("worker-3"))

        # 2. Redis stopped for 5 s.
        site["redis"].stop()
        started = time.monotonic()
        time.sleep(5)
        site["redis"].start()
        injected.append(f"Redis down {time.monotonic() - started:.0f} s")
        time.sleep(3)

        # 3. PostgreSQL stopped for 8 s; the web and the API are asked meanwhile.
        site["postgres"].stop()
        started = time.monotonic()
        while time.monotonic() - started < 8:
            for base in webs:
                for path in ("/ideas", "/api/v1/ideas", "/healthz"):
                    headers = {"Authorization": f"Bearer {site['token']}"} if "api" in path else {}
                    try:
                        answer = browser.get(
                            base + path, headers=headers, timeout=10, allow_redirects=False
                        )
                        while_down.append((base + path, answer.status_code, answer.text[:400]))
                    except requests.RequestException as exc:
                        while_down.append((base + path, 0, type(exc).__name__))
            time.sleep(1)
        site["postgres"].start()
        injected.append(f"PostgreSQL down {time.monotonic() - started:.0f} s")
        time.sleep(5)

    statuses = Counter(status for _t, status, _b in load.results)
    ok = load.ok()

    def drained():
        pending = sql(database, "SELECT count(*) FROM outbox WHERE processed_at IS NULL")[0][0]
        unsent = sql(database, "SELECT count(*) FROM emails WHERE status <> 'sent'")[0][0]
        mailed = site["smtp"].item_mails("chef@example.se")
        return pending == 0 and unsent == 0 and all(mailed[i] >= 1 for i in ok)

    drained_in = time.monotonic()
    with suppress(AssertionError):  # reported below, with the numbers
        wait_until(drained, 90, "the outbox drains and every idea's e-mail arrives", 1)
    drained_in = time.monotonic() - drained_in
    time.sleep(5)  # room for a late duplicate

    mailed = site["smtp"].item_mails("chef@example.se")
    assigned = dict(
        sql(
            database,
            "SELECT item_id, count(*) FROM item_history WHERE action = 'assigned' GROUP BY item_id",
        )
    )
    titles = dict(sql(database, "SELECT title, id FROM items"))
    refused_but_written = [t for t, s, _b in load.results if not 200 <= s < 300 and t in titles]
    not_routed_once = [i for i in ok if assigned.get(i) != 1]
    not_mailed_once = [i for i in ok if mailed[i] != 1]
    missing = [i for i in ok if i not in titles.values()]
    down_statuses = Counter(status for _u, status, _t in while_down)
    summary = (
        f"{'; '.join(injected)}; {len(load.results)} submissions: {dict(statuses)}; "
        f"{len(ok)} 2xx: {len(ok) - len(missing)} in the database, "
        f"{len(ok) - len(not_routed_once)} routed once, {len(ok) - len(not_mailed_once)} "
        f"with one e-mail (outbox drained after {drained_in:.0f} s); "
        f"requests while PostgreSQL was down: {dict(down_statuses)}; "
        f"answered 503 after their commit (written whole): {len(refused_but_written)}"
    )
    print(summary)
    assert not missing, f"2xx but not in the database: {missing}; {summary}"
    assert not not_routed_once, f"not routed exactly once: {not_routed_once}; {summary}"
    assert not not_mailed_once, (
        f"not one e-mail each: { {i: mailed[i] for i in not_mailed_once} }, "
        f"recorded as {_emails_of(database, not_mailed_once)}; {summary}"
    )
    assert set(statuses) <= {201, 503}, (
        f"{[r for r in load.results if r[1] not in (201, 503)][:3]}; {summary}"
    )
    for _title, status, body in load.results:
        if status == 503:
            assert "database" in body["error"], f"{body}; {summary}"
    assert 503 in down_statuses and 500 not in down_statuses and 0 not in down_statuses, (
        f"{[d for d in while_down if d[1] != 503][:3]}; {summary}"
    )
    for url, _status, text in while_down:
        if "/api/" in url:
            assert "database" in text, f"{url}: {text}"
        elif "/healthz" not in url:
            assert "<html" in text.lower() and "Traceback" not in text, f"{url}: {text}"
    # A 503 may come after the commit (PostgreSQL stopped while the answer was read back):
    # such an idea must then be whole, routed once with one e-mail, never half-written.
    late = [titles[t] for t in refused_but_written]
    half = [i for i in late if assigned.get(i) != 1 or mailed[i] != 1]
    assert not half, f"answered with an error and written half-way: {half}; {summary}"
