"""Test data made through the services, so that it is what the product itself makes."""

from __future__ import annotations

from types import SimpleNamespace

from ideas.extensions import db
from ideas.services import accounts, items

PASSWORD = "correct horse battery"


def user(email: str, name: str | None = None, role: str = "employee", unit: str | None = None):
    return accounts.create_user(
        email=email,
        name=name or email.split("@")[0].title(),
        password=PASSWORD,
        role=role,
        unit_code=unit,
    )


def organisation() -> SimpleNamespace:
    """förvaltning SBF with units VOO and IT under it; a manager for each; employees."""
    director = user("direktor@example.se", "Dora Direktör", "manager")
    boss = user("chef@example.se", "Carl Chef", "manager")
    it_boss = user("itchef@example.se", "Ida IT-chef", "manager")
    root = accounts.create_unit(
        code="SBF", name="Samhällsbyggnadsförvaltningen", manager_email=director.email
    )
    unit = accounts.create_unit(
        code="VOO", name="Vård och omsorg", parent_code="SBF", manager_email=boss.email
    )
    it = accounts.create_unit(
        code="IT", name="IT-enheten", parent_code="SBF", manager_email=it_boss.email
    )
    for u, code in ((director, "SBF"), (boss, "VOO"), (it_boss, "IT")):
        u.unit = {"SBF": root, "VOO": unit, "IT": it}[code]
    anna = user("anna@example.se", "Anna Andersson", unit="VOO")
    bo = user("bo@example.se", "Bo Berg", unit="VOO")
    admin = user("admin@example.se", "Ada Admin", "admin", unit="SBF")
    handler = user("handlaggare@example.se", "Hanna Handläggare", "case_handler", unit="SBF")
    db.session.flush()
    return SimpleNamespace(
        root=root,
        unit=unit,
        it=it,
        director=director,
        boss=boss,
        it_boss=it_boss,
        anna=anna,
        bo=bo,
        admin=admin,
        handler=handler,
    )


def idea(author, unit="VOO", title="Digitala nyckelskåp", values=("Vi är framåt",), **kw):
    kw.setdefault("description", "Nycklar till brukarnas hem hämtas i låsta skåp med kod.")
    kw.setdefault("benefit", "Mindre tid på att leta nycklar, mer tid hos brukarna.")
    return items.submit_idea(author, title=title, unit=unit, values=list(values), **kw)


def png(width: int = 8, height: int = 6, colour=(200, 40, 40)) -> bytes:
    """A small PNG picture, made here."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_gps(width: int = 640, height: int = 480, *, orientation: int | None = None) -> bytes:
    """A JPEG photo as a phone takes it: EXIF with the camera and the place (GPS), and
    an orientation if given."""
    import io

    from PIL import Image

    image = Image.new("RGB", (width, height), (30, 120, 200))
    for x in range(width // 2):  # a left half of another colour: orientation shows
        for y in range(0, height, 4):
            image.putpixel((x, y), (250, 200, 10))
    exif = Image.Exif()
    exif[0x010F] = "Telefonmakaren"  # Make
    exif[0x0110] = "Modell 12"  # Model
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (56.0, 50.0, 0.0)  # Ljungby
    gps[3], gps[4] = "E", (13.0, 56.0, 0.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=85)
    return out.getvalue()


def heic_header() -> bytes:
    """The start of a HEIC file as an iPhone writes it: an ``ftyp`` box of brand heic."""
    box = b"ftypheic" + bytes(4) + b"mif1heic"
    return (len(box) + 4).to_bytes(4, "big") + box + bytes(64)
