"""Database set-up that depends on the engine: SQLite's pragmas and transactions."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event

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


def _sqlite_begin(conn):
    conn.exec_driver_sql("BEGIN")


def init_app(app: Flask) -> None:
    """Give the application's own engine (not every engine in the process) its set-up."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
