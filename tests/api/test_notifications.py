"""GET /api/v1/notifications and POST /api/v1/notifications/read: one's own, newest first."""

from sqlalchemy import select

from ideas.extensions import db
from ideas.models import Notification
from ideas.services import items, routing
from tests import factories


def answered_idea(org):
    """Anna's idea, routed to Carl, answered by him and commented on by Bo: Anna has two
    notifications (the answer, the comment), Carl one (the assignment)."""
    idea = factories.idea(org.anna, title="Cykelpool")
    routing.route_item(idea.id)
    items.transition(idea, org.boss, "acknowledged", "Tack, vi tittar på det.")
    items.add_comment(idea, org.bo, "Jag vill vara med.")
    return idea


def test_ones_notifications_newest_first(client, org, bearer, conforms):
    idea = answered_idea(org)
    response = client.get("/api/v1/notifications", headers=bearer(org.anna))
    assert response.status_code == 200
    body = response.get_json()
    conforms("NotificationPage", body)
    assert (body["unread"], body["total"]) == (2, 2)
    assert [n["event"] for n in body["items"]] == ["commented", "answered"]
    first = body["items"][0]
    assert first["read"] is False
    assert first["item"] == {
        "id": idea.id,
        "kind": "idea",
        "title": "Cykelpool",
        "url": f"http://127.0.0.1:5000/ideas/{idea.id}",
    }
    carl = client.get("/api/v1/notifications", headers=bearer(org.boss)).get_json()
    assert [n["event"] for n in carl["items"]] == ["assigned"]  # only his own


def test_marking_read_by_id_and_all(client, org, bearer, conforms):
    answered_idea(org)
    anna, carl = bearer(org.anna), bearer(org.boss)
    ids = [n["id"] for n in client.get("/api/v1/notifications", headers=anna).get_json()["items"]]
    carls = client.get("/api/v1/notifications", headers=carl).get_json()["items"][0]["id"]

    # Another's id is ignored: it names nothing of the caller's.
    response = client.post(
        "/api/v1/notifications/read", headers=anna, json={"ids": [ids[1], carls]}
    )
    assert response.status_code == 200
    conforms("NotificationsMarked", response.get_json())
    assert response.get_json() == {"marked": 1, "unread": 1}
    assert client.get("/api/v1/notifications", headers=carl).get_json()["unread"] == 1

    unread = client.get("/api/v1/notifications?unread=true", headers=anna).get_json()
    assert [n["id"] for n in unread["items"]] == [ids[0]] and unread["total"] == 1
    read = client.get("/api/v1/notifications?unread=false", headers=anna).get_json()
    assert [(n["id"], n["read"]) for n in read["items"]] == [(ids[1], True)]

    response = client.post("/api/v1/notifications/read", headers=anna)  # no body: all
    assert response.get_json() == {"marked": 1, "unread": 0}
    db.session.expire_all()
    assert all(
        n.read_at is not None
        for n in db.session.scalars(select(Notification).filter_by(user_id=org.anna.id))
    )


def test_paging(client, org, bearer):
    idea = factories.idea(org.anna)
    for n in range(5):
        items.add_comment(idea, org.bo, f"Kommentar {n}")
    h = bearer(org.anna)
    pages = [
        client.get(f"/api/v1/notifications?page={p}&per_page=2", headers=h).get_json()
        for p in (1, 2, 3)
    ]
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    ids = [n["id"] for p in pages for n in p["items"]]
    assert ids == sorted(ids, reverse=True) and pages[0]["total"] == 5


def test_bad_input_is_refused_naming_the_field(client, org, bearer, conforms):
    answered_idea(org)
    h = bearer(org.anna)
    for url, field in (
        ("/api/v1/notifications?unread=maybe", "unread"),
        ("/api/v1/notifications?page=0", "page"),
        ("/api/v1/notifications?per_page=1000", "per_page"),
    ):
        response = client.get(url, headers=h)
        assert response.status_code == 400, url
        conforms("Error", response.get_json())
        assert response.get_json()["field"] == field
    for body in ({"ids": "1"}, {"ids": [1, "x"]}, {"ids": [0]}, {"all": True}):
        response = client.post("/api/v1/notifications/read", headers=h, json=body)
        assert response.status_code == 422, body
        conforms("Error", response.get_json())
    response = client.post("/api/v1/notifications/read", headers=h, data=b"[1]")
    assert response.status_code == 400
    assert client.get("/api/v1/notifications", headers=h).get_json()["unread"] == 2  # unchanged
    assert client.get("/api/v1/notifications").status_code == 401
