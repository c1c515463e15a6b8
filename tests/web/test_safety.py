"""Hostile input never runs in another person's browser; error pages are friendly."""

from html.parser import HTMLParser

import pytest

from ideas.services import items
from tests import factories

HOSTILE = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "[klicka här](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">länk</a>',
    "<svg onload=alert(1)>",
    '"><iframe src="https://evil.example"></iframe>',
    "![bild](https://evil.example/x.png)",
    "<style>body{display:none}</style>",
]


class _Elements(HTMLParser):
    """Every element and attribute the browser would build from the page."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def _assert_inert(page: str) -> None:
    parser = _Elements()
    parser.feed(page)
    for tag, attrs in parser.found:
        assert tag not in {"script", "iframe", "svg", "img", "style", "object", "embed"}, tag
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for name in ("href", "src", "action"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_markdown_is_rendered_inert(client, auth, org, payload):
    idea = factories.idea(org.anna, title=payload[:160], description=payload, benefit=payload)
    items.add_comment(idea, org.bo, payload)
    items.transition(idea, org.boss, "declined", payload)
    auth.login(org.bo.email)
    for url in (f"/ideas/{idea.id}", "/ideas", "/me/items"):
        _assert_inert(client.get(url).get_data(as_text=True))


def test_simple_markdown_still_works(client, auth, org):
    idea = factories.idea(
        org.anna,
        description="Vi behöver **tre** saker:\n\n- nycklar\n- koder\n\n"
        "[Rutinen](https://example.se/rutin)",
    )
    auth.login(org.bo.email)
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "<strong>tre</strong>" in page
    assert "<li>nycklar</li>" in page
    assert '<a href="https://example.se/rutin" rel="nofollow noopener noreferrer">' in page


def test_server_error_page_is_friendly_and_saves_nothing(app, client, auth, org, monkeypatch):
    auth.login(org.anna.email)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("ideas.blueprints.ideas.idea_list_page", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/ideas")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Något gick fel hos oss" in page
    assert "boom" not in page and "Traceback" not in page


def test_forbidden_page_is_friendly(client, auth, org):
    idea = factories.idea(org.anna)
    auth.login(org.bo.email)
    url = f"/ideas/{idea.id}"
    response = auth.post(f"{url}/status", {"status": "acknowledged"}, token_from=url)
    assert response.status_code == 403
    assert "Du har inte behörighet" in response.get_data(as_text=True)


def test_security_headers(client, org):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
