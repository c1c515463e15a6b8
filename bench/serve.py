"""``ideas serve --web-only`` as production runs it (gunicorn, the same options, sync
workers), serving ``bench.wsgi.bench_app``: the app plus the ceiling's route.

    python -m bench.serve PORT WORKERS
"""

from __future__ import annotations

import sys

from ideas.cli import WebApplication, gunicorn_options


class BenchApplication(WebApplication):
    def load(self):
        from bench.wsgi import bench_app

        return bench_app()


def main() -> None:
    port, workers = int(sys.argv[1]), int(sys.argv[2])
    options = gunicorn_options("127.0.0.1", port, workers)
    options["worker_class"] = "sync"  # gunicorn's default, said out loud
    BenchApplication(options).run()


if __name__ == "__main__":
    main()
