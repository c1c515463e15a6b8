"""The organisation's deadlines on the web: stored in org_settings over the IDEAS_*
defaults, logged, checked, and used for new items while open items keep theirs."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ideas import clock
from ideas.extensions import db
from ideas.models import AdminAudit, Item, OrgSetting
from ideas.services import deadlines, items, org_settings, routing
from tests import factories

URL = "/admin/deadlines"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEFAULTS = {"first_answer": "14", "decision": "60", "evaluation": "182", "reminder": "3"}


def _rows() -> dict[str, str]:
    return dict(db.session.execute(select(OrgSetting.name, OrgSetting.value)).all())


def _audit():
    return db.session.scalars(
        select(AdminAudit).where(AdminAudit.target_type == "setting").order_by(AdminAudit.id)
    ).all()


def _save(auth, **changes):
    return auth.post(URL, {**DEFAULTS, **changes}, token_from=URL)


@pytest.fixture
def admin(auth, org):
    org.admin.locale = "en"  # the messages new here are in English until the lead merges
    db.session.flush()
    auth.login(org.admin.email)
    return auth


def test_the_form_shows_the_days_the_defaults_and_what_happens_to_open_items(client, admin):
    page = client.get(URL).get_data(as_text=True)
    field = page.split('<input aria-describedby="first_answer-hint"', 1)[1].split(">", 1)[0]
    assert 'type="number"' in field and 'value="14"' in field and 'max="730"' in field
    assert "Default: 14 (IDEAS_DEADLINE_FIRST_ANSWER_DAYS)" in page
    assert "Default: 3 (IDEAS_REMINDER_DAYS_BEFORE)" in page
    assert "Deadlines already set on open items stay as they were" in page
    assert "New items get the new first-answer and decision days" in page
    assert "Reminders use the new number of days from the next check" in page
    # Every field has its label.
    for name in DEFAULTS:
        assert f'<label for="{name}"' in page


def test_a_changed_deadline_is_used_for_new_items_and_open_items_keep_theirs(
    client, auth, admin, org
):
    clock.freeze(T0)
    old = factories.idea(org.anna, title="Före ändringen")
    db.session.flush()
    response = _save(admin, first_answer="21", decision="90")
    assert response.status_code == 302
    assert _rows() == {"DEADLINE_FIRST_ANSWER_DAYS": "21", "DEADLINE_DECISION_DAYS": "90"}
    first, decision = _audit()
    assert (first.action, first.target, first.actor_id) == (
        "update",
        "DEADLINE_FIRST_ANSWER_DAYS",
        org.admin.id,
    )
    assert (first.before, first.after) == ({"days": 14}, {"days": 21})
    assert (decision.target, decision.before, decision.after) == (
        "DEADLINE_DECISION_DAYS",
        {"days": 60},
        {"days": 90},
    )
    page = client.get(URL).get_data(as_text=True)
    assert 'value="21"' in page and "Default: 14" in page

    auth.logout()
    auth.login(org.anna.email)
    response = auth.post(
        "/ideas/new",
        {"title": "Efter ändringen", "description": "Text", "unit": "VOO", "values": ["Vi vill"]},
        token_from="/ideas/new",
    )
    assert response.status_code == 302
    new = db.session.scalar(select(Item).where(Item.title == "Efter ändringen"))
    assert new.first_answer_due == T0 + timedelta(days=21)
    assert new.decision_due == T0 + timedelta(days=90)
    db.session.expire_all()
    assert old.first_answer_due == T0 + timedelta(days=14)  # set before: kept
    assert old.decision_due == T0 + timedelta(days=60)


def test_the_evaluation_days_apply_to_items_implemented_after_the_change(admin, org):
    clock.freeze(T0)
    idea = factories.idea(org.anna)
    routing.route_item(idea.id)
    items.transition(idea, org.boss, "accepted", "Ja")
    assert _save(admin, evaluation="30").status_code == 302
    items.transition(
        idea, org.boss, "implemented", learning=items.Learning(outcome="Gjort", lessons="Lärt")
    )
    assert idea.evaluation_due == T0 + timedelta(days=30)


def test_the_reminder_days_apply_from_the_next_check(admin, org):
    clock.freeze(T0)
    idea = factories.idea(org.anna)
    routing.route_item(idea.id)
    clock.advance(timedelta(days=4))  # 10 days before the first answer is due
    assert deadlines.check() == (0, 0)
    assert _save(admin, reminder="10").status_code == 302
    assert org_settings.deadline_days("REMINDER_DAYS_BEFORE") == 10
    assert deadlines.check() == (1, 0)


def test_the_default_again_follows_the_default(app, admin, monkeypatch):
    assert _save(admin, first_answer="21").status_code == 302
    assert _save(admin, first_answer="14").status_code == 302
    assert _rows() == {}
    assert [(a.before, a.after) for a in _audit()] == [
        ({"days": 14}, {"days": 21}),
        ({"days": 21}, {"days": 14}),
    ]
    monkeypatch.setitem(app.config, "DEADLINE_FIRST_ANSWER_DAYS", 10)
    assert org_settings.deadline_days("DEADLINE_FIRST_ANSWER_DAYS") == 10
    # Saving what is shown changes nothing and logs nothing.
    assert _save(admin, first_answer="10").status_code == 302
    assert _rows() == {} and len(_audit()) == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"first_answer": "0"}, "first_answer", "Give a whole number of days from 1 to 730."),
        ({"decision": "731"}, "decision", "Give a whole number of days from 1 to 730."),
        ({"evaluation": "tre"}, "evaluation", "Give a whole number of days from 1 to 730."),
        ({"evaluation": "1.5"}, "evaluation", "Give a whole number of days from 1 to 730."),
        ({"evaluation": ""}, "evaluation", "Give a whole number of days from 1 to 730."),
        ({"reminder": "61"}, "reminder", "Give a whole number of days from 0 to 60."),
        ({"reminder": "-1"}, "reminder", "Give a whole number of days from 0 to 60."),
        (
            {"first_answer": "5", "reminder": "5"},
            "reminder",
            "A reminder must go out before the deadline: give fewer days than the "
            "shortest deadline (5).",
        ),
        (
            {"evaluation": "2"},
            "reminder",
            "A reminder must go out before the deadline: give fewer days than the "
            "shortest deadline (2).",
        ),
        (
            {"first_answer": "30", "decision": "20"},
            "decision",
            "A decision cannot be due before the first answer: give at least 30 days",
        ),
    ],
)
def test_bad_days_are_refused_at_the_field_and_nothing_changes(admin, changes, field, message):
    response = _save(admin, **changes)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    error = page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert error.startswith(message) and "valid integer" not in error  # one message
    assert _rows() == {} and _audit() == []
    assert org_settings.deadline_days("DEADLINE_FIRST_ANSWER_DAYS") == 14


def test_the_audit_log_shows_the_change(client, admin):
    _save(admin, decision="45")
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "Setting: DEADLINE_DECISION_DAYS" in log
    assert "Days:" in log and "60" in log and "45" in log


def test_only_admins_set_deadlines(client, auth, org):
    auth.login(org.boss.email)
    assert client.get(URL).status_code == 403
    response = auth.post(URL, {**DEFAULTS, "first_answer": "30"})
    assert response.status_code == 403
    assert _rows() == {} and _audit() == []
