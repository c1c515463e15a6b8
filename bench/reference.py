"""A careful plain Flask page, for scale: what the stack itself reaches for a list page.

Issue 15 compares the application with "a careful plain Flask page (25 rows, ORM and
Jinja, indexed)". This is that page, on the bench's own database: Flask-SQLAlchemy
reads the newest 25 ideas by their primary key (an index), as ORM objects, and Jinja
renders them into a small layout with a loop. No login, session, CSRF, translations,
rate limits or page cache: nothing the application needs and a bare page does not.

Served by ``bench.serve`` with the same gunicorn command and worker count as the
application (``python -m bench.serve PORT WORKERS reference``); the bench reports its
throughput over the ceiling's (``bench.minimal``) beside the application's pages.
"""

from __future__ import annotations

import os
from datetime import datetime

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ideas.config import normalize_database_url

ROWS = 25

PAGE = """<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Idéer</title></head>
<body><main><h1>Idéer</h1>
<ul>
{% for idea in ideas %}
  <li><h2><a href="/ideas/{{ idea.id }}">{{ idea.title }}</a></h2>
    <p><span>{{ idea.status }}</span> <span>{{ idea.created_at.strftime("%Y-%m-%d") }}</span>
    <span>{{ idea.support_count }} stöd</span> <span>{{ idea.comment_count }} kommentarer</span></p>
  </li>
{% endfor %}
</ul></main></body></html>"""


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Idea(db.Model):
    """The columns of ``items`` the page shows (the table is the application's)."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str]
    title: Mapped[str]
    status: Mapped[str]
    created_at: Mapped[datetime]
    support_count: Mapped[int]
    comment_count: Mapped[int]


app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(os.environ["IDEAS_DATABASE_URL"])
app.jinja_loader = DictLoader({"ideas.html": PAGE})  # compiled once, as a file would be
db.init_app(app)


@app.get("/")
def ideas() -> str:
    rows = db.session.scalars(
        select(Idea).where(Idea.kind == "idea").order_by(Idea.id.desc()).limit(ROWS)
    ).all()
    return render_template("ideas.html", ideas=rows)
