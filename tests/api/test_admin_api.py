"""The admin API: people and units for provisioning scripts, from the request to the
database, the audit log and the items' history."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideas.extensions import db
from ideas.models import AdminAudit, ApiToken, HistoryEntry, Unit, User, unit_by_code, user_by_email
from ideas.services import routing
from tests import factories

USERS = "/api/v1/admin/users"
UNITS = "/api/v1/admin/units"


def _counts() -> dict[str, int]:
    """What a refused request must leave as it was."""
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (User, Unit, AdminAudit, ApiToken, HistoryEntry)
    }


def _audit(target_type: str, action: str | None = None) -> list[AdminAudit]:
    query = select(AdminAudit).where(AdminAudit.target_type == target_type)
    if action:
        query = query.where(AdminAudit.action == action)
    return db.session.scalars(query.order_by(AdminAudit.id)).all()


def _routed_idea(org, unit="VOO"):
    item = factories.idea(org.anna, unit=unit)
    routing.route_item(item.id)
    db.session.flush()
    return item


def _rerouted(item) -> list[HistoryEntry]:
    return db.session.scalars(
        select(HistoryEntry).where(
            HistoryEntry.item_id == item.id, HistoryEntry.action == "rerouted"
        )
    ).all()


@pytest.fixture
def admin(org, bearer):
    return bearer(org.admin)


# People: the list -----------------------------------------------------------------


def _names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [p["name"] for p in response.get_json()["items"]]


def test_the_list_of_people_by_name_with_each_filter(client, org, admin, conforms):
    response = client.get(USERS, headers=admin)
    assert response.status_code == 200
    body = response.get_json()
    conforms("AdminUserPage", body)
    assert body["total"] == 7
    assert (body["page"], body["pages"], body["per_page"]) == (1, 1, 20)
    assert [p["name"] for p in body["items"]] == [
        "Ada Admin",
        "Anna Andersson",
        "Bo Berg",
        "Carl Chef",
        "Dora Direktör",
        "Hanna Handläggare",
        "Ida IT-chef",
    ]
    bo = body["items"][2]
    assert bo == {
        "id": org.bo.id,
        "email": "bo@example.se",
        "name": "Bo Berg",
        "unit": "VOO",
        "role": "employee",
        "active": True,
    }

    assert _names(client.get(f"{USERS}?q=berg", headers=admin)) == ["Bo Berg"]
    assert _names(client.get(f"{USERS}?q=CHEF@", headers=admin)) == ["Carl Chef", "Ida IT-chef"]
    assert _names(client.get(f"{USERS}?q=handläggare", headers=admin)) == ["Hanna Handläggare"]
    assert _names(client.get(f"{USERS}?unit=VOO", headers=admin)) == [
        "Anna Andersson",
        "Bo Berg",
        "Carl Chef",
    ]
    assert _names(client.get(f"{USERS}?role=manager", headers=admin)) == [
        "Carl Chef",
        "Dora Direktör",
        "Ida IT-chef",
    ]
    assert _names(client.get(f"{USERS}?unit=SBF&role=admin", headers=admin)) == ["Ada Admin"]
    assert _names(client.get(f"{USERS}?q=ANNA&unit=VOO&role=employee", headers=admin)) == [
        "Anna Andersson"
    ]


def test_the_list_is_paged(client, org, admin, conforms):
    response = client.get(f"{USERS}?per_page=3&page=2", headers=admin)
    body = response.get_json()
    conforms("AdminUserPage", body)
    assert (body["total"], body["page"], body["pages"], body["per_page"]) == (7, 2, 3, 3)
    assert [p["name"] for p in body["items"]] == ["Carl Chef", "Dora Direktör", "Hanna Handläggare"]
    last = client.get(f"{USERS}?per_page=3&page=3", headers=admin).get_json()
    assert [p["name"] for p in last["items"]] == ["Ida IT-chef"]
    beyond = client.get(f"{USERS}?per_page=3&page=9", headers=admin).get_json()
    assert (beyond["items"], beyond["total"]) == ([], 7)


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("unit=NOPE", 422, "unit"),
        ("role=boss", 422, "role"),
        ("page=0", 400, "page"),
        ("page=x", 400, "page"),
        ("per_page=101", 400, "per_page"),
        ("q=" + "x" * 300, 400, "q"),
    ],
)
def test_the_list_refuses_a_bad_filter_naming_it(
    client, org, admin, conforms, query, status, field
):
    response = client.get(f"{USERS}?{query}", headers=admin)
    assert response.status_code == status
    assert response.get_json()["field"] == field
    conforms("Error", response.get_json())


# People: create -------------------------------------------------------------------


def test_create_a_person(client, org, admin, conforms):
    response = client.post(
        USERS,
        json={"email": " Nils.Ny@Example.se ", "name": " Nils Ny ", "unit": "IT"},
        headers=admin,
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    conforms("AdminUser", body)
    person = user_by_email("nils.ny@example.se")
    assert body == {
        "id": person.id,
        "email": "nils.ny@example.se",
        "name": "Nils Ny",
        "unit": "IT",
        "role": "employee",
        "active": True,
    }
    assert person.password_hash is None  # single sign-on, or the forgotten-password link
    [row] = _audit("user", "create")
    assert (row.actor_id, row.target) == (org.admin.id, "nils.ny@example.se")
    assert row.after == {
        "email": "nils.ny@example.se",
        "name": "Nils Ny",
        "unit": "IT",
        "role": "employee",
        "active": True,
    }

    manager = client.post(
        USERS,
        json={"email": "mia@example.se", "name": "Mia Chef", "unit": None, "role": "manager"},
        headers=admin,
    )
    assert manager.status_code == 201
    assert (manager.get_json()["role"], manager.get_json()["unit"]) == ("manager", None)
    assert user_by_email("mia@example.se").role == "manager"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"email": "bo@example.se", "name": "Bo Igen"}, 422, "email"),
        ({"email": "BO@example.se", "name": "Bo Igen"}, 422, "email"),
        ({"email": "inte-en-adress", "name": "Nils"}, 422, "email"),
        ({"email": "åsa@example.se", "name": "Åsa"}, 422, "email"),
        ({"email": "nils@example.se", "name": "Nils", "unit": "NOPE"}, 422, "unit"),
        ({"email": "nils@example.se", "name": "Nils", "role": "boss"}, 422, "role"),
        ({"email": "nils@example.se", "name": "   "}, 422, "name"),
        ({"email": "nils@example.se", "name": 7}, 422, "name"),
        ({"email": "nils@example.se", "name": "N" * 201}, 422, "name"),
        ({"email": "nils@example.se", "name": "Nils", "unit": ["VOO"]}, 422, "unit"),
        ({"email": "nils@example.se", "name": "Nils", "units": "VOO"}, 422, "units"),
        ({"name": "Nils"}, 422, "email"),
        ({"email": None, "name": "Nils"}, 422, "email"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(client, org, admin, body, status, field):
    before = _counts()
    response = client.post(USERS, json=body, headers=admin)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["field"] == field
    assert field in response.get_json()["fields"]
    assert _counts() == before


@pytest.mark.parametrize("data", [b"", b"{", b"[]", b'"text"'])
def test_a_body_that_is_not_an_object_is_a_400(client, org, admin, data):
    before = _counts()
    response = client.post(USERS, data=data, headers={**admin, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert _counts() == before


def test_a_retired_unit_cannot_be_a_new_persons_home(client, org, admin):
    retired = factories.accounts.create_unit(code="GML", name="Gamla enheten")
    retired.active = False
    db.session.flush()
    response = client.post(
        USERS, json={"email": "nils@example.se", "name": "Nils", "unit": "GML"}, headers=admin
    )
    assert response.status_code == 422
    assert response.get_json()["field"] == "unit"
    assert user_by_email("nils@example.se") is None


# People: change -------------------------------------------------------------------


def _patch_user(client, headers, person, body):
    return client.patch(f"{USERS}/{person.id}", json=body, headers=headers)


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        ({"email": "Bo.Berg@Example.se"}, {"email": "bo.berg@example.se"}),
        ({"name": "Bo Bergström"}, {"name": "Bo Bergström"}),
        ({"unit": "IT"}, {"unit": "IT"}),
        ({"unit": None}, {"unit": None}),
        ({"unit": ""}, {"unit": None}),
        ({"role": "manager"}, {"role": "manager"}),
        ({"role": "admin"}, {"role": "admin"}),
    ],
)
def test_patch_each_field(client, org, admin, conforms, body, stored):
    response = _patch_user(client, admin, org.bo, body)
    assert response.status_code == 200, response.get_json()
    conforms("AdminUser", response.get_json())
    db.session.expire_all()
    bo = db.session.get(User, org.bo.id)
    now = {
        "email": bo.email,
        "name": bo.name,
        "unit": bo.unit.code if bo.unit else None,
        "role": bo.role,
    }
    was = {"email": "bo@example.se", "name": "Bo Berg", "unit": "VOO", "role": "employee"}
    assert now == {**was, **stored}
    assert response.get_json() == {"id": bo.id, **now, "active": True}
    [row] = _audit("user", "update")
    assert row.actor_id == org.admin.id
    assert row.after == stored
    assert row.before == {key: was[key] for key in stored}


def test_patch_several_fields_at_once_and_an_empty_patch(client, org, admin):
    response = _patch_user(
        client, admin, org.bo, {"name": "Bo Berg", "unit": "IT", "role": "manager"}
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert (org.bo.unit.code, org.bo.role) == ("IT", "manager")
    [row] = _audit("user", "update")
    assert row.after == {"unit": "IT", "role": "manager"}  # the name did not change

    unchanged = _patch_user(client, admin, org.bo, {})
    assert unchanged.status_code == 200
    assert unchanged.get_json()["unit"] == "IT"
    assert len(_audit("user")) == 1  # nothing changed, nothing logged


def test_making_someone_a_case_handler_goes_through_the_handlers_rules(client, org, admin):
    response = _patch_user(client, admin, org.bo, {"role": "case_handler"})
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    assert org.bo.role == "case_handler"
    assert _audit("user", "update") == []  # the role's own row is the handlers' one
    [row] = _audit("case_handler", "designate_handler")
    assert (row.actor_id, row.target) == (org.admin.id, "bo@example.se")


def test_deactivating_ends_the_tokens_and_routes_open_items_again(client, org, admin, bearer):
    item = _routed_idea(org)
    assert item.assignee == org.boss
    boss_token = bearer(org.boss)
    assert client.get("/api/v1/me", headers=boss_token).status_code == 200

    response = _patch_user(client, admin, org.boss, {"active": False})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["active"] is False
    db.session.expire_all()
    assert org.boss.active is False
    # The token is gone at once: the next call is refused.
    assert client.get("/api/v1/me", headers=boss_token).status_code == 401
    assert db.session.scalar(select(func.count()).where(ApiToken.user_id == org.boss.id)) == 0
    # The open idea went up the line, and its history says so.
    assert item.assignee == org.director
    [entry] = _rerouted(item)
    assert entry.comment == "person:Dora Direktör"
    [row] = _audit("user", "deactivate")
    assert (row.target, row.before, row.after) == (
        "chef@example.se",
        {"active": True},
        {"active": False},
    )
    # Deactivated people are still listed, and can be found by it.
    listed = client.get(f"{USERS}?q=chef@", headers=admin).get_json()["items"]
    assert {p["email"]: p["active"] for p in listed} == {
        "chef@example.se": False,
        "itchef@example.se": True,
    }

    again = _patch_user(client, admin, org.boss, {"active": True})
    assert again.status_code == 200
    db.session.expire_all()
    assert org.boss.active is True
    assert len(_audit("user", "reactivate")) == 1
    # The old token stays ended: a reactivated person makes a new one.
    assert client.get("/api/v1/me", headers=boss_token).status_code == 401


@pytest.mark.parametrize(
    ("who", "body", "field"),
    [
        ("bo", {"email": "anna@example.se"}, "email"),
        ("bo", {"email": "ANNA@example.se"}, "email"),
        ("bo", {"email": "inte-en-adress"}, "email"),
        ("bo", {"email": None}, "email"),
        ("bo", {"name": None}, "name"),
        ("bo", {"name": ""}, "name"),
        ("bo", {"unit": "NOPE"}, "unit"),
        ("bo", {"unit": 3}, "unit"),
        ("bo", {"role": "boss"}, "role"),
        ("bo", {"role": None}, "role"),
        ("bo", {"active": "no"}, "active"),
        ("bo", {"active": 0}, "active"),
        ("bo", {"active": None}, "active"),
        ("bo", {"activ": False}, "activ"),
        ("bo", {"name": "Bo Ny", "role": "boss"}, "role"),
        # The manager of VOO keeps a manager's role until VOO has another manager.
        ("boss", {"role": "employee"}, "role"),
        # An admin can neither deactivate themselves nor change their own role.
        ("admin", {"active": False}, "active"),
        ("admin", {"role": "employee"}, "role"),
        # The last case handler stays, so that somebody receives the reports.
        ("handler", {"active": False}, "active"),
    ],
)
def test_patch_refuses_bad_input_and_changes_nothing(client, org, admin, who, body, field):
    person = getattr(org, who)
    was = (person.email, person.name, person.unit_id, person.role, person.active)
    before = _counts()
    response = _patch_user(client, admin, person, body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["field"] == field
    db.session.expire_all()
    assert (person.email, person.name, person.unit_id, person.role, person.active) == was
    assert _counts() == before


def test_the_case_handlers_rules_name_the_role(client, org, admin):
    """An administrator cannot be made a case handler, and the last case handler keeps
    the role: both refusals name ``role``, the key sent."""
    other = factories.user("ada2@example.se", "Ada Andra", "admin")
    db.session.flush()
    for person in (other, org.handler):
        role = "case_handler" if person is other else "employee"
        was = person.role
        before = _counts()
        response = _patch_user(client, admin, person, {"role": role})
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["field"] == "role"
        db.session.expire_all()
        assert person.role == was
        assert _counts() == before


def test_an_unknown_person_is_a_404(client, org, admin):
    for path in (f"{USERS}/424242", f"{USERS}/0", f"{USERS}/{2**40}"):
        response = client.patch(path, json={"name": "X"}, headers=admin)
        assert response.status_code == 404, path
        assert response.is_json


# Units ----------------------------------------------------------------------------


def test_the_list_of_units(client, org, admin, conforms):
    body = client.get(UNITS, headers=admin).get_json()
    conforms("AdminUnitPage", body)
    assert (body["total"], body["page"], body["pages"]) == (3, 1, 1)
    assert body["items"] == [
        {
            "code": "IT",
            "name": "IT-enheten",
            "parent": "SBF",
            "manager": "itchef@example.se",
            "active": True,
        },
        {
            "code": "SBF",
            "name": "Samhällsbyggnadsförvaltningen",
            "parent": None,
            "manager": "direktor@example.se",
            "active": True,
        },
        {
            "code": "VOO",
            "name": "Vård och omsorg",
            "parent": "SBF",
            "manager": "chef@example.se",
            "active": True,
        },
    ]
    paged = client.get(f"{UNITS}?per_page=2&page=2", headers=admin).get_json()
    assert ([u["code"] for u in paged["items"]], paged["pages"]) == (["VOO"], 2)
    bad = client.get(f"{UNITS}?per_page=0", headers=admin)
    assert (bad.status_code, bad.get_json()["field"]) == (400, "per_page")


def test_create_a_unit(client, org, admin, conforms):
    response = client.post(
        UNITS,
        json={
            "code": "VOO-N",
            "name": "Hemtjänst norr",
            "parent": "VOO",
            "manager": "chef@example.se",
        },
        headers=admin,
    )
    assert response.status_code == 201, response.get_json()
    conforms("AdminUnit", response.get_json())
    assert response.get_json() == {
        "code": "VOO-N",
        "name": "Hemtjänst norr",
        "parent": "VOO",
        "manager": "chef@example.se",
        "active": True,
    }
    unit = unit_by_code("VOO-N")
    assert (unit.name, unit.parent.code, unit.manager.email) == (
        "Hemtjänst norr",
        "VOO",
        "chef@example.se",
    )
    [row] = _audit("unit", "create")
    assert (row.actor_id, row.target) == (org.admin.id, "VOO-N")
    root = client.post(UNITS, json={"code": "KF", "name": "Kultur och fritid"}, headers=admin)
    assert root.status_code == 201
    assert (root.get_json()["parent"], root.get_json()["manager"]) == (None, None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "VOO", "name": "Igen"}, "code"),
        ({"code": "NY ENHET", "name": "Ny"}, "code"),
        ({"code": "X" * 41, "name": "Ny"}, "code"),
        ({"code": "", "name": "Ny"}, "code"),
        ({"code": "NY", "name": ""}, "name"),
        ({"code": "NY", "name": "Ny", "parent": "NOPE"}, "parent"),
        ({"code": "NY", "name": "Ny", "manager": "nobody@example.se"}, "manager"),
        ({"code": "NY", "name": "Ny", "manager": "bo@example.se"}, "manager"),  # no manager
        ({"code": "NY", "name": "Ny", "manager": 5}, "manager"),
        ({"code": "NY", "name": "Ny", "active": True}, "active"),  # not a key of a new unit
        ({"name": "Ny"}, "code"),
    ],
)
def test_create_unit_refuses_bad_input_naming_the_field(client, org, admin, body, field):
    before = _counts()
    response = client.post(UNITS, json=body, headers=admin)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["field"] == field
    assert _counts() == before


def test_patch_a_units_code_name_and_parent(client, org, admin, conforms):
    factories.accounts.create_unit(code="VOO-N", name="Hemtjänst norr", parent_code="VOO")
    db.session.flush()
    response = client.patch(
        f"{UNITS}/VOO-N", json={"code": "HT-N", "name": "Hemtjänsten norr"}, headers=admin
    )
    assert response.status_code == 200, response.get_json()
    conforms("AdminUnit", response.get_json())
    assert response.get_json()["code"] == "HT-N"
    [rename] = _audit("unit", "rename")
    assert (rename.before, rename.after) == (
        {"code": "VOO-N", "name": "Hemtjänst norr"},
        {"code": "HT-N", "name": "Hemtjänsten norr"},
    )
    moved = client.patch(f"{UNITS}/HT-N", json={"parent": "IT"}, headers=admin)
    assert moved.status_code == 200
    db.session.expire_all()
    unit = unit_by_code("HT-N")
    assert (unit.name, unit.parent.code) == ("Hemtjänsten norr", "IT")
    [move] = _audit("unit", "move")
    assert (move.before, move.after) == ({"parent": "VOO"}, {"parent": "IT"})
    root = client.patch(f"{UNITS}/HT-N", json={"parent": None}, headers=admin)
    assert root.get_json()["parent"] is None
    assert client.patch(f"{UNITS}/VOO-N", json={"name": "X"}, headers=admin).status_code == 404


def test_a_code_with_a_slash_can_be_patched(client, org, admin):
    assert (
        client.post(UNITS, json={"code": "IT/DRIFT", "name": "Drift"}, headers=admin).status_code
        == 201
    )
    response = client.patch(f"{UNITS}/IT/DRIFT", json={"parent": "IT"}, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert unit_by_code("IT/DRIFT").parent.code == "IT"


def test_a_new_manager_and_a_cleared_one_route_the_units_items_again(client, org, admin):
    item = _routed_idea(org)
    nora = factories.user("nychef@example.se", "Nora Nychef", "manager", unit="VOO")
    db.session.flush()
    response = client.patch(f"{UNITS}/VOO", json={"manager": nora.email}, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["manager"] == "nychef@example.se"
    db.session.expire_all()
    assert item.assignee == nora
    assert [e.comment for e in _rerouted(item)] == ["manager:Nora Nychef"]
    cleared = client.patch(f"{UNITS}/VOO", json={"manager": None}, headers=admin)
    assert cleared.get_json()["manager"] is None
    db.session.expire_all()
    assert item.assignee == org.director
    rows = _audit("unit", "update")
    assert [(r.before, r.after) for r in rows] == [
        ({"manager": "chef@example.se"}, {"manager": "nychef@example.se"}),
        ({"manager": "nychef@example.se"}, {"manager": None}),
    ]


def test_retire_and_reactivate_a_unit(client, org, admin):
    item = _routed_idea(org)
    response = client.patch(f"{UNITS}/VOO", json={"active": False}, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["active"] is False
    db.session.expire_all()
    assert org.unit.active is False
    assert item.assignee == org.director
    assert item.unit == org.unit  # its history stays where it was
    assert [e.comment for e in _rerouted(item)] == ["unit:Dora Direktör"]
    assert len(_audit("unit", "retire")) == 1
    listed = client.get(UNITS, headers=admin).get_json()["items"]
    assert {u["code"]: u["active"] for u in listed}["VOO"] is False
    again = client.patch(f"{UNITS}/VOO", json={"active": True}, headers=admin)
    assert again.status_code == 200
    db.session.expire_all()
    assert org.unit.active is True
    assert len(_audit("unit", "reactivate")) == 1


@pytest.mark.parametrize(
    ("code", "body", "field"),
    [
        ("SBF", {"parent": "VOO"}, "parent"),  # a cycle: SBF under its own sub-unit
        ("VOO", {"parent": "VOO"}, "parent"),  # under itself
        ("VOO", {"parent": "NOPE"}, "parent"),
        ("SBF", {"active": False}, "active"),  # it has active sub-units
        ("VOO", {"code": "IT"}, "code"),
        ("VOO", {"code": "V O O"}, "code"),
        ("VOO", {"code": None}, "code"),
        ("VOO", {"name": ""}, "name"),
        ("VOO", {"manager": "bo@example.se"}, "manager"),
        ("VOO", {"manager": "nobody@example.se"}, "manager"),
        ("VOO", {"active": "false"}, "active"),
        ("VOO", {"managers": None}, "managers"),
    ],
)
def test_patch_unit_refuses_bad_input_and_changes_nothing(client, org, admin, code, body, field):
    factories.accounts.create_unit(code="VOO-N", name="Hemtjänst norr", parent_code="VOO")
    db.session.flush()
    units_before = [
        (u.code, u.name, u.parent_id, u.manager_id, u.active)
        for u in db.session.scalars(select(Unit).order_by(Unit.id))
    ]
    before = _counts()
    response = client.patch(f"{UNITS}/{code}", json=body, headers=admin)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["field"] == field
    db.session.expire_all()
    assert [
        (u.code, u.name, u.parent_id, u.manager_id, u.active)
        for u in db.session.scalars(select(Unit).order_by(Unit.id))
    ] == units_before
    assert _counts() == before


def test_a_cycle_says_why(client, org, admin):
    response = client.patch(f"{UNITS}/SBF", json={"parent": "VOO"}, headers=admin)
    assert response.status_code == 422
    assert response.get_json()["field"] == "parent"
    assert (
        "Samhällsbyggnadsförvaltningen cannot be placed under Vård och omsorg"
        in (response.get_json()["error"])
    )


# Who may ----------------------------------------------------------------------------


REQUESTS = [
    ("GET", USERS, None),
    ("POST", USERS, {"email": "nils@example.se", "name": "Nils"}),
    ("PATCH", "bo", {"name": "Bo Ny"}),
    ("GET", UNITS, None),
    ("POST", UNITS, {"code": "NY", "name": "Ny"}),
    ("PATCH", f"{UNITS}/VOO", {"name": "Ny"}),
]


@pytest.mark.parametrize("who", ["boss", "director", "bo", "handler"])
def test_only_admins_get_in(client, org, bearer, conforms, who):
    headers = bearer(getattr(org, who))
    before = _counts()
    for method, path, body in REQUESTS:
        path = f"{USERS}/{org.bo.id}" if path == "bo" else path
        response = client.open(path, method=method, json=body, headers=headers)
        assert response.status_code == 403, (method, path)
        conforms("Error", response.get_json())
        # Even a bad body or an unknown target is a 403 first: nothing is said of either.
        assert client.open(path, method=method, json={"x": 1}, headers=headers).status_code == 403
    assert client.patch(f"{USERS}/424242", json={}, headers=headers).status_code == 403
    assert client.patch(f"{UNITS}/NOPE", json={}, headers=headers).status_code == 403
    db.session.expire_all()
    assert org.bo.name == "Bo Berg"
    assert _counts() == before


def test_without_a_token_it_is_a_401(client, org):
    for method, path, body in REQUESTS:
        path = f"{USERS}/{org.bo.id}" if path == "bo" else path
        response = client.open(path, method=method, json=body)
        assert response.status_code == 401, (method, path)


def test_an_address_or_code_taken_at_the_same_moment_is_a_422_not_a_500(
    client, org, admin, monkeypatch
):
    """Another request created the same e-mail address (or unit code) between the
    check and the write: the database's unique constraint refuses it, and the answer
    is the same as the check's would have been."""
    from ideas.services import people, units

    monkeypatch.setattr(people, "user_by_email", lambda email: None)
    before = _counts()
    response = client.post(
        USERS, json={"email": "anna@example.se", "name": "Anna igen", "unit": "IT"}, headers=admin
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["field"] == "email"
    assert _counts() == before
    monkeypatch.setattr(units, "unit_by_code", lambda code: None)
    response = client.post(UNITS, json={"code": "VOO", "name": "Igen"}, headers=admin)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["field"] == "code"
    assert _counts() == before
