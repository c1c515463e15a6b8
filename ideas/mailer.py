"""The one e-mail sender: SMTP through IDEAS_SMTP_URL, or .eml files in the instance
folder when no SMTP server is configured."""

from __future__ import annotations

import binascii
import itertools
import os
import re
import secrets
import smtplib
import socket
import ssl
from contextlib import contextmanager
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

from ideas import clock


class MailConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Message:
    """One message ready to go: its envelope and its bytes (CRLF line ends)."""

    sender: str
    recipient: str
    data: bytes

    def __bytes__(self) -> bytes:
        return self.data


@lru_cache(maxsize=256)  # the same subject goes to many: encode it once
def _header(name: str, value: str) -> str:
    """One header line, RFC 2047-encoded (UTF-8) and folded when it is not plain ASCII
    or is long. A value with a line break would start a header of its own: refused,
    as ``email.message.EmailMessage`` refuses it."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"{name}: header values may not contain line breaks")
    if value.isascii():  # an unfolded line: a URL in List-Unsubscribe must stay whole
        if len(name) + len(value) > 996:
            raise ValueError(f"{name}: header too long")
        return f"{name}: {value}"
    encoded = Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
    return f"{name}: {encoded}"


# A bare address of the common characters: written as it is, without parsing (a
# digest goes to 50,000 different addresses, which no cache keeps).
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+")


def _address(value: str) -> str:
    """``Name <address>``, a non-ASCII display name encoded; the address as it is."""
    if _PLAIN_ADDRESS.fullmatch(value):
        return value
    return _parsed_address(value)


@lru_cache(maxsize=256)
def _parsed_address(value: str) -> str:
    name, address = parseaddr(value)
    if not address:
        raise ValueError(f"not an e-mail address: {value!r}")
    return formataddr((name, address), charset="utf-8")


def _part(subtype: str, body: str) -> bytes:
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if not body.endswith("\n"):
        body += "\n"
    data = body.replace("\n", "\r\n").encode("utf-8")
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode("ascii") + binascii.b2a_qp(data, istext=True)


_BOUNDARIES = itertools.count()


def _boundary() -> str:
    """A MIME boundary no part can contain: it begins with "=_", and quoted-printable
    (both parts are) writes every "=" as "=3D". So it needs no randomness of its own
    (``secrets`` costs a system call a message): the process's random prefix, for
    uniqueness across messages, and a counter."""
    return f"=_{_BOUNDARY_PREFIX}.{next(_BOUNDARIES)}"


_BOUNDARY_PREFIX = secrets.token_hex(8)


def build_message(
    *, to: str, subject: str, text: str, html: str, headers: dict[str, str] | None = None
) -> Message:
    """A multipart/alternative message (text/plain, then text/html; UTF-8,
    quoted-printable), written out directly: its shape never varies, and the
    ``email`` package's generator (parsing every header it is given, then folding and
    encoding it again) cost more than rendering the message (bench/RESULTS.md).
    ``tests/unit/test_mail.py`` reads what this writes back with that package."""
    sender = current_app.config["MAIL_FROM"]
    boundary = _boundary()
    lines = [
        f"From: {_address(sender)}",
        _header("To", _address(to)),
        _header("Subject", subject),
        f"Date: {formatdate(clock.now().timestamp(), localtime=False)}",
        f"Message-ID: {make_msgid(domain='ideas')}",
        "Auto-Submitted: auto-generated",
        *(_header(name, value) for name, value in (headers or {}).items()),
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        "",
        "",
    ]
    delimiter = f"--{boundary}\r\n".encode("ascii")
    data = b"".join(
        [
            "\r\n".join(lines).encode("ascii"),
            delimiter,
            _part("plain", text),
            b"\r\n" + delimiter,
            _part("html", html),
            f"\r\n--{boundary}--\r\n".encode("ascii"),
        ]
    )
    return Message(sender=_envelope_address(sender), recipient=to, data=data)


@lru_cache(maxsize=16)
def _envelope_address(value: str) -> str:
    return parseaddr(value)[1]


def mail_folder() -> Path:
    return Path(current_app.instance_path) / "mail"


class _FileTransport:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: Message, before_end=None) -> None:
        stamp = clock.now().strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{os.getpid()}-{secrets.token_hex(4)}.eml"
        tmp = self.folder / (name + ".tmp")
        tmp.write_bytes(bytes(message))
        if before_end is not None:
            try:
                before_end()
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        tmp.rename(self.folder / name)  # atomic: a reader never sees half a message


_LEADING_DOT = re.compile(rb"(?m)^\.")


@lru_cache(maxsize=1024)
def _path(address: str) -> str:
    """An address as MAIL FROM and RCPT TO carry it (``<address>``)."""
    return smtplib.quoteaddr(address)


class _SMTPTransport:
    def __init__(self, client: smtplib.SMTP):
        self.client = client
        client.ehlo_or_helo_if_needed()
        self.pipelining = client.does_esmtp and client.has_extn("pipelining")
        self.size = client.does_esmtp and client.has_extn("size")

    def send(self, message: Message, before_end=None) -> None:
        """Send one message. ``before_end`` (when given) is called once the server
        has agreed to take the message (MAIL, RCPT, DATA), before its data goes,
        ending with the end of the data, in one write: until then the server has not
        accepted it, and may not. A caller uses it to finish recording the previous
        message while this one is built and announced; if it raises, the connection
        is dropped and the server discards this message.

        A server that offers PIPELINING (RFC 2920; every common relay does) gets
        MAIL, RCPT and DATA in one write and answers them together: one round trip
        before the data instead of three. Otherwise, one command at a time."""
        client = self.client
        size = f" SIZE={len(message.data)}" if self.size else ""
        commands = [
            f"MAIL FROM:{_path(message.sender)}{size}",
            f"RCPT TO:{_path(message.recipient)}",
            "DATA",
        ]
        if self.pipelining:
            client.send("".join(f"{command}\r\n" for command in commands))
            replies = [client.getreply() for _ in commands]
        else:
            replies = []
            for command in commands:
                client.putcmd(command)
                replies.append(client.getreply())
                if replies[-1][0] not in (250, 251, 354):
                    break
        self._check(message, replies)
        data = _LEADING_DOT.sub(b"..", message.data)
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        if before_end is not None:
            try:
                before_end()
            except BaseException:
                client.close()  # in DATA: no QUIT is answered; the server drops the message
                raise
        client.send(data + b".\r\n")
        code, reply = client.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)

    def _check(self, message: Message, replies: list[tuple[int, bytes]]) -> None:
        """Raise what smtplib's ``sendmail()`` raises for a refused sender, recipient
        or DATA, leaving the connection ready for the next message."""
        client = self.client
        refused: Exception | None = None
        (mail_code, mail_reply), *rest = replies
        if mail_code != 250:
            refused = smtplib.SMTPSenderRefused(mail_code, mail_reply, message.sender)
        elif rest and rest[0][0] not in (250, 251):
            refused = smtplib.SMTPRecipientsRefused({message.recipient: rest[0]})
        elif len(rest) < 2 or rest[1][0] != 354:
            code, reply = rest[1] if len(rest) > 1 else (-1, b"")
            refused = smtplib.SMTPDataError(code, reply)
        if refused is None:
            return
        if len(rest) > 1 and rest[1][0] == 354:  # DATA went ahead regardless: end it empty
            client.send(b".\r\n")
            client.getreply()
        client.rset()
        raise refused


@contextmanager
def transport():
    """One connection for many messages: SMTP through IDEAS_SMTP_URL, or files."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        yield _FileTransport(mail_folder())
        return
    parts = urlsplit(str(url))
    if parts.scheme not in ("smtp", "smtps"):
        raise MailConfigError(f"IDEAS_SMTP_URL must start with smtp:// or smtps://, not {url!r}")
    options = parse_qs(parts.query)
    timeout = current_app.config["SMTP_TIMEOUT"]
    host = parts.hostname or "localhost"
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(
            host, parts.port or 465, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(host, parts.port or 25, timeout=timeout)
    with client:
        if parts.scheme == "smtp" and options.get("starttls", ["false"])[0].lower() == "true":
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        # The end of a message's data goes in a write of its own (_SMTPTransport.send):
        # without this, Nagle's algorithm holds it back until the server's delayed ACK.
        client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        yield _SMTPTransport(client)


def send(message: Message) -> None:
    """Deliver one message. Raises on failure (the caller decides about retries)."""
    with transport() as t:
        t.send(message)


def summary(path: Path, *, body: bool = False) -> dict:
    """What the admin's mail page shows of a written message."""
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    info = {
        "name": path.name,
        "to": message["To"],
        "subject": message["Subject"],
        "date": message["Date"],
    }
    if body:
        part = message.get_body(preferencelist=("plain",))
        info["text"] = part.get_content() if part is not None else ""
    return info
