"""Helpers for the scale and fault tests: processes started in groups of their own and
always killed, a fresh PostgreSQL database, a throwaway Redis and PostgreSQL server,
an SMTP server that counts what it receives, and a browser with one cookie jar."""

from __future__ import annotations

import asyncio
import glob
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests

from tests.servers import IDEAS, clean_env, run_cli
from tests.smtp import Inbox, SMTPServer, free_port

PASSWORD = "correct horse battery"
CELERY = [sys.executable, "-m", "celery", "-A", "worker"]


def require_services() -> tuple[str, str]:
    """The PostgreSQL and Redis URLs of the environment, or skip the test."""
    database = os.environ.get("IDEAS_TEST_DATABASE_URL", "")
    broker = os.environ.get("IDEAS_TEST_BROKER_URL", "")
    if not database.startswith(("postgres://", "postgresql")):
        pytest.skip("needs IDEAS_TEST_DATABASE_URL=postgresql://... (as .ci/run sets)")
    if not broker.startswith("redis://"):
        pytest.skip("needs IDEAS_TEST_BROKER_URL=redis://... (as .ci/run sets)")
    return database, broker


def with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def wait_until(predicate, timeout: float, what: str, interval: float = 0.3):
    """Poll ``predicate()`` until it is true; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = predicate()
        except (OSError, requests.RequestException, psycopg.Error):
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(interval)


# -- processes -----------------------------------------------------------------------


class Processes:
    """Every process a test starts, each leading a process group of its own, so that
    gunicorn's and Celery's children die with it."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        process = subprocess.Popen(  # noqa: S603 - our own argv
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.running[name] = process
        return process

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        process = self.running.pop(name)
        with _gone():
            os.killpg(process.pid, sig)
        process.wait(timeout=30)
        return process.pid

    def stop_all(self) -> None:
        for process in self.running.values():
            with _gone():
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.running.values():
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with _gone():
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        self.running.clear()


@contextmanager
def _gone():
    with suppress(ProcessLookupError):
        yield


# -- PostgreSQL and Redis --------------------------------------------------------------


@contextmanager
def fresh_database(server_url: str):
    """A new database ``ideas_scale_<random>`` on the server of ``server_url``, dropped
    afterwards; yields its URL."""
    name = f"ideas_scale_{secrets.token_hex(4)}"
    admin = with_path(server_url, "/postgres")
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_path(server_url, f"/{name}")
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sql(url: str, query: str, *params) -> list[tuple]:
    with psycopg.connect(url, connect_timeout=5) as conn:
        return conn.execute(query, params).fetchall()


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    client.flushdb()
    client.close()


class OwnRedis:
    """A throwaway redis-server on a free port (the machine's Redis is shared)."""

    def __init__(self, processes: Processes):
        self.processes, self.port = processes, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no"]
        self.processes.start("redis", argv, os.environ.copy())
        wait_until(self._ping, 20, "own redis-server answers")

    def stop(self) -> None:
        self.processes.kill("redis")

    def _ping(self) -> bool:
        import redis

        client = redis.Redis(port=self.port, socket_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()


class OwnPostgres:
    """A throwaway PostgreSQL cluster (initdb + pg_ctl) in a temp dir on a free port,
    run as the postgres user when this is root (the machine's cluster is shared)."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            pytest.skip("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
        self.bin = Path(found[-1]).parent
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="ideas_scale_pg_"))
        self.data = self.dir / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def _run(self, tool: str, *args: str, timeout: int = 60) -> None:
        argv = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        done = subprocess.run(  # noqa: S603
            argv, capture_output=True, text=True, timeout=timeout, check=False, cwd=self.dir
        )
        assert done.returncode == 0, f"{tool}: {done.stdout[-1000:]} {done.stderr[-1000:]}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "log"),
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def destroy(self) -> None:
        with suppress(AssertionError):  # not running
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


# -- SMTP --------------------------------------------------------------------------------


class CountingInbox(Inbox):
    """Collects messages; ``delay`` seconds pass before each MAIL FROM is accepted, so a
    message is either not begun or fully accepted when its sender is killed."""

    def __init__(self, delay: float = 0.0):
        super().__init__()
        self.delay = delay

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.delay:
            await asyncio.sleep(self.delay)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    def item_mails(self, recipient: str) -> Counter:
        """How many e-mails to ``recipient`` name each item id (``/ideas/<id>``)."""
        counts: Counter = Counter()
        for message in list(self.messages):
            if message["To"] == recipient:
                for item_id in set(re.findall(r"/ideas/(\d+)\b", message.as_string())):
                    counts[int(item_id)] += 1
        return counts

    def per_recipient(self) -> Counter:
        return Counter(str(m["To"]) for m in list(self.messages))


def smtp_server(delay: float = 0.0) -> SMTPServer:
    server = SMTPServer()
    server.inbox = CountingInbox(delay)
    server.controller.handler = server.inbox
    return server.start()


# -- the site ------------------------------------------------------------------------------


def site_env(instance: Path, database: str, broker: str, smtp: str, **extra: str) -> dict:
    instance.mkdir(parents=True, exist_ok=True)
    return clean_env(
        IDEAS_INSTANCE_PATH=str(instance),
        IDEAS_DATABASE_URL=database,
        IDEAS_BROKER_URL=broker,
        IDEAS_SMTP_URL=smtp,
        IDEAS_SECRET_KEY=SITE_SECRET,
        IDEAS_BASE_URL="http://127.0.0.1:5000",
        **extra,
    )


SITE_SECRET = secrets.token_hex(32)


def create_org(env: dict[str, str], employees: list[str]) -> dict[str, str]:
    """A manager (chef@example.se) leading unit VOO, and ``employees`` in it, with the
    CLI; returns an API token per employee."""
    run_cli(env, "db", "upgrade")
    run_cli(
        env,
        "users",
        "create",
        "--email",
        "chef@example.se",
        "--name",
        "Carl Chef",
        "--password",
        PASSWORD,
        "--role",
        "manager",
    )
    run_cli(
        env,
        "units",
        "create",
        "--code",
        "VOO",
        "--name",
        "Vård och omsorg",
        "--manager",
        "chef@example.se",
    )
    tokens = {}
    for email in employees:
        run_cli(
            env,
            "users",
            "create",
            "--email",
            email,
            "--name",
            email.split("@")[0],
            "--password",
            PASSWORD,
            "--unit",
            "VOO",
        )
        tokens[email] = run_cli(env, "tokens", "create", "--email", email).strip().split()[-1]
    return tokens


def start_web(processes: Processes, name: str, env: dict[str, str]) -> str:
    port = free_port()
    processes.start(
        name, [*IDEAS, "serve", "--web-only", "--port", str(port), "--workers", "2"], env
    )
    base = f"http://127.0.0.1:{port}"
    wait_until(
        lambda: requests.get(base + "/healthz", timeout=5).status_code == 200,
        60,
        f"{name} answers /healthz with 200; see its log:\n{processes.log(name)[-2000:]}",
    )
    return base


def start_worker(processes: Processes, name: str, env: dict[str, str]) -> None:
    processes.start(
        name,
        [
            *CELERY,
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        env,
    )


def start_beat(processes: Processes, env: dict[str, str]) -> None:
    processes.start("beat", [*CELERY, "beat", "--loglevel=INFO"], env)


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=10)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    return CSRF.search(page.text).group(1)


def post_form(browser: requests.Session, page_url: str, url: str, data: dict):
    """POST a form the way a browser does: with the CSRF token of the page it is on."""
    token = csrf(browser, page_url)
    return browser.post(url, data={"csrf_token": token, **data}, timeout=15, allow_redirects=False)
