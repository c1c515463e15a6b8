"""One weekly digest run for every user, as beat runs it (``digest.run``), in a
process of its own so that its peak memory is the run's. Prints one JSON line.

    IDEAS_DATABASE_URL=... IDEAS_SMTP_URL=... python -m bench.digest_run
"""

from __future__ import annotations

import json
import resource
import time


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    from ideas import create_app
    from ideas.extensions import db
    from ideas.services import digest

    app = create_app()
    with app.app_context():
        db.session.execute(db.text("SELECT 1"))
        before = _rss_mb()
        start = resource.getrusage(resource.RUSAGE_SELF)
        cpu_before = start.ru_utime + start.ru_stime
        t0 = time.perf_counter()
        sent = digest.run("weekly")
        wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {
        "sent": sent,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime - cpu_before,
        "rss_before_mb": before,
        "peak_mb": usage.ru_maxrss / 1024,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
