"""Notifications: written with the event itself, to the people it concerns, and sent on
by e-mail, in the digest or not at all, as each reader chose."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ideas import clock
from ideas.extensions import db
from ideas.models import Email, Notification
from ideas.services import deadlines, digest, items, notifications, routing, triage
from ideas.services.settings import update_settings
from tests import factories

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def told(user) -> list[tuple[str, int, str]]:
    """``(event, item id, detail)`` of ``user``'s notifications, oldest first."""
    return [
        (n.event, n.item_id, n.detail)
        for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    ]


def emails_to(user) -> list[Email]:
    return list(
        db.session.scalars(select(Email).where(Email.recipient == user.email).order_by(Email.id))
    )


def routed_idea(org, **kw):
    clock.freeze(T0)
    idea = factories.idea(org.anna, **kw)
    routing.route_item(idea.id)
    return idea


def test_each_event_tells_the_people_it_concerns(org):
    idea = routed_idea(org)  # Anna's, routed to Carl
    assert told(org.boss) == [("assigned", idea.id, "")]
    items.follow(idea, org.bo)

    items.transition(idea, org.boss, "acknowledged")
    items.transition(idea, org.boss, "assessing", "Vi utreder kostnaden.")
    items.add_comment(idea, org.bo, "Vi har samma problem.")
    # The actor is not told what they did: Carl is no follower, Bo wrote the comment.
    assert told(org.anna) == [
        ("status_changed", idea.id, "acknowledged"),
        ("answered", idea.id, "assessing"),
        ("commented", idea.id, ""),
    ]
    assert told(org.bo) == [
        ("status_changed", idea.id, "acknowledged"),
        ("answered", idea.id, "assessing"),
    ]

    triage.delegate(idea, org.boss, org.bo.email)
    assert told(org.bo)[-1] == ("delegated", idea.id, "")
    triage.assign(idea, org.boss, org.it_boss.email)
    assert told(org.it_boss) == [("assigned", idea.id, "")]

    original = factories.idea(org.bo, title="Nyckelskåp i hemtjänsten")
    routing.route_item(original.id)
    triage.merge(idea, org.it_boss, original.id)
    # Followers of the duplicate hear where it goes on (once, not also as a status).
    assert told(org.anna)[-1] == ("merged", original.id, idea.title)
    assert [e for e, _i, _d in told(org.anna)].count("status_changed") == 1


def test_deadlines_tell_the_assignee_then_the_manager_above(org):
    idea = routed_idea(org)
    clock.advance(timedelta(days=11, hours=1))
    assert deadlines.check() == (1, 0)
    assert told(org.boss)[-1] == ("deadline_near", idea.id, "first_answer")
    clock.advance(timedelta(days=4))
    assert deadlines.check() == (0, 1)
    assert told(org.director) == [("escalated", idea.id, "first_answer")]
    assert deadlines.check() == (0, 0)
    assert len(told(org.director)) == 1  # once, as the notice


def test_the_e_mails_of_before_are_the_default(org):
    idea = routed_idea(org)
    assert [e.event_key.split(":")[0] for e in emails_to(org.boss)] == ["assigned"]
    items.transition(idea, org.boss, "acknowledged", "Tack!")
    items.add_comment(idea, org.boss, "Jag återkommer.")
    assert emails_to(org.anna) == []  # news: the digest and the page, as before
    assert notifications.choices(org.anna) == notifications.DEFAULTS


def test_each_reader_chooses_how_an_event_reaches_them(org):
    update_settings(org.boss, notifications={"assigned": "here"})
    update_settings(org.anna, notifications={"answered": "email", "commented": "email"})
    idea = routed_idea(org)
    assert emails_to(org.boss) == []  # only here
    assert told(org.boss) == [("assigned", idea.id, "")]

    items.transition(idea, org.boss, "acknowledged", "Tack, vi läser.")
    items.add_comment(idea, org.bo, "Bra idé!")
    letters = emails_to(org.anna)
    assert [e.event_key.split(":")[0] for e in letters] == ["status", "comment"]
    assert letters[0].subject == "Besvarad: Mottagen: Digitala nyckelskåp"
    assert "Ny kommentar" in letters[1].body_text and f"/ideas/{idea.id}" in letters[1].body_text


def test_nothing_is_told_of_what_did_not_happen(org):
    idea = routed_idea(org)
    before = told(org.anna)
    savepoint = db.session.begin_nested()
    items.transition(idea, org.boss, "acknowledged", "Tack")
    items.add_comment(idea, org.boss, "Hej")
    assert len(told(org.anna)) == len(before) + 2
    savepoint.rollback()
    assert told(org.anna) == before


def test_marking_read_touches_only_ones_own(org):
    idea = routed_idea(org)
    items.transition(idea, org.boss, "acknowledged")
    items.add_comment(idea, org.boss, "Hej")
    mine = [n.id for n in db.session.scalars(select(Notification).filter_by(user_id=org.anna.id))]
    theirs = [n.id for n in db.session.scalars(select(Notification).filter_by(user_id=org.boss.id))]
    assert notifications.unread_count(org.anna) == 2
    assert notifications.mark_read(org.anna, [mine[0], *theirs]) == 1
    assert notifications.unread_count(org.boss) == 1  # Carl's untouched
    assert notifications.mark_read(org.anna) == 1
    assert notifications.unread_count(org.anna) == 0
    items.add_comment(idea, org.boss, "Igen")
    assert notifications.mark_item_read(org.anna.id, idea.id) == 1


def test_the_digest_carries_what_was_chosen_for_it(org, smtp):
    update_settings(org.boss, notifications={"assigned": "digest"})
    update_settings(org.bo, notifications={"status_changed": "here", "commented": "digest"})
    idea = routed_idea(org, title="Cykelpool")
    items.follow(idea, org.bo)
    items.transition(idea, org.boss, "acknowledged")
    items.add_comment(idea, org.anna, "Tack för svaret.")
    assert emails_to(org.boss) == []  # the assignment waits for the digest
    clock.freeze(T0 + timedelta(days=7))
    boss_email, bo_email, anna_email = org.boss.email, org.bo.email, org.anna.email
    digest.run("weekly")

    def text(email):
        (message,) = smtp.to(email)
        return message.get_body(("plain",)).get_content()

    boss = text(boss_email)
    assert "Dina notiser" in boss and "Cykelpool: Tilldelad dig" in boss
    bo = text(bo_email)
    assert "Cykelpool: Ny kommentar" in bo
    assert "Cykelpool: Mottagen" not in bo  # Bo chose the page only for status changes
    anna = text(anna_email)  # the default: a status change is news in the digest
    assert "Cykelpool: Mottagen" in anna and "Dina notiser" not in anna
