"""Pages of a list without counting all of it.

A list of 85,000 ideas, or a search with 25,000 hits, is never counted whole: nobody
reads past the first pages, and an exact ``COUNT(*)`` of every match costs more than
the page itself. A page knows its rows, whether there is a next page (one row more
is asked for), and the total only when it is at most ``COUNT_LIMIT``, counted with
``LIMIT COUNT_LIMIT + 1``; beyond that it says "more than 1,000". Deep pages still
work (``page=2000``): their ids come from an index, the rows of the page alone are
loaded by id.

Two ways to a page: by number (``page_of``: an offset, for the web's pager and the
API's ``page``) and after a row (``page_after``: keyset paging on the list's sort key,
for the API's ``cursor``; as fast on the thousandth page as on the first).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import ceil

from sqlalchemy import Select, func, select

from ideas.extensions import db

COUNT_LIMIT = 1000


class Uncounted:
    """Not counted yet (``page_of``'s ``total`` when nobody has counted)."""


UNCOUNTED = Uncounted()


@dataclass
class Page:
    items: list
    page: int | None  # None: a page reached by a cursor, whose number is not known
    per_page: int
    total: int | None  # exact, when at most ``limit``; None when more
    has_next: bool
    limit: int = COUNT_LIMIT
    # The sort key of the page's last row and its id, when there is a next page and
    # the select gave the key (``(id, *key)`` rows); and the name of the order it is in.
    next_key: tuple | None = None
    order: str = ""

    @property
    def more(self) -> bool:
        """More than ``limit`` in all (counting stopped there)."""
        return self.total is None

    @property
    def pages(self) -> int | None:
        if self.total is None:
            return None
        return ceil(self.total / self.per_page)  # none at all: 0 pages

    @property
    def has_prev(self) -> bool:
        return self.page is not None and self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next and self.page is not None else None


def _bounded_count_of(stmt: Select, limit: int):
    inner = stmt.order_by(None).limit(limit + 1).subquery()
    return select(func.count()).select_from(inner).correlate(None).scalar_subquery()


def bounded_count(stmt: Select, limit: int | None = None) -> int:
    """How many rows ``stmt`` has, counted up to ``limit + 1`` at most (``COUNT_LIMIT``
    unless given)."""
    limit = COUNT_LIMIT if limit is None else limit
    return db.session.scalar(select(_bounded_count_of(stmt, limit))) or 0


def bounded_total(stmt: Select, limit: int | None = None) -> int | None:
    """The number of rows of ``stmt`` when at most ``limit``; None when more."""
    limit = COUNT_LIMIT if limit is None else limit
    counted = bounded_count(stmt, limit)
    return counted if counted <= limit else None


def _split(rows: list) -> tuple[list, tuple | None]:
    """The first column of each row, and the last row's ``(*rest, first)``."""
    if not rows:
        return [], None
    return [row[0] for row in rows], (*rows[-1][1:], rows[-1][0])


def page_of(
    ids: Select,
    rows: Callable[[list], Sequence] | None = None,
    *,
    page: int,
    per_page: int,
    limit: int | None = None,
    total: int | None | Uncounted = UNCOUNTED,
) -> Page:
    """Page number ``page`` of a select of ids (``rows`` then loads the rows of the
    page by id, in their order), or of ``(id, *sort key)``, whose last row's key the
    page keeps as ``next_key`` for keyset paging on.

    One query, however long the list and deep the page: the page (its rows and one
    more, for "next") with the count beside it, bounded to ``limit + 1`` rows (unless
    ``total`` is given: counted already, by ``bounded_total``). The count is made even
    when the page could tell it (the last page), so that a page costs the same queries
    whatever the data; a page beyond the end, which has no row to carry it, counts
    apart."""
    limit = COUNT_LIMIT if limit is None else limit
    offset = (page - 1) * per_page
    counting = isinstance(total, Uncounted)
    stmt = ids.limit(per_page + 1).offset(offset)
    if counting:
        stmt = stmt.add_columns(_bounded_count_of(ids, limit).label("bounded_count"))
    found = db.session.execute(stmt).all()
    if counting:
        counted = found[0][-1] if found else bounded_count(ids, limit)
        total = counted if counted <= limit else None
        found = [row[:-1] for row in found]
    has_next = len(found) > per_page
    found, last_key = _split(found[:per_page])
    items = list(rows(found)) if rows is not None and found else found
    return Page(items, page, per_page, total, has_next, limit, last_key if has_next else None)


def page_after(
    keyed: Select,
    whole: Select,
    rows: Callable[[list], Sequence] | None = None,
    *,
    per_page: int,
    limit: int | None = None,
) -> Page:
    """The page of ``keyed`` (a select of ``(id, *sort key)``, in its order, already
    restricted to the rows after the cursor) and the bounded total of ``whole`` (the
    list from its start). ``next_key`` is the last row's sort key, ``(*key, id)``, when
    a next page exists."""
    limit = COUNT_LIMIT if limit is None else limit
    found = db.session.execute(keyed.limit(per_page + 1)).all()
    has_next = len(found) > per_page
    ids, last_key = _split(found[:per_page])
    next_key = last_key if has_next else None
    items = list(rows(ids)) if rows is not None and ids else ids
    total = bounded_total(whole, limit)
    return Page(items, None, per_page, total, has_next, limit, next_key)
