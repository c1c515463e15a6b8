"""Values and behaviours on the web: wording, new ones, order, retiring and
reactivating, from the request to the database, the audit log and the new-item forms."""

from sqlalchemy import select

from ideas.extensions import db
from ideas.models import AdminAudit, Behaviour, Item, Value
from ideas.services import accounts, stats
from tests import factories

LIST = "/admin/values"


def _value(name) -> Value:
    return db.session.scalar(select(Value).where(Value.name == name))


def _behaviour(value, text) -> Behaviour:
    return db.session.scalar(
        select(Behaviour).where(Behaviour.value_id == value.id, Behaviour.text == text)
    )


def _audit(target_type, action=None):
    query = select(AdminAudit).where(AdminAudit.target_type == target_type)
    if action is not None:
        query = query.where(AdminAudit.action == action)
    return db.session.scalars(query.order_by(AdminAudit.id)).all()


def _order():
    return list(db.session.scalars(select(Value.name).order_by(Value.position, Value.id)))


def _api_values(client, user) -> dict[str, list[str]]:
    headers = {"Authorization": f"Bearer {accounts.create_api_token(user, 'tests')}"}
    body = client.get("/api/v1/values", headers=headers).get_json()
    return {v["name"]: v["behaviours"] for v in body["items"]}


def _english(user):
    """Messages new in this change are in the catalogue once the lead merges it;
    the user reads English until then, and after."""
    user.locale = "en"
    db.session.flush()


def test_the_list_shows_the_seed_values_in_order_with_their_behaviours(client, auth, org):
    auth.login(org.admin.email)
    page = client.get(LIST).get_data(as_text=True)
    assert page.index("Vi är öppna") < page.index("Vi är framåt") < page.index("Vi vill")
    assert "löser det tillsammans" in page and "krånglar inte till det" in page
    # The first cannot move up, the last cannot move down: 3 values, 4 buttons.
    assert page.count('name="direction" value="up"') == 2
    assert page.count('name="direction" value="down"') == 2


def test_add_a_value_and_give_it_a_behaviour(client, auth, org):
    auth.login(org.admin.email)
    response = auth.post(LIST, {"name": "  Vi   lär  "}, token_from=LIST)
    assert response.status_code == 302
    value = _value("Vi lär")
    assert value is not None and value.active and _order()[-1] == "Vi lär"
    [created] = _audit("value", "create")
    assert created.target == "Vi lär" and created.actor_id == org.admin.id
    assert created.after == {"name": "Vi lär", "position": 4, "active": True}

    edit = f"/admin/values/{value.id}"
    response = auth.post(edit + "/behaviours", {"text": "delar med oss"}, token_from=edit)
    assert response.status_code == 302
    db.session.expire_all()
    assert [b.text for b in value.behaviours] == ["delar med oss"]
    [added] = _audit("behaviour", "create")
    assert added.target == "Vi lär: delar med oss"
    assert added.after == {
        "value": "Vi lär",
        "text": "delar med oss",
        "position": 1,
        "active": True,
    }

    # Offered on the new-idea form at once, with its behaviour.
    auth.logout()
    auth.login(org.anna.email)
    form = client.get("/ideas/new").get_data(as_text=True)
    assert 'value="Vi lär"' in form and "delar med oss" in form


def test_a_value_or_behaviour_twice_is_refused_at_the_field(client, auth, org):
    _english(org.admin)
    auth.login(org.admin.email)
    response = auth.post(LIST, {"name": "vi VILL"}, token_from=LIST)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is already a value called Vi vill." in page
    assert 'aria-invalid="true"' in page and 'id="name-error"' in page
    assert response.status_code == 400 and len(_order()) == 3

    value = _value("Vi vill")
    edit = f"/admin/values/{value.id}"
    response = auth.post(edit + "/behaviours", {"text": "Tar  ansvar"}, token_from=edit)
    assert response.status_code == 400
    assert "Vi vill already has the behaviour “tar ansvar”." in response.get_data(as_text=True)
    empty = auth.post(edit + "/behaviours", {"text": "   "}, token_from=edit)
    assert empty.status_code == 400 and 'id="text-error"' in empty.get_data(as_text=True)
    db.session.expire_all()
    assert len(value.behaviours) == 5
    assert _audit("value") == [] and _audit("behaviour") == []


