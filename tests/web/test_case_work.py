"""The channel's case work on the web: files, minutes, measures, redaction, passwords."""

import io
import re
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from ideas.extensions import db
from ideas.models import Report, ReportAttachment
from ideas.services import reports
from tests import factories
from tests.conftest import Auth

CODE_RE = re.compile(r'id="receipt-code"[^>]*>([0-9A-Z-]+)<')
CAMERA = "Kamera-Modell-X99"


def photo_with_gps() -> bytes:
    """A JPEG as a phone takes it: camera make and model, and where it was taken."""
    exif = Image.Exif()
    exif[0x010F] = "Telefonbolaget"
    exif[0x0110] = CAMERA
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (56.0, 50.0, 0.0)
    gps[3], gps[4] = "E", (13.0, 56.0, 0.0)
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def file_with(client, auth, files, **fields):
    data = {"what": "Pengar försvinner ur kassan.", **fields, "files": files}
    data["csrf_token"] = auth.csrf("/report")
    return client.post("/report", data=data, content_type="multipart/form-data")


def test_files_are_cleaned_encrypted_and_the_reporter_is_told(client, auth, org, app):
    original = photo_with_gps()
    assert CAMERA.encode() in original
    response = file_with(
        client,
        auth,
        [(io.BytesIO(original), "IMG_anna_andersson.jpg"), (io.BytesIO(b"Kvitton\n"), "x.txt")],
    )
    assert response.status_code == 200, response.text[:500]
    page = response.text
    assert CODE_RE.search(page)
    assert "GPS" in page  # told what was removed
    report = db.session.scalar(select(Report))
    rows = db.session.scalars(select(ReportAttachment).order_by(ReportAttachment.id)).all()
    assert [r.name for r in rows] == ["attachment-1.jpg", "attachment-2.txt"]
    assert "anna" not in repr([(r.name, r.removed) for r in rows]).lower()
    # On disk: ciphertext only.
    for row in rows:
        stored = (Path(app.config["UPLOAD_FOLDER"]) / row.stored_name).read_bytes()
        assert b"Kvitton" not in stored and b"JFIF" not in stored and CAMERA.encode() not in stored
    # The handler downloads the cleaned picture: no camera, no place.
    auth.login(org.handler.email)
    download = client.get(f"/cases/{report.id}/attachments/{rows[0].id}")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "image/jpeg"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    cleaned = Image.open(io.BytesIO(download.data))
    assert not cleaned.getexif() and CAMERA.encode() not in download.data
    assert cleaned.size == (40, 30)


def test_a_file_of_the_wrong_type_is_refused_and_nothing_is_filed(client, auth, org):
    response = file_with(client, auth, [(io.BytesIO(b"MZ\x90\x00 program"), "rapport.pdf")])
    assert response.status_code == 400
    assert "JPEG, PNG, PDF" in response.text or "JPEG, PNG, PDF" in response.text.upper()
    assert db.session.scalar(select(Report)) is None


def test_the_reporter_adds_files_later_and_reads_what_the_handler_sent(client, auth, org):
    filed = reports.file_report({"what": "x"})
    auth.post("/report/follow-up", {"code": filed.receipt_code}, token_from="/report/follow-up")
    data = {
        "body": "",
        "files": [(io.BytesIO(photo_with_gps()), "bild.jpg")],
        "csrf_token": auth.csrf("/report/mailbox"),
    }
    sent = client.post("/report/mailbox", data=data, content_type="multipart/form-data")
    assert sent.status_code == 302
    page = client.get("/report/mailbox").text
    assert "attachment-1.jpg" in page and "GPS" in page  # the flash says what was removed
    row = db.session.scalar(select(ReportAttachment))
    mine = client.get(f"/report/attachments/{row.id}")
    assert mine.status_code == 200 and CAMERA.encode() not in mine.data
    empty = auth.post("/report/mailbox", {"body": ""}, token_from="/report/mailbox")
    assert empty.status_code == 400


