"""ideas serve, and the ``ideas`` group itself."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo

from ideas import cli as ideas_cli
from ideas.extensions import db


def test_help_lists_the_options(invoke):
    result = invoke("serve", "--help")
    assert result.exit_code == 0
    for option in ("--host", "--port", "--workers", "--web-only"):
        assert option in result.output
    assert "production" in result.output
    assert "gunicorn" in result.output


@pytest.mark.parametrize(
    ("args", "bind", "workers"),
    [
        ([], "127.0.0.1:5000", 2),
        (["--port", "8123"], "127.0.0.1:8123", 2),
        (["--host", "0.0.0.0", "--port", "8000", "--workers", "4", "--web-only"],  # noqa: S104
         "0.0.0.0:8000", 4),
    ],
)  # fmt: skip
def test_serve_runs_gunicorn_with_the_options(invoke, monkeypatch, args, bind, workers):
    started, spawned = [], []
    monkeypatch.setattr(ideas_cli.WebApplication, "run", lambda self: started.append(self))

    class Process:  # the worker process, recorded here; test_embedded.py starts a real one
        pid = 4242

        def __init__(self, argv):
            spawned.append(argv)

        def terminate(self):
            spawned.append("terminated")

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(ideas_cli.subprocess, "Popen", Process)

    result = invoke("serve", *args)

    assert result.exit_code == 0, result.output
    (server,) = started
    assert server.cfg.bind == [bind]
    assert server.cfg.workers == workers
    assert server.cfg.worker_class_str == "sync"
    if "--web-only" in args:
        assert spawned == []
    else:  # the embedded default: a worker with its beat, stopped with the web
        assert spawned[0][-5:] == ["worker", "worker", "--loglevel=INFO", "--pool=solo", "--beat"]
        assert spawned[1] == "terminated"


def test_workers_must_be_positive(invoke):
    assert invoke("serve", "--workers", "0").exit_code != 0


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("IDEAS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("IDEAS_INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path / "instance"


def test_the_gunicorn_application_loads_our_app(app, clean_env):
    server = ideas_cli.WebApplication(ideas_cli.gunicorn_options("127.0.0.1", 5000, 1))
    try:
        wsgi = server.wsgi()
        assert isinstance(wsgi, Flask) and wsgi is not app
        assert wsgi.import_name == "ideas"
        assert wsgi.instance_path == str(clean_env)
        assert {"/healthz", "/login", "/ideas"} <= {r.rule for r in wsgi.url_map.iter_rules()}
        # Each worker process builds its own app: a second load is a second app.
        assert server.load() is not wsgi
    finally:
        app.extensions["celery"].set_default()
        for loaded in filter(None, [server.callable]):
            with loaded.app_context():
                db.engine.dispose()


def test_the_ideas_group(app):
    info = ScriptInfo(create_app=lambda: app)
    result = CliRunner().invoke(ideas_cli.cli, ["--help"], obj=info)
    assert result.exit_code == 0, result.output
    commands = {
        line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()
    }
    assert {
        "serve",
        "worker",
        "digest",
        "users",
        "units",
        "tokens",
        "demo",
        "db",
        "shell",
        "routes",
    } <= commands
    # Flask's development server is not how this application is served.
    assert "run" not in commands
