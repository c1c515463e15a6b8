"""The production topology on one machine: real gunicorn, Celery workers, beat,
PostgreSQL and Redis, each test with databases of its own (see topology.py)."""

from __future__ import annotations

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "services: starts real processes against PostgreSQL and Redis "
        "(IDEAS_TEST_DATABASE_URL, IDEAS_TEST_BROKER_URL); skipped without them",
    )


# The suite's autouse fixtures wrap each test in a transaction on the shared test
# database and reset its rate limits; these tests use databases of their own.
@pytest.fixture(autouse=True)
def _isolated():
    yield


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    yield
