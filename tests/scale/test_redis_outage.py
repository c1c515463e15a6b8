"""Redis down: the README promises the web stays in service ("degraded"), since the
outbox keeps the tasks. The rate limits keep their counters in Redis too, so logging in
and entering a receipt code must not fail with a 500 while it is away."""

from __future__ import annotations

import pytest
import requests

from tests.scale.topology import (
    PASSWORD,
    OwnRedis,
    Processes,
    create_org,
    fresh_database,
    post_form,
    require_services,
    site_env,
    start_web,
)

pytestmark = pytest.mark.services


def test_logging_in_and_following_up_a_report_work_while_redis_is_down(tmp_path):
    database_server, _broker = require_services()
    processes = Processes(tmp_path)
    redis = OwnRedis(processes)
    try:
        redis.start()
        with fresh_database(database_server) as database:
            env = site_env(tmp_path / "web", database, redis.url, "smtp://127.0.0.1:9")
            create_org(env, [])
            web = start_web(processes, "web", env)
            redis.stop()
            browser = requests.Session()
            health = browser.get(web + "/healthz", timeout=10).json()
            login = post_form(
                browser,
                web + "/login",
                web + "/login",
                {"email": "chef@example.se", "password": PASSWORD},
            )
            guess = post_form(
                requests.Session(),
                web + "/report/follow-up",
                web + "/report/follow-up",
                {"code": "ABCD-EFGH-JKLM-NPQR"},
            )
            summary = (
                f"Redis stopped: /healthz {health['status']}, login {login.status_code}, "
                f"wrong receipt code {guess.status_code}"
            )
            print(summary)
            assert health["status"] == "degraded", summary
            assert login.status_code == 302, summary
            assert guess.status_code == 400, summary
    finally:
        processes.stop_all()
