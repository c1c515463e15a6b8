"""A person's settings: digest frequency, absence and deputy."""

from ideas.extensions import db
from ideas.services import routing
from tests import factories


def test_settings_page_saves_and_routing_follows_it(client, auth, org):
    auth.login(org.boss.email)
    page = client.get("/settings").get_data(as_text=True)
    assert '<option selected value="weekly">Varje vecka</option>' in page
    response = auth.post(
        "/settings",
        {"digest_frequency": "daily", "absent": "y", "deputy": org.it_boss.email},
        token_from="/settings",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (org.boss.digest_frequency, org.boss.absent, org.boss.deputy) == (
        "daily",
        True,
        org.it_boss,
    )
    assert "Dina inställningar är sparade." in client.get("/settings").get_data(as_text=True)
    idea = factories.idea(org.anna)
    routing.route_item(idea.id)
    assert idea.assignee == org.it_boss


def test_bad_settings_are_explained_and_change_nothing(client, auth, org):
    auth.login(org.boss.email)
    for data, message in (
        ({"digest_frequency": "hourly"}, "Inte ett giltigt val"),
        (
            {"digest_frequency": "daily", "deputy": "nobody@example.se"},
            "Det finns inget konto med e-postadressen nobody@example.se.",
        ),
        (
            {"digest_frequency": "daily", "deputy": org.boss.email},
            "Du kan inte vara din egen ersättare.",
        ),
    ):
        response = auth.post("/settings", data, token_from="/settings")
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert (org.boss.digest_frequency, org.boss.deputy) == ("weekly", None)


def test_removing_the_deputy(client, auth, org):
    org.boss.deputy = org.it_boss
    db.session.flush()
    auth.login(org.boss.email)
    assert f'value="{org.it_boss.email}"' in client.get("/settings").get_data(as_text=True)
    auth.post("/settings", {"digest_frequency": "weekly", "deputy": ""}, token_from="/settings")
    db.session.expire_all()
    assert org.boss.deputy is None
