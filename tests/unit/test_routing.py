"""Routing rules (DESIGN.md section 6), and that routing is idempotent."""

from sqlalchemy import func, select

from ideas.extensions import db
from ideas.models import Category, Email, HistoryEntry, Item
from ideas.services import accounts, routing
from tests import factories


def route(item, **kw):
    return routing.route_item(item.id, **kw)


def test_the_manager_of_the_unit_gets_the_idea_and_an_email(org, outbox_tasks):
    idea = factories.idea(org.anna, unit="VOO")
    assert ("ideas.route_item", {"item_id": idea.id}) in outbox_tasks()
    route(idea)
    assert idea.assignee == org.boss and idea.handling_unit == org.unit
    entry = idea.history[-1]
    assert (entry.action, entry.comment) == ("assigned", "Carl Chef")
    email = db.session.scalar(select(Email).where(Email.recipient == org.boss.email))
    assert email.subject == f"Nytt förslag att besvara: {idea.title}"
    assert f"/ideas/{idea.id}" in email.body_text and f"/ideas/{idea.id}" in email.body_html
    assert ("ideas.send_email", {"email_id": email.id}) in outbox_tasks()


def test_routing_twice_assigns_and_notifies_once(org):
    idea = factories.idea(org.anna)
    route(idea)
    route(idea)
    assert db.session.scalar(select(func.count(Email.id))) == 1
    assert (
        db.session.scalar(
            select(func.count(HistoryEntry.id)).where(
                HistoryEntry.item_id == idea.id, HistoryEntry.action == "assigned"
            )
        )
        == 1
    )


def test_a_unit_without_manager_passes_it_up(org):
    accounts.create_unit(code="VOO-N", name="Hemtjänst norr", parent_code="VOO")
    idea = factories.idea(org.anna, unit="VOO-N")
    route(idea)
    assert idea.assignee == org.boss


def test_a_category_with_an_owning_unit_routes_there(org):
    it = Category(name="IT", owner_unit=org.it)
    db.session.add(it)
    idea = factories.idea(org.anna, unit="VOO")
    idea.category = it
    route(idea)
    assert idea.assignee == org.it_boss and idea.handling_unit == org.it


def test_a_concern_about_ones_own_manager_goes_one_level_above(org):
    item = factories.idea(org.anna, unit="VOO")
    route(item, about_manager=True)
    assert item.assignee == org.director


def test_an_absent_managers_deputy_takes_over(org):
    org.boss.absent = True
    org.boss.deputy = org.it_boss
    idea = factories.idea(org.anna)
    route(idea)
    assert idea.assignee == org.it_boss


def test_an_absent_manager_without_deputy_passes_it_up(org):
    org.boss.absent = True
    idea = factories.idea(org.anna)
    route(idea)
    assert idea.assignee == org.director


def test_nobody_handles_their_own_idea(org):
    idea = factories.idea(org.boss, unit="VOO")
    route(idea)
    assert idea.assignee == org.director


def test_with_no_manager_anywhere_the_item_waits_unassigned(org):
    unit = accounts.create_unit(code="FRI", name="Fristående")
    idea = factories.idea(org.anna, unit=unit.code)
    route(idea)
    assert idea.assignee is None and idea.routed_at is not None
    assert idea.history[-1].action == "assigned"


def test_the_submitter_sees_who_has_it(client, auth, org):
    idea = factories.idea(org.anna)
    route(idea)
    auth.login(org.anna.email)
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Handläggs av Carl Chef" in page
    assert "Förslaget gick till Carl Chef, som besvarar det." in page


def test_routing_many_items_costs_the_statements_of_one(org):
    """The units above every item and their managers are loaded at once, not one lazy
    load per level and person: the statements do not grow with the items. (INSERTs
    are left out: PostgreSQL's driver writes many rows in one, SQLite's one by one.)"""
    from sqlalchemy import event

    accounts.create_unit(code="VOO-N", name="Hemtjänst norr", parent_code="VOO")
    org.boss.absent = True
    org.boss.deputy = org.it_boss
    one = [factories.idea(org.anna, unit="VOO-N").id]
    many = [factories.idea(org.anna, unit=u).id for u in ("VOO-N", "VOO", "IT", "SBF", "VOO-N")]
    db.session.flush()
    db.session.expire_all()  # nothing left loaded from making them
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.startswith("INSERT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        routing.route_items(one)
        db.session.flush()
        db.session.expire_all()
        for_one, statements[:] = len(statements), []
        routing.route_items(many)
        db.session.flush()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= for_one
    assignees = {db.session.get(Item, i).assignee for i in one + many}
    assert assignees == {org.it_boss, org.director}
