"""Similar ideas on the submit form: with a button (no JavaScript) and as JSON for the
script that fills them in as one types.

Anna reads in English here: the words are the msgids, whatever the Swedish catalogue
holds at the time.
"""

import re

import pytest
from sqlalchemy import func, select

from ideas.extensions import db
from ideas.models import Item, Support
from ideas.services import items
from tests import factories

TYPED = {
    "title": "Nyckelskåp för hemtjänsten",
    "description": "Jag har skrivit en del redan.",
    "unit": "IT",
    "values": ["Vi vill"],
    "preview": "1",
}


@pytest.fixture(autouse=True)
def english(org):
    org.anna.locale = "en"
    db.session.flush()


def item_count():
    return db.session.scalar(select(func.count(Item.id)))


def test_the_form_has_the_button_the_live_region_and_the_script_no_inline_code(client, auth, org):
    auth.login(org.anna.email)
    response = client.get("/ideas/new")
    page = response.get_data(as_text=True)
    assert 'name="preview"' in page and "Check for similar ideas" in page
    assert 'id="similar-ideas"' in page and 'aria-live="polite"' in page
    assert 'data-url="/ideas/similar"' in page
    assert re.search(r'<script src="/static/similar\.js[^"]*" defer></script>', page)
    assert "<script>" not in page and "onclick" not in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert client.get("/static/similar.js").status_code == 200
    concern_form = client.get("/concerns/new").get_data(as_text=True)
    assert 'name="preview"' not in concern_form and "similar.js" not in concern_form


def test_checking_for_similar_ideas_shows_them_keeps_the_text_and_saves_nothing(client, auth, org):
    keys = factories.idea(org.bo, title="Digitala nyckelskåp i hemtjänsten")
    factories.idea(org.bo, title="Vegetarisk matsedel i skolan")
    items.support(keys, org.director)
    auth.login(org.anna.email)
    before = item_count()
    response = auth.post("/ideas/new", TYPED, token_from="/ideas/new")
    assert response.status_code == 200
    assert item_count() == before
    page = response.get_data(as_text=True)
    region = page.split('id="similar-ideas"', 1)[1].split("</div>", 1)[0]
    assert "Similar ideas already exist" in region
    assert f'href="/ideas/{keys.id}">Digitala nyckelskåp i hemtjänsten</a>' in region
    assert "Submitted" in region and "Vård och omsorg" in region and "1 support<" in region
    assert "Vegetarisk matsedel" not in region
    assert f'action="/ideas/{keys.id}/support"' in region
    assert 'name="csrf_token"' in region
    assert "Support this one instead" in region
    # The list comes before the form, and what was typed is kept.
    assert page.index('id="similar-ideas"') < page.index(
        '<form method="post" enctype="multipart/form-data" novalidate>'
    )
    assert 'value="Nyckelskåp för hemtjänsten"' in page
    assert "Jag har skrivit en del redan." in page
    assert 'value="IT" selected' in page or 'selected value="IT"' in page
    assert "Please correct the following" not in page  # an unfinished form is not an error yet


def test_supporting_a_suggestion_instead(client, auth, org):
    keys = factories.idea(org.bo, title="Digitala nyckelskåp i hemtjänsten")
    auth.login(org.anna.email)
    page = auth.post("/ideas/new", TYPED, token_from="/ideas/new").get_data(as_text=True)
    token = re.search(
        rf'action="/ideas/{keys.id}/support">\s*<input type="hidden" name="csrf_token" '
        r'value="([^"]+)"',
        page,
    ).group(1)
    response = client.post(f"/ideas/{keys.id}/support", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/ideas/{keys.id}"
    assert db.session.get(Support, (keys.id, org.anna.id)) is not None
    again = auth.post("/ideas/new", TYPED, token_from="/ideas/new").get_data(as_text=True)
    assert "You support this idea." in again
    assert f'action="/ideas/{keys.id}/support"' not in again


def test_nothing_alike_or_too_little_typed_says_so(client, auth, org):
    factories.idea(org.bo, title="Digitala nyckelskåp i hemtjänsten")
    auth.login(org.anna.email)
    nothing = auth.post("/ideas/new", {**TYPED, "title": "Cykelparkering"}, token_from="/ideas/new")
    assert nothing.status_code == 200
    assert "No similar ideas found" in nothing.get_data(as_text=True)
    short = auth.post("/ideas/new", {**TYPED, "title": "ny"}, token_from="/ideas/new")
    assert short.status_code == 200
    assert "Write a few words of the title first" in short.get_data(as_text=True)


def test_the_check_needs_the_csrf_token(client, auth, org):
    auth.login(org.anna.email)
    assert client.post("/ideas/new", data=TYPED).status_code == 400


def test_submitting_still_works_beside_the_check(client, auth, org):
    auth.login(org.anna.email)
    fields = {k: v for k, v in TYPED.items() if k != "preview"}
    response = auth.post("/ideas/new", fields, token_from="/ideas/new")
    assert response.status_code == 302
    assert db.session.scalar(select(Item.title).order_by(Item.id.desc())) == TYPED["title"]


def test_the_json_for_the_script(client, auth, org):
    keys = factories.idea(org.bo, title="Digitala nyckelskåp i hemtjänsten")
    done = factories.idea(org.bo, title="Nyckelskåp på förskolan")
    items.transition(done, org.boss, "declined", "Inte nu")
    items.submit_concern(
        org.bo, title="Nyckelskåp som kärvar", description="Låset.", unit="VOO",
        values=["Vi vill"],
    )  # fmt: skip
    auth.login(org.anna.email)
    response = client.get("/ideas/similar?title=Nyckelsk%C3%A5p")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    found = {item["id"]: item for item in response.get_json()["items"]}
    assert set(found) == {keys.id, done.id}  # never the concern
    assert found[keys.id] == {
        "id": keys.id,
        "title": "Digitala nyckelskåp i hemtjänsten",
        "url": f"/ideas/{keys.id}",
        "status": "submitted",
        "status_label": "Submitted",
        "unit": "Vård och omsorg",
        "supports": "0 supports",
        "supported": False,
        "support_url": f"/ideas/{keys.id}/support",
    }
    assert found[done.id]["support_url"] is None  # a declined idea takes no support


def test_the_json_refuses_a_missing_or_too_long_title(client, auth, org):
    auth.login(org.anna.email)
    for query in ("", "?title=%20", "?title=" + "x" * 161):
        response = client.get(f"/ideas/similar{query}")
        assert response.status_code == 400
        assert response.get_json()["field"] == "title"
    assert client.get("/ideas/similar?title=ny").get_json() == {"items": []}


def test_similar_is_for_ideas_only(client, auth, org):
    auth.login(org.anna.email)
    assert client.get("/concerns/similar?title=Nyckelsk%C3%A5p").status_code == 404


def test_the_json_needs_a_login(client, org):
    response = client.get("/ideas/similar?title=Nyckelsk%C3%A5p")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
