"""Units on the web: the tree, create, rename, move, manager, retire and reactivate,
from the request to the database and the items' history."""

from sqlalchemy import select

from ideas.extensions import db
from ideas.models import AdminAudit, HistoryEntry, Item, Unit, unit_by_code
from ideas.services import accounts, routing
from tests import factories


def _routed_idea(org, unit="VOO"):
    item = factories.idea(org.anna, unit=unit)
    routing.route_item(item.id)
    db.session.flush()
    return item


def _audit(action):
    return db.session.scalars(
        select(AdminAudit).where(AdminAudit.target_type == "unit", AdminAudit.action == action)
    ).all()


def test_the_tree_is_nested_and_loads_in_a_fixed_number_of_queries(
    client, auth, org, count_queries
):
    auth.login(org.admin.email)
    with count_queries() as few:
        client.get("/admin/units")
    for n in range(30):
        accounts.create_unit(code=f"U{n}", name=f"Enhet {n}", parent_code="VOO")
    db.session.flush()
    with count_queries() as many:
        page = client.get("/admin/units").get_data(as_text=True)
    assert len(many.statements) == len(few.statements)
    # VOO's list sits inside SBF's item: a nested list, not a flat one.
    sbf = page.index("Samhällsbyggnadsförvaltningen")
    assert sbf < page.index("Vård och omsorg") < page.index("Enhet 29")
    assert "Chef: Carl Chef" in page


def test_create_rename_and_move_a_unit(client, auth, org):
    auth.login(org.admin.email)
    response = auth.post(
        "/admin/units",
        {"code": "VOO-N", "name": "Hemtjänst norr", "parent": "VOO"},
        token_from="/admin/units",
    )
    assert response.status_code == 302
    unit = unit_by_code("VOO-N")
    assert (unit.name, unit.parent.code, unit.active) == ("Hemtjänst norr", "VOO", True)
    twin = auth.post("/admin/units", {"code": "VOO-N", "name": "Igen"}, token_from="/admin/units")
    assert twin.status_code == 400
    assert "Det finns redan en enhet med koden VOO-N." in twin.get_data(as_text=True)

    edit = f"/admin/units/{unit.id}"
    response = auth.post(
        edit, {"code": "HT-N", "name": "Hemtjänsten norr", "parent": "IT"}, token_from=edit
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (unit.code, unit.name, unit.parent.code) == ("HT-N", "Hemtjänsten norr", "IT")
    [moved] = _audit("move")
    assert moved.before == {"code": "VOO-N", "name": "Hemtjänst norr", "parent": "VOO"}
    assert moved.after == {"code": "HT-N", "name": "Hemtjänsten norr", "parent": "IT"}


def test_a_move_that_would_make_a_cycle_is_refused(client, auth, org):
    accounts.create_unit(code="VOO-N", name="Hemtjänst norr", parent_code="VOO")
    db.session.flush()
    auth.login(org.admin.email)
    edit = f"/admin/units/{org.root.id}"
    response = auth.post(
        edit,
        {"code": "SBF", "name": "Samhällsbyggnadsförvaltningen", "parent": "VOO-N"},
        token_from=edit,
    )
    assert response.status_code == 400
    assert (
        "Samhällsbyggnadsförvaltningen kan inte läggas under Hemtjänst norr"
        in response.get_data(as_text=True)
    )
    db.session.expire_all()
    assert org.root.parent is None
    assert _audit("move") == []


def test_a_new_manager_gets_the_units_open_items(client, auth, org):
    item = _routed_idea(org)
    assert item.assignee == org.boss
    new_boss = factories.user("nychef@example.se", "Nora Nychef", "manager", unit="VOO")
    db.session.flush()
    auth.login(org.admin.email)
    edit = f"/admin/units/{org.unit.id}"
    response = auth.post(edit + "/manager", {"manager": new_boss.email}, token_from=edit)
    assert response.status_code == 302
    db.session.expire_all()
    assert org.unit.manager == new_boss
    assert item.assignee == new_boss
    entry = db.session.scalar(
        select(HistoryEntry).where(
            HistoryEntry.item_id == item.id, HistoryEntry.action == "rerouted"
        )
    )
    assert entry.comment == "manager:Nora Nychef"
    [change] = _audit("update")
    assert (change.before, change.after) == (
        {"manager": "chef@example.se"},
        {"manager": "nychef@example.se"},
    )


def test_a_manager_must_have_the_manager_role(client, auth, org):
    auth.login(org.admin.email)
    edit = f"/admin/units/{org.unit.id}"
    response = auth.post(edit + "/manager", {"manager": org.bo.email}, token_from=edit)
    assert response.status_code == 400
    assert "Bo Berg har inte rollen chef." in response.get_data(as_text=True)
    db.session.expire_all()
    assert org.unit.manager == org.boss


def test_clearing_the_manager_sends_items_up_the_tree(client, auth, org):
    item = _routed_idea(org)
    auth.login(org.admin.email)
    edit = f"/admin/units/{org.unit.id}"
    assert auth.post(edit + "/manager", {"manager": ""}, token_from=edit).status_code == 302
    db.session.expire_all()
    assert org.unit.manager is None
    assert item.assignee == org.director


def test_retiring_routes_items_up_and_the_unit_is_no_longer_offered(client, auth, org):
    item = _routed_idea(org)
    auth.login(org.admin.email)
    edit = f"/admin/units/{org.unit.id}"
    response = auth.post(edit + "/active", token_from=edit)
    assert response.status_code == 302
    db.session.expire_all()
    assert not org.unit.active
    assert item.assignee == org.director
    assert item.unit == org.unit  # its history stays where it was
    entry = db.session.scalar(
        select(HistoryEntry).where(
            HistoryEntry.item_id == item.id, HistoryEntry.action == "rerouted"
        )
    )
    assert entry.comment == "unit:Dora Direktör"
    assert len(_audit("retire")) == 1
    assert "Avvecklad" in client.get("/admin/units").get_data(as_text=True)

    # Neither a new item's unit nor a parent any more; refused when given directly.
    auth.logout()
    auth.login(org.anna.email)
    assert 'value="VOO"' not in client.get("/ideas/new").get_data(as_text=True)
    refused = auth.post(
        "/ideas/new",
        {"title": "T", "description": "D", "unit": "VOO", "values": ["Vi vill"]},
        token_from="/ideas/new",
    )
    assert refused.status_code == 400
    assert "Enheten Vård och omsorg finns inte längre." in refused.get_data(as_text=True)
    assert db.session.scalar(select(Item).where(Item.title == "T")) is None
    auth.logout()
    auth.login(org.admin.email)
    assert 'value="VOO"' not in client.get("/admin/units").get_data(as_text=True)

    # And back again: its items return to its manager.
    assert auth.post(edit + "/active", token_from=edit).status_code == 302
    db.session.expire_all()
    assert org.unit.active and item.assignee == org.boss
    assert len(_audit("reactivate")) == 1


def test_a_unit_with_active_sub_units_cannot_be_retired(client, auth, org):
    auth.login(org.admin.email)
    edit = f"/admin/units/{org.root.id}"
    response = auth.post(edit + "/active", token_from=edit)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "har fortfarande aktiva underenheter: IT-enheten, Vård och omsorg" in page
    db.session.expire_all()
    assert org.root.active
    assert db.session.scalars(select(Unit).where(Unit.active.is_(False))).all() == []


def test_only_admins_see_units(client, auth, org):
    auth.login(org.boss.email)
    assert client.get("/admin/units").status_code == 403
    assert auth.post("/admin/units", {"code": "X", "name": "X"}).status_code == 403
    assert unit_by_code("X") is None
