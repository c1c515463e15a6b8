"""``ideas serve --web-only`` as production runs it (gunicorn, the same options, sync
workers), serving either the application (``bench.wsgi.bench_app``: the app plus its
in-app ping), the ceiling (``bench.minimal``: the smallest Flask app) or the reference
(``bench.reference``: a careful plain Flask list page).

    python -m bench.serve PORT WORKERS [app|minimal|reference]
"""

from __future__ import annotations

import sys

from ideas.cli import WebApplication, gunicorn_options


class BenchApplication(WebApplication):
    def __init__(self, options: dict, which: str):
        self.which = which  # read by load(), in each worker after the fork
        super().__init__(options)

    def load(self):
        if self.which == "minimal":
            from bench.minimal import app

            return app
        if self.which == "reference":
            from bench.reference import app

            return app
        from bench.wsgi import bench_app

        return bench_app()


def main() -> None:
    port, workers = int(sys.argv[1]), int(sys.argv[2])
    which = sys.argv[3] if len(sys.argv) > 3 else "app"
    if which not in ("app", "minimal", "reference"):
        raise SystemExit(f"unknown app {which!r}: app, minimal or reference")
    options = gunicorn_options("127.0.0.1", port, workers)
    options["worker_class"] = "sync"  # gunicorn's default, said out loud
    BenchApplication(options, which).run()


if __name__ == "__main__":
    main()
