"""Attachments in the whistleblowing channel: what a reporter sends must not name them.

The fixtures are real files carrying what real files carry (a phone photo's camera,
serial number and position; a PDF's author and scripts), each with a marker that must
not survive cleaning.
"""

import io
import os
import stat

import pytest
from flask_babel import force_locale
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Text
from pypdf.generic import DictionaryObject, NameObject, StreamObject, TextStringObject

from ideas import attachments, crypto
from ideas.attachments import AttachmentError

RED, BLUE = (255, 0, 0), (0, 0, 255)


# This module needs neither the database nor an app: it replaces the suite's autouse
# fixtures (tests/conftest.py) that would build them. Lazy strings render without an app,
# in English, the language of their message ids.
@pytest.fixture(autouse=True)
def _isolated():
    yield


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    return None


GPS_IFD, EXIF_IFD = 0x8825, 0x8769


def _two_colour_picture(mode: str = "RGB") -> Image.Image:
    """40 wide, 20 high: red on the left, blue on the right."""
    image = Image.new(mode, (40, 20), RED)
    image.paste(BLUE, (20, 0, 40, 20))
    return image


def _phone_photo(*, orientation: int = 6, icc: bytes | None = None) -> bytes:
    """A JPEG as a phone writes it: camera, serial number, position, orientation."""
    exif = Image.Exif()
    exif[0x010F] = "MarkerMake"
    exif[0x0110] = "MarkerModel X100"
    exif[0x0112] = orientation
    exif[EXIF_IFD] = {0xA431: "SERIAL123456"}  # BodySerialNumber
    exif[GPS_IFD] = {1: "N", 2: (59.0, 19.0, 48.0), 3: "E", 4: (18.0, 4.0, 6.0)}
    out = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    _two_colour_picture().save(
        out, "JPEG", exif=exif, comment=b"MarkerComment", quality=95, **extra
    )
    return out.getvalue()


def _pdf(build) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _telling_pdf(writer: PdfWriter) -> None:
    """Everything a PDF can tell besides its pages, each with a marker."""
    writer.add_metadata({"/Author": "Marker Person", "/Creator": "MarkerWriter 3.1"})
    xmp = StreamObject()
    xmp.set_data(b'<x:xmpmeta xmlns:x="adobe:ns:meta/">MarkerXmp</x:xmpmeta>')
    xmp.update({NameObject("/Type"): NameObject("/Metadata")})
    # No public way to add a stream object in every pypdf version this project admits.
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('MarkerScript')"),
        }
    )
    writer.add_attachment("notes.txt", b"MarkerAttachment")
    note = Text(rect=(10, 10, 30, 30), text="The visible comment")
    note[NameObject("/T")] = TextStringObject("Marker Commenter")
    writer.add_annotation(0, note)


def _error(data: bytes, filename: str = "holiday.jpg") -> AttachmentError:
    with pytest.raises(AttachmentError) as caught:
        attachments.clean(data, filename)
    return caught.value


# -- Pictures -----------------------------------------------------------------------


def test_a_phone_photo_loses_camera_serial_and_position():
    photo = _phone_photo()
    assert b"MarkerModel" in photo and b"SERIAL123456" in photo  # the fixture tells

    cleaned = attachments.clean(photo, "IMG_2041.jpg")

    assert (cleaned.content_type, cleaned.extension) == ("image/jpeg", ".jpg")
    assert cleaned.removed == ["exif", "gps", "comment"]
    for marker in (b"MarkerMake", b"MarkerModel", b"SERIAL123456", b"MarkerComment"):
        assert marker not in cleaned.data
    with Image.open(io.BytesIO(cleaned.data)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert not image.getexif().get_ifd(GPS_IFD)
        assert "comment" not in image.info


def test_a_photo_still_looks_right_after_its_orientation_is_dropped():
    """Orientation 6: shown turned a quarter clockwise, the red left half on top."""
    cleaned = attachments.clean(_phone_photo(orientation=6), "IMG_2041.jpg")
    with Image.open(io.BytesIO(cleaned.data)) as image:
        assert image.size == (20, 40)
        top, bottom = image.getpixel((10, 5)), image.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60  # red
    assert bottom[2] > 200 and bottom[0] < 60  # blue


def test_a_colour_profile_is_dropped_and_the_colours_kept():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    cleaned = attachments.clean(_phone_photo(orientation=1, icc=srgb), "a.jpg")
    assert "icc" in cleaned.removed
    with Image.open(io.BytesIO(cleaned.data)) as image:
        assert "icc_profile" not in image.info
        assert image.size == (40, 20)
        red = image.getpixel((5, 10))
    assert red[0] > 200 and red[1] < 60 and red[2] < 60


def test_a_png_loses_its_text_chunks_and_keeps_its_transparency():
    picture = _two_colour_picture("RGBA")
    picture.putpixel((0, 0), (0, 0, 0, 0))
    info = PngInfo()
    info.add_text("Author", "Marker Person")
    info.add_itxt("Comment", "MarkerItxt", zip=False)
    out = io.BytesIO()
    picture.save(out, "PNG", pnginfo=info)

    cleaned = attachments.clean(out.getvalue(), "screenshot.png")

    assert (cleaned.content_type, cleaned.extension) == ("image/png", ".png")
    assert cleaned.removed == ["png_text"]
    assert b"Marker" not in cleaned.data
    with Image.open(io.BytesIO(cleaned.data)) as image:
        assert image.text == {}
        assert image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] == 0
        assert image.getpixel((30, 10)) == (*BLUE, 255)


