"""Case handlers designated and removed by an admin, who never sees a case."""

from __future__ import annotations

from sqlalchemy import func, select

from ideas.extensions import db
from ideas.models import (
    AdminAudit,
    ApiToken,
    HandlerKey,
    KeySession,
    Report,
    ReportAudit,
    ReportExclusion,
    ReportKey,
    User,
)
from ideas.services import accounts, handlers, reports
from tests import factories
from tests.conftest import Auth

SECRET = "Kassören tar pengar ur kassan varje fredag"


def log_in(app, email: str) -> tuple:
    client = app.test_client()
    auth = Auth(client)
    auth.login(email)
    return client, auth


def file(text: str = SECRET, **kw):
    return reports.file_report({"what": text, "who": text}, **kw)


def audit_rows(action: str) -> list[AdminAudit]:
    return db.session.scalars(select(AdminAudit).where(AdminAudit.action == action)).all()


def test_the_list_names_the_handlers_and_no_case(app, org):
    org.handler.last_login_at = None
    log_in(app, org.handler.email)  # the handler's first login gives them their key
    second = factories.user("nils@example.se", "Nils Ny", unit="IT")
    handlers.designate(second, org.admin)  # no key until his next login
    filed = file()
    db.session.flush()
    client, auth = log_in(app, org.admin.email)
    page = client.get("/admin/handlers")
    assert page.status_code == 200
    text = page.text
    assert "Hanna Handläggare" in text and "Nils Ny" in text
    assert "IT-enheten" in text
    assert "Has a key" in text or "Har en nyckel" in text
    assert "Gets a key at next login" in text or "Får en nyckel" in text
    assert "never" in text or "aldrig" in text  # Nils has never logged in
    # How access works, said on the page.
    assert "next time they log in" in text or "nästa gång" in text
    # Nothing of any case: no case number, no text.
    assert filed.report.case_number not in text and "Kassören" not in text
    confirm = client.get(f"/admin/handlers/{second.id}/remove").text
    assert filed.report.case_number not in confirm and "Kassören" not in confirm


def test_designate_a_person_who_gets_the_cases_by_the_key_design(app, org):
    old = file("Gammalt ärende")  # filed before Bo is a case handler
    client, auth = log_in(app, org.admin.email)
    response = auth.post(
        "/admin/handlers", {"email": "BO@example.se "}, token_from="/admin/handlers"
    )
    assert response.status_code == 302
    db.session.expire_all()
    bo = db.session.get(User, org.bo.id)
    assert bo.role == "case_handler"
    # No key given by the admin: Bo gets his key pair at his next login.
    assert db.session.get(HandlerKey, bo.id) is None
    assert db.session.scalar(select(func.count()).where(ReportKey.handler_id == bo.id)) == 0
    row = audit_rows("designate_handler")[0]
    assert (row.actor_id, row.target_type, row.target) == (org.admin.id, "case_handler", bo.email)
    assert (row.before, row.after) == ({"role": "employee"}, {"role": "case_handler"})
    listing = client.get("/admin/handlers").text
    assert "Bo Berg" in listing

    bo_client, _ = log_in(app, bo.email)
    assert db.session.get(HandlerKey, bo.id) is not None
    # A new report is his at once; the old one is not, until someone opens it.
    new = file("Nytt ärende")
    assert bo_client.get(f"/cases/{new.report.id}").status_code == 200
    assert bo_client.get(f"/cases/{old.report.id}").status_code == 404
    reports.open_as_reporter(old.receipt_code)  # the reporter opens the mailbox
    db.session.flush()
    assert "Gammalt ärende" in bo_client.get(f"/cases/{old.report.id}").text


def test_designation_refused_changes_nothing(app, org):
    org.anna.active = False
    db.session.flush()
    client, auth = log_in(app, org.admin.email)
    for email, words in [
        ("ingen@example.se", ("Nobody here has that e-mail", "Ingen här har")),
        (org.admin.email, ("administrator", "administratör")),
        (org.handler.email, ("already a case handler", "redan handläggare")),
        (org.anna.email, ("deactivated", "inaktiverad")),
        ("", ("required", "obligatoriskt")),
    ]:
        response = auth.post("/admin/handlers", {"email": email}, token_from="/admin/handlers")
        assert response.status_code == 400, email
        assert 'aria-invalid="true"' in response.text
        assert any(w in response.text for w in words), (email, response.text[:3000])
    db.session.expire_all()
    assert db.session.get(User, org.admin.id).role == "admin"
    assert db.session.get(User, org.anna.id).role == "employee"
    assert db.session.scalar(select(func.count(AdminAudit.id))) == 0