def test_oral_report_minutes_approved_and_corrected_by_the_reporter(client, auth, org):
    auth.login(org.handler.email)
    form = client.get("/cases/oral").text
    assert "Register an oral report" in form or "muntlig" in form.lower()
    response = auth.post(
        "/cases/oral",
        {"form": "oral_report", "held_on": "2026-01-02", "body": "Samtal om fusk i lager."},
        token_from="/cases/oral",
    )
    assert response.status_code == 200
    code = CODE_RE.search(response.text).group(1)
    report = db.session.scalar(select(Report))
    # The reporter, with the code the handler gave them on the phone:
    reporter = client.application.test_client()
    reporter_auth = Auth(reporter)
    reporter_auth.post("/report/follow-up", {"code": code}, token_from="/report/follow-up")
    page = reporter.get("/report/mailbox").text
    assert "Samtal om fusk i lager." in page
    entry = report.entries[0]
    approve = reporter_auth.post(
        f"/report/minutes/{entry.id}/approve", token_from="/report/mailbox"
    )
    assert approve.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(entry), entry.id).approved_at is not None
    reporter_auth.post(
        f"/report/minutes/{entry.id}/correct",
        {"body": "Samtal om fusk i lager och kassa."},
        token_from="/report/mailbox",
    )
    case_page = client.get(f"/cases/{report.id}").text
    assert (
        "Samtal om fusk i lager." in case_page and "Samtal om fusk i lager och kassa." in case_page
    )


def test_measures_and_redaction_on_the_case_page(client, auth, org):
    filed = reports.file_report({"what": "x", "name": "Namn-Av-Misstag-31"})
    auth.login(org.handler.email)
    url = f"/cases/{filed.report.id}"
    auth.post(f"{url}/measures", {"body": "Granskning beställd."}, token_from=url)
    entry = filed.report.entries[0]
    auth.post(f"{url}/entries/{entry.id}/redact", {"fields": ["name"]}, token_from=url)
    page = client.get(url).text
    assert "Granskning beställd." in page and "Namn-Av-Misstag-31" not in page
    # The reporter does not see the measure.
    reporter = client.application.test_client()
    Auth(reporter).post(
        "/report/follow-up", {"code": filed.receipt_code}, token_from="/report/follow-up"
    )
    assert "Granskning beställd." not in reporter.get("/report/mailbox").text


def test_changing_the_password_keeps_the_cases_open(client, auth, org):
    filed = reports.file_report({"what": "Läsbart-efter-byte"})
    auth.login(org.handler.email)
    new = "ett nytt och längre lösenord"
    bad = auth.post(
        "/settings/password",
        {"current": factories.PASSWORD, "new": new, "confirm": "något annat"},
        token_from="/settings/password",
    )
    assert bad.status_code == 400
    ok = auth.post(
        "/settings/password",
        {"current": factories.PASSWORD, "new": new, "confirm": new},
        token_from="/settings/password",
    )
    assert ok.status_code == 302
    auth.post("/logout", token_from="/ideas")
    auth.login(org.handler.email, new)
    assert "Läsbart-efter-byte" in client.get(f"/cases/{filed.report.id}").text


def test_room_for_several_large_files_but_not_for_too_many(client, auth, org):
    big = b"Protokollsutdrag\n" * (9 * 1024 * 1024 // 17)  # 9 MB of text, twice: 18 MB
    two = file_with(client, auth, [(io.BytesIO(big), "a.txt"), (io.BytesIO(big), "b.txt")])
    assert two.status_code == 200 and CODE_RE.search(two.text)
    six = file_with(client, auth, [(io.BytesIO(b"kort text\n"), f"{n}.txt") for n in range(6)])
    assert six.status_code == 400 and "5" in six.text
    too_big = file_with(client, auth, [(io.BytesIO(b"x" * (10 * 1024 * 1024 + 1)), "c.txt")])
    assert too_big.status_code == 400 and "10 MB" in too_big.text
    assert db.session.scalar(select(func.count(Report.id))) == 1  # only the good one
