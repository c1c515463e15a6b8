"""The organisation's values (värdegrund) and their behaviours."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideas.extensions import db


class Value(db.Model):
    __tablename__ = "values"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    behaviours: Mapped[list[Behaviour]] = relationship(
        back_populates="value", order_by="Behaviour.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Value {self.name}>"


class Behaviour(db.Model):
    __tablename__ = "behaviours"

    id: Mapped[int] = mapped_column(primary_key=True)
    value_id: Mapped[int] = mapped_column(ForeignKey("values.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())

    value: Mapped[Value] = relationship(back_populates="behaviours")


# The shipped default, spelled as in the organisation's own text (seed/).
DEFAULT_VALUES: list[tuple[str, list[str]]] = [
    (
        "Vi är öppna",
        [
            "ärliga",
            "håller vad vi lovar",
            "lyhörda",
            "visar varandra respekt",
            "löser det tillsammans",
        ],
    ),
    (
        "Vi är framåt",
        [
            "modiga",
            "kreativa",
            "agerar",
            "lär av erfarenheter och vår omvärld",
            "tänker långsiktigt",
        ],
    ),
    (
        "Vi vill",
        [
            "tar ansvar",
            "ser till helheten",
            "service i fokus",
            "utvecklar och tillvaratar kompetens",
            "krånglar inte till det",
        ],
    ),
]
