"""The idea journey on the web: submit, list, filter, search, page, actions."""

import re

import pytest
from sqlalchemy import func, select

from ideas.extensions import db
from ideas.models import Comment, Follow, HistoryEntry, Item, Support
from tests import factories

GOOD = {
    "title": "Digitala nyckelskåp i hemtjänsten",
    "description": "Nycklar till brukarnas hem hämtas i låsta skåp med kod.",
    "benefit": "Mindre tid på att leta nycklar.",
    "unit": "VOO",
    "values": ["Vi vill"],
}


def item_count():
    return db.session.scalar(select(func.count(Item.id)))


def test_submit_form_shows_every_value_with_its_behaviours(client, auth, org):
    auth.login(org.anna.email)
    page = client.get("/ideas/new").get_data(as_text=True)
    for text in (
        "Vi är öppna",
        "Vi är framåt",
        "Vi vill",
        "håller vad vi lovar",
        "lär av erfarenheter och vår omvärld",
        "krånglar inte till det",
    ):
        assert text in page
    assert 'selected value="VOO"' in page  # the employee's own unit is preselected


def test_submit_an_idea(client, auth, org):
    auth.login(org.anna.email)
    response = auth.post("/ideas/new", GOOD, token_from="/ideas/new")
    assert response.status_code == 302
    item = db.session.scalar(select(Item).order_by(Item.id.desc()))
    assert response.headers["Location"] == f"/ideas/{item.id}"
    assert (item.title, item.unit.code, item.author.email, item.status) == (
        GOOD["title"],
        "VOO",
        org.anna.email,
        "submitted",
    )
    assert [v.name for v in item.values] == ["Vi vill"]
    page = client.get(f"/ideas/{item.id}").get_data(as_text=True)
    assert "Tack! Ditt förslag är inskickat." in page
    assert "Anna Andersson skickade in förslaget." in page
    assert db.session.get(Follow, (item.id, org.anna.id)) is not None


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": ""}, "title", "Det här fältet är obligatoriskt."),
        ({"title": "x" * 161}, "title", "160"),
        ({"description": "   "}, "description", None),
        ({"values": []}, "values", "Välj minst en värdering."),
        ({"values": ["Vi är bäst"]}, "values", None),
        ({"unit": "NOPE"}, "unit", None),
        ({"unit": ""}, "unit", None),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(client, auth, org, change, field, message):
    auth.login(org.anna.email)
    before = item_count()
    response = auth.post("/ideas/new", {**GOOD, **change}, token_from="/ideas/new")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Rätta till följande" in page
    assert f'href="#{field}"' in page
    if message:
        assert message in page
    assert item_count() == before


def test_submit_without_csrf_token_is_refused(client, auth, org):
    auth.login(org.anna.email)
    before = item_count()
    response = client.post("/ideas/new", data=GOOD)
    assert response.status_code == 400
    assert item_count() == before


def test_list_filters_and_pagination(client, auth, org):
    for n in range(23):
        factories.idea(
            org.bo,
            title=f"Förslag nummer {n}",
            values=("Vi vill",) if n % 2 else ("Vi är öppna",),
            unit="IT" if n == 7 else "VOO",
        )
    auth.login(org.anna.email)
    first = client.get("/ideas").get_data(as_text=True)
    assert "23 förslag" in first
    assert first.count('class="idea-row"') == 20
    assert "Förslag nummer 22" in first  # newest first
    second = client.get("/ideas?page=2").get_data(as_text=True)
    assert second.count('class="idea-row"') == 3
    assert "Sida 2 av 2" in second
    by_unit = client.get("/ideas?unit=IT").get_data(as_text=True)
    assert "1 förslag" in by_unit and "Förslag nummer 7<" in by_unit
    by_value = client.get("/ideas?value=Vi vill").get_data(as_text=True)
    assert "11 förslag" in by_value
    item = db.session.scalar(select(Item).where(Item.title == "Förslag nummer 3"))
    from ideas.services import items

    items.transition(item, org.boss, "acknowledged")
    by_status = client.get("/ideas?status=acknowledged").get_data(as_text=True)
    assert "1 förslag" in by_status and "Förslag nummer 3<" in by_status


