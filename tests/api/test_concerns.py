"""The concerns API: private like the web, confidential where asked."""

from ideas.services import accounts, routing


def headers(user):
    return {"Authorization": f"Bearer {accounts.create_api_token(user)}"}


BODY = {
    "title": "Trasig personlift",
    "description": "Liften fastnar.",
    "unit": "VOO",
    "values": ["Vi vill"],
}


def test_raise_and_read_a_concern(client, org):
    response = client.post(
        "/api/v1/concerns", headers=headers(org.anna), json={**BODY, "confidential": True}
    )
    assert response.status_code == 201
    concern = response.get_json()
    assert concern["kind"] == "concern" and concern["confidential"] is True
    assert concern["url"].endswith(f"/concerns/{concern['id']}")
    assert response.headers["Location"] == f"/api/v1/concerns/{concern['id']}"
    routing.route_item(concern["id"])

    boss = client.get(f"/api/v1/concerns/{concern['id']}", headers=headers(org.boss))
    assert boss.status_code == 200
    assert boss.get_json()["author"]["email"] == org.anna.email
    director = client.get(f"/api/v1/concerns/{concern['id']}", headers=headers(org.director))
    assert director.status_code == 200
    body = director.get_json()
    assert body["author"] is None
    assert all(h["actor"] is None for h in body["history"] if h["action"] == "submitted")
    assert org.anna.email not in director.get_data(as_text=True)
    for user in (org.bo, org.it_boss, org.admin, org.handler):
        h = headers(user)
        assert client.get(f"/api/v1/concerns/{concern['id']}", headers=h).status_code == 404
        assert client.get("/api/v1/concerns", headers=h).get_json()["total"] == 0
    # A concern is never an idea, in any list or by id.
    h = headers(org.anna)
    assert client.get(f"/api/v1/ideas/{concern['id']}", headers=h).status_code == 404
    assert client.get("/api/v1/ideas?q=personlift", headers=h).get_json()["total"] == 0
    assert client.get("/api/v1/concerns", headers=h).get_json()["total"] == 1


def test_bad_concerns_name_the_field(client, org):
    h = headers(org.anna)
    for body, field in (
        ({**BODY, "confidential": "ja"}, "confidential"),
        ({**BODY, "values": []}, "values"),
        ({**BODY, "unit": "XX"}, "unit"),
        ({k: v for k, v in BODY.items() if k != "title"}, "title"),
    ):
        response = client.post("/api/v1/concerns", headers=h, json=body)
        assert response.status_code == 422 and response.get_json()["field"] == field
    assert client.get("/api/v1/concerns", headers=h).get_json()["total"] == 0
