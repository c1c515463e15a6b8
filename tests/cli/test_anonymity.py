"""The whole product, from outside: an employee logged in files an anonymous report
with files, follows it up and answers; then every file the server wrote (the SQLite
database with its write-ahead log, the upload folder, everything in the instance
folder) and everything it logged is searched for the report's words and for the
reporter's address and browser. None is found, while a case handler can read it all.

The employee logs in from one address (a login is logged like any request); the
report is sent from another, so that any trace of it would show.
"""

from __future__ import annotations

import http.client
import io
import os
import re
import time
import uuid
from http.cookies import SimpleCookie

import pytest
from PIL import Image

from tests.servers import clean_env, run_cli, serving
from tests.smtp import free_port

pytestmark = pytest.mark.skipif(
    os.environ.get("IDEAS_TEST_DATABASE_URL") not in (None, ""),
    reason="runs once, in the SQLite pass: it searches the database file itself",
)

PASSWORD = "correct horse battery"
LOGIN_FROM = "127.0.0.66"
REPORT_FROM = "127.0.0.77"
USER_AGENT = "Reporter-Browser-7c1d/1.0"  # the reporting browser's; logins use another
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CODE_RE = re.compile(r'id="receipt-code"[^>]*>([0-9A-Z-]+)<')


class Browser:
    """Just enough of a browser: cookies, forms with their CSRF token, one source address."""

    def __init__(self, port: int, source: str):
        self.port, self.source = port, source
        self.cookies: dict[str, str] = {}
        self.user_agent = "Office-Browser/1.0"

    def request(self, method, path, body=None, content_type=None):
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=20, source_address=(self.source, 0)
        )
        headers = {"User-Agent": self.user_agent}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        conn.close()
        return response.status, text

    def form(self, path, fields, files=(), page=None):
        _status, html = self.request("GET", page or path)
        fields = {**fields, "csrf_token": CSRF_RE.search(html).group(1)}
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for filename, data in files:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                + data
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST", path, b"".join(parts), f"multipart/form-data; boundary={boundary}"
        )


def photo(model: str) -> bytes:
    exif = Image.Exif()
    exif[0x0110] = model
    exif.get_ifd(0x8825)[1] = "N"
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 90, 0)).save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = clean_env(
        IDEAS_INSTANCE_PATH=str(tmp_path / "instance"), IDEAS_BASE_URL=f"http://127.0.0.1:{port}"
    )
    run_cli(env, "db", "upgrade")
    for email, role in (("anna@example.se", "employee"), ("vb@example.se", "case_handler")):
        name = email.split("@")[0]
        run_cli(env, "users", "create", "--email", email, "--name", name,
                "--password", PASSWORD, "--role", role)  # fmt: skip
    log_path = tmp_path / "server.log"
    with serving(
        env,
        ["serve", "--web-only", "--port", str(port), "--workers", "1"],
        log_path,
        lambda: Browser(port, "127.0.0.1").request("GET", "/healthz")[0] == 200,
    ):
        yield port, tmp_path / "instance", log_path


def test_an_anonymous_report_leaves_no_trace_of_its_words_or_its_reporter(server):
    port, instance, log_path = server
    marker = "Marker-" + uuid.uuid4().hex[:12]
    employee = Browser(port, LOGIN_FROM)
    status, _ = employee.form("/login", {"email": "anna@example.se", "password": PASSWORD})
    assert status == 302 and "ideas_session" in employee.cookies
    # The same logged-in browser, now from the reporting address.
    employee.source, employee.user_agent = REPORT_FROM, USER_AGENT
    status, receipt = employee.form(
        "/report",
        {"what": f"{marker} in the accounts", "who": f"{marker} who"},
        files=[("notes.txt", f"{marker} notes\n".encode()), ("IMG_1.jpg", photo(marker))],
    )
    assert status == 200, receipt[:500]
    code = CODE_RE.search(receipt).group(1)
    status, _ = employee.form("/report/follow-up", {"code": code})
    assert status == 302
    status, _ = employee.form("/report/mailbox", {"body": f"{marker} more"})
    assert status == 302

    # A case handler reads it all (so the search below looks for something real).
    handler = Browser(port, LOGIN_FROM)
    handler.form("/login", {"email": "vb@example.se", "password": PASSWORD})
    status, inbox = handler.request("GET", "/cases")
    case_url = re.search(r'href="(/cases/\d+)"', inbox).group(1)
    status, case = handler.request("GET", case_url)
    assert status == 200 and f"{marker} in the accounts" in case and f"{marker} more" in case
    attachment = re.search(r'href="(/cases/\d+/attachments/\d+)"', case).group(1)
    assert marker in handler.request("GET", attachment)[1]
    time.sleep(1)  # gunicorn writes its access log line after the response

    written = {p: p.read_bytes() for p in instance.rglob("*") if p.is_file()}
    assert any(p.name.endswith("-wal") for p in written) or any(
        p.suffix == ".sqlite3" for p in written
    )
    assert any(p.parent.name == "uploads" for p in written)
    written[log_path] = log_path.read_bytes()
    assert b"GET /login" in written[log_path] or b"POST /login" in written[log_path]
    for needle in (marker, REPORT_FROM, USER_AGENT, code, code.replace("-", "")):
        found = [
            str(p.relative_to(p.parents[1]))
            for p, data in written.items()
            if needle.encode() in data or needle.encode("utf-16-le") in data
        ]
        assert found == [], f"{needle!r} found in {found}"
