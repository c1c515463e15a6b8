"""GET /api/v1/ideas/similar: ideas a new one might duplicate."""

import pytest

from ideas.models.items import TITLE_MAX
from ideas.services import items
from tests import factories
from tests.api.conftest import stored


def test_similar_ideas_are_listed_as_the_list_shows_them(client, org, bearer, conforms):
    keys = factories.idea(org.anna, title="Digitala nyckelskåp i hemtjänsten")
    factories.idea(org.anna, title="Vegetarisk matsedel i skolan")
    items.submit_concern(
        org.anna, title="Nyckelskåp som kärvar", description="Låset.", unit="VOO",
        values=["Vi vill"],
    )  # fmt: skip
    response = client.get(
        "/api/v1/ideas/similar", query_string={"title": "Nyckelskåp"}, headers=bearer(org.bo)
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert list(body) == ["items"]
    assert [(i["id"], i["kind"], i["title"]) for i in body["items"]] == [
        (keys.id, "idea", "Digitala nyckelskåp i hemtjänsten")
    ]
    for item in body["items"]:
        conforms("Item", item)
    assert body["items"][0]["unit"] == {"code": "VOO", "name": "Vård och omsorg"}


def test_nothing_alike_and_short_titles_give_an_empty_list(client, org, bearer):
    factories.idea(org.anna, title="Digitala nyckelskåp i hemtjänsten")
    for title in ("Cykelparkering", "ny", "i på"):
        response = client.get(
            "/api/v1/ideas/similar", query_string={"title": title}, headers=bearer(org.bo)
        )
        assert (response.status_code, response.get_json()) == (200, {"items": []}), title


def test_at_most_five_are_suggested(client, org, bearer):
    for n in range(7):
        factories.idea(org.anna, title=f"Nyckelskåp {n}")
    response = client.get("/api/v1/ideas/similar?title=Nyckelsk%C3%A5p", headers=bearer(org.bo))
    assert len(response.get_json()["items"]) == 5


@pytest.mark.parametrize(
    "query", ["", "?title=", "?title=%20%20", "?title=" + "x" * (TITLE_MAX + 1)]
)
def test_a_missing_or_too_long_title_is_a_400_naming_it(client, org, bearer, conforms, query):
    before = stored()
    response = client.get(f"/api/v1/ideas/similar{query}", headers=bearer(org.bo))
    assert response.status_code == 400
    body = response.get_json()
    conforms("Error", body)
    assert body["field"] == "title"
    assert "title" in body["fields"]
    assert stored() == before


def test_a_token_is_needed(client, org):
    response = client.get("/api/v1/ideas/similar?title=Nyckelsk%C3%A5p")
    assert response.status_code == 401


def test_the_route_does_not_shadow_an_idea_by_its_id(client, org, bearer):
    idea = factories.idea(org.anna)
    response = client.get(f"/api/v1/ideas/{idea.id}", headers=bearer(org.bo))
    assert (response.status_code, response.get_json()["id"]) == (200, idea.id)