def test_a_palette_png_with_a_transparent_colour_stays_transparent():
    picture = _two_colour_picture().quantize(2)
    out = io.BytesIO()
    picture.save(out, "PNG", transparency=0)
    cleaned = attachments.clean(out.getvalue(), "icon.png")
    assert cleaned.removed == []
    with Image.open(io.BytesIO(cleaned.data)) as image:
        alphas = {image.convert("RGBA").getpixel((x, 10))[3] for x in (5, 35)}
    assert alphas == {0, 255}


def test_a_clean_picture_reports_nothing_removed():
    out = io.BytesIO()
    _two_colour_picture().save(out, "PNG")
    assert attachments.clean(out.getvalue(), "plain.png").removed == []


def test_the_type_comes_from_the_content_not_the_name():
    out = io.BytesIO()
    _two_colour_picture().save(out, "PNG")
    cleaned = attachments.clean(out.getvalue(), "notes.txt")
    assert (cleaned.content_type, cleaned.extension) == ("image/png", ".png")


def test_a_picture_that_still_tells_after_cleaning_is_refused(monkeypatch):
    """The safety net: should re-encoding ever let metadata through, the re-check
    refuses the file rather than pass it on."""
    monkeypatch.setattr(attachments, "_pixels_only", lambda image: image)  # a bug
    assert _error(_phone_photo()).code == "unreadable"


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe0" + b"garbage that is not a picture " * 40,
        _phone_photo(orientation=1)[:300],  # cut off in the middle
    ],
    ids=["garbage", "truncated"],
)
def test_a_broken_jpeg_is_refused(data):
    assert _error(data).code == "unreadable"


