"""The application as production serves it, plus one trivial route, the in-app ping:
``/bench/ping`` answers "ok" through the same app, middleware and server
configuration, without touching the database or the broker."""

from __future__ import annotations

from flask import Flask

from ideas import create_app
from ideas.security import public


def bench_app() -> Flask:
    app = create_app()

    @app.get("/bench/ping")
    @public
    def bench_ping():
        return "ok"

    return app
