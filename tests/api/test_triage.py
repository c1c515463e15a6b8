"""Triage through the API: inbox, forward, merge, delegate, adopt, implemented."""

import pytest

from ideas.extensions import db
from ideas.models import Item
from ideas.services import items, routing
from tests import factories


def routed(item):
    routing.route_item(item.id)
    return item


def test_the_inbox(client, org, bearer, conforms):
    idea = routed(factories.idea(org.anna))
    response = client.get("/api/v1/inbox", headers=bearer(org.boss))
    assert response.status_code == 200
    body = response.get_json()
    conforms("Inbox", body)
    assert [i["id"] for i in body["items"]] == [idea.id]
    assert body["items"][0]["next_deadline"] and body["counts"]["total"] == 1
    assert client.get("/api/v1/inbox?kind=report", headers=bearer(org.boss)).status_code == 400
    assert client.get("/api/v1/inbox?status=nope", headers=bearer(org.boss)).status_code == 400
    assert client.get("/api/v1/inbox", headers=bearer(org.anna)).status_code == 403
    assert client.get("/api/v1/inbox", headers=bearer(org.handler)).status_code == 403


def test_forward_merge_delegate_and_adopt(client, org, bearer, conforms):
    idea = routed(factories.idea(org.anna, title="Nyckelskåp"))
    twin = routed(factories.idea(org.bo, title="Kodskåp"))
    h = bearer(org.boss)
    merged = client.post(f"/api/v1/ideas/{twin.id}/merge", headers=h, json={"into": idea.id})
    assert merged.status_code == 200 and merged.get_json()["merged_into"] == idea.id
    conforms("ItemDetail", merged.get_json())
    delegated = client.post(
        f"/api/v1/ideas/{idea.id}/delegate", headers=h, json={"email": org.bo.email}
    )
    assert delegated.get_json()["driver"]["email"] == org.bo.email
    # The employee drives it: through its statuses, up to implemented with what was learned.
    hb = bearer(org.bo)
    for body in (
        {"status": "accepted", "comment": "Vi gör det"},
        {
            "status": "implemented",
            "outcome": "Skåp i bilarna",
            "lessons": "Testa först",
            "hours_saved": 150,
            "money_saved": 12000.5,
        },
    ):
        moved = client.post(f"/api/v1/ideas/{idea.id}/transitions", headers=hb, json=body)
        assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["hours_saved"] == 150.0 and moved.get_json()["lessons"] == "Testa först"
    adopted = client.post(
        f"/api/v1/ideas/{idea.id}/adopt", headers=bearer(org.it_boss), json={"unit": "IT"}
    )
    assert adopted.status_code == 201
    copy = adopted.get_json()
    assert copy["adopted_from"] == idea.id and copy["unit"]["code"] == "IT"
    assert adopted.headers["Location"] == f"/api/v1/ideas/{copy['id']}"
    original = client.get(f"/api/v1/ideas/{idea.id}", headers=h).get_json()
    assert original["spread_to"] == [
        {"id": copy["id"], "unit": {"code": "IT", "name": "IT-enheten"}}
    ]
    forwarded = client.post(
        f"/api/v1/ideas/{copy['id']}/forward",
        headers=bearer(org.it_boss),
        json={"unit": "VOO", "comment": "Hör hemma i vården"},
    )
    assert forwarded.status_code == 200 and forwarded.get_json()["status"] == "forwarded"


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("forward", {"unit": "IT"}, 422, "comment"),
        ("forward", {"unit": "NOPE", "comment": "x"}, 422, "unit"),
        ("merge", {"into": "1"}, 422, "into"),
        ("merge", {"into": 999999}, 422, "into"),
        ("delegate", {"email": "nobody@example.se"}, 422, "email"),
        ("delegate", {}, 422, "email"),
        ("adopt", {"unit": "IT"}, 422, "status"),
        ("transitions", {"status": "accepted", "hours_saved": -1}, 422, "hours_saved"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    client, org, bearer, path, body, status, field
):
    idea = routed(factories.idea(org.anna))
    response = client.post(f"/api/v1/ideas/{idea.id}/{path}", headers=bearer(org.boss), json=body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["field"] == field
    db.session.expire_all()
    item = db.session.get(Item, idea.id)
    assert (item.status, item.unit_id, item.driver_id) == ("submitted", org.unit.id, None)


def test_who_may_forward_merge_delegate(client, org, bearer):
    idea = routed(factories.idea(org.anna))
    other = routed(factories.idea(org.bo, title="B"))
    for user in (org.anna, org.bo, org.it_boss):
        h = bearer(user)
        assert (
            client.post(
                f"/api/v1/ideas/{idea.id}/forward", headers=h, json={"unit": "IT", "comment": "x"}
            ).status_code
            == 403
        )
        assert (
            client.post(
                f"/api/v1/ideas/{idea.id}/merge", headers=h, json={"into": other.id}
            ).status_code
            == 403
        )
        assert (
            client.post(
                f"/api/v1/ideas/{idea.id}/delegate", headers=h, json={"email": org.bo.email}
            ).status_code
            == 403
        )
    items.transition(idea, org.boss, "accepted", "Ja")
    assert idea.status == "accepted"
