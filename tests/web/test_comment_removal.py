"""Removing a comment: by its writer or the item's managers, asked first, with its files
gone from the disk once the removal commits and nothing else touched; the history says
that a comment was removed and by whom. The API's side: tests/api/test_comment_removal.py."""

from __future__ import annotations

from sqlalchemy import func, select

from ideas.extensions import db
from ideas.models import Comment, HistoryEntry, Item, ItemFile
from ideas.services import item_files, items
from ideas.services.uploads import Upload
from tests import factories


def _idea_with_two_commented_pictures(org):
    """An idea with a file of its own, Bo's comment with a picture and Anna's with one."""
    idea = factories.idea(org.anna, files=[Upload(b"Ritning\n", "ritning.txt")])
    bos = items.add_comment(idea, org.bo, "Så här ser det ut", [Upload(factories.png(), "a.png")])
    annas = items.add_comment(idea, org.anna, "Och här", [Upload(factories.png(), "b.png")])
    db.session.commit()
    return idea, bos.id, annas.id


def _paths(comment_id: int):
    rows = db.session.scalars(select(ItemFile).where(ItemFile.comment_id == comment_id)).all()
    return [
        p
        for row in rows
        for p in (item_files.path_of(row), item_files.path_of(row, thumbnail=True))
    ]


def _kept(idea_id: int, comment_id: int):
    """The files that must stay: the idea's own and the other comment's."""
    rows = db.session.scalars(
        select(ItemFile).where(
            ItemFile.item_id == idea_id,
            (ItemFile.comment_id.is_(None)) | (ItemFile.comment_id == comment_id),
        )
    ).all()
    return [item_files.path_of(row) for row in rows]


def test_the_writer_is_asked_then_the_comment_and_its_files_are_gone(app, auth, org, client):
    idea, bos, annas = _idea_with_two_commented_pictures(org)
    gone, kept = _paths(bos), _kept(idea.id, annas)
    assert gone and all(p.exists() for p in gone) and len(kept) == 2
    auth.login(org.bo.email)
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    remove = f"/ideas/{idea.id}/comments/{bos}/remove"
    assert f'href="{remove}"' in page
    assert f"/comments/{annas}/remove" not in page  # not Bo's to remove

    asked = client.get(remove)
    assert asked.status_code == 200
    text = asked.get_data(as_text=True)
    assert "Så här ser det ut" in text and "Ta bort kommentaren" in text
    assert _paths(bos) == gone and db.session.get(Comment, bos) is not None

    done = auth.post(remove, token_from=remove)
    assert done.status_code == 302 and done.headers["Location"].endswith("#comments")
    db.session.expire_all()
    assert db.session.get(Comment, bos) is None
    assert (
        db.session.scalar(select(func.count(ItemFile.id)).where(ItemFile.item_id == idea.id)) == 2
    )
    assert not any(p.exists() for p in gone)
    assert all(p.exists() for p in kept)
    assert db.session.get(Item, idea.id).comment_count == 1
    entry = db.session.scalar(select(HistoryEntry).where(HistoryEntry.action == "comment_removed"))
    assert entry.actor_id == org.bo.id and entry.comment == ""  # not what it said
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Kommentaren är borttagen." in page
    assert "Bo Berg tog bort en kommentar." in page and "Så här ser det ut" not in page
    assert "Kommentarer (1)" in page


def test_someone_else_may_not_and_nothing_changes(app, auth, org, client):
    idea, bos, _annas = _idea_with_two_commented_pictures(org)
    paths = _paths(bos)
    auth.login(org.anna.email)  # the idea is hers, the comment is Bo's
    remove = f"/ideas/{idea.id}/comments/{bos}/remove"
    assert client.get(remove).status_code == 403
    assert auth.post(remove, token_from=f"/ideas/{idea.id}").status_code == 403
    db.session.expire_all()
    assert db.session.get(Comment, bos) is not None and all(p.exists() for p in paths)
    assert db.session.get(Item, idea.id).comment_count == 2
    # A comment of another item, named under this one: not found.
    other = factories.idea(org.bo)
    assert client.get(f"/ideas/{other.id}/comments/{bos}/remove").status_code == 404


def test_the_manager_takes_a_comment_down(app, auth, org, client):
    idea, bos, _annas = _idea_with_two_commented_pictures(org)
    paths = _paths(bos)
    auth.login(org.boss.email)
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert page.count('/remove"') == 2  # every comment is the manager's to take down
    remove = f"/ideas/{idea.id}/comments/{bos}/remove"
    assert "Den här kommentaren och dess filer tas bort" in client.get(remove).get_data(True)
    assert auth.post(remove, token_from=remove).status_code == 302
    db.session.expire_all()
    assert db.session.get(Comment, bos) is None and not any(p.exists() for p in paths)
