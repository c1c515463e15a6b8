"""ideas users create"""

from __future__ import annotations

from sqlalchemy import func, select

from ideas.models import User, user_by_email
from ideas.services import accounts
from tests.cli.conftest import one_line_error

PASSWORD = "a long enough password"


def user_count() -> int:
    from ideas.extensions import db

    return db.session.scalar(select(func.count()).select_from(User))


def test_creates_an_account_that_can_log_in(committed_org, invoke):
    result = invoke(
        "users", "create",
        "--email", "Karin.Ek@Example.se",
        "--name", "Karin Ek",
        "--password", PASSWORD,
        "--role", "manager",
        "--unit", "VOO",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "karin.ek@example.se" in result.output
    user = user_by_email("karin.ek@example.se")
    assert (user.name, user.role, user.unit.code) == ("Karin Ek", "manager", "VOO")
    assert PASSWORD not in user.password_hash
    assert accounts.authenticate("karin.ek@example.se", PASSWORD) == user


def test_role_defaults_to_employee_and_unit_is_optional(app, invoke):
    result = invoke("users", "create", "--email", "e@example.se", "--name", "E", "--password",
                    PASSWORD)  # fmt: skip
    assert result.exit_code == 0, result.output
    user = user_by_email("e@example.se")
    assert user.role == "employee" and user.unit is None


def test_password_is_asked_for_when_left_out(app, invoke):
    result = invoke(
        "users", "create", "--email", "p@example.se", "--name", "P",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # not echoed
    assert accounts.authenticate("p@example.se", PASSWORD) is not None


def test_unknown_role_is_refused_with_the_choices(committed_org, invoke):
    before = user_count()
    result = invoke("users", "create", "--email", "x@example.se", "--name", "X",
                    "--password", PASSWORD, "--role", "boss")  # fmt: skip
    line = one_line_error(result)
    assert "boss" in line
    for role in ("employee", "manager", "case_handler", "admin"):
        assert role in line
    assert user_count() == before


def test_unknown_unit_is_refused_and_nothing_is_written(committed_org, invoke):
    before = user_count()
    result = invoke("users", "create", "--email", "x@example.se", "--name", "X",
                    "--password", PASSWORD, "--unit", "NOPE")  # fmt: skip
    assert "NOPE" in one_line_error(result)
    assert user_count() == before
    assert user_by_email("x@example.se") is None


def test_duplicate_email_is_refused(committed_org, invoke):
    before = user_count()
    result = invoke("users", "create", "--email", "ANNA@example.se", "--name", "Another Anna",
                    "--password", PASSWORD)  # fmt: skip
    one_line_error(result)
    assert user_count() == before
    assert user_by_email("anna@example.se").name == "Anna Andersson"


def test_short_password_and_bad_email_are_refused(committed_org, invoke):
    before = user_count()
    one_line_error(invoke("users", "create", "--email", "s@example.se", "--name", "S",
                          "--password", "short"))  # fmt: skip
    one_line_error(invoke("users", "create", "--email", "not an address", "--name", "S",
                          "--password", PASSWORD))  # fmt: skip
    assert user_count() == before


def test_an_address_the_mailer_cannot_deliver_to_is_refused_with_the_reason(committed_org, invoke):
    before = user_count()
    for address in ("åsa.öberg@example.se", "asa@ljungby-kök.se"):
        result = invoke("users", "create", "--email", address, "--name", "Åsa",
                        "--password", PASSWORD)  # fmt: skip
        assert "bokstäver som å, ä eller ö" in one_line_error(result)  # Swedish first
    assert user_count() == before
