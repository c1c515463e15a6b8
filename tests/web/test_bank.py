"""The idea bank: implemented ideas, what they gave and taught, where they spread, and
"vi vill också" to take one up in another unit.

Anna reads in English here: the words are the msgids, whatever the Swedish catalogue
holds at the time.
"""

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ideas.extensions import db
from ideas.models import Item
from ideas.services import categories, items
from tests import factories


@pytest.fixture(autouse=True)
def english(org):
    org.anna.locale = "en"
    db.session.flush()


def item_count():
    return db.session.scalar(select(func.count(Item.id)))


def implemented(org, title, *, unit="VOO", evaluate=False, **kw):
    """An idea taken through its life to implemented (and evaluated, if asked)."""
    manager = {"VOO": org.boss, "IT": org.it_boss, "SBF": org.director}[unit]
    learning = {
        "outcome": kw.pop("outcome", f"Vi gjorde {title.lower()}."),
        "lessons": kw.pop("lessons", "Börja smått."),
        "hours_saved": kw.pop("hours_saved", None),
        "money_saved": kw.pop("money_saved", None),
    }
    idea = factories.idea(org.bo, unit=unit, title=title, **kw)
    items.transition(idea, manager, "accepted", "Vi gör det")
    items.transition(idea, manager, "implemented", learning=items.Learning(**learning))
    if evaluate:
        effect = items.Learning(effect="Nöjdare brukare.", hours_saved="300")
        items.transition(idea, manager, "evaluated", learning=effect)
    return idea


def entries(page: str) -> list[str]:
    """The titles of the bank's entries, in order."""
    return re.findall(r'<h2 id="bank-\d+"><a href="/ideas/\d+">([^<]+)</a></h2>', page)


def test_only_implemented_and_evaluated_ideas_are_in_the_bank(client, auth, org):
    factories.idea(org.bo, title="Inskickat förslag")
    accepted = factories.idea(org.bo, title="Beslutat förslag")
    items.transition(accepted, org.boss, "accepted", "Vi gör det")
    declined = factories.idea(org.bo, title="Avslaget förslag")
    items.transition(declined, org.boss, "declined", "Inte nu")
    items.submit_concern(
        org.bo, title="Genomförd synpunkt", description="Hissen.", unit="VOO", values=["Vi vill"]
    )
    done = implemented(org, "Nyckelskåp", hours_saved="120.5", money_saved="25000")
    followed = implemented(org, "Matsedel", evaluate=True)
    auth.login(org.anna.email)
    response = client.get("/bank")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert sorted(entries(page)) == ["Matsedel", "Nyckelskåp"]
    assert "2 implemented ideas" in page
    entry = page.split(f'id="idea-{done.id}"', 1)[1].split("</li>", 1)[0]
    assert "Vi gjorde nyckelskåp." in entry  # what was done
    assert "Mindre tid på att leta nycklar, mer tid hos brukarna." in entry  # what it gave
    assert "<dd>120.5</dd>" in entry and "<dd>25,000</dd>" in entry  # per year, formatted
    assert "Börja smått." in entry  # what was learned
    assert "Effect seen" not in entry  # not evaluated yet
    entry = page.split(f'id="idea-{followed.id}"', 1)[1].split("</li>", 1)[0]
    assert "Effect seen" in entry and "Nöjdare brukare." in entry
    assert "<dd>300</dd>" in entry  # the better figure, known at evaluation


def test_numbers_follow_the_readers_language(client, auth, org):
    implemented(org, "Nyckelskåp", hours_saved="120.5", money_saved="25000")
    auth.login(org.bo.email)  # Bo reads Swedish
    page = client.get("/bank").get_data(as_text=True)
    assert "<dd>120,5</dd>" in page and "<dd>25\xa0000</dd>" in page


