"""ideas demo: the Ljungby kommun demo organisation."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from ideas import clock
from ideas.extensions import db
from ideas.models import (
    ROLES,
    STATUSES,
    Comment,
    HistoryEntry,
    Item,
    Support,
    Unit,
    User,
    Value,
    item_values,
)
from ideas.services import accounts, demo
from tests.cli.conftest import one_line_error


def counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Unit, User, Item, Support, Comment, HistoryEntry)
    }


def test_demo_has_every_role_status_and_value(app, invoke):
    result = invoke("demo")

    assert result.exit_code == 0, result.output
    roles = set(db.session.scalars(select(User.role)))
    assert roles == set(ROLES)
    statuses = set(db.session.scalars(select(Item.status)))
    assert statuses == set(STATUSES)
    used_values = set(
        db.session.scalars(select(Value.name).join(item_values, item_values.c.value_id == Value.id))
    )
    assert used_values == set(db.session.scalars(select(Value.name).where(Value.active)))
    n = counts()
    assert n["Item"] >= 30 and n["Support"] > n["Item"] and n["Comment"] >= 10


def test_demo_is_a_believable_ljungby_kommun(app, invoke):
    invoke("demo")
    names = {u.code: u for u in db.session.scalars(select(Unit))}
    tree = {(u.name, u.parent.name if u.parent else None) for u in names.values()}
    for unit in [
        ("Kommunledningsförvaltningen", "Ljungby kommun"),
        ("IT-enheten", "Kommunledningsförvaltningen"),
        ("HR-enheten", "Kommunledningsförvaltningen"),
        ("Ekonomienheten", "Kommunledningsförvaltningen"),
        ("Omsorgsförvaltningen", "Ljungby kommun"),
        ("Barn- och utbildningsförvaltningen", "Ljungby kommun"),
        ("Tekniska förvaltningen", "Ljungby kommun"),
        ("Gata/park", "Tekniska förvaltningen"),
        ("Fastighet", "Tekniska förvaltningen"),
    ]:
        assert unit in tree
    assert all(u.manager is not None and u.manager.role == "manager" for u in names.values())
    # Every idea went through the services: routed to someone, with its history.
    for item in db.session.scalars(select(Item)):
        assert item.assignee is not None and item.assignee_id != item.author_id
        steps = [h.to_status for h in item.history if h.action == "status"]
        assert (steps[-1] if steps else "submitted") == item.status
        assert item.history[0].action == "submitted"
    # Reasons are given where the rules ask for one.
    for entry in db.session.scalars(
        select(HistoryEntry).where(HistoryEntry.to_status.in_(["declined", "duplicate"]))
    ):
        assert len(entry.comment) > 20


def test_demo_logins_are_printed_and_work(app, invoke):
    result = invoke("demo")
    assert f"password: {demo.DEMO_PASSWORD}" in result.output
    for role in ROLES:
        shown = [line for line in result.output.splitlines() if line.split()[:1] == [role]]
        assert shown, f"no {role} login printed"
        email = shown[0].split()[1]
        user = accounts.authenticate(email, demo.DEMO_PASSWORD)
        assert user is not None and user.role == role


def test_demo_people_are_on_the_reserved_example_domain(app, invoke):
    invoke("demo")
    assert all(e.endswith("@ljungby.example") for e in db.session.scalars(select(User.email)))


def test_if_empty_a_second_time_adds_nothing(app, invoke):
    first = invoke("demo", "--if-empty")
    assert first.exit_code == 0, first.output
    assert "loaded" in first.output
    before = counts()

    second = invoke("demo", "--if-empty")
    assert second.exit_code == 0, second.output
    assert "no demo data loaded" in second.output
    assert counts() == before


def test_if_empty_leaves_an_existing_organisation_alone(committed_org, invoke):
    before = counts()
    result = invoke("demo", "--if-empty")
    assert result.exit_code == 0
    assert counts() == before


def test_without_if_empty_a_database_with_accounts_is_refused(committed_org, invoke):
    before = counts()
    one_line_error(invoke("demo"))
    assert counts() == before


def fingerprint():
    return [
        (
            i.title,
            i.status,
            i.unit.code,
            i.author.email,
            i.assignee.email,
            i.created_at,
            sorted(
                db.session.scalars(
                    select(User.email)
                    .join(Support, Support.user_id == User.id)
                    .where(Support.item_id == i.id)
                )
            ),
            [(h.action, h.to_status, h.comment, h.created_at) for h in i.history],
            [(c.author.email, c.body) for c in i.comments],
        )
        # Two items may share a moment: the title breaks the tie, as ids differ per load.
        for i in db.session.scalars(select(Item).order_by(Item.created_at, Item.title))
    ]


def test_demo_is_deterministic_and_never_in_the_future(app):
    now = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    clock.freeze(now)
    db.session.commit()  # a savepoint to come back to
    demo.load_demo()
    first = fingerprint()
    assert clock.now() == now  # the clock is as it was
    db.session.rollback()
    demo.load_demo()
    assert fingerprint() == first
    times = [h.created_at for h in db.session.scalars(select(HistoryEntry))]
    assert max(times) < now
    assert min(times) < now.replace(year=2025)  # a year of history
