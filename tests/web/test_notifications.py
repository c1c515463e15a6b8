"""The notifications page, the count in the header, reading them, and choosing how they
come (from the request to the database)."""

import re

from sqlalchemy import select

from ideas.extensions import db
from ideas.models import Email, Notification
from ideas.services import items, routing
from tests import factories


def header_count(page: str) -> int:
    found = re.search(
        r'class="notifications-link"[^>]*>Notiser(?: <span class="count">(\d+))?', page
    )
    assert found, "no notifications link in the header"
    return int(found.group(1) or 0)


def unread(user) -> int:
    return len(
        db.session.scalars(select(Notification).filter_by(user_id=user.id, read_at=None)).all()
    )


def test_the_header_counts_the_page_lists_opening_reads(client, auth, org):
    idea = factories.idea(org.anna, title="Cykelpool")
    other = factories.idea(org.anna, title="Matsedel")
    routing.route_item(idea.id)
    auth.login(org.anna.email)
    assert header_count(client.get("/ideas").get_data(as_text=True)) == 0
    page = client.get("/notifications").get_data(as_text=True)
    assert "Inga notiser ännu." in page

    items.transition(idea, org.boss, "acknowledged", "Tack, vi tittar på det.")
    items.add_comment(other, org.bo, "Bra idé!")
    assert header_count(client.get("/ideas").get_data(as_text=True)) == 2
    page = client.get("/notifications").get_data(as_text=True)
    assert "2 olästa notiser." in page
    listed = re.findall(r'<span class="what">([^<]+)</span>\s*<a href="([^"]+)">([^<]+)</a>', page)
    assert listed == [
        ("Ny kommentar", f"/ideas/{other.id}", "Matsedel"),  # newest first
        ("Besvarad: Mottagen", f"/ideas/{idea.id}", "Cykelpool"),
    ]

    # Opening the item reads what Anna was told about it; the page already counts so.
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert header_count(page) == 1
    db.session.expire_all()
    assert unread(org.anna) == 1
    assert "1 oläst notis." in client.get("/notifications").get_data(as_text=True)

    response = auth.post("/notifications/read", token_from="/notifications")
    assert response.status_code == 302
    page = client.get("/notifications").get_data(as_text=True)
    assert "Alla dina notiser är markerade som lästa." in page
    assert header_count(page) == 0 and unread(org.anna) == 0
    assert "Du har läst alla dina notiser." in page


def test_others_notifications_are_never_shown_or_touched(client, auth, org):
    idea = factories.idea(org.anna, title="Cykelpool")
    routing.route_item(idea.id)  # Carl is told
    auth.login(org.bo.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Cykelpool" not in page and header_count(page) == 0
    auth.post("/notifications/read", token_from="/notifications")
    assert unread(org.boss) == 1
    assert client.get(f"/ideas/{idea.id}").status_code == 200
    assert unread(org.boss) == 1  # Bo opened it, not Carl


def test_a_concern_that_moved_on_is_not_named(client, auth, org):
    concern = items.submit_concern(
        org.anna, title="Halt vid entrén", description="Isigt.", unit="VOO", values=["Vi vill"]
    )
    routing.route_item(concern.id)
    concern.assignee = org.it_boss  # no longer Carl's, and not in his tree
    concern.handling_unit = org.it
    db.session.flush()
    auth.login(org.boss.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Halt vid entrén" not in page and "Ett ärende som du inte längre kan se" in page


def test_the_list_is_paged(client, auth, org, app, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    idea = factories.idea(org.anna)
    for n in range(3):
        items.add_comment(idea, org.bo, f"Kommentar {n}")
    auth.login(org.anna.email)
    first = client.get("/notifications").get_data(as_text=True)
    assert first.count('class="notification unread"') == 2 and 'rel="next"' in first
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert second.count('class="notification unread"') == 1 and 'rel="prev"' in second
    assert client.get("/notifications?page=0").status_code == 400


def test_choosing_how_each_event_comes(client, auth, org):
    auth.login(org.anna.email)
    page = client.get("/settings").get_data(as_text=True)
    assert '<option selected value="digest">Bara i sammanfattningen</option>' in page
    response = auth.post(
        "/settings",
        {"digest_frequency": "weekly", "notify_commented": "email", "notify_answered": "here"},
        token_from="/settings",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert org.anna.notification_choices == {"commented": "email", "answered": "here"}
    page = client.get("/settings").get_data(as_text=True)
    assert re.search(r'id="notify_commented".*?<option selected value="email">', page, re.S)

    idea = factories.idea(org.anna)
    items.add_comment(idea, org.bo, "Jag vill också.")
    (letter,) = db.session.scalars(select(Email).where(Email.recipient == org.anna.email))
    assert letter.subject == "Ny kommentar: Digitala nyckelskåp"

    response = auth.post(
        "/settings",
        {"digest_frequency": "weekly", "notify_commented": "pigeon"},
        token_from="/settings",
    )
    assert response.status_code == 400
    assert "Inte ett giltigt val" in response.get_data(as_text=True)
    db.session.expire_all()
    assert org.anna.notification_choices["commented"] == "email"
