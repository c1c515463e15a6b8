"""The one e-mail sender: SMTP through IDEAS_SMTP_URL, or .eml files in the instance
folder when no SMTP server is configured."""

from __future__ import annotations

import os
import secrets
import smtplib
import ssl
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

from ideas import clock


class MailConfigError(ValueError):
    pass


def build_message(
    *, to: str, subject: str, text: str, html: str, headers: dict[str, str] | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(clock.now().timestamp(), localtime=False)
    message["Message-ID"] = make_msgid(domain="ideas")
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def mail_folder() -> Path:
    return Path(current_app.instance_path) / "mail"


class _FileTransport:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: EmailMessage) -> None:
        stamp = clock.now().strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{os.getpid()}-{secrets.token_hex(4)}.eml"
        tmp = self.folder / (name + ".tmp")
        tmp.write_bytes(bytes(message))
        tmp.rename(self.folder / name)  # atomic: a reader never sees half a message


class _SMTPTransport:
    def __init__(self, client: smtplib.SMTP):
        self.client = client

    def send(self, message: EmailMessage) -> None:
        self.client.send_message(message)


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
        yield _SMTPTransport(client)


def send(message: EmailMessage) -> None:
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
