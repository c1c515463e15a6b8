"""Files on ideas, concerns and comments through the web: from the form to the database
and the disk, and back out to whoever may see them."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image
from sqlalchemy import func, select

from ideas import attachments, clock
from ideas.extensions import db
from ideas.models import Comment, Item, ItemFile
from ideas.services import item_files, items, triage
from ideas.services.uploads import Upload
from tests import factories

IDEA = {
    "title": "Skylt vid entrén",
    "description": "Besökare hittar inte in.",
    "unit": "VOO",
    "values": ["Vi vill"],
}


def _stored_on_disk(app) -> set[str]:
    folder = item_files.folder()
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def _submit(auth, files, url="/ideas/new", data=IDEA):
    return auth.post(
        url,
        {**data, "files": files},
        token_from=url,
        content_type="multipart/form-data",
    )


def test_an_idea_with_a_photo_shows_it_without_where_it_was_taken(app, auth, org, client):
    auth.login(org.bo.email)
    photo = factories.jpeg_with_gps(orientation=6)  # taken with the phone on its side
    response = _submit(auth, [(io.BytesIO(photo), "IMG_0042.jpg")])
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    item = db.session.scalar(select(Item).where(Item.title == IDEA["title"]))
    (row,) = db.session.scalars(select(ItemFile).where(ItemFile.item_id == item.id)).all()
    assert row.name == "photo-1.jpg" and row.content_type == "image/jpeg"
    assert (row.width, row.height) == (480, 640)  # turned the right way up
    assert "gps" in row.removed.split(",") and row.uploaded_by_id == org.bo.id
    assert max(row.thumbnail_width, row.thumbnail_height) == attachments.THUMBNAIL_SIZE

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="/files/{row.id}"' in page
    assert f'src="/files/{row.id}/thumbnail"' in page
    assert f'width="{row.thumbnail_width}" height="{row.thumbnail_height}"' in page
    assert "IMG_0042" not in page  # the name it came with is not kept

    served = client.get(f"/files/{row.id}")
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.headers["Content-Disposition"].startswith("inline")
    assert "photo-1.jpg" in served.headers["Content-Disposition"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in served.headers["Content-Security-Policy"]
    assert served.headers["Cache-Control"].startswith("private")
    picture = Image.open(io.BytesIO(served.get_data()))
    assert picture.size == (480, 640)
    assert not picture.getexif() and "exif" not in picture.info
    assert b"Telefonmakaren" not in served.get_data()

    thumb = client.get(f"/files/{row.id}/thumbnail")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(thumb.get_data())).size == (240, 320)


def test_a_heic_picture_is_refused_with_how_to_send_it_and_nothing_is_stored(app, auth, org):
    auth.login(org.bo.email)
    before = _stored_on_disk(app)
    response = _submit(
        auth,
        [
            (io.BytesIO(factories.png()), "ok.png"),
            (io.BytesIO(factories.heic_header()), "IMG_0001.HEIC"),
        ],
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "IMG_0001.HEIC är en HEIC-bild" in page  # Swedish by default
    assert "Mest kompatibelt" in page
    assert db.session.scalar(select(func.count(Item.id))) == 0
    assert db.session.scalar(select(func.count(ItemFile.id))) == 0
    assert _stored_on_disk(app) == before


def test_a_file_of_no_known_type_or_too_many_files_refuse_the_whole_idea(app, auth, org):
    auth.login(org.bo.email)
    auth.post("/language", {"lang": "en"})
    response = _submit(auth, [(io.BytesIO(b"\x00\x01binary"), "program.exe")])
    assert response.status_code == 400
    assert "program.exe is not a type we accept" in response.get_data(as_text=True)
    six = [(io.BytesIO(f"rad {n}\n".encode()), f"{n}.txt") for n in range(6)]
    response = _submit(auth, six)
    assert "At most 5 files at a time." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_a_request_too_large_for_five_files_gets_a_clear_answer(app, auth, org, monkeypatch):
    import ideas.web

    monkeypatch.setattr(ideas.web, "FILES_REQUEST_MAX", 64 * 1024)
    auth.login(org.bo.email)
    response = _submit(auth, [(io.BytesIO(b"x" * 100_000), "stor.txt")])
    assert response.status_code == 413
    assert "högst 5 filer på högst 10 MB" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_a_concern_takes_files_too_and_keeps_them_as_private(app, auth, org, client):
    auth.login(org.anna.email)
    data = {**IDEA, "title": "Halt golv i köket"}
    response = _submit(
        auth, [(io.BytesIO(b"Golvet var halt i dag.\n"), "notis.txt")], "/concerns/new", data
    )
    assert response.status_code == 302
    row = db.session.scalar(select(ItemFile))
    served = client.get(f"/files/{row.id}")
    assert served.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["Cache-Control"] == "private, no-cache"
    assert served.get_data() == b"Golvet var halt i dag.\n"
    auth.logout()
    auth.login(org.bo.email)  # a colleague: the concern is not theirs to see
    assert client.get(f"/files/{row.id}").status_code == 404
    assert client.get(f"/files/{row.id}/thumbnail").status_code == 404


def test_a_comment_with_a_picture_shows_it_under_the_comment(app, auth, org, client):
    idea = factories.idea(org.anna)
    auth.login(org.bo.email)
    url = f"/ideas/{idea.id}"
    response = auth.post(
        f"{url}/comments",
        {"body": "Så här ser det ut.", "files": [(io.BytesIO(factories.png(40, 20)), "a.png")]},
        token_from=url,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    comment = db.session.scalar(select(Comment))
    (row,) = db.session.scalars(select(ItemFile)).all()
    assert (row.comment_id, row.item_id, row.name) == (comment.id, idea.id, "picture-1.png")
    page = client.get(url).get_data(as_text=True)
    comment_part = page[page.index('id="comments"') :]
    assert f'src="/files/{row.id}/thumbnail"' in comment_part
    assert client.get(f"/files/{row.id}/thumbnail").mimetype == "image/png"


def test_the_bank_shows_an_implemented_ideas_first_picture(app, auth, org, client):
    idea = factories.idea(org.anna, files=[Upload(factories.png(64, 48), "a.png")])
    for status in ("acknowledged", "accepted"):
        items.transition(idea, org.boss, status, "Ja")
    items.transition(
        idea,
        org.boss,
        "implemented",
        learning=items.Learning(outcome="Skåp på plats", lessons="Fråga brukarna"),
    )
    row = db.session.scalar(select(ItemFile))
    auth.login(org.bo.email)
    page = client.get("/bank").get_data(as_text=True)
    assert f'<img src="/files/{row.id}/thumbnail" width="64" height="48"' in page


def test_a_merged_ideas_files_move_to_the_original(app, org):
    original = factories.idea(org.anna, title="Nyckelskåp")
    duplicate = factories.idea(org.bo, title="Skåp för nycklar", files=[Upload(b"a\n", "a.txt")])
    items.add_comment(duplicate, org.anna, "Bra", [Upload(factories.png(), "b.png")])
    triage.merge(duplicate, org.boss, original.id)
    db.session.expire_all()
    rows = db.session.scalars(select(ItemFile).order_by(ItemFile.id)).all()
    assert [r.item_id for r in rows] == [original.id, original.id]
    assert rows[1].comment_id is not None  # still with its comment, which moved too
    assert item_files.file_for(org.bo, rows[0].id) is not None


def test_a_rolled_back_submission_leaves_no_file_behind(app, org):
    before = _stored_on_disk(app)
    factories.idea(org.anna, files=[Upload(factories.png(), "a.png")])
    assert len(_stored_on_disk(app) - before) == 2  # the picture and its thumbnail
    db.session.rollback()
    assert _stored_on_disk(app) == before


def test_a_deleted_comments_files_go_only_once_the_deletion_commits(app, org):
    idea = factories.idea(org.anna)
    comment = items.add_comment(idea, org.bo, "Se bild", [Upload(factories.png(), "a.png")])
    db.session.commit()
    row = comment.files[0]
    paths = [item_files.path_of(row), item_files.path_of(row, thumbnail=True)]

    db.session.delete(comment)
    db.session.flush()
    db.session.rollback()  # changed one's mind: the item still shows the file
    assert all(p.exists() for p in paths)

    db.session.delete(db.session.get(Comment, comment.id))
    db.session.commit()
    assert db.session.scalar(select(func.count(ItemFile.id))) == 0
    assert not any(p.exists() for p in paths)


def test_the_sweep_removes_only_old_files_that_no_row_names(app, org):
    idea = factories.idea(org.anna, files=[Upload(b"kvar\n", "a.txt")])
    db.session.commit()
    kept = item_files.path_of(idea.files[0])
    folder = item_files.folder()
    orphan = attachments.store_plain(folder, b"left by a crash\n")
    report_file = attachments.store_plain(folder.parent, b"a report's, encrypted\n")
    an_hour_ago = clock.now().timestamp() - 3601
    for path in (kept, folder / orphan, folder.parent / report_file):
        os.utime(path, (an_hour_ago, an_hour_ago))
    young = attachments.store_plain(folder, b"a transaction still running\n")

    assert item_files.sweep_orphans() == 1
    assert not (folder / orphan).exists()
    assert kept.exists() and (folder / young).exists()
    assert (folder.parent / report_file).exists()  # the reporting channel's are not ours

    clock.advance(item_files.ORPHAN_AGE * 2)
    assert item_files.sweep_orphans() >= 1  # (other tests' rolled back rows left some)
    assert not (folder / young).exists()  # the young one, once it is old
    assert kept.exists()


@pytest.mark.parametrize("kind", ["ideas", "concerns"])
def test_the_forms_offer_files_and_the_camera(auth, org, client, kind):
    auth.login(org.bo.email)
    page = client.get(f"/{kind}/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page and "multiple" in page
    assert 'accept="image/*" capture="environment"' in page
    assert "heic" not in page.lower()  # an iPhone then sends JPEG by itself
    assert "Högst 5 filer på högst 10 MB" in page
