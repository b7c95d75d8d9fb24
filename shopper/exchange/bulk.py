"""Bulk inserts that keep up with a 100,000-evaluation import.

SQLAlchemy's executemany prepares every parameter set in Python, which for four million
answer rows costs twice as long as SQLite's own insert. On SQLite the rows go to the driver
as tuples, converted by the columns' own bind processors (dates as SQLAlchemy stores them);
PostgreSQL gets the biggest tables through COPY, the rest through SQLAlchemy's batched
multi-row INSERT.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) into `table` in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        session.execute(table.insert(), rows)
        return
    names = list(rows[0])
    dialect = connection.dialect
    processors = [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
    columns = ", ".join(f'"{name}"' for name in names)
    marks = ", ".join("?" for _ in names)
    sql = f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})'
    if all(p is None for p in processors):
        params = [tuple(row[n] for n in names) for row in rows]
    else:
        pairs = list(zip(names, processors, strict=True))
        params = [
            tuple(row[n] if p is None or row[n] is None else p(row[n]) for n, p in pairs)
            for row in rows
        ]
    connection.exec_driver_sql(sql, params)


def insert_tuples(
    session: Session, table: Table, names: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert `rows` given as tuples in the order of `names`: for the biggest tables, whose
    columns need no conversion (text and numbers), so nothing is built twice on SQLite."""
    if not rows:
        return
    connection = session.connection()
    columns = ", ".join(f'"{name}"' for name in names)
    if connection.dialect.name == "postgresql":
        _copy(connection, f'COPY "{table.name}" ({columns}) FROM STDIN', rows)
        return
    if connection.dialect.name != "sqlite":
        session.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])
        return
    marks = ", ".join("?" for _ in names)
    connection.exec_driver_sql(f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})', rows)


def _copy(connection: Connection, statement: str, rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL's COPY, many times faster than INSERT for millions of rows; it runs in the
    transaction SQLAlchemy has open on the same connection."""
    from psycopg.copy import LibpqWriter

    class Writer(LibpqWriter):
        """Ends a failed copy quietly when the server is gone: there is nothing left to
        end, and psycopg would log a stray "error ignored terminating <psycopg.Copy>"
        line beside the error itself, which goes up and is reported once."""

        def finish(self, exc: BaseException | None = None) -> None:
            if exc is not None and self.connection.broken:
                return
            super().finish(exc)

    driver: Any = connection.connection.dbapi_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(statement, writer=Writer(cursor)) as copy:
        for row in rows:
            copy.write_row(row)
