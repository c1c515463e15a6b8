"""API answers run a fixed number of SQL queries, however many ideas there are."""

from ideas.services import items
from tests import factories


def _count(client, count_queries, url, headers):
    client.get(url, headers=headers)  # the token's first use is recorded: warm up
    with count_queries() as q:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_json()
    return q.count


def test_lists_and_detail_do_not_grow_with_their_content(client, org, bearer, count_queries):
    headers = bearer(org.anna)
    first = factories.idea(org.anna, title="Nyckelskåp ett", values=("Vi vill", "Vi är öppna"))
    factories.idea(org.bo, title="Nyckelskåp två")
    factories.idea(org.bo, title="Nyckelskåp tre", unit="IT")
    urls = [
        "/api/v1/ideas",
        "/api/v1/ideas?per_page=100",
        "/api/v1/ideas?q=nyckelskåp",
        "/api/v1/ideas?value=Vi vill&status=submitted&unit=VOO",
        f"/api/v1/ideas/{first.id}",
        f"/api/v1/ideas/{first.id}/comments",
        "/api/v1/values",
        "/api/v1/units",
    ]
    small = {url: _count(client, count_queries, url, headers) for url in urls}

    users = [factories.user(f"kollega{n}@example.se", unit="VOO") for n in range(6)]
    for n in range(25):
        factories.idea(
            org.bo if n % 2 else org.anna,
            title=f"Nyckelskåp {n}",
            values=("Vi vill", "Vi är framåt", "Vi är öppna"),
            unit="IT" if n % 3 else "VOO",
        )
    for user in users:
        items.support(first, user)
        items.add_comment(first, user, "Jag håller med.")
    items.transition(first, org.boss, "acknowledged", "Tack")
    items.transition(first, org.boss, "assessing", "Vi utreder")
    large = {url: _count(client, count_queries, url, headers) for url in urls}

    assert large == small
    assert max(large.values()) <= 10, large
