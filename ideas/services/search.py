"""Full-text search over items.

PostgreSQL: a stored, generated ``tsvector`` in Swedish (stemming, stop words), with a
GIN index, ranked by ``ts_rank_cd``. SQLite: an FTS5 index kept by triggers, matching
word prefixes (an honest stand-in for stemming), ranked by bm25.

Ranking a match needs its row: a word found in a quarter of all items means ranking
25,000 rows for every page. The lists rank a search only when it has few enough
matches to count (``items.RANKED_UP_TO``); a commoner word lists its matches newest
first, from the list's index (README, "Searching and counting").
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Select, column, func, literal_column, table

from ideas.extensions import db
from ideas.models import Item

_WORD = re.compile(r"\w+", re.UNICODE)
_fts = table("items_fts", column("rowid"), column("rank"))
MAX_QUERY = 200


def words(q: str) -> list[str]:
    return _WORD.findall(q or "")[:20]


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def _tsquery(terms: list[str]):
    return func.websearch_to_tsquery("swedish", " ".join(terms))


def matching(stmt: Select, q: str) -> Select:
    """Restrict ``stmt`` (a select from Item) to the items matching ``q``, unordered."""
    terms = words(q[:MAX_QUERY])
    if not terms:
        return stmt
    if _postgresql():
        return stmt.where(literal_column("items.search_vector").op("@@")(_tsquery(terms)))
    match = " ".join('"{}"*'.format(t.replace('"', "")) for t in terms)
    return stmt.join(_fts, _fts.c.rowid == Item.id).where(
        literal_column("items_fts").op("MATCH")(match)
    )


def relevance(q: str) -> ColumnElement | None:
    """How well an item matches ``q``, larger is better (a statement ``matching(q)``
    selects it); None when ``q`` has no words to search for."""
    terms = words(q[:MAX_QUERY])
    if not terms:
        return None
    if _postgresql():
        return func.ts_rank_cd(literal_column("items.search_vector"), _tsquery(terms))
    return -_fts.c.rank  # bm25: smaller is better


def apply_search(stmt: Select, q: str, *, rank: bool = True) -> Select:
    """Restrict ``stmt`` (a select of Item) to items matching ``q``; order by relevance."""
    stmt = matching(stmt, q)
    score = relevance(q)
    if rank and score is not None:
        stmt = stmt.order_by(None).order_by(score.desc(), Item.id.desc())
    return stmt