def test_search_and_filters(client, auth, org):
    it_category = categories.create_category("IT-stöd")
    implemented(org, "Digitala nyckelskåp", values=("Vi är framåt",))
    implemented(org, "Vegetarisk matsedel", unit="IT", values=("Vi vill",))
    implemented(org, "Surfplattor i hemtjänsten", category=it_category.name)
    auth.login(org.anna.email)

    def titles(query):
        response = client.get(f"/bank?{query}")
        assert response.status_code == 200, query
        return sorted(entries(response.get_data(as_text=True)))

    assert titles("q=matsedel") == ["Vegetarisk matsedel"]
    assert titles("q=nyckelsk%C3%A5p") == ["Digitala nyckelskåp"]
    assert titles("value=Vi vill") == ["Vegetarisk matsedel"]
    assert titles("unit=IT") == ["Vegetarisk matsedel"]
    assert titles("unit=VOO") == ["Digitala nyckelskåp", "Surfplattor i hemtjänsten"]
    assert titles("category=IT-st%C3%B6d") == ["Surfplattor i hemtjänsten"]
    assert titles("unit=VOO&value=Vi är framåt&q=nyckelskåp") == ["Digitala nyckelskåp"]
    assert titles("q=cykelparkering") == []
    assert "No implemented ideas match." in client.get("/bank?q=cykel").get_data(as_text=True)
    # The chosen filters stay chosen.
    page = client.get("/bank?unit=IT&category=IT-st%C3%B6d&q=plattor").get_data(as_text=True)
    assert '<option value="IT" selected>' in page
    assert '<option value="IT-stöd" selected>' in page
    assert 'name="q" value="plattor"' in page


@pytest.mark.parametrize(
    "query",
    ["value=Vi%20%C3%A4r%20b%C3%A4st", "unit=XX", "category=Nope", "page=0", "q=" + "a" * 201],
)
def test_bad_filters_get_a_clear_400(client, auth, org, query):
    auth.login(org.anna.email)
    assert client.get(f"/bank?{query}").status_code == 400


def test_the_bank_is_paged(client, auth, org):
    for n in range(23):
        implemented(org, f"Genomfört förslag {n}")
    auth.login(org.anna.email)
    first = client.get("/bank").get_data(as_text=True)
    assert "23 implemented ideas" in first
    assert len(entries(first)) == 20
    assert entries(first)[0] == "Genomfört förslag 22"  # the latest implemented first
    second = client.get("/bank?page=2").get_data(as_text=True)
    assert len(entries(second)) == 3
    assert "Page 2 of 2" in second


def test_where_an_idea_has_spread_is_shown(client, auth, org):
    done = implemented(org, "Nyckelskåp")
    copy = items.adopt(done, org.it_boss, "IT")
    gone = items.adopt(done, org.director, "SBF")
    items.transition(gone, org.director, "declined", "Passar inte oss")  # did not spread
    auth.login(org.anna.email)
    page = client.get("/bank").get_data(as_text=True)
    entry = page.split(f'id="idea-{done.id}"', 1)[1].split("</li>", 1)[0]
    assert "Spread to:" in entry
    assert f'<a href="/ideas/{copy.id}">IT-enheten</a>' in entry
    assert "Samhällsbyggnadsförvaltningen</a>" not in entry
    assert entries(page) == ["Nyckelskåp"]  # the adopted copy is not implemented yet


def test_each_entry_has_an_accessible_adopt_form_with_ones_own_unit_chosen(client, auth, org):
    done = implemented(org, "Nyckelskåp", unit="IT")
    auth.login(org.anna.email)  # of VOO
    page = client.get("/bank?q=nyckelsk%C3%A5p").get_data(as_text=True)
    form = page.split(f'action="/bank/{done.id}/adopt"', 1)[1].split("</form>", 1)[0]
    assert 'name="csrf_token"' in form
    assert 'name="next" value="/bank?q=nyckelsk%C3%A5p"' in form
    assert f'<label for="adopt-unit-{done.id}">' in form
    assert f'<select id="adopt-unit-{done.id}" name="unit">' in form
    assert '<option value="VOO" selected>' in form
    assert re.findall(r'<option value="(\w+)"', form) == ["IT", "SBF", "VOO"]  # every unit
    assert f'aria-describedby="bank-{done.id}"' in form
    assert 'href="/static/bank.css"' in page
    assert "style=" not in page and "<script" not in page


