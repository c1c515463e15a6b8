"""Removing a comment through the API: its writer or the idea's managers, a 204 with its
files gone and nothing else touched; 403 and 404 change nothing."""

from __future__ import annotations

from ideas.extensions import db
from ideas.models import Comment
from tests.web.test_comment_removal import _idea_with_two_commented_pictures, _kept, _paths


def test_the_api_removes_a_comment_for_its_writer_only(app, client, org, bearer):
    idea, bos, annas = _idea_with_two_commented_pictures(org)
    gone, kept = _paths(bos), _kept(idea.id, annas)
    url = f"/api/v1/ideas/{idea.id}/comments/{bos}"

    refused = client.delete(url, headers=bearer(org.anna))
    assert refused.status_code == 403 and refused.json["error"]
    assert (
        client.delete(
            f"/api/v1/ideas/{idea.id}/comments/999999", headers=bearer(org.bo)
        ).status_code
        == 404
    )
    db.session.expire_all()
    assert db.session.get(Comment, bos) is not None and all(p.exists() for p in gone)

    done = client.delete(url, headers=bearer(org.bo))
    assert done.status_code == 204 and done.get_data() == b""
    db.session.expire_all()
    assert db.session.get(Comment, bos) is None
    assert not any(p.exists() for p in gone) and all(p.exists() for p in kept)
    listed = client.get(f"/api/v1/ideas/{idea.id}/comments", headers=bearer(org.bo)).json
    assert [c["id"] for c in listed["items"]] == [annas]
    assert client.delete(url, headers=bearer(org.bo)).status_code == 404  # already gone
