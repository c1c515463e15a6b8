"""ideas tokens create"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from ideas.extensions import db
from ideas.models import ApiToken
from ideas.services import accounts
from tests.cli.conftest import one_line_error


def test_prints_a_token_that_authenticates_and_keeps_only_its_hash(committed_org, invoke):
    result = invoke("tokens", "create", "--email", "Anna@Example.se", "--name", "laptop")

    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith(accounts.TOKEN_PREFIX) and " " not in token
    rows = db.session.scalars(select(ApiToken)).all()
    assert len(rows) == 1
    row = rows[0]
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.token_hash, row.name)
    assert (row.user.email, row.name) == ("anna@example.se", "laptop")
    assert accounts.user_for_token(token) == committed_org.anna


def test_every_token_is_new(committed_org, invoke):
    first = invoke("tokens", "create", "--email", "anna@example.se").output.splitlines()[-1]
    second = invoke("tokens", "create", "--email", "anna@example.se").output.splitlines()[-1]
    assert first != second
    assert accounts.user_for_token(first) == accounts.user_for_token(second)


def test_unknown_account_is_refused(committed_org, invoke):
    line = one_line_error(invoke("tokens", "create", "--email", "nobody@example.se"))
    assert "nobody@example.se" in line
    assert db.session.scalars(select(ApiToken)).all() == []


def test_deactivated_account_gets_no_token(committed_org, invoke):
    committed_org.bo.active = False
    db.session.commit()
    one_line_error(invoke("tokens", "create", "--email", "bo@example.se"))
    assert db.session.scalars(select(ApiToken)).all() == []
