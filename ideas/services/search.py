"""Full-text search over items.

PostgreSQL: a stored, generated ``tsvector`` in Swedish (stemming, stop words), with a
GIN index, ranked by ``ts_rank_cd``. SQLite: an FTS5 index kept by triggers, matching
word prefixes (an honest stand-in for stemming), ranked by bm25.
"""

from __future__ import annotations

import re

from sqlalchemy import Select, column, func, literal_column, table

from ideas.extensions import db
from ideas.models import Item

_WORD = re.compile(r"\w+", re.UNICODE)
_fts = table("items_fts", column("rowid"), column("rank"))
MAX_QUERY = 200


def words(q: str) -> list[str]:
    return _WORD.findall(q or "")[:20]


def apply_search(stmt: Select, q: str, *, rank: bool = True) -> Select:
    """Restrict ``stmt`` (a select of Item) to items matching ``q``; order by relevance."""
    terms = words(q[:MAX_QUERY])
    if not terms:
        return stmt
    if db.engine.dialect.name == "postgresql":
        vector = literal_column("items.search_vector")
        query = func.websearch_to_tsquery("swedish", " ".join(terms))
        stmt = stmt.where(vector.op("@@")(query))
        if rank:
            stmt = stmt.order_by(None).order_by(
                func.ts_rank_cd(vector, query).desc(), Item.id.desc()
            )
        return stmt
    match = " ".join('"{}"*'.format(t.replace('"', "")) for t in terms)
    stmt = stmt.join(_fts, _fts.c.rowid == Item.id).where(
        literal_column("items_fts").op("MATCH")(match)
    )
    if rank:
        stmt = stmt.order_by(None).order_by(_fts.c.rank, Item.id.desc())
    return stmt
