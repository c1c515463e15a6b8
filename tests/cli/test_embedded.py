"""The embedded default end to end: `ideas serve` runs the web, a worker and beat on
SQLite with no other service, and an idea submitted over HTTP is routed and its
manager's e-mail written, by separate processes."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import clean_env, run_cli, serving
from tests.smtp import free_port


def _get(url, token=None, data=None, method=None):
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - loopback
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, json.loads(response.read())


@pytest.fixture
def embedded(tmp_path):
    port = free_port()
    env = clean_env(IDEAS_INSTANCE_PATH=str(tmp_path), IDEAS_BASE_URL=f"http://127.0.0.1:{port}")
    run_cli(env, "db", "upgrade")
    run_cli(
        env,
        "users",
        "create",
        "--email",
        "chef@example.se",
        "--name",
        "Carl Chef",
        "--password",
        "correct horse battery",
        "--role",
        "manager",
    )
    run_cli(
        env,
        "units",
        "create",
        "--code",
        "VOO",
        "--name",
        "Vård och omsorg",
        "--manager",
        "chef@example.se",
    )
    run_cli(
        env,
        "users",
        "create",
        "--email",
        "anna@example.se",
        "--name",
        "Anna",
        "--password",
        "correct horse battery",
        "--unit",
        "VOO",
    )
    token = run_cli(env, "tokens", "create", "--email", "anna@example.se").strip().splitlines()[-1]
    base = f"http://127.0.0.1:{port}"
    with serving(
        env,
        ["serve", "--port", str(port), "--workers", "1"],
        tmp_path / "server.log",
        lambda: _get(base + "/healthz")[0] == 200,
        timeout=60,
    ):
        yield base, token, Path(tmp_path)


def test_serve_routes_a_submitted_idea_with_its_own_worker(embedded):
    base, token, instance = embedded
    body = json.dumps(
        {
            "title": "Nyckelskåp",
            "description": "Koder i stället för nycklar.",
            "unit": "VOO",
            "values": ["Vi vill"],
        }
    ).encode()
    status, idea = _get(base + "/api/v1/ideas", token, data=body, method="POST")
    assert status == 201
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        _status, now = _get(f"{base}/api/v1/ideas/{idea['id']}", token)
        mails = list((instance / "mail").glob("*.eml")) if (instance / "mail").exists() else []
        if now["assignee"] and mails:
            break
        time.sleep(0.5)
    assert now["assignee"] == {"name": "Carl Chef", "email": "chef@example.se"}
    (mail,) = mails
    text = mail.read_text()
    assert "To: chef@example.se" in text and f"/ideas/{idea['id']}" in text


def test_the_access_log_leaves_the_report_channel_out(embedded):
    base, _token, instance = embedded
    urllib.request.urlopen(base + "/report", timeout=10).read()  # noqa: S310 - loopback
    urllib.request.urlopen(base + "/login", timeout=10).read()  # noqa: S310
    time.sleep(1)  # gunicorn writes its access log line after the response
    written = (instance / "server.log").read_text()
    assert '"GET /login' in written
    assert "/report" not in written
