"""Database set-up that depends on the engine: SQLite's pragmas and transactions;
and bulk inserts, with COPY on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from flask import Flask, has_request_context, request
from sqlalchemy import (
    ColumnElement,
    Integer,
    Table,
    all_,
    any_,
    bindparam,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError

from ideas.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_on_connect(dbapi_connection, connection_record):
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin: this
    # makes SAVEPOINT and transactional DDL work (SQLAlchemy's pysqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers and one writer work at once across processes (web, worker);
    # the busy timeout makes a second writer wait instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted content is overwritten, not left in free pages: redacted and expired
    # parts of a whistleblowing case must not be recoverable from the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def among(column, ids: Sequence[int]) -> ColumnElement[bool]:
    """``column IN ids`` for a list that may be long (the units of a förvaltning, 86 at
    100,000 items). On PostgreSQL the ids go as one array parameter (``= ANY(...)``):
    the statement's text is the same whatever their number, so SQLAlchemy renders one
    parameter instead of hundreds and psycopg keeps the parsed statement (it parses
    anew every statement over 4 KB or 50 parameters). Elsewhere, ``IN``."""
    if db.engine.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(ids)


def not_among(column, ids: Sequence[int]) -> ColumnElement[bool]:
    """``column NOT IN ids``, as ``among`` (NULL stays unknown in both forms)."""
    if db.engine.dialect.name == "postgresql":
        return column != all_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.not_in(ids)


_READING = frozenset({"GET", "HEAD", "OPTIONS"})
# GETs that write all the same: single sign-on's callback, where the provider sends the
# browser back and the person is found or made and signed in.
_WRITING_GETS = frozenset({"sso.callback"})


def _sqlite_begin(conn):
    # A request that may write (a form, an API call) takes the file's write lock when
    # its transaction begins (BEGIN IMMEDIATE), waiting its turn behind the worker's
    # writes for up to the busy timeout. Begun as a reader, it could not write once
    # the worker had committed after its first read: SQLite refuses to turn an old
    # snapshot into a write at once ("database is locked"), whatever the timeout.
    # Readers (pages) and the worker begin as readers and never wait for the lock.
    writing = has_request_context() and (
        request.method not in _READING or request.endpoint in _WRITING_GETS
    )
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def init_app(app: Flask) -> None:
    """Give the application's own engine (not every engine in the process) its set-up."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)


def insert_rows(table: Table, rows: list[dict], *, ids: bool = False) -> list[int]:
    """Insert ``rows`` in the session's transaction. Each row gives the same columns,
    every one without a server default: the model's Python defaults are not applied
    on PostgreSQL. With ``ids``, returns the new rows' ids, in the order of ``rows``.

    On PostgreSQL with COPY, the ids taken beforehand from the table's sequence in one
    query: a multi-row INSERT of a digest batch (500 rows of 13 columns) cost more to
    compile and parse, in SQLAlchemy, in the driver and in the server, than to write.
    A constraint that fails (or any error) raises SQLAlchemy's exception, as an INSERT
    would, and leaves the transaction to be rolled back."""
    if not rows:
        return []
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        if not ids:
            connection.execute(insert(table), rows)
            return []
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(connection.execute(statement, rows).scalars())
    new_ids: list[int] = []
    if ids:
        new_ids = list(
            connection.execute(
                select(func.nextval(func.pg_get_serial_sequence(table.name, "id"))).select_from(
                    func.generate_series(1, len(rows))
                )
            ).scalars()
        )
        rows = [{**row, "id": id_} for row, id_ in zip(rows, new_ids, strict=True)]
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    # The columns' own conversions (a UTC datetime, JSON), as an INSERT would apply.
    converted = [
        (n, c.type._cached_bind_processor(connection.dialect))
        for n, c in zip(names, columns, strict=True)
    ]
    statement = f"COPY {table.name} ({', '.join(c.name for c in columns)}) FROM STDIN"
    driver = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[n] if f is None else f(row[n]) for n, f in converted])
    except psycopg.Error as exc:
        if driver.closed:
            connection.invalidate(exc)
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from exc
    return new_ids
