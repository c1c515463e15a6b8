"""Concerns: private to the submitter and the managers responsible."""

from sqlalchemy import select

from ideas.extensions import db
from ideas.models import Item
from ideas.services import items, routing
from tests import factories

FORM = {
    "title": "Trasig personlift",
    "description": "Liften på Ljungsgården fastnar.",
    "unit": "VOO",
    "values": ["Vi vill"],
}


def concern(org, **kw):
    item = items.submit_concern(org.anna, **{**FORM, **kw})
    routing.route_item(item.id)
    return item


def as_user(client, auth, user):
    client.delete_cookie("ideas_session")  # a new browser session
    auth.login(user.email)


def test_raise_a_concern_on_the_web(client, auth, org):
    auth.login(org.anna.email)
    page = client.get("/concerns/new").get_data(as_text=True)
    assert "Lämna en synpunkt" in page and "Det gäller min egen chef" in page
    response = auth.post("/concerns/new", {**FORM, "confidential": "y"}, token_from="/concerns/new")
    assert response.status_code == 302
    item = db.session.scalar(select(Item).where(Item.kind == "concern"))
    assert response.headers["Location"] == f"/concerns/{item.id}"
    assert item.confidential and not item.about_manager and item.author == org.anna
    assert "Tack! Din synpunkt är inskickad." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_only_the_submitter_and_the_managers_responsible_see_it(client, auth, org):
    item = concern(org)
    url = f"/concerns/{item.id}"
    for user, visible in (
        (org.anna, True),
        (org.boss, True),
        (org.director, True),
        (org.bo, False),
        (org.it_boss, False),
        (org.admin, False),
        (org.handler, False),
    ):
        as_user(client, auth, user)
        assert client.get(url).status_code == (200 if visible else 404), user.email
        listed = "Trasig personlift" in client.get("/concerns").get_data(as_text=True)
        assert listed == visible, user.email
        # Never among the open ideas, nor found by search.
        assert "Trasig personlift" not in client.get("/ideas?q=personlift").get_data(as_text=True)


def test_before_routing_only_the_submitter_sees_it(client, auth, org):
    item = items.submit_concern(org.anna, **FORM)
    auth.login(org.boss.email)
    assert client.get(f"/concerns/{item.id}").status_code == 404
    as_user(client, auth, org.anna)
    assert client.get(f"/concerns/{item.id}").status_code == 200


def test_a_concern_is_not_an_idea_and_an_idea_not_a_concern(client, auth, org):
    item = concern(org)
    idea = factories.idea(org.anna)
    auth.login(org.anna.email)
    assert client.get(f"/ideas/{item.id}").status_code == 404
    assert client.get(f"/concerns/{idea.id}").status_code == 404
    url = f"/concerns/{item.id}"
    assert auth.post(f"{url}/support", token_from=url).status_code == 404


def test_confidential_hides_the_name_from_all_but_the_manager_who_has_it(client, auth, org):
    item = concern(org, confidential=True)
    items.add_comment(item, org.anna, "Den fastnade igen i dag.")
    url = f"/concerns/{item.id}"
    auth.login(org.boss.email)
    assert "Anna Andersson" in client.get(url).get_data(as_text=True)
    as_user(client, auth, org.director)
    page = client.get(url).get_data(as_text=True)
    assert "Anna Andersson" not in page
    assert "någon (konfidentiellt)" in page and "Den som lämnade synpunkten" in page
    assert "Anna Andersson" not in client.get("/concerns").get_data(as_text=True)


def test_about_my_own_manager_goes_above_and_out_of_their_sight(client, auth, org):
    item = concern(org, about_manager=True)
    assert item.assignee == org.director
    auth.login(org.boss.email)
    assert client.get(f"/concerns/{item.id}").status_code == 404
    assert "Trasig personlift" not in client.get("/concerns").get_data(as_text=True)
    as_user(client, auth, org.director)
    assert client.get(f"/concerns/{item.id}").status_code == 200


def test_the_manager_answers_and_the_submitter_sees_it(client, auth, org):
    item = concern(org)
    url = f"/concerns/{item.id}"
    auth.login(org.boss.email)
    response = auth.post(
        f"{url}/status",
        {"status": "assessing", "comment": "Vi tar in en servicetekniker."},
        token_from=url,
    )
    assert response.status_code == 302
    as_user(client, auth, org.anna)
    page = client.get(url).get_data(as_text=True)
    assert "Vi tar in en servicetekniker." in page and "Under utredning" in page
    as_user(client, auth, org.bo)
    assert (
        auth.post(
            f"{url}/status", {"status": "declined", "comment": "x"}, token_from="/ideas"
        ).status_code
        == 404
    )
