"""Submitting, listing, searching and reading ideas over the API."""

from datetime import datetime

import pytest
from sqlalchemy import select

from ideas.extensions import db
from ideas.models import Follow, Item
from ideas.models.items import BENEFIT_MAX, DESCRIPTION_MAX, TITLE_MAX
from ideas.services import items
from tests import factories
from tests.api.conftest import stored

GOOD = {
    "title": "Digitala nyckelskåp i hemtjänsten",
    "description": "Nycklar till brukarnas hem hämtas i låsta skåp med kod.",
    "benefit": "Mindre tid på att leta nycklar.",
    "unit": "VOO",
    "values": ["Vi vill", "Vi är framåt"],
}


def test_submit_an_idea(app, client, org, bearer, conforms):
    response = client.post("/api/v1/ideas", json=GOOD, headers=bearer(org.anna))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    conforms("ItemDetail", body)
    assert response.headers["Location"] == f"/api/v1/ideas/{body['id']}"
    assert body["kind"] == "idea"
    assert (body["title"], body["description"], body["benefit"]) == (
        GOOD["title"],
        GOOD["description"],
        GOOD["benefit"],
    )
    assert body["unit"] == {"code": "VOO", "name": "Vård och omsorg"}
    assert body["values"] == ["Vi är framåt", "Vi vill"]  # in the organisation's order
    assert (body["status"], body["status_label"]) == ("submitted", "Submitted")
    assert body["author"] == {"name": "Anna Andersson", "email": "anna@example.se"}
    assert body["assignee"] is None
    assert (body["supports"], body["comments"]) == (0, 0)
    assert body["url"] == f"{app.config['BASE_URL']}/ideas/{body['id']}"
    for moment in (body["created_at"], body["updated_at"]):
        assert datetime.fromisoformat(moment).utcoffset() is not None
    (entry,) = body["history"]
    assert datetime.fromisoformat(entry.pop("at")).utcoffset() is not None
    assert [entry] == [
        {
            "actor": {"name": "Anna Andersson", "email": "anna@example.se"},
            "action": "submitted",
            "from": None,
            "to": "submitted",
            "comment": "",
        }
    ]
    assert body["following"] is True and body["supported_by_me"] is False

    item = db.session.get(Item, body["id"])
    assert (item.title, item.author_id, item.unit.code) == (GOOD["title"], org.anna.id, "VOO")
    assert db.session.get(Follow, (item.id, org.anna.id)) is not None
    # The url is a real page of the web app (it sends a browser without a session to log in).
    assert client.get(body["url"].removeprefix(app.config["BASE_URL"])).status_code == 302


def test_benefit_may_be_left_out_and_text_is_trimmed(client, org, bearer):
    good = {**GOOD, "title": "  Nyckelskåp  "}
    del good["benefit"]
    response = client.post("/api/v1/ideas", json=good, headers=bearer(org.anna))
    assert response.status_code == 201
    assert response.get_json()["title"] == "Nyckelskåp"
    assert response.get_json()["benefit"] == ""