def test_adopting_through_the_form_creates_the_linked_idea(client, auth, org):
    done = implemented(org, "Nyckelskåp", unit="IT", values=("Vi vill", "Vi är framåt"))
    auth.login(org.anna.email)
    response = auth.post(
        f"/bank/{done.id}/adopt", {"unit": "VOO", "next": "/bank?q=nyckel"}, token_from="/bank"
    )
    assert response.status_code == 302
    copy = db.session.scalar(select(Item).where(Item.adopted_from_id == done.id))
    assert response.headers["Location"] == f"/ideas/{copy.id}"
    assert (copy.kind, copy.status, copy.title) == ("idea", "submitted", "Nyckelskåp")
    assert (copy.unit.code, copy.author_id) == ("VOO", org.anna.id)
    assert sorted(v.name for v in copy.values) == ["Vi vill", "Vi är framåt"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Adopted. This is the unit&#39;s own copy of the idea" in page
    bank = client.get("/bank").get_data(as_text=True)
    assert f'<a href="/ideas/{copy.id}">Vård och omsorg</a>' in bank


def test_a_refused_adoption_goes_back_to_the_bank_with_the_reason(client, auth, org):
    done = implemented(org, "Nyckelskåp")  # of VOO
    open_idea = factories.idea(org.bo, title="Inte genomfört")
    auth.login(org.anna.email)
    before = item_count()
    same_unit = auth.post(
        f"/bank/{done.id}/adopt", {"unit": "VOO", "next": "/bank?q=nyckel"}, token_from="/bank"
    )
    assert same_unit.status_code == 302
    assert same_unit.headers["Location"] == "/bank?q=nyckel"
    assert "The idea comes from that unit." in client.get("/bank").get_data(as_text=True)
    not_done = auth.post(f"/bank/{open_idea.id}/adopt", {"unit": "IT"}, token_from="/bank")
    assert not_done.headers["Location"] == "/bank"
    assert "Only an implemented idea can be adopted." in client.get("/bank").get_data(as_text=True)
    elsewhere = auth.post(
        f"/bank/{done.id}/adopt",
        {"unit": "IT", "next": "https://evil.example/"},
        token_from="/bank",
    )
    assert elsewhere.headers["Location"] != "https://evil.example/"
    no_unit = auth.post(f"/bank/{done.id}/adopt", {"unit": ""}, token_from="/bank")
    assert no_unit.headers["Location"] == "/bank"
    assert item_count() == before + 1  # only the adoption into IT


def test_adopting_needs_the_csrf_token_and_an_idea(client, auth, org):
    done = implemented(org, "Nyckelskåp")
    concern = items.submit_concern(
        org.bo, title="Hissen", description="Trasig.", unit="VOO", values=["Vi vill"]
    )
    auth.login(org.anna.email)
    before = item_count()
    assert client.post(f"/bank/{done.id}/adopt", data={"unit": "IT"}).status_code == 400
    assert auth.post(f"/bank/{concern.id}/adopt", {"unit": "IT"}).status_code == 404
    assert auth.post("/bank/999999/adopt", {"unit": "IT"}).status_code == 404
    assert item_count() == before


def test_the_bank_needs_a_login(client, org):
    response = client.get("/bank")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def _queries(client, count_queries, url):
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    return q.count


def test_the_bank_page_runs_the_same_queries_however_many_entries(client, auth, org, count_queries):
    category = categories.create_category("IT-stöd")
    implemented(org, "Nyckelskåp ett", money_saved="100")
    auth.login(org.anna.email)
    urls = ["/bank", "/bank?q=nyckelskåp", "/bank?value=Vi är framåt&unit=VOO"]
    small = {url: _queries(client, count_queries, url) for url in urls}

    for n in range(12):
        done = implemented(
            org,
            f"Nyckelskåp {n}",
            evaluate=n % 2 == 0,
            values=("Vi vill", "Vi är framåt", "Vi är öppna"),
            category=category.name if n % 3 else None,
            hours_saved=Decimal(n),
        )
        if n % 4 == 0:
            items.adopt(done, org.it_boss, "IT")
            items.adopt(done, org.director, "SBF")
    large = {url: _queries(client, count_queries, url) for url in urls}
    assert large == small
    assert max(large.values()) <= 10, large
