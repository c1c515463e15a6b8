"""The dashboard's numbers over the API: JSON and CSV, for managers and admins only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ideas import clock
from ideas.blueprints.api.stats import RESPONSE_SCHEMAS
from ideas.extensions import db
from ideas.services import items, routing
from tests import factories

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def numbers(org):
    """VOO: an idea answered after 2 days and implemented in March (Vi är öppna), one
    overdue (Vi vill) and a concern answered after 4 days; IT: an idea adopted from the
    first, and one more idea."""
    clock.freeze(T0)
    done = factories.idea(org.anna, title="Nyckelskåp", values=["Vi är öppna"])
    factories.idea(org.bo, title="Skrivare", values=["Vi vill"])
    concern = items.submit_concern(
        org.anna, title="Hala golv", description="Halt", unit="VOO", values=["Vi vill"]
    )
    routing.route_item(concern.id)
    clock.advance(timedelta(days=2))
    items.transition(done, org.boss, "accepted", "Vi gör det")
    clock.advance(timedelta(days=2))
    items.transition(concern, org.boss, "acknowledged")
    done.status, done.implemented_at = "implemented", T0 + timedelta(days=9)
    clock.freeze(T0 + timedelta(days=20))
    copy = factories.idea(org.it_boss, unit="IT", title="Nyckelskåp", values=["Vi är öppna"])
    copy.adopted_from_id = done.id
    factories.idea(org.anna, unit="IT", title="Ny server", values=["Vi är framåt"])
    db.session.flush()
    clock.freeze(T0 + timedelta(days=30))
    return done


def conforms_to_stats(data) -> None:
    """Fails unless ``data`` fits the ``Stats`` schema proposed for the OpenAPI document."""
    document = {"components": {"schemas": RESPONSE_SCHEMAS}}
    registry = Registry().with_resource(
        "urn:stats", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    validator = Draft202012Validator(
        {"$ref": "urn:stats#/components/schemas/Stats"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, errors


def test_a_manager_gets_their_numbers_as_json(app, client, org, bearer, numbers):
    response = client.get("/api/v1/stats", headers=bearer(org.boss))
    assert response.status_code == 200
    body = response.get_json()
    conforms_to_stats(body)
    assert body["scope"] == {"unit": None, "from": None, "to": None, "whole_organisation": False}
    assert body["total"] == 3
    assert body["by_kind"] == {"idea": 2, "concern": 1}
    assert body["by_status"]["implemented"] == 1
    assert body["by_status"]["submitted"] == 1
    assert body["by_status"]["acknowledged"] == 1
    assert body["answered_in_time"] == {"in_time": 2, "due": 3, "share": 0.667}
    assert body["median_days_to_first_answer"] == 3.0  # 2 and 4
    assert body["median_days_to_decision"] == 2.0
    assert body["decided"] == 1 and body["implemented"] == 1
    assert body["by_value"] == [
        {
            "name": "Vi är öppna",
            "submitted": 1,
            "decided": 1,
            "implemented": 1,
            "answered_in_time": {"in_time": 1, "due": 1, "share": 1.0},
        },
        {
            "name": "Vi är framåt",
            "submitted": 0,
            "decided": 0,
            "implemented": 0,
            "answered_in_time": {"in_time": 0, "due": 0, "share": None},
        },
        {
            "name": "Vi vill",
            "submitted": 2,
            "decided": 0,
            "implemented": 0,
            "answered_in_time": {"in_time": 1, "due": 2, "share": 0.5},
        },
    ]
    assert [(u["code"], u["name"], u["submitted"]) for u in body["by_unit"]] == [
        ("VOO", "Vård och omsorg", 3)
    ]
    assert body["implemented_per_month"] == {"2026-03": {"Vi är öppna": 1}}
    assert body["spread"] == {
        "total": 1,
        "top": [
            {
                "id": numbers.id,
                "title": "Nyckelskåp",
                "unit": {"code": "VOO", "name": "Vård och omsorg"},
                "adoptions": 1,
                "url": f"{app.config['BASE_URL']}/ideas/{numbers.id}",
            }
        ],
    }


def test_an_admin_sees_the_whole_organisation(client, org, bearer, numbers):
    body = client.get("/api/v1/stats", headers=bearer(org.admin)).get_json()
    conforms_to_stats(body)
    assert body["scope"]["whole_organisation"] is True
    assert body["total"] == 5
    assert [(u["code"], u["submitted"]) for u in body["by_unit"]] == [("VOO", 3), ("IT", 2)]


def test_filters_narrow_the_numbers(client, org, bearer, numbers):
    response = client.get(
        "/api/v1/stats?unit=IT&from=2026-03-22&to=2026-03-22", headers=bearer(org.admin)
    )
    body = response.get_json()
    conforms_to_stats(body)
    assert body["scope"] == {
        "unit": "IT",
        "from": "2026-03-22",
        "to": "2026-03-22",
        "whole_organisation": False,
    }
    assert body["total"] == 2
    assert body["spread"]["total"] == 0  # the original is in VOO
    assert (
        client.get("/api/v1/stats?to=2026-03-21", headers=bearer(org.admin)).get_json()["total"]
        == 3
    )


@pytest.mark.parametrize("who", ["anna", "handler"])
@pytest.mark.parametrize("path", ["/api/v1/stats", "/api/v1/stats.csv"])
def test_employees_and_case_handlers_are_refused(client, org, bearer, who, path):
    response = client.get(f"{path}?from=bad", headers=bearer(getattr(org, who)))
    assert response.status_code == 403
    assert response.get_json()["error"] == "Only managers and admins can see statistics."


@pytest.mark.parametrize("path", ["/api/v1/stats", "/api/v1/stats.csv"])
def test_without_a_token_it_is_401(client, path):
    assert client.get(path).status_code == 401


@pytest.mark.parametrize(
    ("query", "status", "field", "fields"),
    [
        ("from=2026-02-30", 400, "from", {"from"}),
        ("from=yesterday&to=2026-1-1", 400, "from", {"from", "to"}),
        ("from=2026-03-02&to=2026-03-01", 400, "to", {"to"}),
        ("unit=NOPE", 422, "unit", {"unit"}),
        ("unit=IT", 403, "unit", {"unit"}),
        ("unit=SBF", 403, "unit", {"unit"}),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/stats", "/api/v1/stats.csv"])
def test_bad_filters_name_the_argument(client, org, bearer, path, query, status, field, fields):
    response = client.get(f"{path}?{query}", headers=bearer(org.boss))
    assert response.status_code == status
    body = response.get_json()
    assert body["field"] == field and set(body["fields"]) == fields
    assert body["status"] == status and body["error"]


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="ideas-stats.csv"'
    assert response.data.startswith("\ufeff".encode())  # a BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def test_the_csv_has_the_same_numbers_as_the_json(client, org, bearer, numbers):
    headers = bearer(org.boss)
    body = client.get("/api/v1/stats", headers=headers).get_json()
    rows = _csv_rows(client.get("/api/v1/stats.csv", headers=headers))
    assert rows[0] == ["metric", "key", "value"]
    assert all(len(row) == 3 for row in rows)
    table = {(metric, key): value for metric, key, value in rows[1:]}
    assert table["total", ""] == str(body["total"])
    for status, count in body["by_status"].items():
        assert table["status", status] == str(count)
    assert table["value", "Vi är öppna"] == "1"  # Swedish letters survive
    assert table["value_implemented", "Vi är öppna"] == "1"
    assert table["unit", "VOO Vård och omsorg"] == "3"
    assert table["answered_in_time_share", ""] == "0.667"
    assert table["median_days_to_first_answer", ""] == "3.0"
    assert table["median_days_to_decision", ""] == "2.0"
    assert table["implemented_per_month", "2026-03 Vi är öppna"] == "1"
    assert table["spread", ""] == "1"
    assert table["spread_original", f"#{numbers.id} Nyckelskåp"] == "1"


def test_the_csv_of_an_empty_scope_leaves_medians_empty(client, org, bearer):
    rows = _csv_rows(client.get("/api/v1/stats.csv?from=2030-01-01", headers=bearer(org.admin)))
    table = {(metric, key): value for metric, key, value in rows[1:]}
    assert table["scope_from", ""] == "2030-01-01"
    assert table["total", ""] == "0"
    assert table["answered_in_time_share", ""] == ""
    assert table["median_days_to_first_answer", ""] == ""


def test_the_web_and_the_api_export_the_same_file(client, auth, org, bearer, numbers):
    api_file = client.get("/api/v1/stats.csv?unit=VOO", headers=bearer(org.boss)).data
    auth.login(org.boss.email)
    assert client.get("/dashboard/export.csv?unit=VOO").data == api_file


def test_a_fixed_number_of_queries(client, org, bearer, numbers, count_queries):
    headers = bearer(org.admin)
    client.get("/api/v1/me", headers=headers)  # the token's first use is recorded once
    with count_queries() as few:
        assert client.get("/api/v1/stats", headers=headers).status_code == 200
    for i in range(10):
        factories.idea(org.anna, unit=("VOO", "IT")[i % 2], title=f"Idé {i}")
    with count_queries() as many:
        assert client.get("/api/v1/stats", headers=headers).status_code == 200
    assert many.count == few.count