def test_removal_deletes_every_key_and_keeps_exclusions_and_case_audit(app, org):
    second = factories.user("nils@example.se", "Nils Ny", "case_handler", unit="IT")
    hanna_client, _ = log_in(app, org.handler.email)
    log_in(app, second.email)
    token = accounts.create_api_token(
        org.handler, private_key=reports.unlock_handler(org.handler, factories.PASSWORD)
    )
    shared = file()
    kept_out = file("Om Nils", excluded_handlers=[second.id])
    assert hanna_client.get(f"/cases/{shared.report.id}").status_code == 200
    db.session.flush()
    hanna = org.handler
    assert db.session.scalar(select(func.count()).where(ReportKey.handler_id == hanna.id)) == 2
    assert db.session.scalar(select(func.count()).where(KeySession.user_id == hanna.id)) == 1
    audit_before = db.session.scalar(select(func.count(ReportAudit.id)))

    client, auth = log_in(app, org.admin.email)
    confirm = client.get(f"/admin/handlers/{hanna.id}/remove")
    assert confirm.status_code == 200 and "Hanna Handläggare" in confirm.text
    response = auth.post(
        f"/admin/handlers/{hanna.id}/remove", {"role": "manager"}, token_from="/admin/handlers"
    )
    assert response.status_code == 302
    db.session.expire_all()
    hanna = db.session.get(User, hanna.id)
    assert hanna.role == "manager"
    assert db.session.scalar(select(func.count()).where(ReportKey.handler_id == hanna.id)) == 0
    assert db.session.get(HandlerKey, hanna.id) is None
    assert db.session.scalar(select(func.count()).where(KeySession.user_id == hanna.id)) == 0
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == hanna.id))
    assert row.sealed_private_key is None
    assert accounts.user_for_token(token) == hanna  # the token itself works on
    # The reporter's choice and the case audit stay; the reporter's own key too.
    assert db.session.get(ReportExclusion, (kept_out.report.id, second.id)) is not None
    assert db.session.scalar(select(func.count(ReportAudit.id))) == audit_before
    assert db.session.scalar(
        select(func.count()).where(ReportKey.handler_id.is_(None))
    ) == db.session.scalar(select(func.count(Report.id)))
    # Nils still reads the shared case; Hanna reads nothing any more.
    assert db.session.scalar(select(func.count()).where(ReportKey.handler_id == second.id)) == 1
    assert hanna_client.get(f"/cases/{shared.report.id}").status_code == 403
    # Logged without anything of a case.
    logged = audit_rows("remove_handler")[0]
    assert logged.before == {"role": "case_handler", "key_pair": True}
    assert logged.after == {"role": "manager", "key_pair": False}
    client.get("/admin/handlers")  # the flash message is read
    assert "Hanna Handläggare" not in client.get("/admin/handlers").text


def test_the_last_case_handler_cannot_be_removed(app, org):
    client, auth = log_in(app, org.admin.email)
    confirm = client.get(f"/admin/handlers/{org.handler.id}/remove").text
    assert "last case handler" in confirm or "sista handläggaren" in confirm
    response = auth.post(
        f"/admin/handlers/{org.handler.id}/remove", {"role": "employee"},
        token_from="/admin/handlers",
    )  # fmt: skip
    assert response.status_code == 400
    assert "last case handler" in response.text or "sista handläggaren" in response.text
    db.session.expire_all()
    assert db.session.get(User, org.handler.id).role == "case_handler"
    assert audit_rows("remove_handler") == []


def test_remove_refuses_a_bad_role_and_a_person_who_is_no_handler(app, org):
    factories.user("nils@example.se", "Nils Ny", "case_handler")
    client, auth = log_in(app, org.admin.email)
    response = auth.post(
        f"/admin/handlers/{org.handler.id}/remove", {"role": "case_handler"},
        token_from="/admin/handlers",
    )  # fmt: skip
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.text
    assert client.get(f"/admin/handlers/{org.bo.id}/remove").status_code == 404
    assert client.get("/admin/handlers/999999/remove").status_code == 404
    db.session.expire_all()
    assert db.session.get(User, org.handler.id).role == "case_handler"


def test_a_removed_handler_designated_again_starts_with_no_case(app, org):
    nils = factories.user("nils@example.se", "Nils Ny", "case_handler")
    log_in(app, org.handler.email)
    log_in(app, nils.email)
    filed = file()
    handlers.remove(org.handler, org.admin)
    handlers.designate(org.handler, org.admin)
    db.session.flush()
    hanna_client, _ = log_in(app, org.handler.email)  # a new key pair
    assert hanna_client.get(f"/cases/{filed.report.id}").status_code == 404
    nils_client, _ = log_in(app, nils.email)
    assert nils_client.get(f"/cases/{filed.report.id}").status_code == 200  # Nils shares it
    assert "Kassören" in hanna_client.get(f"/cases/{filed.report.id}").text


def test_the_list_takes_a_fixed_number_of_queries(app, org, count_queries):
    client, auth = log_in(app, org.admin.email)
    client.get("/admin/handlers")
    with count_queries() as few:
        client.get("/admin/handlers")
    for n in range(8):
        factories.user(f"h{n}@example.se", f"Handläggare {n}", "case_handler", unit="IT")
    db.session.flush()
    with count_queries() as many:
        assert client.get("/admin/handlers").status_code == 200
    assert many.count == few.count


def test_only_admins_see_the_administration_link(app, org):
    client, _ = log_in(app, org.admin.email)
    home = client.get("/admin")
    assert home.status_code == 200
    for path in ("/admin/handlers", "/admin/audit", "/admin/categories"):
        assert f'href="{path}"' in home.text
    assert 'href="/admin"' in client.get("/ideas").text
    for email in (org.bo.email, org.boss.email, org.handler.email):
        other, _ = log_in(app, email)
        assert 'href="/admin"' not in other.get("/ideas").text
        assert other.get("/admin").status_code == 403
