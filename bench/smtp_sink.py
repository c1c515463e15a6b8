"""A local SMTP server that accepts everything and keeps only a count: the digest's
50,000 messages are delivered for real, without a mailbox growing in memory. Beside
the count (COUNT_FILE) it writes its own CPU seconds (COUNT_FILE.cpu): it runs on the
same cores as the digest it receives.

    python -m bench.smtp_sink PORT COUNT_FILE
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def main() -> None:
    port, out = int(sys.argv[1]), Path(sys.argv[2])
    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready", flush=True)
    cpu = out.with_name(out.name + ".cpu")
    while not stop.wait(0.5):
        out.write_text(str(handler.count))
        cpu.write_text(f"{time.process_time():.2f}")  # every thread of the process
    controller.stop()
    out.write_text(str(handler.count))


if __name__ == "__main__":
    main()
