"""Pages run a fixed, small number of SQL queries whatever their length."""

from ideas.services import items, routing
from tests import factories


def _queries(client, count_queries, url):
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    return q.count


def test_list_search_and_idea_pages_do_not_grow_with_their_content(
    client, auth, org, count_queries
):
    first = factories.idea(org.anna, title="Nyckelskåp ett", values=("Vi vill", "Vi är öppna"))
    factories.idea(org.bo, title="Nyckelskåp två")
    auth.login(org.bo.email)
    urls = [
        "/ideas",
        "/ideas?q=nyckelskåp",
        "/ideas?value=Vi vill&status=submitted",
        f"/ideas/{first.id}",
        "/me/items",
    ]
    small = {url: _queries(client, count_queries, url) for url in urls}

    users = [factories.user(f"kollega{n}@example.se", unit="VOO") for n in range(6)]
    for n in range(30):
        factories.idea(
            org.bo if n % 2 else org.anna,
            title=f"Nyckelskåp {n}",
            values=("Vi vill", "Vi är framåt", "Vi är öppna"),
            unit="IT" if n % 3 else "VOO",
        )
    for user in users:
        items.support(first, user)
        items.add_comment(first, user, "Jag håller med.")
        items.follow(first, user)
    items.transition(first, org.boss, "acknowledged", "Tack")
    items.transition(first, org.boss, "assessing", "Vi utreder")
    large = {url: _queries(client, count_queries, url) for url in urls}

    assert large == small
    assert max(large.values()) <= 10, large


def test_the_notifications_page_does_not_grow_with_them(client, auth, org, count_queries):
    idea = factories.idea(org.anna, title="Nyckelskåp ett")
    concern = items.submit_concern(
        org.anna, title="Halt vid entrén", description="Isigt.", unit="VOO", values=["Vi vill"]
    )
    routing.route_item(concern.id)
    items.add_comment(idea, org.bo, "Bra.")
    items.add_comment(concern, org.boss, "Vi saltar.")
    auth.login(org.anna.email)
    small = _queries(client, count_queries, "/notifications")
    for n in range(15):
        items.add_comment(idea if n % 2 else concern, org.boss, f"Svar {n}")
    items.transition(idea, org.boss, "acknowledged", "Tack")
    large = _queries(client, count_queries, "/notifications")
    assert large == small <= 6, (small, large)
