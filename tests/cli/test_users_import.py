"""ideas users import: the HR system's CSV file, all or nothing, and again changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from ideas.extensions import db
from ideas.models import AdminAudit, ApiToken, HistoryEntry, Item, User, user_by_email
from ideas.services import accounts, routing
from tests import factories
from tests.cli.conftest import one_line_error

# Everyone of the test organisation (tests/factories.py), as HR knows them.
EVERYONE = """email,name,unit,role
direktor@example.se,Dora Direktör,SBF,manager
chef@example.se,Carl Chef,VOO,manager
itchef@example.se,Ida IT-chef,IT,manager
anna@example.se,Anna Andersson,VOO,
bo@example.se,Bo Berg,VOO,
handlaggare@example.se,Hanna Handläggare,SBF,
"""


def write(tmp_path, text: str, *, encoding: str = "utf-8", name: str = "people.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def people() -> dict[str, tuple]:
    rows = db.session.execute(select(User.email, User.name, User.role, User.active)).all()
    return {email: (name, role, active) for email, name, role, active in rows}


def audits() -> int:
    return db.session.scalar(select(func.count(AdminAudit.id)))


def test_creates_changes_and_deactivates_and_again_changes_nothing(committed_org, invoke, tmp_path):
    text = EVERYONE.replace("Bo Berg,VOO,", "Bo Berg,IT,") + (
        "cecilia@example.se,Cecilia Ceder,VOO,\ndavid@example.se,David Dahl,IT,manager\n"
    )
    text = text.replace("anna@example.se,Anna Andersson,VOO,\n", "")  # Anna has left
    path = write(tmp_path, text)
    result = invoke("users", "import", path)
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == (
        "Imported people.csv: 2 created, 1 changed, 1 deactivated, 4 unchanged."
    )
    db.session.expire_all()
    assert user_by_email("cecilia@example.se").role == "employee"
    assert user_by_email("david@example.se").role == "manager"
    assert user_by_email("david@example.se").unit.code == "IT"
    assert user_by_email("bo@example.se").unit.code == "IT"
    assert user_by_email("anna@example.se").active is False
    # The admin is not in the HR file, and stays.
    assert user_by_email("admin@example.se").active is True
    # An empty role keeps the role an admin gave: the case handler stays one.
    assert user_by_email("handlaggare@example.se").role == "case_handler"
    logged = audits()
    assert logged == 4

    again = invoke("users", "import", path)
    assert again.exit_code == 0, again.output
    assert again.output.strip().splitlines()[-1] == (
        "Imported people.csv: 0 created, 0 changed, 0 deactivated, 7 unchanged."
    )
    assert audits() == logged


def test_semicolons_a_bom_and_no_role_column(committed_org, invoke, tmp_path):
    text = (
        "\ufeffemail;name;unit\n"
        + "".join(";".join(line.split(",")[:3]) + "\n" for line in EVERYONE.splitlines()[1:])
        + "eva@example.se;Eva Ek;IT\n"
    )
    result = invoke("users", "import", write(tmp_path, text))
    assert result.exit_code == 0, result.output
    assert "1 created, 0 changed, 0 deactivated, 6 unchanged" in result.output
    assert user_by_email("eva@example.se").name == "Eva Ek"


def test_a_person_who_left_has_their_items_routed_again(committed_org, invoke, tmp_path):
    item = factories.idea(committed_org.anna)
    routing.route_item(item.id)
    db.session.commit()
    assert item.assignee.email == "chef@example.se"
    token = accounts.create_api_token(committed_org.boss)
    db.session.commit()
    # Carl Chef leaves (and is no longer VOO's manager in the file's world: the unit
    # keeps him until an admin changes it, and routing passes a deactivated manager by).
    text = EVERYONE.replace("chef@example.se,Carl Chef,VOO,manager\n", "")
    result = invoke("users", "import", write(tmp_path, text))
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert user_by_email("chef@example.se").active is False
    assert db.session.get(Item, item.id).assignee.email == "direktor@example.se"
    entry = db.session.scalars(
        select(HistoryEntry).where(HistoryEntry.item_id == item.id).order_by(HistoryEntry.id.desc())
    ).first()
    assert entry.action == "rerouted" and entry.comment == "person:Dora Direktör"
    assert accounts.user_for_token(token) is None
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_a_bad_row_names_its_line_and_nothing_is_imported(committed_org, invoke, tmp_path):
    before, logged = people(), audits()
    text = (
        EVERYONE
        + "ny@example.se,Ny Person,VOO,\n"
        + "\n"  # a blank line still counts when naming lines
        + "fel@example.se,Fel Enhet,NOPE,\n"
    )
    line = one_line_error(invoke("users", "import", write(tmp_path, text)))
    assert "line 10" in line and "NOPE" in line
    assert people() == before
    assert audits() == logged


def test_every_bad_line_is_named(committed_org, invoke, tmp_path):
    text = EVERYONE + (
        "not-an-address,Fel,VOO,\n"  # line 8
        "x@example.se,,VOO,\n"  # 9: no name
        "y@example.se,Y,VOO,chief\n"  # 10: no such role
        "anna@example.se,Anna igen,VOO,\n"  # 11: twice
    )
    line = one_line_error(invoke("users", "import", write(tmp_path, text)))
    for number in (8, 9, 10, 11):
        assert f"line {number}:" in line, line
    assert "also on line 5" in line  # where Anna was first
    assert "chief" in line


def test_the_header_and_the_encoding_are_checked(committed_org, invoke, tmp_path):
    line = one_line_error(invoke("users", "import", write(tmp_path, "mail,namn\nx,y\n")))
    assert "line 1" in line and "email,name,unit,role" in line
    line = one_line_error(invoke("users", "import", write(tmp_path, "")))
    assert "empty" in line
    latin1 = write(tmp_path, EVERYONE, encoding="latin-1")
    line = one_line_error(invoke("users", "import", latin1))
    assert "UTF-8" in line and "line 2" in line


def test_a_manager_of_a_unit_cannot_be_made_an_employee(committed_org, invoke, tmp_path):
    text = EVERYONE.replace("Carl Chef,VOO,manager", "Carl Chef,VOO,employee")
    line = one_line_error(invoke("users", "import", write(tmp_path, text)))
    assert "line 3" in line and "Vård och omsorg" in line
    assert user_by_email("chef@example.se").role == "manager"


def test_the_import_never_leaves_the_channel_without_a_case_handler(
    committed_org, invoke, tmp_path
):
    text = EVERYONE.replace("handlaggare@example.se,Hanna Handläggare,SBF,\n", "")
    line = one_line_error(invoke("users", "import", write(tmp_path, text)))
    assert "case handler" in line
    assert user_by_email("handlaggare@example.se").active is True


def test_a_dry_run_says_what_it_would_do_and_writes_nothing(committed_org, invoke, tmp_path):
    before = people()
    text = EVERYONE + "ny@example.se,Ny Person,VOO,\n"
    result = invoke("users", "import", "--dry-run", write(tmp_path, text))
    assert result.exit_code == 0, result.output
    assert "Would import people.csv: 1 created, 0 changed, 1 deactivated" not in result.output
    assert "Would import people.csv: 1 created, 0 changed, 0 deactivated, 6 unchanged." in (
        result.output
    )
    assert people() == before
