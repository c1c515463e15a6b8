"""Scale out (DESIGN.md section 11): two web servers, two workers and one beat against
one PostgreSQL and one Redis behave as one site. A browser goes back and forth between
the two web servers with one cookie jar, as behind a load balancer without sticky
sessions."""

from __future__ import annotations

import re
import time

import pytest
import requests

from tests.scale.topology import (
    PASSWORD,
    Processes,
    create_org,
    csrf,
    flush_redis,
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
    with_path,
)

pytestmark = pytest.mark.services
SWEEP_INTERVAL = 2
IDEA = {"description": "Koder i stället för nycklar.", "unit": "VOO", "values": ["Vi vill"]}


@pytest.fixture
def site(tmp_path):
    database_server, broker_server = require_services()
    broker = with_path(broker_server, "/14")
    flush_redis(broker)
    smtp = smtp_server()
    processes = Processes(tmp_path)
    try:
        with fresh_database(database_server) as database:

            def env(name):
                return site_env(
                    tmp_path / name,
                    database,
                    broker,
                    smtp.url,
                    IDEAS_OUTBOX_SWEEP_INTERVAL_SECONDS=str(SWEEP_INTERVAL),
                    IDEAS_OUTBOX_SWEEP_AFTER_SECONDS="5",
                )

            tokens = create_org(env("cli"), ["anna@example.se", "bo@example.se"])
            a = start_web(processes, "web-a", env("web-a"))
            b = start_web(processes, "web-b", env("web-b"))
            start_worker(processes, "worker-1", env("worker-1"))
            start_worker(processes, "worker-2", env("worker-2"))
            beat_started = time.monotonic()
            start_beat(processes, env("beat"))
            yield {
                "a": a,
                "b": b,
                "tokens": tokens,
                "database": database,
                "smtp": smtp.inbox,
                "processes": processes,
                "beat_started": beat_started,
            }
    finally:
        processes.stop_all()
        smtp.stop()
        flush_redis(broker)


def _log_in(browser, base):
    response = post_form(
        browser,
        base + "/login",
        base + "/login",
        {"email": "anna@example.se", "password": PASSWORD},
    )
    assert response.status_code == 302, f"login on {base}: {response.status_code}"


def _logged_in(browser, base) -> bool:
    response = browser.get(base + "/ideas/new", timeout=10, allow_redirects=False)
    return response.status_code == 200


