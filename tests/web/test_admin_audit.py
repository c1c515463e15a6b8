"""The admin audit log: newest first, paged, filtered, readable, append-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from ideas import clock
from ideas.extensions import db
from ideas.models import AdminAudit
from ideas.services import audit, handlers
from tests.conftest import Auth


@pytest.fixture
def admin(app, org):
    client = app.test_client()
    Auth(client).login(org.admin.email)
    return client


def entries(page: str) -> list[str]:
    body = page.split('<ul class="audit-log">', 1)[1].split("</main>", 1)[0]
    body = body.split('<nav class="pagination"', 1)[0]
    return body.split("<li>\n")[1:]


def test_newest_first_with_who_what_and_before_after_in_words(admin, org):
    handlers.designate(org.bo, org.admin)
    clock.advance(timedelta(minutes=5))
    audit.record(None, "update", "unit", "VOO", before={"name": "VO"}, after={"name": "Vård"})
    clock.advance(timedelta(minutes=5))
    audit.record(org.admin, "create", "user", "ny@example.se", after={"active": True})
    db.session.flush()
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    rows = entries(page.text)
    assert len(rows) == 3
    newest, middle, oldest = rows
    assert "ny@example.se" in newest and "Ada Admin" in newest
    assert ("Yes" in newest or "Ja" in newest) and "True" not in newest
    assert "VOO" in middle and "VO" in middle and "Vård" in middle
    assert "Kommandoraden" in middle
    assert "bo@example.se" in oldest
    assert ("Employee" in oldest or "Medarbetare" in oldest) and "→" in oldest
    assert "case_handler" not in oldest.split("bo@example.se")[1]  # the role in words
    assert "{" not in "".join(rows)  # no raw JSON


def test_filter_by_kind_and_by_actor(admin, org):
    handlers.designate(org.bo, org.admin)
    audit.record(None, "update", "unit", "VOO", before={"name": "A"}, after={"name": "B"})
    audit.record(org.boss, "update", "unit", "IT", before={"name": "C"}, after={"name": "D"})
    db.session.flush()
    units = admin.get("/admin/audit?target_type=unit").text
    assert "VOO" in units and "IT-" not in units and "bo@example.se" not in entries(units)[0]
    assert len(entries(units)) == 2
    cli = entries(admin.get("/admin/audit?actor=cli").text)
    assert len(cli) == 1 and "VOO" in cli[0]
    carl = entries(admin.get(f"/admin/audit?actor={org.boss.id}").text)
    assert len(carl) == 1 and "Carl Chef" in carl[0]
    both = entries(admin.get(f"/admin/audit?target_type=case_handler&actor={org.admin.id}").text)
    assert len(both) == 1 and "bo@example.se" in both[0]
    none = admin.get(f"/admin/audit?target_type=unit&actor={org.admin.id}")
    assert "audit-log" not in none.text
    assert admin.get("/admin/audit?actor=424242").status_code == 400
    assert admin.get("/admin/audit?target_type=nonsense").status_code == 400
    assert admin.get("/admin/audit?page=0").status_code == 400


def test_paged_with_a_fixed_number_of_queries(admin, org, count_queries):
    for n in range(3):
        audit.record(
            org.admin, "update", "unit", f"U{n}", before={"name": n}, after={"name": n + 1}
        )
    db.session.flush()
    admin.get("/admin/audit")
    with count_queries() as few:
        admin.get("/admin/audit")
    for n in range(3, 60):
        audit.record(
            org.admin, "update", "unit", f"U{n}", before={"name": n}, after={"name": n + 1}
        )
    db.session.flush()
    with count_queries() as many:
        first = admin.get("/admin/audit")
    assert many.count == few.count
    assert len(entries(first.text)) == 50 and 'rel="next"' in first.text
    second = admin.get("/admin/audit?page=2")
    assert ": U59</p>" in entries(first.text)[0]
    assert len(entries(second.text)) == 10 and ": U0</p>" in entries(second.text)[-1]
    total = db.session.scalar(select(func.count(AdminAudit.id)))
    assert total == 60


def test_the_database_refuses_to_change_or_delete_the_log(org):
    audit.record(org.admin, "update", "unit", "VOO", before={"name": "A"}, after={"name": "B"})
    db.session.flush()
    for statement in (
        "UPDATE admin_audit SET target = 'x'",
        "DELETE FROM admin_audit",
    ):
        with pytest.raises(Exception, match="append-only"), db.session.begin_nested():
            db.session.execute(text(statement))
    row = db.session.scalar(select(AdminAudit))
    assert row.target == "VOO"
    row.target = "changed"
    with pytest.raises(RuntimeError, match="append-only"), db.session.begin_nested():
        db.session.flush()
