"""A local SMTP server that accepts everything and keeps only a count: the digest's
50,000 messages are delivered for real, without a mailbox growing in memory. Beside
the count (COUNT_FILE) it writes its own CPU seconds (COUNT_FILE.cpu): it runs on the
same cores as the digest it receives.

It stands in for the organisation's mail relay, which in production runs on a machine
of its own; so it is kept as cheap as a real relay's front end (a Postfix smtpd): the
SMTP conversation of RFC 5321 with PIPELINING (RFC 2920) on asyncio's protocol layer,
a message counted when its data has ended ("." alone on a line), nothing kept. aiosmtpd
(which the test suite uses, to read what is sent) spent 1.6 ms of CPU a message here,
as much as the digest spent building it (bench/RESULTS.md).

    python -m bench.smtp_sink PORT COUNT_FILE
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from pathlib import Path

EHLO = b"250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 52428800\r\n"
END = b"\r\n.\r\n"


class Counter:
    def __init__(self):
        self.count = 0


class Session(asyncio.Protocol):
    """One client: commands a line at a time (several may come in one read), and in
    DATA only the end of the data looked for, never the message kept."""

    def __init__(self, counter: Counter):
        self.counter = counter
        self.buffer = b""
        self.in_data = False
        self.sender = self.recipients = 0

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, chunk: bytes) -> None:
        buffer = self.buffer + chunk
        replies = []
        while buffer:
            if self.in_data:
                end = buffer.find(END)
                if end < 0:
                    buffer = buffer[-4:]  # a terminator split over two reads
                    break
                buffer = buffer[end + len(END) :]
                self.in_data = False
                self.sender = self.recipients = 0
                self.counter.count += 1
                replies.append(b"250 OK queued\r\n")
                continue
            line_end = buffer.find(b"\r\n")
            if line_end < 0:
                break
            line, buffer = buffer[:line_end], buffer[line_end + 2 :]
            reply = self.command(line)
            replies.append(reply)
            if self.in_data:
                buffer = b"\r\n" + buffer  # the data's first line may be the end itself
            if reply.startswith(b"221"):
                break
        self.buffer = buffer
        self.transport.write(b"".join(replies))
        if replies and replies[-1].startswith(b"221"):
            self.transport.close()

    def command(self, line: bytes) -> bytes:
        verb = line[:4].upper()
        if verb == b"EHLO":
            return EHLO
        if verb in (b"HELO", b"NOOP"):
            return b"250 OK\r\n"
        if verb == b"MAIL":
            self.sender, self.recipients = 1, 0
            return b"250 OK\r\n"
        if verb == b"RCPT":
            if not self.sender:
                return b"503 MAIL first\r\n"
            self.recipients += 1
            return b"250 OK\r\n"
        if verb == b"DATA":
            if not self.recipients:
                return b"503 RCPT first\r\n"
            self.in_data = True
            return b"354 End data with <CR><LF>.<CR><LF>\r\n"
        if verb == b"RSET":
            self.sender = self.recipients = 0
            return b"250 OK\r\n"
        if verb == b"QUIT":
            return b"221 Bye\r\n"
        return b"500 Unknown command\r\n"


async def serve(port: int, out: Path) -> None:
    counter = Counter()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Session(counter), "127.0.0.1", port)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    print("ready", flush=True)
    cpu = out.with_name(out.name + ".cpu")
    while not stop.is_set():
        _write(out, str(counter.count))
        _write(cpu, f"{time.process_time():.2f}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)
    server.close()
    _write(out, str(counter.count))
    _write(cpu, f"{time.process_time():.2f}")


def _write(path: Path, text: str) -> None:
    """Whole or not at all: the bench reads these files while they are rewritten."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def main() -> None:
    asyncio.run(serve(int(sys.argv[1]), Path(sys.argv[2])))


if __name__ == "__main__":
    main()