def _without(key):
    body = dict(GOOD)
    del body[key]
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_without("title"), "title"),
        (_without("description"), "description"),
        (_without("unit"), "unit"),
        (_without("values"), "values"),
        ({**GOOD, "title": "   "}, "title"),
        ({**GOOD, "title": "x" * (TITLE_MAX + 1)}, "title"),
        ({**GOOD, "description": "x" * (DESCRIPTION_MAX + 1)}, "description"),
        ({**GOOD, "benefit": "x" * (BENEFIT_MAX + 1)}, "benefit"),
        ({**GOOD, "values": []}, "values"),
        ({**GOOD, "values": "Vi vill"}, "values"),
        ({**GOOD, "values": ["Vi vill", 3]}, "values"),
        ({**GOOD, "title": 42}, "title"),
        ({**GOOD, "unit": ["VOO"]}, "unit"),
        ({**GOOD, "benefit": None}, "benefit"),
        ({**GOOD, "valeus": ["Vi vill"]}, "valeus"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_written(client, org, bearer, body, field):
    before = stored()
    response = client.post("/api/v1/ideas", json=body, headers=bearer(org.anna))
    assert response.status_code == 422
    error = response.get_json()
    assert error["status"] == 422
    assert error["field"] == field
    assert field in error["fields"] and error["fields"][field]
    assert field in error["error"]
    assert stored() == before


def test_every_bad_field_is_listed(client, org, bearer):
    body = {"title": "", "description": 7, "unit": "VOO", "values": ["Vi vill"]}
    response = client.post("/api/v1/ideas", json=body, headers=bearer(org.anna))
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"title", "description"}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"unit": "NOPE"}, "unit", "Unknown unit: NOPE."),
        ({"values": ["Vi vill", "Vi är bäst"]}, "values", "Unknown value: Vi är bäst."),
    ],
)
def test_unknown_unit_or_value_is_named(client, org, bearer, change, field, message):
    before = stored()
    response = client.post("/api/v1/ideas", json={**GOOD, **change}, headers=bearer(org.anna))
    assert response.status_code == 422
    assert response.get_json() == {
        "error": message,
        "status": 422,
        "field": field,
        "fields": {field: message},
    }
    assert stored() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"title": "unterminated', "not valid JSON"),
        (b"", "empty"),
        (b"  \n", "empty"),
        (b"\xff\xfe", "not valid JSON"),
        (b'["a list"]', "must be a JSON object"),
        (b'"a string"', "must be a JSON object"),
        (b"null", "must be a JSON object"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(client, org, bearer, data, message):
    before = stored()
    response = client.post(
        "/api/v1/ideas",
        data=data,
        headers={**bearer(org.anna), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400 and message in body["error"]
    assert stored() == before


def test_list_filters_and_pages(client, org, bearer, conforms):
    for n in range(23):
        factories.idea(
            org.bo,
            title=f"Förslag nummer {n}",
            values=("Vi vill",) if n % 2 else ("Vi är öppna",),
            unit="IT" if n == 7 else "VOO",
        )
    headers = bearer(org.anna)

    def get(query=""):
        response = client.get(f"/api/v1/ideas{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        conforms("ItemPage", body)
        return body

    first = get()
    assert (first["total"], first["page"], first["pages"], first["per_page"]) == (23, 1, 2, 20)
    assert first["total_more"] is False and first["next_cursor"]
    assert len(first["items"]) == 20
    assert first["items"][0]["title"] == "Förslag nummer 22"  # newest first
    second = get("?page=2")
    assert (second["page"], len(second["items"])) == (2, 3)
    assert get("?page=3")["items"] == []
    assert len(get("?per_page=100")["items"]) == 23
    assert get("?per_page=5&page=5")["items"][0]["title"] == "Förslag nummer 2"

    by_unit = get("?unit=IT")
    assert [i["title"] for i in by_unit["items"]] == ["Förslag nummer 7"]
    assert get("?value=Vi vill")["total"] == 11

    item = db.session.scalar(select(Item).where(Item.title == "Förslag nummer 3"))
    items.transition(item, org.boss, "acknowledged")
    by_status = get("?status=acknowledged")
    assert [(i["title"], i["status"]) for i in by_status["items"]] == [
        ("Förslag nummer 3", "acknowledged")
    ]
    assert get("?status=acknowledged&unit=IT")["total"] == 0


def _small_count_limit(monkeypatch, limit: int) -> None:
    """Lists count (and rank a search) up to ``limit`` instead of 1,000."""
    monkeypatch.setattr("ideas.services.paging.COUNT_LIMIT", limit)
    monkeypatch.setattr("ideas.services.items.RANKED_UP_TO", limit)


def test_a_cursor_walks_the_list_to_its_end(client, org, bearer, conforms):
    # Submitted within one instant: the cursor's tie-break (the id) keeps them apart.
    for n in range(12):
        factories.idea(org.bo, title=f"Förslag nummer {n}", unit="IT" if n % 3 else "VOO")
    headers = bearer(org.anna)

    def get(query):
        response = client.get(f"/api/v1/ideas?{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        conforms("ItemPage", response.get_json())
        return response.get_json()

    by_number = [i["title"] for n in (1, 2, 3) for i in get(f"per_page=5&page={n}")["items"]]
    walked, query, pages = [], "per_page=5", []
    while query:
        body = get(query)
        pages.append(body)
        walked += [i["title"] for i in body["items"]]
        if body["next_cursor"] and len(pages) == 1:
            factories.idea(org.bo, title="Nytt under tiden", unit="IT")  # not met again
        query = body["next_cursor"] and f"per_page=5&cursor={body['next_cursor']}"
    assert walked == by_number == [f"Förslag nummer {n}" for n in range(11, -1, -1)]
    assert [len(p["items"]) for p in pages] == [5, 5, 2]
    assert (pages[1]["page"], pages[1]["pages"], pages[1]["total"]) == (None, 3, 13)
    assert pages[-1]["next_cursor"] is None

    # Filters hold on every page.
    first = get("per_page=2&unit=VOO")
    then = get(f"per_page=2&unit=VOO&cursor={first['next_cursor']}")
    assert [i["title"] for i in first["items"] + then["items"]] == [
        "Förslag nummer 9",
        "Förslag nummer 6",
        "Förslag nummer 3",
        "Förslag nummer 0",
    ]


def test_a_cursor_keeps_a_search_in_order_of_relevance(client, org, bearer):
    factories.idea(org.bo, title="Nyckelskåp", description="Nyckelskåp, nyckelskåp.")
    factories.idea(org.bo, title="Lås", description="Ett nyckelskåp.")
    factories.idea(org.bo, title="Nyckelskåp igen", description="Nya skåp.")
    headers = bearer(org.anna)
    url = "/api/v1/ideas?q=nyckelskåp&per_page=1"
    every = [i["title"] for i in client.get(url + "0", headers=headers).get_json()["items"]]
    walked, cursor = [], ""
    for _ in range(3):
        body = client.get(url + cursor, headers=headers).get_json()
        walked += [i["title"] for i in body["items"]]
        cursor = f"&cursor={body['next_cursor']}" if body["next_cursor"] else ""
    assert walked == every and len(walked) == 3 and walked[0] == "Nyckelskåp"
    assert cursor == ""


def test_a_total_over_the_count_limit_is_more_than_it(client, org, bearer, conforms, monkeypatch):
    _small_count_limit(monkeypatch, 5)
    for n in range(7):
        factories.idea(org.bo, title=f"Förslag nummer {n}")
    headers = bearer(org.anna)

    def get(query):
        body = client.get(f"/api/v1/ideas?{query}", headers=headers).get_json()
        conforms("ItemPage", body)
        return body

    first = get("per_page=3")
    assert (first["total"], first["total_more"], first["pages"]) == (None, True, None)
    assert len(first["items"]) == 3 and first["next_cursor"]
    last = get("per_page=3&page=3")  # deep pages still work
    assert [i["title"] for i in last["items"]] == ["Förslag nummer 0"]
    assert last["next_cursor"] is None
    few = get("per_page=3&q=nummer 4")
    assert (few["total"], few["total_more"], few["pages"]) == (1, False, 1)


@pytest.mark.parametrize(
    "query",
    [
        "cursor=",
        "cursor=inte-en-markör",
        "cursor=" + "A" * 300,
        "cursor=WyJuZXciLCIyMDI2LTAxLTAxIiwxXQ",  # ["new","2026-01-01",1]: no time zone
        "cursor=WyJ0aXRsZSIsIngiLDFd",  # ["title","x",1]: no such order
        "cursor=WyJyYW5rIiwwLjUsLTFd",  # ["rank",0.5,-1]: no such id
        "page=2&cursor=WyJyYW5rIiwwLjUsMV0",  # both
    ],
)
def test_a_bad_cursor_is_a_400_naming_it(client, org, bearer, query):
    response = client.get(f"/api/v1/ideas?{query}", headers=bearer(org.anna))
    assert response.status_code == 400
    body = response.get_json()
    assert (body["status"], body["field"]) == (400, "cursor")
    assert body["error"]


def test_search(client, org, bearer):
    factories.idea(org.bo, title="Nyckelskåp", description="Koder i stället för nycklar.")
    factories.idea(org.bo, title="Matsedel", description="Fler vegetariska rätter i skolan.")
    headers = bearer(org.anna)

    def titles(q):
        response = client.get("/api/v1/ideas", query_string={"q": q}, headers=headers)
        assert response.status_code == 200
        return [i["title"] for i in response.get_json()["items"]]

    assert titles("vegetariska") == ["Matsedel"]
    assert titles("nyckelskåp") == ["Nyckelskåp"]
    assert titles("skolan vegetariska") == ["Matsedel"]
    assert titles("ingenting sådant") == []
    # Odd characters are words to search for, never search syntax.
    assert titles('"OR*(-)NEAR') == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=nope", "status"),
        ("value=Vi%20%C3%A4r%20b%C3%A4st", "value"),
        ("unit=XX", "unit"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("page=%C2%B2", "page"),  # a superscript two: a digit to Python, not a number
        ("page=99999999999999999999999", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("q=" + "a" * 201, "q"),
    ],
)
def test_bad_query_arguments_are_a_400_naming_them(client, org, bearer, query, field):
    response = client.get(f"/api/v1/ideas?{query}", headers=bearer(org.anna))
    assert response.status_code == 400
    body = response.get_json()
    assert (body["status"], body["field"]) == (400, field)
    assert body["error"]


def test_read_one_idea_with_its_history(client, org, bearer, conforms):
    item = factories.idea(org.bo, title="Nyckelskåp")
    items.transition(item, org.boss, "acknowledged", "Tack, vi tittar på det.")
    items.support(item, org.anna)
    response = client.get(f"/api/v1/ideas/{item.id}", headers=bearer(org.anna))
    assert response.status_code == 200
    body = response.get_json()
    conforms("ItemDetail", body)
    assert body["id"] == item.id
    assert (body["status"], body["status_label"]) == ("acknowledged", "Received")
    assert body["supports"] == 1 and body["supported_by_me"] is True
    assert body["following"] is False  # Bo follows his idea; Anna does not
    assert [(h["action"], h["from"], h["to"], h["comment"]) for h in body["history"]] == [
        ("submitted", None, "submitted", ""),
        ("status", "submitted", "acknowledged", "Tack, vi tittar på det."),
    ]
    assert body["history"][1]["actor"] == {"name": "Carl Chef", "email": "chef@example.se"}


@pytest.mark.parametrize("item_id", ["999999", "99999999999999999999", "0"])
def test_unknown_idea_is_a_404(client, org, bearer, item_id):
    response = client.get(f"/api/v1/ideas/{item_id}", headers=bearer(org.anna))
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_unknown_path_and_wrong_method_answer_json(client, org, bearer):
    response = client.get("/api/v1/nothing-here", headers=bearer(org.anna))
    assert response.status_code == 404 and response.get_json()["status"] == 404
    response = client.put("/api/v1/ideas", headers=bearer(org.anna))
    assert response.status_code == 405 and response.get_json()["status"] == 405
