"""Files through the API: multipart on create, POST .../attachments, GET /files, and
the limits in the OpenAPI document."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import func, select

from ideas.attachments import MAX_BYTES, MAX_FILES
from ideas.extensions import db
from ideas.models import Item, ItemFile
from ideas.services import routing
from tests import factories

FORM = {
    "title": "Skylt vid entrén",
    "description": "Besökare hittar inte in.",
    "unit": "VOO",
    "values": ["Vi vill", "Vi är framåt"],
}


def _photo():
    return io.BytesIO(factories.jpeg_with_gps()), "IMG_0042.jpg"


def test_an_idea_submitted_with_a_photo_as_multipart(app, client, org, bearer, conforms):
    response = client.post(
        "/api/v1/ideas",
        data={**FORM, "files": [_photo(), (io.BytesIO(b"Ritning\n"), "a.txt")]},
        headers=bearer(org.anna),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    conforms("ItemDetail", body)
    assert body["values"] == ["Vi är framåt", "Vi vill"]
    photo, text = body["files"]
    assert (photo["name"], photo["content_type"]) == ("photo-1.jpg", "image/jpeg")
    assert (photo["width"], photo["height"], photo["comment"]) == (640, 480, None)
    assert (text["name"], text["thumbnail_url"]) == ("text-2.txt", None)

    served = client.get(photo["url"].removeprefix(app.config["BASE_URL"]), headers=bearer(org.bo))
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert not Image.open(io.BytesIO(served.get_data())).getexif()
    thumb = client.get(
        photo["thumbnail_url"].removeprefix(app.config["BASE_URL"]), headers=bearer(org.bo)
    )
    assert thumb.status_code == 200
    again = client.get(f"/api/v1/ideas/{body['id']}", headers=bearer(org.bo)).get_json()
    assert [f["id"] for f in again["files"]] == [photo["id"], text["id"]]


def test_a_bad_file_is_json_naming_files_and_nothing_is_stored(app, client, org, bearer):
    response = client.post(
        "/api/v1/ideas",
        data={**FORM, "files": [_photo(), (io.BytesIO(factories.heic_header()), "b.heic")]},
        headers=bearer(org.anna),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["field"] == "files" and "HEIC" in body["error"]
    assert db.session.scalar(select(func.count(Item.id))) == 0
    assert db.session.scalar(select(func.count(ItemFile.id))) == 0


def test_multipart_fields_are_checked_as_json_ones(client, org, bearer):
    headers = bearer(org.anna)
    wrong_name = client.post(
        "/api/v1/ideas",
        data={**FORM, "attachment": _photo()},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert wrong_name.status_code == 422 and wrong_name.get_json()["field"] == "attachment"
    no_title = client.post(
        "/api/v1/ideas",
        data={**FORM, "title": ""},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert no_title.status_code == 422 and no_title.get_json()["field"] == "title"
    concern = client.post(
        "/api/v1/concerns",
        data={**FORM, "confidential": "true", "files": [_photo()]},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert concern.status_code == 201, concern.get_json()
    assert concern.get_json()["confidential"] is True
    assert len(concern.get_json()["files"]) == 1
    bad_flag = client.post(
        "/api/v1/concerns",
        data={**FORM, "confidential": "kanske"},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert bad_flag.status_code == 422 and bad_flag.get_json()["field"] == "confidential"


def test_files_added_later_by_the_submitter_up_to_five(app, client, org, bearer):
    idea = factories.idea(org.anna, files=[factories_upload()])
    url = f"/api/v1/ideas/{idea.id}/attachments"
    four = [(io.BytesIO(f"{n}\n".encode()), f"{n}.txt") for n in range(4)]
    added = client.post(url, data={"files": four}, headers=bearer(org.anna))
    assert added.status_code == 201, added.get_json()
    assert [f["name"] for f in added.get_json()["items"]] == [f"text-{n}.txt" for n in (2, 3, 4, 5)]
    more = client.post(url, data={"files": [_photo()]}, headers=bearer(org.anna))
    assert more.status_code == 422 and more.get_json()["field"] == "files"
    assert "room for 0 more" in more.get_json()["error"]
    not_theirs = client.post(url, data={"files": [_photo()]}, headers=bearer(org.bo))
    assert not_theirs.status_code == 403
    as_json = client.post(url, json={"files": []}, headers=bearer(org.anna))
    assert as_json.status_code == 415 and as_json.get_json()["field"] == "files"


def test_a_comment_with_files_over_the_api(client, org, bearer, conforms):
    idea = factories.idea(org.anna)
    response = client.post(
        f"/api/v1/ideas/{idea.id}/comments",
        data={"body": "Så här", "files": [_photo()]},
        headers=bearer(org.bo),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    conforms("Comment", response.get_json())
    listed = client.get(f"/api/v1/ideas/{idea.id}/comments", headers=bearer(org.anna))
    (comment,) = listed.get_json()["items"]
    assert comment["files"][0]["comment"] == comment["id"]


def test_a_concerns_files_are_not_found_by_others(client, org, bearer):
    concern = factories.items.submit_concern(
        org.anna,
        title="Halt golv",
        description="I köket",
        unit="VOO",
        values=["Vi vill"],
        files=[factories_upload()],
    )
    routing.route_item(concern.id)
    row = db.session.scalar(select(ItemFile))
    assert client.get(f"/api/v1/files/{row.id}", headers=bearer(org.bo)).status_code == 404
    assert client.get(f"/api/v1/files/{row.id}", headers=bearer(org.boss)).status_code == 200
    added = client.post(
        f"/api/v1/concerns/{concern.id}/attachments",
        data={"files": [_photo()]},
        headers=bearer(org.bo),
    )
    assert added.status_code == 404


def test_a_request_too_large_names_files(client, org, bearer, monkeypatch):
    import ideas.web

    monkeypatch.setattr(ideas.web, "FILES_REQUEST_MAX", 64 * 1024)
    response = client.post(
        "/api/v1/ideas",
        data={**FORM, "files": [(io.BytesIO(b"x" * 100_000), "a.txt")]},
        headers=bearer(org.anna),
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert response.get_json()["field"] == "files"


def test_the_openapi_document_states_the_limits(openapi_doc):
    create = openapi_doc["paths"]["/api/v1/ideas"]["post"]["requestBody"]["content"]
    files = create["multipart/form-data"]["schema"]["properties"]["files"]
    assert files["maxItems"] == MAX_FILES and files["x-max-bytes"] == MAX_BYTES
    assert "title" in create["multipart/form-data"]["schema"]["properties"]
    later = openapi_doc["paths"]["/api/v1/concerns/{item_id}/attachments"]["post"]
    assert later["requestBody"]["content"]["multipart/form-data"]["schema"]["required"] == ["files"]
    assert "413" in later["responses"]


def factories_upload():
    from ideas.services.uploads import Upload

    return Upload(b"Bilaga\n", "bilaga.txt")