def test_edit_the_wording_of_a_value_and_of_a_behaviour(client, auth, org):
    item = factories.idea(org.anna, values=("Vi vill",))
    db.session.flush()
    auth.login(org.admin.email)
    value = _value("Vi vill")
    edit = f"/admin/values/{value.id}"
    assert auth.post(edit, {"name": "Vi vill mer"}, token_from=edit).status_code == 302
    db.session.expire_all()
    assert value.name == "Vi vill mer"
    [renamed] = _audit("value", "rename")
    assert (renamed.before, renamed.after) == ({"name": "Vi vill"}, {"name": "Vi vill mer"})
    # The same value: the item carries the new wording.
    assert [v.name for v in item.values] == ["Vi vill mer"]

    behaviour = _behaviour(value, "krånglar inte till det")
    page = f"/admin/behaviours/{behaviour.id}"
    assert client.get(page).status_code == 200
    response = auth.post(page, {"text": "gör det enkelt"}, token_from=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert behaviour.text == "gör det enkelt"
    [changed] = _audit("behaviour", "update")
    assert changed.target == "Vi vill mer: gör det enkelt"
    assert (changed.before, changed.after) == (
        {"text": "krånglar inte till det"},
        {"text": "gör det enkelt"},
    )


def test_a_bad_wording_changes_nothing(client, auth, org):
    _english(org.admin)
    auth.login(org.admin.email)
    value = _value("Vi vill")
    edit = f"/admin/values/{value.id}"
    response = auth.post(edit, {"name": "x" * 101}, token_from=edit)
    assert response.status_code == 400
    assert 'id="name-error"' in response.get_data(as_text=True)
    response = auth.post(edit, {"name": "Vi är öppna"}, token_from=edit)
    assert response.status_code == 400
    assert "There is already a value called Vi är öppna." in response.get_data(as_text=True)
    behaviour = _behaviour(value, "tar ansvar")
    page = f"/admin/behaviours/{behaviour.id}"
    response = auth.post(page, {"text": "ser till helheten"}, token_from=page)
    assert response.status_code == 400
    assert "already has the behaviour" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (value.name, behaviour.text) == ("Vi vill", "tar ansvar")
    assert _audit("value") == [] and _audit("behaviour") == []


def test_reorder_values_and_behaviours_with_buttons(client, auth, org):
    auth.login(org.admin.email)
    last = _value("Vi vill")
    move = f"/admin/values/{last.id}/move"
    response = auth.post(move, {"direction": "up"}, token_from=LIST)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/values#value-{last.id}")
    db.session.expire_all()
    assert _order() == ["Vi är öppna", "Vi vill", "Vi är framåt"]
    [moved] = _audit("value", "move")
    assert (moved.target, moved.before, moved.after) == (
        "Vi vill",
        {"position": 3},
        {"position": 2},
    )
    # The new order is the new-idea form's order.
    auth.logout()
    auth.login(org.anna.email)
    form = client.get("/ideas/new").get_data(as_text=True)
    assert form.index('value="Vi vill"') < form.index('value="Vi är framåt"')
    auth.logout()
    auth.login(org.admin.email)

    # The first cannot move further up: nothing changes, nothing is logged.
    first = _value("Vi är öppna")
    response = auth.post(f"/admin/values/{first.id}/move", {"direction": "up"}, token_from=LIST)
    assert response.status_code == 302
    assert _order()[0] == "Vi är öppna" and len(_audit("value", "move")) == 1
    bad = auth.post(move, {"direction": "sideways"}, token_from=LIST)
    assert bad.status_code == 400

    behaviour = _behaviour(first, "lyhörda")
    edit = f"/admin/values/{first.id}"
    response = auth.post(
        f"/admin/behaviours/{behaviour.id}/move", {"direction": "down"}, token_from=edit
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [b.text for b in first.behaviours] == [
        "ärliga",
        "håller vad vi lovar",
        "visar varandra respekt",
        "lyhörda",
        "löser det tillsammans",
    ]
    [moved] = _audit("behaviour", "move")
    assert (moved.before, moved.after) == ({"position": 3}, {"position": 4})


def test_a_retired_value_is_not_offered_nor_accepted_but_stays_on_its_items(client, auth, org):
    old = factories.idea(org.anna, title="Äldre idé", values=("Vi är framåt", "Vi vill"))
    db.session.flush()
    auth.login(org.admin.email)
    value = _value("Vi är framåt")
    edit = f"/admin/values/{value.id}"
    response = auth.post(edit + "/active", {"active": "0"}, token_from=edit)
    assert response.status_code == 302
    db.session.expire_all()
    assert not value.active
    [retired] = _audit("value", "retire")
    assert (retired.target, retired.before, retired.after) == (
        "Vi är framåt",
        {"active": True},
        {"active": False},
    )
    # Sent again (a second click): nothing more changes, nothing more is logged.
    assert auth.post(edit + "/active", {"active": "0"}, token_from=edit).status_code == 302
    assert len(_audit("value", "retire")) == 1
    assert "Avvecklad" in client.get(LIST).get_data(as_text=True)

    auth.logout()
    auth.login(org.anna.email)
    form = client.get("/ideas/new").get_data(as_text=True)
    assert 'value="Vi är framåt"' not in form and 'value="Vi vill"' in form
    assert "modiga" not in form  # nor its behaviours
    assert 'value="Vi är framåt"' not in client.get("/concerns/new").get_data(as_text=True)
    refused = auth.post(
        "/ideas/new",
        {"title": "Ny idé", "description": "Text", "unit": "VOO", "values": ["Vi är framåt"]},
        token_from="/ideas/new",
    )
    assert refused.status_code == 400
    assert (
        'id="values-error">Värderingen Vi är framåt är avvecklad: den väljs inte längre för '
        "nya ärenden." in refused.get_data(as_text=True)
    )
    assert db.session.scalar(select(Item).where(Item.title == "Ny idé")) is None
    assert list(_api_values(client, org.anna)) == ["Vi är öppna", "Vi vill"]
    # Refused through the API too, naming the field.
    headers = {"Authorization": f"Bearer {accounts.create_api_token(org.anna, 'tests')}"}
    api = client.post(
        "/api/v1/ideas",
        headers=headers,
        json={"title": "Ny idé", "description": "Text", "unit": "VOO", "values": ["Vi är framåt"]},
    )
    assert api.status_code == 422 and api.get_json()["field"] == "values"

    # The old item keeps it, on its page and in the statistics.
    detail = client.get(f"/ideas/{old.id}").get_data(as_text=True)
    assert '<span class="tag">Vi är framåt</span>' in detail
    by_value = {row.label: row.submitted for row in stats.compute(org.admin).by_value}
    assert by_value["Vi är framåt"] == 1

    # And back again.
    auth.logout()
    auth.login(org.admin.email)
    assert auth.post(edit + "/active", {"active": "1"}, token_from=edit).status_code == 302
    db.session.expire_all()
    assert value.active and len(_audit("value", "reactivate")) == 1


def test_a_retired_behaviour_is_no_longer_shown_beside_its_value(client, auth, org):
    auth.login(org.admin.email)
    value = _value("Vi vill")
    behaviour = _behaviour(value, "service i fokus")
    edit = f"/admin/values/{value.id}"
    url = f"/admin/behaviours/{behaviour.id}/active"
    assert auth.post(url, {"active": "0"}, token_from=edit).status_code == 302
    db.session.expire_all()
    assert not behaviour.active
    [retired] = _audit("behaviour", "retire")
    assert retired.target == "Vi vill: service i fokus"
    assert "service i fokus" in client.get(edit).get_data(as_text=True)  # still here, retired

    form = client.get("/ideas/new").get_data(as_text=True)
    assert "tar ansvar" in form and "service i fokus" not in form
    api = _api_values(client, org.admin)
    assert "service i fokus" not in api["Vi vill"] and "tar ansvar" in api["Vi vill"]

    assert auth.post(url, {"active": "1"}, token_from=edit).status_code == 302
    db.session.expire_all()
    assert behaviour.active and len(_audit("behaviour", "reactivate")) == 1
    assert "service i fokus" in client.get("/ideas/new").get_data(as_text=True)


def test_the_last_value_in_use_cannot_be_retired(client, auth, org):
    _english(org.admin)
    auth.login(org.admin.email)
    for name in ("Vi är öppna", "Vi är framåt"):
        edit = f"/admin/values/{_value(name).id}"
        assert auth.post(edit + "/active", {"active": "0"}, token_from=edit).status_code == 302
    last = _value("Vi vill")
    edit = f"/admin/values/{last.id}"
    response = auth.post(edit + "/active", {"active": "0"}, token_from=edit)
    assert response.status_code == 400
    assert "Vi vill is the last value in use" in response.get_data(as_text=True)
    db.session.expire_all()
    assert last.active and len(_audit("value", "retire")) == 2


def test_only_admins_edit_values(client, auth, org):
    value = _value("Vi vill")
    behaviour = value.behaviours[0]
    auth.login(org.boss.email)
    assert client.get(LIST).status_code == 403
    assert client.get(f"/admin/values/{value.id}").status_code == 403
    assert auth.post(LIST, {"name": "Vi chefar"}).status_code == 403
    assert auth.post(f"/admin/values/{value.id}", {"name": "Vi chefar"}).status_code == 403
    assert auth.post(f"/admin/values/{value.id}/active", {"active": "0"}).status_code == 403
    assert auth.post(f"/admin/values/{value.id}/move", {"direction": "up"}).status_code == 403
    url = f"/admin/behaviours/{behaviour.id}"
    assert auth.post(url, {"text": "chefar"}).status_code == 403
    assert auth.post(url + "/active", {"active": "0"}).status_code == 403
    db.session.expire_all()
    assert _value("Vi chefar") is None and value.active and behaviour.active
    assert _order() == ["Vi är öppna", "Vi är framåt", "Vi vill"]
    assert _audit("value") == [] and _audit("behaviour") == []


def test_the_audit_log_names_value_changes_in_words(client, auth, org):
    _english(org.admin)
    auth.login(org.admin.email)
    behaviour = _behaviour(_value("Vi vill"), "tar ansvar")
    page = f"/admin/behaviours/{behaviour.id}"
    auth.post(page, {"text": "tar ansvaret"}, token_from=page)
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "Behaviour: Vi vill: tar ansvaret" in log
    assert "Wording:" in log and "tar ansvar" in log
