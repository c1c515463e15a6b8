"""ideas units create, ideas units import"""

from __future__ import annotations

from sqlalchemy import func, select

from ideas.extensions import db
from ideas.models import Unit, unit_by_code
from tests.cli.conftest import one_line_error

HEADER = "code,name,parent,manager_email\n"


def unit_codes() -> set[str]:
    return set(db.session.scalars(select(Unit.code)))


def write(tmp_path, text: str, *, encoding: str = "utf-8", name: str = "units.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


# -- create ----------------------------------------------------------------------------


def test_create_unit_with_parent_and_manager(committed_org, invoke):
    result = invoke("units", "create", "--code", "HTC", "--name", "Hemtjänst Centrum",
                    "--parent", "VOO", "--manager", "chef@example.se")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "HTC" in result.output
    unit = unit_by_code("HTC")
    assert unit.name == "Hemtjänst Centrum"
    assert unit.parent.code == "VOO"
    assert unit.manager.email == "chef@example.se"


def test_create_top_level_unit(app, invoke):
    result = invoke("units", "create", "--code", "LK", "--name", "Ljungby kommun")
    assert result.exit_code == 0, result.output
    assert unit_by_code("LK").parent is None


def test_create_refuses_bad_input_and_writes_nothing(committed_org, invoke):
    before = unit_codes()
    assert "VOO" in one_line_error(invoke("units", "create", "--code", "VOO", "--name", "Again"))
    assert "NOPE" in one_line_error(
        invoke("units", "create", "--code", "NEW", "--name", "New", "--parent", "NOPE")
    )
    assert "nobody@example.se" in one_line_error(
        invoke(
            "units", "create", "--code", "NEW", "--name", "New", "--manager", "nobody@example.se"
        )  # fmt: skip
    )
    assert unit_codes() == before


# -- import ----------------------------------------------------------------------------


def test_import_creates_the_tree_with_parents_in_any_order(committed_org, invoke, tmp_path):
    # Children before their parents, a unit updated, a BOM as Excel writes it.
    csv_text = (
        HEADER + "OF-HTC,Hemtjänst Centrum,OF,chef@example.se\n"
        "OF-BJB,Särskilt boende Björkbacken,OF,\n"
        "OF,Omsorgsförvaltningen,,direktor@example.se\n"
        "VOO,Vård och omsorg (ny),OF,\n"
    )
    result = invoke("units", "import", write(tmp_path, "\ufeff" + csv_text))

    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == ("Imported units.csv: 3 created, 1 updated.")
    assert unit_by_code("OF").parent is None
    assert unit_by_code("OF").manager.email == "direktor@example.se"
    assert unit_by_code("OF-HTC").parent.code == "OF"
    assert unit_by_code("OF-HTC").manager.email == "chef@example.se"
    assert unit_by_code("OF-BJB").name == "Särskilt boende Björkbacken"
    assert unit_by_code("OF-BJB").manager is None
    voo = unit_by_code("VOO")
    assert (voo.name, voo.parent.code) == ("Vård och omsorg (ny)", "OF")


def test_import_without_bom_with_semicolons_and_quotes(app, invoke, tmp_path):
    csv_text = (
        "code;name;parent;manager_email\n"
        'TF;"Tekniska förvaltningen; teknik";;\n'
        "TF-GP;Gata/park;TF;\n"
    )
    result = invoke("units", "import", write(tmp_path, csv_text))
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated" in result.output
    assert unit_by_code("TF").name == "Tekniska förvaltningen; teknik"
    assert unit_by_code("TF-GP").parent.code == "TF"


def test_import_a_second_time_updates(app, invoke, tmp_path):
    path = write(tmp_path, HEADER + "A,Enhet A,,\nB,Enhet B,A,\n")
    assert "2 created, 0 updated" in invoke("units", "import", path).output
    assert "0 created, 2 updated" in invoke("units", "import", path).output


def test_a_bad_row_names_its_line_and_nothing_is_imported(committed_org, invoke, tmp_path):
    before = unit_codes()
    csv_text = (
        HEADER + "OF,Omsorgsförvaltningen,,\n"
        "OF-HTC,Hemtjänst Centrum,OF,\n"
        "\n"  # a blank line still counts when naming lines
        "OF-BJB,Björkbacken,OF,nobody@example.se\n"
    )
    line = one_line_error(invoke("units", "import", write(tmp_path, csv_text)))
    assert "line 5" in line
    assert "nobody@example.se" in line
    assert unit_codes() == before


def test_unknown_parent_names_its_line(committed_org, invoke, tmp_path):
    before = unit_codes()
    csv_text = HEADER + "A,Enhet A,,\nB,Enhet B,ZZZ,\n"
    line = one_line_error(invoke("units", "import", write(tmp_path, csv_text)))
    assert "line 3" in line and "ZZZ" in line
    assert unit_codes() == before


def test_other_bad_rows(committed_org, invoke, tmp_path):
    before = unit_codes()
    cases = {
        HEADER + "A,,,\n": "line 2",  # no name
        HEADER + ",Namnlös,,\n": "line 2",  # no code
        HEADER + "A,Enhet A,,\nA,Enhet A igen,,\n": "line 3",  # twice
        HEADER + "A,Enhet A,B,\nB,Enhet B,A,\n": "ancestor",  # a cycle
        HEADER + "A,Enhet A,,,extra\n": "line 2",  # a column too many
    }
    for text, expected in cases.items():
        assert expected in one_line_error(invoke("units", "import", write(tmp_path, text))), text
    assert unit_codes() == before


def test_header_is_checked(committed_org, invoke, tmp_path):
    before = unit_codes()
    line = one_line_error(
        invoke("units", "import", write(tmp_path, "kod,namn,förälder,chef\nA,Enhet A,,\n"))
    )
    assert "line 1" in line and "code,name,parent,manager_email" in line
    # No header at all: the first unit is not taken for one.
    line = one_line_error(invoke("units", "import", write(tmp_path, "A,Enhet A,,\n")))
    assert "line 1" in line
    assert "empty" in one_line_error(invoke("units", "import", write(tmp_path, "")))
    assert unit_codes() == before


def test_a_file_that_is_not_utf8_is_refused(committed_org, invoke, tmp_path):
    before = unit_codes()
    path = write(tmp_path, HEADER + "A,Enhet A,,\nB,Förskolan,,\n", encoding="latin-1")
    line = one_line_error(invoke("units", "import", path))
    assert "UTF-8" in line and "line 3" in line
    assert unit_codes() == before


def test_header_columns_may_come_in_any_order(app, invoke, tmp_path):
    path = write(tmp_path, "name,code,manager_email,parent\nEnhet A,A,,\n")
    result = invoke("units", "import", path)
    assert result.exit_code == 0, result.output
    assert unit_by_code("A").name == "Enhet A"


def test_import_shows_progress(app, invoke, tmp_path):
    rows = "".join(f"U{i},Enhet {i},,\n" for i in range(30))
    result = invoke("units", "import", write(tmp_path, HEADER + rows))
    assert result.exit_code == 0, result.output
    assert "Reading units.csv" in result.output
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 30
