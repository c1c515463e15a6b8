"""Real processes for tests: the `ideas` command, and a server started and stopped
with it (every test that needs one bounds it in time and kills its process group)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

IDEAS = [sys.executable, "-m", "ideas.cli"]


def clean_env(**overrides: str) -> dict[str, str]:
    """This environment without any IDEAS_* setting, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDEAS_")}
    env.update(overrides)
    return env


def run_cli(env: dict[str, str], *args: str, timeout: int = 300) -> str:
    """``ideas ARGS`` in a process of its own; its output, or the test fails with stderr."""
    done = subprocess.run(  # noqa: S603
        [*IDEAS, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def stop(process: subprocess.Popen, timeout: int = 40) -> None:
    """SIGTERM to the whole process group, then SIGKILL if it lingers."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def serving(
    env: dict[str, str],
    args: list[str],
    log_path: Path,
    ready: Callable[[], bool],
    *,
    timeout: float = 90,
) -> Iterator[subprocess.Popen]:
    """Run ``ideas ARGS`` (a server) with its output in ``log_path`` until the block ends;
    ``ready()`` is polled (it may raise OSError while the server starts)."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [*IDEAS, *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    if ready():
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"ideas {' '.join(args)} did not start: see {log_path}")
                time.sleep(0.2)
            yield process
        finally:
            stop(process)