@pytest.mark.parametrize(
    "query",
    [
        "status=nope",
        "value=Vi%20%C3%A4r%20b%C3%A4st",
        "unit=XX",
        "page=0",
        "page=abc",
        "q=" + "a" * 201,
    ],
)
def test_bad_filters_get_a_clear_400(client, auth, org, query):
    auth.login(org.anna.email)
    response = client.get(f"/ideas?{query}")
    assert response.status_code == 400
    assert "Begäran kunde inte hanteras" in response.get_data(as_text=True)


def test_a_long_list_says_more_than_it_counts(client, auth, org, monkeypatch):
    monkeypatch.setattr("ideas.services.paging.COUNT_LIMIT", 5)  # instead of 1,000
    monkeypatch.setattr("ideas.services.items.RANKED_UP_TO", 5)
    monkeypatch.setitem(client.application.config, "PER_PAGE", 3)
    for n in range(7):
        factories.idea(org.bo, title=f"Förslag nummer {n}", unit="IT" if n == 2 else "VOO")
    auth.login(org.anna.email)
    first = client.get("/ideas").get_data(as_text=True)
    assert "Fler än 5 förslag" in first and "Sida 1<" in first and " av " not in first
    assert first.count('class="idea-row"') == 3 and 'rel="next"' in first
    last = client.get("/ideas?page=3").get_data(as_text=True)  # deep pages still work
    assert last.count('class="idea-row"') == 1 and "Förslag nummer 0<" in last
    assert 'rel="next"' not in last and 'rel="prev"' in last
    few = client.get("/ideas?unit=IT").get_data(as_text=True)  # few enough to count
    assert "1 förslag" in few and "Fler än" not in few
    searched = client.get("/ideas?q=förslag").get_data(as_text=True)
    assert "Fler än 5 förslag" in searched and "Förslag nummer 6<" in searched  # newest first


def test_search_finds_words_in_title_and_description(client, auth, org):
    factories.idea(org.bo, title="Nyckelskåp", description="Koder i stället för nycklar.")
    factories.idea(org.bo, title="Matsedel", description="Fler vegetariska rätter i skolan.")
    auth.login(org.anna.email)
    page = client.get("/ideas?q=vegetariska").get_data(as_text=True)
    assert "1 förslag" in page and "Matsedel" in page and "Nyckelskåp" not in page
    page = client.get("/ideas?q=nyckelskåp").get_data(as_text=True)
    assert "Nyckelskåp" in page and "Matsedel" not in page
    # Odd characters are words to search for, never search syntax.
    assert client.get('/ideas?q="OR*(-)NEAR').status_code == 200


@pytest.mark.postgres_only
def test_search_understands_swedish_word_forms(client, auth, org):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("Swedish stemming is PostgreSQL's text search; SQLite matches prefixes")
    factories.idea(org.bo, title="Nycklar", description="Brukarnas nycklar förvaras i skåp.")
    auth.login(org.anna.email)
    page = client.get("/ideas?q=brukare").get_data(as_text=True)
    assert "1 förslag" in page and "Nycklar" in page