def _api_idea(base, token, title) -> int:
    response = requests.post(
        base + "/api/v1/ideas",
        json={"title": title, **IDEA},
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_two_web_servers_two_workers_and_one_beat_serve_one_browser_as_one_site(site):
    a, b, tokens, smtp = site["a"], site["b"], site["tokens"], site["smtp"]
    browser = requests.Session()
    checked = []

    # A session made on A is valid on B.
    _log_in(browser, a)
    assert _logged_in(browser, b), "the session cookie made on A is not valid on B"
    checked.append("login on A valid on B")

    # An idea submitted with the web form on B (CSRF token from B), one through the API.
    form = {"title": "Nyckelskåp på B", **IDEA}
    response = post_form(browser, b + "/ideas/new", b + "/ideas/new", form)
    assert response.status_code == 302, f"web form on B: {response.status_code}"
    web_idea = int(re.search(r"/ideas/(\d+)", response.headers["Location"]).group(1))
    api_idea = _api_idea(b, tokens["bo@example.se"], "Bos idé via API på B")
    also = _api_idea(a, tokens["anna@example.se"], "Annas idé via API på A")
    checked.append("web form on B, API on A and B")

    # Anna supports Bo's idea on A, with a token from a page of A.
    page = f"{a}/ideas/{api_idea}"
    response = post_form(browser, page, page + "/support", {})
    assert response.status_code == 302, f"support on A: {response.status_code}"
    supports = sql(site["database"], "SELECT count(*) FROM supports WHERE item_id = %s", api_idea)
    assert supports == [(1,)], "the support given on A is not recorded"
    checked.append("support on A")

    # A report filed on A is followed up on B with its receipt code.
    reporter = requests.Session()
    response = post_form(
        reporter, a + "/report", a + "/report", {"what": "Något allvarligt hände."}
    )
    assert response.status_code == 200, f"report on A: {response.status_code}"
    code = re.search(r'id="receipt-code"[^>]*>([^<]+)<', response.text).group(1).strip()
    response = post_form(reporter, b + "/report/follow-up", b + "/report/follow-up", {"code": code})
    assert response.status_code == 302, f"follow-up on B: {response.status_code}"
    assert reporter.get(b + "/report/mailbox", timeout=10).status_code == 200
    assert reporter.get(a + "/report/mailbox", timeout=10).status_code == 200, (
        "the follow-up session opened on B is not known on A"
    )
    checked.append("report on A followed up on B (and A)")

    # Guessing receipt codes: the limit counts across both servers.
    guesser = requests.Session()
    statuses = []
    for attempt in range(5):
        base = (a, b)[attempt % 2]
        response = post_form(
            guesser,
            base + "/report/follow-up",
            base + "/report/follow-up",
            {"code": "ABCD-EFGH-JKLM-NPQR"},
        )
        statuses.append(response.status_code)
    assert statuses == [400] * 5, f"wrong codes: {statuses}"
    for base in (b, a):
        response = post_form(
            guesser,
            base + "/report/follow-up",
            base + "/report/follow-up",
            {"code": "ABCD-EFGH-JKLM-NPQR"},
        )
        assert response.status_code == 429, (
            f"the 6th wrong code on {base} got {response.status_code}, not 429: "
            "the guess limit is not shared by the web servers"
        )
    checked.append("5 wrong codes A/B, 6th 429 on A and B")

    # Logging out on B logs out on A.
    before_logout = browser.cookies.get("ideas_session")
    response = post_form(browser, b + "/ideas/new", b + "/logout", {})
    assert response.status_code == 302
    assert not _logged_in(browser, a), "logged out on B, still logged in on A"
    replay = requests.Session()
    replay.cookies.set("ideas_session", before_logout)
    replayed = _logged_in(replay, a)
    checked.append("logout on B ends the session on A")
    if replayed:
        checked.append("NOTE: a copy of the cookie from before the logout still works on A")

    # Every idea routed once, with one e-mail to the manager.
    ideas = [web_idea, api_idea, also]

    def all_mailed():
        counts = smtp.item_mails("chef@example.se")
        return all(counts[i] >= 1 for i in ideas)

    wait_until(all_mailed, 60, "every idea's e-mail reaches the manager")
    time.sleep(2 * SWEEP_INTERVAL + 1)  # room for a duplicate to arrive, if there were one
    counts = smtp.item_mails("chef@example.se")
    assigned = dict(
        sql(
            site["database"],
            "SELECT item_id, count(*) FROM item_history WHERE action = 'assigned' "
            "AND item_id = ANY(%s) GROUP BY item_id",
            ideas,
        )
    )
    checked.append(f"{len(ideas)} ideas: assigned {assigned}, e-mails {dict(counts)}")
    assert all(assigned.get(i) == 1 for i in ideas), "; ".join(checked)
    assert all(counts[i] == 1 for i in ideas), "; ".join(checked)

    # Beat runs the sweep once per interval, whatever the number of web and worker processes.
    processes = site["processes"]
    uptime = time.monotonic() - site["beat_started"]
    worker_logs = processes.log("worker-1") + processes.log("worker-2")
    ran = len(re.findall(r"ideas\.sweep_outbox\[[^\]]+\] succeeded", worker_logs))
    sent = processes.log("beat").count("Sending due task sweep-outbox")
    web_logs = processes.log("web-a") + processes.log("web-b")
    checked.append(
        f"beat up {uptime:.0f} s, sweep every {SWEEP_INTERVAL} s: "
        f"beat sent {sent}, workers ran {ran}"
    )
    summary = "; ".join(checked)
    print(summary)
    assert "beat" not in web_logs.lower(), "a web server started a scheduler: " + summary
    assert 1 <= sent <= uptime / SWEEP_INTERVAL + 1, summary
    assert sent - 1 <= ran <= sent, summary
    assert csrf(requests.Session(), a + "/login")  # both still serve after all that
