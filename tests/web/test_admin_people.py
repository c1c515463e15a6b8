"""People on the web: the list, create, edit, deactivate and reactivate, and the import
with its preview, from the request to the database and the items' history."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from ideas.extensions import db
from ideas.models import AdminAudit, ApiToken, HistoryEntry, Item, PeopleImport, user_by_email
from ideas.services import accounts, routing
from tests import factories
from tests.cli.test_users_import import EVERYONE


def _audit(action, target=None):
    query = select(AdminAudit).where(AdminAudit.target_type == "user", AdminAudit.action == action)
    if target:
        query = query.where(AdminAudit.target == target)
    return db.session.scalars(query).all()


def test_the_list_searches_filters_and_pages(client, auth, org):
    for n in range(55):
        factories.user(f"p{n:02d}@example.se", f"Person {n:02d}", unit="IT")
    factories.user("asa@example.se", "Åsa Öberg", unit="VOO")
    db.session.flush()
    auth.login(org.admin.email)
    page = client.get("/admin/users?unit=IT").get_data(as_text=True)
    assert "56 personer" in page  # and Ida IT-chef
    assert "Person 00" in page and "Person 48" in page and "Person 49" not in page
    second = client.get("/admin/users?unit=IT&page=2").get_data(as_text=True)
    assert "Person 49" in second and "Person 54" in second and "Person 48" not in second
    # Å and ö, in either case, on SQLite too.
    found = client.get("/admin/users?q=åsa").get_data(as_text=True)
    assert "Åsa Öberg" in found and "Anna Andersson" not in found
    assert "Åsa Öberg" in client.get("/admin/users?q=ÖBERG").get_data(as_text=True)
    by_mail = client.get("/admin/users?q=chef@").get_data(as_text=True)
    assert "Carl Chef" in by_mail and "Ida IT-chef" in by_mail and "Anna" not in by_mail
    managers = client.get("/admin/users?role=manager").get_data(as_text=True)
    assert "3 personer" in managers
    bad = client.get("/admin/users?role=chief")
    assert bad.status_code == 400
    assert "Okänd roll: chief." in bad.get_data(as_text=True)
    assert client.get("/admin/users?page=x").status_code == 400


def test_the_list_shows_unit_role_active_and_last_login(client, auth, org):
    auth.login(org.anna.email)
    auth.logout()
    auth.login(org.admin.email)
    page = client.get("/admin/users?q=anna").get_data(as_text=True)
    assert "Vård och omsorg" in page and "Medarbetare" in page and "<time" in page
    assert "aldrig" in client.get("/admin/users?q=bo@").get_data(as_text=True)


def test_create_a_person_and_edit_their_unit_and_role(client, auth, org):
    auth.login(org.admin.email)
    response = auth.post(
        "/admin/users/new",
        {"email": " Cecilia.Ceder@Example.se ", "name": "Cecilia Ceder", "unit": "VOO",
         "role": "employee"},
        token_from="/admin/users/new",
    )  # fmt: skip
    assert response.status_code == 302
    person = user_by_email("cecilia.ceder@example.se")
    assert (person.name, person.unit.code, person.role, person.password_hash) == (
        "Cecilia Ceder",
        "VOO",
        "employee",
        None,
    )
    [created] = _audit("create")
    assert created.actor_id == org.admin.id and created.after["unit"] == "VOO"

    edit = f"/admin/users/{person.id}"
    response = auth.post(
        edit, {"email": person.email, "name": "Cecilia Ek", "unit": "IT", "role": "manager"},
        token_from=edit,
    )  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    assert (person.name, person.unit.code, person.role) == ("Cecilia Ek", "IT", "manager")
    [changed] = _audit("update", person.email)
    assert changed.before == {"name": "Cecilia Ceder", "role": "employee", "unit": "VOO"}
    assert changed.after == {"name": "Cecilia Ek", "role": "manager", "unit": "IT"}


def test_bad_input_is_said_at_the_field_and_changes_nothing(client, auth, org):
    auth.login(org.admin.email)
    twin = auth.post(
        "/admin/users/new",
        {"email": "anna@example.se", "name": "Anna igen", "unit": "VOO", "role": "employee"},
        token_from="/admin/users/new",
    )
    assert twin.status_code == 400
    assert "Det finns redan ett konto med den e-postadressen." in twin.get_data(as_text=True)
    edit = f"/admin/users/{org.anna.id}"
    for data, message in (
        ({"unit": "NOPE"}, "Okänd enhet: NOPE."),
        ({"role": "chief"}, "Okänd roll: chief."),
        ({"email": "inte-en-adress"}, "Ange en giltig e-postadress."),
        ({"name": ""}, None),
    ):
        form = {"email": org.anna.email, "name": org.anna.name, "unit": "VOO",
                "role": "employee", **data}  # fmt: skip
        response = auth.post(edit, form, token_from=edit)
        assert response.status_code == 400, data
        if message:
            assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert (org.anna.name, org.anna.unit.code, org.anna.role) == (
        "Anna Andersson",
        "VOO",
        "employee",
    )
    assert not _audit("update")


def test_a_manager_of_a_unit_keeps_the_role_until_the_unit_has_another(client, auth, org):
    auth.login(org.admin.email)
    edit = f"/admin/users/{org.boss.id}"
    response = auth.post(
        edit, {"email": org.boss.email, "name": org.boss.name, "unit": "VOO",
               "role": "employee"}, token_from=edit,
    )  # fmt: skip
    assert response.status_code == 400
    assert "Vård och omsorg" in response.get_data(as_text=True)
    assert user_by_email(org.boss.email).role == "manager"


def test_deactivating_ends_sessions_and_tokens_and_routes_items_to_the_line(app, client, auth, org):
    item = factories.idea(org.anna)
    routing.route_item(item.id)
    token = accounts.create_api_token(org.boss)
    db.session.flush()
    assert item.assignee_id == org.boss.id
    boss = app.test_client()
    from tests.conftest import Auth

    Auth(boss).login(org.boss.email)
    assert boss.get("/ideas").status_code == 200

    auth.login(org.admin.email)
    edit = f"/admin/users/{org.boss.id}"
    response = auth.post(edit + "/active", token_from=edit)
    assert response.status_code == 302
    db.session.expire_all()
    assert user_by_email(org.boss.email).active is False
    # Logged out at once, and the token no longer opens anything.
    assert boss.get("/ideas").status_code == 302
    assert accounts.user_for_token(token) is None
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0
    item = db.session.get(Item, item.id)
    assert item.assignee_id == org.director.id
    entry = db.session.scalars(
        select(HistoryEntry).where(
            HistoryEntry.item_id == item.id, HistoryEntry.action == "rerouted"
        )
    ).one()
    assert entry.comment == "person:Dora Direktör"
    page = client.get(f"/ideas/{item.id}").get_data(as_text=True)
    assert "Dora Direktör" in page
    [row] = _audit("deactivate", org.boss.email)
    assert (row.before, row.after) == ({"active": True}, {"active": False})

    # Reactivated: they can log in again; the items stay where they went.
    response = auth.post(edit + "/active", token_from=edit)
    assert response.status_code == 302
    db.session.expire_all()
    assert user_by_email(org.boss.email).active is True
    assert _audit("reactivate", org.boss.email)


def test_an_admin_cannot_deactivate_themselves_nor_the_last_case_handler(client, auth, org):
    auth.login(org.admin.email)
    own = f"/admin/users/{org.admin.id}"
    assert auth.post(own + "/active", token_from=own).status_code == 400
    handler = f"/admin/users/{org.handler.id}"
    response = auth.post(handler + "/active", token_from=handler)
    assert response.status_code == 400
    assert "sista handläggaren" in response.get_data(as_text=True)
    db.session.expire_all()
    assert user_by_email(org.admin.email).active and user_by_email(org.handler.email).active
    assert not _audit("deactivate")


def test_only_admins_see_people(client, auth, org):
    auth.login(org.boss.email)
    for url in ("/admin/users", "/admin/users/new", f"/admin/users/{org.anna.id}",
                "/admin/users/import"):  # fmt: skip
        assert client.get(url).status_code == 403, url


# -- import --------------------------------------------------------------------------


def _upload(auth, text: str, name: str = "hr.csv"):
    return auth.post(
        "/admin/users/import",
        {"file": (io.BytesIO(text.encode("utf-8")), name)},
        token_from="/admin/users/import",
        content_type="multipart/form-data",
    )


def test_an_upload_is_previewed_and_then_imported(client, auth, org):
    auth.login(org.admin.email)
    text = (
        EVERYONE.replace("Bo Berg,VOO,", "Bo Berg,IT,").replace(
            "anna@example.se,Anna Andersson,VOO,\n", ""
        )
        + "cecilia@example.se,Cecilia Ceder,VOO,\n"
    )
    response = _upload(auth, text)
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    preview = client.get(preview_url).get_data(as_text=True)
    assert "1 skapas, 1 ändras, 1 avaktiveras, 4 oförändrade." in preview
    assert "Cecilia Ceder" in preview and "VOO → IT" in preview and "Anna Andersson" in preview
    # Nothing is written by the preview.
    assert user_by_email("cecilia@example.se") is None
    assert user_by_email("anna@example.se").active is True

    digest = re.search(r'name="digest" value="([0-9a-f]+)"', preview).group(1)
    response = auth.post(preview_url, {"digest": digest}, token_from=preview_url)
    assert response.status_code == 302
    db.session.expire_all()
    assert user_by_email("cecilia@example.se").unit.code == "VOO"
    assert user_by_email("bo@example.se").unit.code == "IT"
    assert user_by_email("anna@example.se").active is False
    assert db.session.scalar(select(func.count(PeopleImport.id))) == 0
    assert "Importerat: 1 skapade" in client.get("/admin/users").get_data(as_text=True)

    # The same file again: the preview says nothing would change.
    again = client.get(_upload(auth, text).headers["Location"]).get_data(as_text=True)
    assert "Ingenting skulle ändras" in again


def test_a_bad_file_names_its_lines_and_keeps_nothing(client, auth, org):
    auth.login(org.admin.email)
    response = _upload(auth, EVERYONE + "x@example.se,,VOO,\ny@example.se,Y,NOPE,\n")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "rad 8:" in page and "rad 9:" in page and "NOPE" in page
    assert db.session.scalar(select(func.count(PeopleImport.id))) == 0
    assert user_by_email("x@example.se") is None


def test_a_changed_organisation_after_the_preview_shows_the_new_preview(client, auth, org):
    auth.login(org.admin.email)
    preview_url = _upload(auth, EVERYONE + "ny@example.se,Ny Person,VOO,\n").headers["Location"]
    preview = client.get(preview_url).get_data(as_text=True)
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', preview).group(1)
    factories.user("sen@example.se", "Sen Ankomling", unit="VOO")  # would now be deactivated
    db.session.flush()
    response = auth.post(preview_url, {"digest": digest}, token_from=preview_url)
    assert response.status_code == 409
    assert "Sen Ankomling" in response.get_data(as_text=True)
    assert user_by_email("ny@example.se") is None


def test_another_admin_cannot_use_someone_elses_upload(app, client, auth, org):
    auth.login(org.admin.email)
    preview_url = _upload(auth, EVERYONE).headers["Location"]
    other = factories.user("admin2@example.se", "Adam Admin", "admin", unit="SBF")
    db.session.flush()
    second = app.test_client()
    from tests.conftest import Auth

    Auth(second).login(other.email)
    assert second.get(preview_url).status_code == 404
