"""Ideas that look like one being written: fewer duplicates to begin with.

Someone about to submit an idea sees the ideas with a similar title first, and can
support one of them instead. Only titles are compared: a list of ideas whose titles
look unrelated would not help anyone decide.

PostgreSQL: trigram similarity of the lowercased titles (pg_trgm, served by the
``ix_items_title_trgm`` GIN index; it forgives typos and odd word forms) together with
the stored Swedish ``search_vector`` (stemming: "hemtjänsten" finds "hemtjänst"),
narrowed to the title's words; ranked by the better of the two scores. SQLite: an
FTS5 prefix match on the title of any significant word, ranked by how many match.
"""

from __future__ import annotations

from sqlalchemy import Integer, Select, column, func, literal, literal_column, or_, select, table
from sqlalchemy.orm import joinedload, selectinload

from ideas.extensions import db
from ideas.models import Item, Kind, Status
from ideas.services.search import MAX_QUERY, words

MIN_LETTERS = 3  # fewer letters than this say nothing about what the idea is
MAX_WORDS = 10
DEFAULT_LIMIT = 5
_fts = table("items_fts", column("rowid"))


def significant_words(title: str) -> list[str]:
    """The title's words of at least three letters, lowercased, each once: short
    words ("i", "på", "en") would match nearly every idea."""
    found = (w.lower() for w in words(title[:MAX_QUERY]) if len(w) >= MIN_LETTERS)
    return list(dict.fromkeys(found))[:MAX_WORDS]


def similar_ideas(
    title: str, *, limit: int = DEFAULT_LIMIT, exclude_id: int | None = None
) -> list[Item]:
    """Up to ``limit`` ideas whose title resembles ``title``, most alike first.

    Concerns and reports are never suggested (they are not open to everyone), nor
    ideas already merged as duplicates (the original is the one to support). What a
    suggestion shows (unit, values, author, assignee, category) is loaded with it:
    a fixed number of queries whatever the limit.
    """
    text = " ".join((title or "")[:MAX_QUERY].split())
    terms = significant_words(text)
    if not terms or limit < 1:
        return []
    stmt = (
        select(Item)
        .where(Item.kind == Kind.IDEA.value, Item.status != Status.DUPLICATE.value)
        .options(
            joinedload(Item.unit),
            joinedload(Item.author),
            joinedload(Item.assignee),
            joinedload(Item.category),
            selectinload(Item.values),
        )
        .limit(limit)
    )
    if exclude_id is not None:
        stmt = stmt.where(Item.id != exclude_id)
    if db.engine.dialect.name == "postgresql":
        stmt = _postgres_match(stmt, text.lower(), terms)
    else:
        stmt = _sqlite_match(stmt, terms)
    return list(db.session.scalars(stmt).unique())


def _postgres_match(stmt: Select, text: str, terms: list[str]) -> Select:
    """Trigram-similar titles OR titles sharing a (stemmed) word.

    ``lower(title) % :text`` is what the trigram index answers (at pg_trgm's default
    threshold, 0.3); ``search_vector @@ query`` is what the text-search index answers,
    and ``ts_filter(..., '{a}')`` then keeps the matches in the title (weight A).
    Both arms are indexable, so PostgreSQL can combine the two indexes (BitmapOr)
    instead of reading every title.
    """
    lowered = func.lower(Item.title)
    vector = literal_column("items.search_vector")
    title_vector = func.ts_filter(vector, literal_column("'{a}'"))
    # websearch_to_tsquery never fails on odd input; "or" between words means any of them.
    query = func.websearch_to_tsquery("swedish", " or ".join(terms))
    score = func.greatest(func.similarity(lowered, text), func.ts_rank(title_vector, query))
    return stmt.where(
        or_(
            lowered.op("%")(text),
            vector.op("@@")(query) & title_vector.op("@@")(query),
        )
    ).order_by(score.desc(), Item.id.desc())


def _sqlite_match(stmt: Select, terms: list[str]) -> Select:
    """Titles with a word starting like any of ``terms``, those sharing most first.

    FTS5 has no stemming here: a prefix match is the honest stand-in (as in
    ``search.apply_search``). Each word is looked up once in the FTS index.
    """
    prefixes = ['title : "{}"*'.format(t.replace('"', "")) for t in terms]
    any_word = " OR ".join(f"({p})" for p in prefixes)
    matches = sum(
        (
            Item.id.in_(
                select(_fts.c.rowid).where(literal_column("items_fts").op("MATCH")(p))
            ).cast(Integer)
            for p in prefixes
        ),
        start=literal(0),
    )
    hits = select(_fts.c.rowid).where(literal_column("items_fts").op("MATCH")(any_word))
    return stmt.where(Item.id.in_(hits)).order_by(matches.desc(), Item.id.desc())
