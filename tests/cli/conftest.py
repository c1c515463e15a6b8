"""Helpers for the command tests.

A command rolls its session back when it refuses input. In the tests that session is
joined to the test's transaction through a savepoint, so data a test sets up is
committed (to that savepoint) first: a refused command then undoes only its own work.
"""

from __future__ import annotations

import pytest

from ideas.extensions import db


@pytest.fixture
def committed_org(org):
    db.session.commit()
    return org


@pytest.fixture
def invoke(runner):
    """Run ``ideas ARGS...`` and return the click result."""

    def run(*args: str, **kwargs):
        return runner.invoke(args=list(args), **kwargs)

    return run


def one_line_error(result) -> str:
    """The error a command printed: one line on stderr, no traceback."""
    assert result.exit_code != 0, result.output
    # A clean exit, not an exception the runner caught (that would be a traceback).
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    # (A progress bar may have been drawn on stdout before; the error is on stderr.)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0]
