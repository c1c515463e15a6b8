"""Categories: edited by admins; one with an owning unit routes its ideas there."""

from sqlalchemy import select

from ideas.extensions import db
from ideas.models import Category, Item
from ideas.services import accounts, categories, routing

FORM = {
    "title": "Ny skrivare",
    "description": "Skrivaren på plan 2 är trasig.",
    "unit": "VOO",
    "values": ["Vi vill"],
}


def test_admin_creates_and_edits_categories(client, auth, org):
    auth.login(org.admin.email)
    page = client.get("/admin/categories").get_data(as_text=True)
    assert "Inga kategorier än." in page
    response = auth.post(
        "/admin/categories", {"name": "IT-stöd", "owner_unit": "IT"}, token_from="/admin/categories"
    )
    assert response.status_code == 302
    category = db.session.scalar(select(Category))
    assert (category.name, category.owner_unit.code, category.active) == ("IT-stöd", "IT", True)
    twin = auth.post("/admin/categories", {"name": "it-stöd"}, token_from="/admin/categories")
    assert twin.status_code == 400
    assert "Det finns redan en kategori med det namnet." in twin.get_data(as_text=True)
    prefix = f"c{category.id}-"
    auth.post(
        f"/admin/categories/{category.id}",
        {prefix + "owner_unit": "", prefix + "active": ""},
        token_from="/admin/categories",
    )
    db.session.expire_all()
    assert category.owner_unit is None and not category.active


def test_only_admins_edit_categories(client, auth, org):
    auth.login(org.boss.email)
    assert client.get("/admin/categories").status_code == 403
    assert auth.post("/admin/categories", {"name": "X"}).status_code == 403
    assert db.session.scalar(select(Category)) is None


def test_an_idea_in_an_owned_category_goes_to_that_unit(client, auth, org):
    categories.create_category("IT-stöd", "IT")
    auth.login(org.anna.email)
    page = client.get("/ideas/new").get_data(as_text=True)
    assert '<option value="IT-stöd">IT-stöd</option>' in page
    response = auth.post("/ideas/new", {**FORM, "category": "IT-stöd"}, token_from="/ideas/new")
    assert response.status_code == 302
    item = db.session.scalar(select(Item))
    routing.route_item(item.id)
    assert item.assignee == org.it_boss
    assert "Kategori: IT-stöd" in client.get(f"/ideas/{item.id}").get_data(as_text=True)


def test_an_unknown_or_retired_category_is_refused(client, auth, org):
    retired = categories.create_category("Gammal", "IT")
    retired.active = False
    db.session.flush()
    auth.login(org.anna.email)
    for name in ("Finns inte", "Gammal"):
        response = auth.post("/ideas/new", {**FORM, "category": name}, token_from="/ideas/new")
        assert response.status_code == 400
    assert db.session.scalar(select(Item)) is None


def test_the_api_takes_and_shows_the_category(client, org):
    categories.create_category("IT-stöd", "IT")
    h = {"Authorization": f"Bearer {accounts.create_api_token(org.anna)}"}
    response = client.post("/api/v1/ideas", headers=h, json={**FORM, "category": "IT-stöd"})
    assert response.status_code == 201 and response.get_json()["category"] == "IT-stöd"
    bad = client.post("/api/v1/ideas", headers=h, json={**FORM, "category": "Finns inte"})
    assert bad.status_code == 422 and bad.get_json()["field"] == "category"
