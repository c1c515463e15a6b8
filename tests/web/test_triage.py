"""Triage on the web: the inbox with bulk actions, and the item page's manager forms."""

from sqlalchemy import select

from ideas.extensions import db
from ideas.models import Item
from ideas.services import items, routing
from tests import factories


def routed(item):
    routing.route_item(item.id)
    return item


def test_the_inbox_lists_counts_and_acts_on_several_at_once(client, auth, org):
    a = routed(factories.idea(org.anna, title="Första idén"))
    b = routed(factories.idea(org.anna, title="Andra idén"))
    elsewhere = routed(factories.idea(org.anna, unit="IT", title="IT-idén"))
    auth.login(org.boss.email)
    page = client.get("/inbox").text
    assert "Första idén" in page and "Andra idén" in page and "IT-idén" not in page
    assert "<strong>2</strong>" in page
    done = auth.post(
        "/inbox/bulk", {"ids": [a.id, b.id], "action": "acknowledge"}, token_from="/inbox"
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert {db.session.get(Item, i).status for i in (a.id, b.id)} == {"acknowledged"}
    # All or nothing: forwarding without a reason changes nothing and says why.
    refused = auth.post(
        "/inbox/bulk", {"ids": [a.id, b.id], "action": "forward", "unit": "IT"}, token_from="/inbox"
    )
    assert refused.status_code == 400
    assert "Fältet måste fyllas i" in refused.text or "required" in refused.text
    db.session.expire_all()
    assert db.session.get(Item, a.id).unit_id == org.unit.id
    # An item that is not theirs cannot be slipped in.
    sneaky = auth.post(
        "/inbox/bulk", {"ids": [a.id, elsewhere.id], "action": "assess"}, token_from="/inbox"
    )
    assert sneaky.status_code in (302, 403)
    db.session.expire_all()
    assert db.session.get(Item, a.id).status == "acknowledged"
    assert db.session.get(Item, elsewhere.id).status == "submitted"


def test_employees_have_no_inbox_unless_an_item_is_delegated_to_them(client, auth, org):
    idea = routed(factories.idea(org.anna))
    auth.login(org.bo.email)
    assert client.get("/inbox").status_code == 403
    from ideas.services import triage

    triage.delegate(idea, org.boss, org.bo.email)
    page = client.get("/inbox")
    assert page.status_code == 200 and idea.title in page.text


def test_an_inbox_row_shows_kind_unit_driver_and_the_next_deadline(client, auth, org):
    from datetime import timedelta

    from ideas import clock
    from ideas.services import triage

    idea = routed(factories.idea(org.anna, title="Nyckelskåp i hemtjänsten"))
    triage.delegate(idea, org.boss, org.bo.email)
    late = routed(factories.idea(org.anna, title="Sen idé"))
    late.first_answer_due = clock.now() - timedelta(days=2)
    db.session.commit()
    auth.login(org.boss.email)
    page = client.get("/inbox").text
    row = page[page.index("Nyckelskåp i hemtjänsten") :].split("</tr>")[0]
    assert "Förslag" in row and f"drivs av {org.bo.name}" in row and org.unit.name in row
    late_row = page[page.index("Sen idé") :].split("</tr>")[0]
    assert 'class="overdue"' in late_row and "(försenat)" in late_row


def test_forward_merge_and_delegate_from_the_item_page(client, auth, org):
    idea = routed(factories.idea(org.anna, title="Nyckelskåp i hemtjänsten"))
    twin = routed(factories.idea(org.bo, title="Kodskåp för nycklar"))
    auth.login(org.boss.email)
    url = f"/ideas/{idea.id}"
    page = client.get(url).text
    assert "Vidarebefordra" in page or "Forward" in page
    auth.post(f"/items/{twin.id}/merge", {"into": idea.id}, token_from=url)
    auth.post(f"/items/{idea.id}/delegate", {"email": org.bo.email}, token_from=url)
    db.session.expire_all()
    assert db.session.get(Item, twin.id).merged_into_id == idea.id
    assert db.session.get(Item, idea.id).driver_id == org.bo.id
    twin_page = client.get(f"/ideas/{twin.id}").text
    assert f'href="/ideas/{idea.id}"' in twin_page
    bad = auth.post(f"/items/{idea.id}/forward", {"unit": "IT", "comment": ""}, token_from=url)
    assert bad.status_code == 302
    db.session.expire_all()
    assert db.session.get(Item, idea.id).status == "submitted"
    auth.post(
        f"/items/{idea.id}/forward", {"unit": "IT", "comment": "IT äger skåpen"}, token_from=url
    )
    db.session.expire_all()
    assert db.session.get(Item, idea.id).status == "forwarded"
    # The submitter sees why.
    client.delete_cookie("ideas_session")
    auth.login(org.anna.email)
    assert "IT äger skåpen" in client.get(url).text


def test_implemented_through_the_form_asks_for_what_was_learned(client, auth, org):
    idea = routed(factories.idea(org.anna))
    items.transition(idea, org.boss, "accepted", "Ja")
    auth.login(org.boss.email)
    url = f"/ideas/{idea.id}"
    missing = auth.post(
        f"{url}/status", {"status": "implemented", "outcome": "Gjort"}, token_from=url
    )
    assert missing.status_code == 400
    ok = auth.post(
        f"{url}/status",
        {
            "status": "implemented",
            "outcome": "Skåp i alla bilar",
            "lessons": "Börja smått",
            "hours_saved": "200",
        },
        token_from=url,
    )
    assert ok.status_code == 302
    page = client.get(url).text
    assert "Skåp i alla bilar" in page and "Börja smått" in page and "200" in page
    assert db.session.scalar(select(Item.status).where(Item.id == idea.id)) == "implemented"