@pytest.mark.parametrize("side", [8_000, 14_000], ids=["over-our-limit", "pillow-bomb"])
def test_a_decompression_bomb_is_refused(side):
    """A tiny file that would decode to hundreds of megabytes of pixels."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")
    assert len(out.getvalue()) < attachments.MAX_BYTES
    assert _error(out.getvalue(), "bomb.png").code == "too_many_pixels"


# -- PDF ----------------------------------------------------------------------------


def test_a_pdf_keeps_its_pages_and_nothing_that_names_the_author():
    source = _pdf(_telling_pdf)
    assert source.count(b"Marker") >= 5  # the fixture tells

    cleaned = attachments.clean(source, "Q3 report (Anna).pdf")

    assert (cleaned.content_type, cleaned.extension) == ("application/pdf", ".pdf")
    assert cleaned.removed == [
        "pdf_info",
        "pdf_xmp",
        "pdf_javascript",
        "pdf_embedded_files",
        "pdf_annotation_authors",
    ]
    assert b"Marker" not in cleaned.data
    reader = PdfReader(io.BytesIO(cleaned.data))
    assert not reader.metadata  # no author, creator, producer or dates
    assert reader.xmp_metadata is None
    root = reader.trailer["/Root"].get_object()
    assert not {"/Metadata", "/OpenAction", "/Names", "/AA"} & set(root)
    assert "/ID" not in reader.trailer  # the original's fingerprint does not follow
    assert len(reader.pages) == 1
    (note,) = [ref.get_object() for ref in reader.pages[0]["/Annots"]]
    assert note["/Contents"] == "The visible comment"  # what the page shows stays


def test_pdf_pages_survive_in_number_and_size():
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(300, 400)
    out = io.BytesIO()
    writer.write(out)
    cleaned = attachments.clean(out.getvalue(), "three.pdf")
    reader = PdfReader(io.BytesIO(cleaned.data))
    assert [page.mediabox.height for page in reader.pages] == [400, 400, 400]
    assert cleaned.removed == ["pdf_info"]  # pypdf's own "Producer"


def test_a_photo_inside_a_pdf_loses_its_camera_data():
    photo = _phone_photo(orientation=1)
    page = io.BytesIO()
    _two_colour_picture().save(page, "PDF")  # the picture as a DCT (JPEG) stream
    writer = PdfWriter()
    writer.add_page(PdfReader(page).pages[0])
    (image,) = [ref.get_object() for ref in writer.pages[0]["/Resources"]["/XObject"].values()]
    StreamObject.set_data(image, photo)  # the phone's file, as some programs embed it
    out = io.BytesIO()
    writer.write(out)
    assert b"SERIAL123456" in out.getvalue()

    cleaned = attachments.clean(out.getvalue(), "scan.pdf")

    assert "pdf_image_metadata" in cleaned.removed
    for marker in (b"MarkerModel", b"SERIAL123456", b"MarkerComment"):
        assert marker not in cleaned.data
    reader = PdfReader(io.BytesIO(cleaned.data))
    (embedded,) = [ref.get_object() for ref in reader.pages[0]["/Resources"]["/XObject"].values()]
    with Image.open(io.BytesIO(embedded.get_data())) as picture:
        assert picture.size == (40, 20)
        assert not picture.getexif()


def test_stripping_jpeg_segments_keeps_the_pixels_exactly():
    photo = _phone_photo(orientation=1)
    stripped, had_metadata = attachments.strip_jpeg_segments(photo)
    assert had_metadata
    assert b"SERIAL123456" not in stripped
    with Image.open(io.BytesIO(photo)) as before, Image.open(io.BytesIO(stripped)) as after:
        assert before.tobytes() == after.tobytes()


def test_a_broken_pdf_is_refused():
    assert _error(b"%PDF-1.7\n" + b"not really a pdf " * 50, "x.pdf").code == "unreadable"


def test_a_pdf_locked_with_a_password_is_refused():
    def lock(writer):
        writer.encrypt("secret-password")

    assert _error(_pdf(lock), "locked.pdf").code == "unreadable"


# -- Text and refusals --------------------------------------------------------------


def test_plain_text_is_kept_as_it_is():
    text = "Chefen tar betalt för intyg.\r\nSe bilaga.\n".encode()
    cleaned = attachments.clean(text, "anteckningar.txt")
    assert cleaned.data == text
    assert (cleaned.content_type, cleaned.extension, cleaned.removed) == (
        "text/plain",
        ".txt",
        [],
    )
    assert cleaned.size == len(text)


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(100),  # a ZIP (or .docx)
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(100),  # a Windows program
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00",
        "Hej".encode("utf-16"),  # text, but not UTF-8
        b"ok so far\x00 then a NUL",
    ],
    ids=["zip", "exe", "gif", "utf-16", "nul"],
)
def test_other_types_are_refused_whatever_they_are_called(data):
    error = _error(data, "photo.jpg")
    assert error.code == "type"
    assert error.field == "attachments"


def test_a_file_over_the_limit_is_refused_before_anything_else():
    error = _error(b"a" * (attachments.MAX_BYTES + 1), "big.txt")
    assert error.code == "too_large"
    attachments.clean(b"a" * attachments.MAX_BYTES, "just-fits.txt")  # the limit itself


def test_an_empty_file_is_refused():
    assert _error(b"", "empty.txt").code == "empty"


def test_at_most_five_files_at_a_time():
    files = [(b"note %d" % i, f"{i}.txt") for i in range(attachments.MAX_FILES)]
    assert len(attachments.clean_all(files)) == 5
    with pytest.raises(AttachmentError) as caught:
        attachments.clean_all([*files, (b"one too many", "6.txt")])
    assert caught.value.code == "too_many"


def test_messages_name_the_file_for_the_reporter_but_logs_do_not():
    error = _error(b"a" * (attachments.MAX_BYTES + 1), "C:\\Users\\anna.svensson\\big.txt")
    with force_locale("en"):
        assert str(error.message) == "big.txt is larger than 10 MB."
        assert str(_error(b"MZ\x00", "x.jpg").message) == (
            "x.jpg is not a type we accept: JPEG, PNG, PDF or plain text."
        )
        assert str(_error(b"%PDF-junk", "r.pdf").message) == (
            "r.pdf could not be read as a PDF file."
        )
    assert "anna" not in str(error) and "big.txt" not in str(error)


def test_the_stored_name_never_is_the_sent_one():
    cleaned = attachments.clean(_pdf(lambda writer: None), "Anna Svensson - complaint.pdf")
    assert attachments.safe_name(2, cleaned) == "attachment-2.pdf"


def test_describe_removed_in_words_for_the_reporter():
    with force_locale("en"):
        sentences = [str(s) for s in attachments.describe_removed(["gps", "exif", "unknown"])]
    assert sentences == [
        "camera data such as the date, the camera and its settings (EXIF)",
        "the place where the picture was taken (GPS)",
    ]
    every = attachments.describe_removed(
        ["exif", "gps", "xmp", "icc", "iptc", "comment", "png_text"]
        + ["pdf_info", "pdf_xmp", "pdf_javascript", "pdf_embedded_files"]
        + ["pdf_annotation_authors", "pdf_private_data", "pdf_image_metadata"]
    )
    assert len(every) == 14


# -- Encrypted storage --------------------------------------------------------------

CONTEXT = "report:7:attachment:1"


def test_store_and_load_round_trip(tmp_path):
    key = crypto.new_key()
    folder = tmp_path / "new" / "attachments"

    name = attachments.store(folder, key, CONTEXT, b"Kvitto nr 4711 fr\xc3\xa5n chefen")

    assert len(name) == 32 and int(name, 16) >= 0
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    path = folder / name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"Kvitto" not in path.read_bytes()
    assert os.listdir(folder) == [name]  # no temporary file left behind
    assert attachments.load(folder, name, key, CONTEXT) == b"Kvitto nr 4711 fr\xc3\xa5n chefen"


def test_each_stored_file_has_a_new_random_name(tmp_path):
    key = crypto.new_key()
    names = {attachments.store(tmp_path, key, CONTEXT, b"same") for _ in range(3)}
    assert len(names) == 3


@pytest.mark.parametrize("wrong", ["context", "key"])
def test_a_stored_file_opens_only_with_its_key_and_context(tmp_path, wrong):
    key = crypto.new_key()
    name = attachments.store(tmp_path, key, CONTEXT, b"hemligt")
    with pytest.raises(crypto.DecryptionError):
        if wrong == "context":  # moved to another case or attachment
            attachments.load(tmp_path, name, key, "report:8:attachment:1")
        else:
            attachments.load(tmp_path, name, crypto.new_key(), CONTEXT)


def test_remove_overwrites_then_deletes(tmp_path):
    key = crypto.new_key()
    name = attachments.store(tmp_path, key, CONTEXT, b"hemligt" * 1000)
    size = (tmp_path / name).stat().st_size
    peek = tmp_path / "peek"
    os.link(tmp_path / name, peek)  # a second name for the same blocks

    attachments.remove(tmp_path, name)

    assert not (tmp_path / name).exists()
    assert peek.read_bytes() == bytes(size)
    attachments.remove(tmp_path, name)  # already gone: no error


@pytest.mark.parametrize(
    "name",
    ["../x", "", "0" * 31, "0" * 33, "0" * 32 + "\n", "../" + "0" * 29, "/etc/passwd", "A" * 32],
)
def test_names_other_than_ours_are_refused(tmp_path, name):
    with pytest.raises(ValueError):
        attachments.load(tmp_path, name, crypto.new_key(), CONTEXT)
    with pytest.raises(ValueError):
        attachments.remove(tmp_path, name)


# -- shared with the files of ideas, concerns and comments ------------------------------


@pytest.mark.parametrize("brand", [b"heic", b"heix", b"mif1", b"hevc"])
def test_heic_is_recognised_by_its_content_and_refused_with_how_to_fix_it(brand):
    box = b"ftyp" + brand + bytes(4) + b"mif1" + brand
    data = (len(box) + 4).to_bytes(4, "big") + box + bytes(100)
    assert attachments.detect(data) == "heic"
    with pytest.raises(attachments.AttachmentError) as refused:
        attachments.clean(data, "IMG_0001.HEIC")
    assert refused.value.code == "heic"
    assert "Most Compatible" in str(refused.value.message)


def test_an_mp4_is_not_taken_for_heic():
    box = b"ftypisom" + bytes(4) + b"isomiso2mp41"
    assert attachments.detect((len(box) + 4).to_bytes(4, "big") + box + bytes(100)) is None


def test_plain_storage_shares_the_random_names_and_removal(tmp_path):
    name = attachments.store_plain(tmp_path, b"hej\n")
    assert attachments.is_stored_name(name)
    assert attachments.stored_path(tmp_path, name).read_bytes() == b"hej\n"
    attachments.remove(tmp_path, name)
    assert not (tmp_path / name).exists()
    with pytest.raises(ValueError):
        attachments.stored_path(tmp_path, "../etc/passwd")


def test_a_picture_gets_a_thumbnail_of_its_cleaned_pixels():
    from tests import factories

    cleaned = attachments.clean(factories.jpeg_with_gps(1000, 500, orientation=8), "a.jpg")
    shown = attachments.picture(cleaned)
    assert (shown.width, shown.height) == (500, 1000)
    assert (shown.thumbnail_width, shown.thumbnail_height) == (160, 320)
    assert attachments.picture(attachments.clean(b"text\n", "a.txt")) is None