def test_support_follow_and_comment(client, auth, org):
    idea = factories.idea(org.anna)
    auth.login(org.bo.email)
    url = f"/ideas/{idea.id}"
    assert "Stöd förslaget" in client.get(url).get_data(as_text=True)
    auth.post(f"{url}/support", token_from=url)
    auth.post(f"{url}/support", token_from=url)  # twice: still one support
    page = client.get(url).get_data(as_text=True)
    assert "1 person stöder" in page and "Ta bort mitt stöd" in page
    db.session.expire_all()
    assert db.session.get(Item, idea.id).support_count == 1
    auth.post(f"{url}/support/withdraw", token_from=url)
    assert "0 personer stöder" in client.get(url).get_data(as_text=True)

    auth.post(f"{url}/follow", token_from=url)
    assert db.session.get(Follow, (idea.id, org.bo.id)) is not None
    auth.post(f"{url}/unfollow", token_from=url)
    assert db.session.get(Follow, (idea.id, org.bo.id)) is None

    response = auth.post(
        f"{url}/comments", {"body": "Bra idé, vi **testar** gärna!"}, token_from=url
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "<strong>testar</strong>" in page and "Kommentarer (1)" in page
    empty = auth.post(f"{url}/comments", {"body": "  "}, token_from=url)
    assert empty.status_code == 400
    assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_only_managers_of_the_unit_see_and_use_the_status_form(client, auth, org):
    idea = factories.idea(org.anna)
    url = f"/ideas/{idea.id}"
    auth.login(org.bo.email)
    assert "Ändra status" not in client.get(url).get_data(as_text=True)
    assert auth.post(f"{url}/status", {"status": "acknowledged"}, token_from=url).status_code == 403
    auth.logout()
    auth.login(org.it_boss.email)  # manager, but of another unit
    assert auth.post(f"{url}/status", {"status": "acknowledged"}, token_from=url).status_code == 403
    db.session.expire_all()
    assert db.session.get(Item, idea.id).status == "submitted"


def test_manager_moves_the_idea_and_the_submitter_sees_every_step(client, auth, org):
    idea = factories.idea(org.anna)
    url = f"/ideas/{idea.id}"
    auth.login(org.boss.email)
    page = client.get(url).get_data(as_text=True)
    assert "Ändra status" in page
    status_select = page[
        page.index('id="status"') : page.index("</select>", page.index('id="status"'))
    ]
    options = re.findall(r'<option value="(\w+)"', status_select)
    assert options == [
        "acknowledged",
        "assessing",
        "accepted",
        "declined",
        "forwarded",
        "duplicate",
    ]
    assert (
        auth.post(
            f"{url}/status",
            {"status": "acknowledged", "comment": "Tack, vi tittar."},
            token_from=url,
        ).status_code
        == 302
    )
    refused = auth.post(f"{url}/status", {"status": "declined", "comment": ""}, token_from=url)
    assert refused.status_code == 400
    assert "Fältet måste fyllas i." in refused.get_data(as_text=True)
    impossible = auth.post(f"{url}/status", {"status": "evaluated"}, token_from=url)
    assert impossible.status_code == 400
    assert "kan inte bli ”Uppföljd”" in impossible.get_data(as_text=True)
    auth.post(f"{url}/status", {"status": "assessing"}, token_from=url)
    auth.logout()
    auth.login(org.director.email)  # the manager above may act too
    refused = auth.post(f"{url}/status", {"status": "accepted", "comment": ""}, token_from=url)
    assert refused.status_code == 400  # every decision says why
    auth.post(f"{url}/status", {"status": "accepted", "comment": "Vi gör det."}, token_from=url)
    auth.logout()

    auth.login(org.anna.email)
    page = client.get(url).get_data(as_text=True)
    assert "Carl Chef ändrade statusen från ”Inskickad” till ”Mottagen”." in page
    assert "Tack, vi tittar." in page
    assert "från ”Mottagen” till ”Under utredning”" in page
    assert (
        "Dora Direktör ändrade statusen från ”Under utredning” till ”Beslutad: genomförs”." in page
    )
    steps = db.session.scalars(
        select(HistoryEntry.to_status)
        .where(HistoryEntry.item_id == idea.id)
        .order_by(HistoryEntry.id)
    ).all()
    assert steps == ["submitted", "acknowledged", "assessing", "accepted"]


def test_my_items_lists_only_mine(client, auth, org):
    factories.idea(org.anna, title="Annas förslag")
    factories.idea(org.bo, title="Bos förslag")
    auth.login(org.anna.email)
    page = client.get("/me/items").get_data(as_text=True)
    assert "Annas förslag" in page and "Bos förslag" not in page


def test_unknown_idea_is_a_friendly_404(client, auth, org):
    auth.login(org.anna.email)
    response = client.get("/ideas/987654")
    assert response.status_code == 404
    assert "Sidan hittades inte" in response.get_data(as_text=True)


def test_supports_table_matches_the_counter(client, auth, org):
    idea = factories.idea(org.anna)
    url = f"/ideas/{idea.id}"
    for user in (org.bo, org.boss):
        auth.login(user.email)
        auth.post(f"{url}/support", token_from=url)
        auth.logout()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Support)) == 2
    assert db.session.get(Item, idea.id).support_count == 2


def test_odd_page_numbers_are_a_clear_400(client, auth, org):
    auth.login(org.anna.email)
    for page in ("²", "١", "9999999999999"):
        assert client.get(f"/ideas?page={page}").status_code == 400
