"""A real OpenID Connect provider for the tests: panva's oidc-provider (provider.mjs)
on loopback, run with the machine's Node.js from node_modules here (``npm ci`` in the
Makefile's test target). Where Node.js is absent, the tests that need it are skipped
with that reason; where it is present but the package is not installed, they fail."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from tests.servers import stop
from tests.smtp import free_port

HERE = Path(__file__).resolve().parent
CLIENT_ID = "ideas-tests"
CLIENT_SECRET = "a-client-secret-for-the-tests-only"  # noqa: S105 - a test value

# The people the provider knows, by subject (what its login form takes as "login").
ACCOUNTS = {
    "sub-anna": {"email": "anna@example.se", "email_verified": True, "name": "Anna Andersson"},
    "sub-new": {"email": "ny@example.se", "email_verified": True, "name": "Nils Ny"},
    "sub-unverified": {"email": "bo@example.se", "email_verified": False, "name": "Bo Berg"},
    "sub-stranger": {"email": "okand@example.se", "email_verified": True, "name": "Okänd"},
    "sub-handler": {
        "email": "handlaggare@example.se",
        "email_verified": True,
        "name": "Hanna Handläggare",
    },
    "sub-chief": {
        "email": "anna@example.se",
        "email_verified": True,
        "name": "Anna Andersson",
        "groups": ["g-staff", "g-managers"],
    },
}


def node() -> str:
    """The machine's Node.js, or the test is skipped saying so."""
    found = shutil.which("node")
    if found is None:
        pytest.skip("Node.js is not installed: the real OpenID Connect provider cannot run")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("oidc-provider is not installed: run `npm ci --prefix tests/oidc`")
    return found


@dataclass
class Provider:
    issuer: str  # what the provider puts in its tokens
    url: str  # where it is reached (the issuer we configure, normally the same)


@contextmanager
def running_provider(
    log_path: Path,
    *,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str] = (),
    mode: str = "normal",
    issuer_path: str = "",
    accounts: dict | None = None,
) -> Iterator[Provider]:
    """oidc-provider on a free loopback port until the block ends. ``issuer_path`` makes
    it name another issuer than the address it is reached at (a wrong issuer)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    options = {
        "port": port,
        "issuer": url + issuer_path,
        "mode": mode,
        "accounts": accounts or ACCOUNTS,
        "client": {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": redirect_uris,
            "post_logout_redirect_uris": list(post_logout_redirect_uris),
        },
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [node(), str(HERE / "provider.mjs"), json.dumps(options)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=HERE,
        )
        try:
            deadline = time.monotonic() + 30
            while b"listening" not in log_path.read_bytes():
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"oidc-provider did not start: see {log_path}")
                time.sleep(0.05)
            yield Provider(issuer=url + issuer_path, url=url)
        finally:
            stop(process, timeout=10)


def sign_in_at_provider(authorization_url: str, login: str, callback_prefix: str) -> str:
    """What a person does at the provider: its login form, as ``login`` (a subject of
    ACCOUNTS). Returns the URL the provider sends the browser back to (code, state)."""
    browser = requests.Session()
    url = authorization_url
    for _step in range(10):
        if url.startswith(callback_prefix):
            return url
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            continue
        form = re.search(r'<form[^>]*action="([^"]+)"', response.text)
        assert form, f"no form at the provider ({response.status_code}): {response.text[:500]}"
        action = urljoin(url, form.group(1))
        data = {"prompt": "login", "login": login, "password": "anything"}
        if 'value="consent"' in response.text:
            data = {"prompt": "consent"}
        response = browser.post(action, data=data, allow_redirects=False, timeout=10)
        assert response.is_redirect, response.text[:500]
        url = urljoin(action, response.headers["Location"])
    raise AssertionError(f"the provider never sent the browser back: last at {url}")


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
