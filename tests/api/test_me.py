"""GET and PATCH /api/v1/me: one's own settings."""

from ideas.extensions import db
from ideas.services import accounts


def headers(user):
    return {"Authorization": f"Bearer {accounts.create_api_token(user)}"}


def test_read_and_change_settings(client, org):
    h = headers(org.boss)
    me = client.get("/api/v1/me", headers=h).get_json()
    assert me == {
        "name": "Carl Chef",
        "email": "chef@example.se",
        "role": "manager",
        "unit": {"code": "VOO", "name": "Vård och omsorg"},
        "digest_frequency": "weekly",
        "absent": False,
        "deputy": None,
    }
    response = client.patch(
        "/api/v1/me",
        headers=h,
        json={"digest_frequency": "monthly", "absent": True, "deputy": "ITCHEF@example.se"},
    )
    assert response.status_code == 200
    assert response.get_json()["deputy"] == {"name": "Ida IT-chef", "email": "itchef@example.se"}
    db.session.expire_all()
    assert (org.boss.digest_frequency, org.boss.absent, org.boss.deputy) == (
        "monthly",
        True,
        org.it_boss,
    )
    # Only what is sent changes; null removes the deputy.
    client.patch("/api/v1/me", headers=h, json={"deputy": None})
    db.session.expire_all()
    assert (org.boss.digest_frequency, org.boss.absent, org.boss.deputy) == ("monthly", True, None)


def test_bad_settings_name_the_field_and_change_nothing(client, org):
    h = headers(org.boss)
    cases = [
        ({"digest_frequency": "hourly"}, "digest_frequency", 422),
        ({"absent": "yes"}, "absent", 422),
        ({"deputy": "nobody@example.se"}, "deputy", 422),
        ({"deputy": org.boss.email}, "deputy", 422),
        ({"colour": "blue"}, "colour", 422),
    ]
    for body, field, status in cases:
        response = client.patch("/api/v1/me", headers=h, json=body)
        assert response.status_code == status, body
        assert response.get_json()["field"] == field
    assert (
        client.patch(
            "/api/v1/me", headers=h, data="{not json", content_type="application/json"
        ).status_code
        == 400
    )
    db.session.expire_all()
    assert (org.boss.digest_frequency, org.boss.absent, org.boss.deputy) == ("weekly", False, None)


def test_me_needs_a_token(client, org):
    assert client.get("/api/v1/me").status_code == 401
    assert client.patch("/api/v1/me", json={"absent": True}).status_code == 401
