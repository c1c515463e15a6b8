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
