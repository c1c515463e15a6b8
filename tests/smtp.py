"""A real SMTP server in the test process (aiosmtpd), collecting what it receives."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self):
        self.messages = []
        self.envelopes = []  # (MAIL FROM, RCPT TOs) of each message accepted
        self.refuse = False
        self.refuse_recipient = None
        self.refuse_data_to = None  # the end of a message to this address refused
        self.pipelining = True  # as Postfix, Exim and the cloud relays offer it

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refuse_recipient:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 Try again later"
        if self.refuse_data_to in envelope.rcpt_tos:
            return "554 Message refused"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def to(self, address: str):
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Authenticator:
    def __init__(self, user: str, password: str):
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        ok = (auth_data.login, auth_data.password) == (self.user, self.password)
        return AuthResult(success=ok)


class SMTPServer:
    def __init__(self, user: str | None = None, password: str | None = None):
        self.inbox = Inbox()
        self.port = free_port()
        self.user, self.password = user, password
        options = {}
        if user:
            options = {
                "authenticator": _Authenticator(user, password or ""),
                "auth_required": True,
                "auth_require_tls": False,
            }
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **options)

    @property
    def url(self) -> str:
        if self.user:
            from urllib.parse import quote

            user, password = quote(self.user, safe=""), quote(self.password, safe="")
            return f"smtp://{user}:{password}@127.0.0.1:{self.port}"
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        import warnings

        with warnings.catch_warnings():
            # AUTH without TLS, on loopback in a test, is what we mean to do.
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            self.controller.start()
        return self

    def stop(self):
        self.controller.stop()
