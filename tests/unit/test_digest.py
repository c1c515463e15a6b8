"""Digests: contents by role, once per user and period, in batches of bounded queries."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from ideas import clock
from ideas.extensions import db
from ideas.models import DigestDelivery, Email, User
from ideas.services import digest, items, mail, routing
from tests import factories

MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 07:00 in Stockholm


def test_periods_and_when_they_run():
    assert digest.period_of("weekly", MONDAY)[0] == "weekly:2026-W49"
    assert digest.period_of("daily", MONDAY)[0] == "daily:2026-11-30"
    assert digest.period_of("monthly", MONDAY)[0] == "monthly:2026-11"
    assert digest.frequencies_due(MONDAY) == ["daily", "weekly"]
    assert digest.frequencies_due(datetime(2026, 12, 1, 6, tzinfo=UTC)) == ["daily", "monthly"]
    assert digest.frequencies_due(datetime(2026, 12, 2, 6, tzinfo=UTC)) == ["daily"]


def week_of_activity(org):
    clock.freeze(MONDAY - timedelta(days=3))
    idea = factories.idea(org.anna, title="Nyckelskåp")
    routing.route_item(idea.id)
    items.follow(idea, org.bo)
    items.transition(idea, org.boss, "acknowledged", "Tack")
    other = factories.idea(org.bo, title="Matsedel")
    routing.route_item(other.id)
    done = factories.idea(org.it_boss, unit="IT", title="Digital signering")
    items.transition(done, org.director, "accepted", "Bra")
    items.transition(
        done, org.director, "implemented", learning=items.Learning(outcome="Gjort", lessons="Lärt")
    )
    clock.freeze(MONDAY)
    return idea, other, done


def digest_to(smtp, email):
    (message,) = smtp.to(email)
    return message.get_body(("plain",)).get_content()


def test_contents_by_role(org, smtp):
    idea, other, done = week_of_activity(org)
    org.it_boss.digest_frequency = "none"
    anna_email, boss_email, it_email = org.anna.email, org.boss.email, org.it_boss.email
    sent = digest.run("weekly")
    anna = digest_to(smtp, anna_email)
    assert "Nytt om förslag du följer" in anna and "Nyckelskåp: Mottagen" in anna
    assert "Nya förslag i din enhet" in anna and "Matsedel" in anna
    assert "Genomförda förslag att lära av" in anna and "Digital signering (IT-enheten)" in anna
    assert "Din kö" not in anna
    boss = digest_to(smtp, boss_email)
    assert "Din kö" in boss and "Matsedel (Inskickad)" in boss
    assert smtp.to(it_email) == []
    assert sent == len(smtp.messages)


def test_a_long_queue_gives_counts_the_nearest_deadlines_and_the_inbox(org, smtp):
    clock.freeze(MONDAY - timedelta(days=30))
    late = [factories.idea(org.anna, title=f"Sent {i}") for i in range(3)]
    clock.freeze(MONDAY - timedelta(days=1))
    fresh = [factories.idea(org.bo, title=f"Färskt {i}") for i in range(10)]
    for idea in late + fresh:
        routing.route_item(idea.id)
    clock.freeze(MONDAY)
    boss_email = org.boss.email
    digest.run("weekly")
    boss = digest_to(smtp, boss_email)
    assert "13 öppna ärenden, 3 försenade. De 10 närmaste tidsgränserna:" in boss
    queue = boss.split("Nytt om förslag")[0].split("Nya förslag i din enhet")[0]
    listed = [line for line in queue.splitlines() if line.startswith(("- Sent", "- Färskt"))]
    assert len(listed) == 10
    assert all("försenat" in line for line in listed[:3])  # the overdue first
    assert not any("försenat" in line for line in listed[3:])
    assert "Alla i din inkorg: http://127.0.0.1:5000/inbox" in boss
    (message,) = smtp.to(boss_email)
    assert 'href="http://127.0.0.1:5000/inbox"' in message.get_body(("html",)).get_content()


def test_a_short_queue_is_listed_whole(org, smtp):
    week_of_activity(org)
    boss_email = org.boss.email
    digest.run("weekly")
    boss = digest_to(smtp, boss_email)
    assert "2 öppna ärenden." in boss and "närmaste" not in boss and "/inbox" not in boss


def test_sent_once_per_user_and_period_even_if_run_twice(org, smtp):
    week_of_activity(org)
    first = digest.run("weekly")
    assert first > 0
    assert digest.run("weekly") == 0
    assert len(smtp.messages) == first
    clock.advance(timedelta(days=7))
    assert digest.run("weekly") > 0  # a new week, a new digest


def test_a_run_that_crashed_half_way_finishes_without_doubles(app, org, smtp, monkeypatch):
    week_of_activity(org)
    monkeypatch.setitem(app.config, "DIGEST_BATCH_SIZE", 2)
    smtp.refuse = True  # the first batch is recorded, then sending fails
    with pytest.raises(mail.DeliveryFailed):
        digest.run("weekly")
    recorded = db.session.scalar(select(func.count(DigestDelivery.id)))
    assert recorded == 2 and smtp.messages == []
    smtp.refuse = False
    digest.run("weekly")
    recipients = [m["To"] for m in smtp.messages]
    assert len(recipients) == len(set(recipients))
    expected = db.session.scalar(
        select(func.count(Email.id)).where(Email.event_key.like("digest:%"))
    )
    assert len(recipients) == expected


def test_unsubscribe_header_and_one_click_link(client, org, smtp):
    week_of_activity(org)
    anna_id, anna_email = org.anna.id, org.anna.email
    digest.run("weekly")
    (message,) = smtp.to(anna_email)
    link = message["List-Unsubscribe"].strip().strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = link.removeprefix("http://127.0.0.1:5000")
    assert "Avsluta prenumerationen" in client.get(path).get_data(as_text=True)
    anna = db.session.get(User, anna_id)
    assert anna.digest_frequency == "weekly"  # a GET (a link preview) changes nothing
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, anna_id).digest_frequency == "none"
    assert client.post("/unsubscribe/forged-token").status_code == 404


def test_queries_grow_with_batches_not_users(app, org, count_queries, monkeypatch):
    week_of_activity(org)
    for n in range(12):
        factories.user(f"medarbetare{n}@example.se", unit="VOO")
    db.session.commit()  # the set-up's own writes (and their data version) counted apart
    monkeypatch.setattr("ideas.services.mail.deliver", lambda ids, known=None: len(ids))

    def queries_for(batch_size):
        db.session.execute(delete(DigestDelivery))
        db.session.execute(delete(Email).where(Email.event_key.like("digest:%")))
        monkeypatch.setitem(app.config, "DIGEST_BATCH_SIZE", batch_size)
        with count_queries() as q:
            sent = digest.run("weekly")
        assert sent == 19  # every user had news: at least the implemented idea
        return q.statements

    # The same 19 digests: in 2 batches of 10 and 2 batches of 16, the same queries.
    small, large = queries_for(10), queries_for(16)
    assert len(small) == len(large), "\n".join(s[:80] for s in small)


def test_each_in_their_own_language_in_one_batch(org, smtp):
    week_of_activity(org)
    org.bo.locale = "en"
    anna_email, bo_email = org.anna.email, org.bo.email
    digest.run("weekly")
    assert "Nytt om förslag du följer" in digest_to(smtp, anna_email)
    (bo,) = smtp.to(bo_email)
    assert bo["Subject"].startswith("Your digest")
    assert "News on ideas you follow" in bo.get_body(("plain",)).get_content()
    assert "Implemented ideas to learn from" in bo.get_body(("html",)).get_content()
