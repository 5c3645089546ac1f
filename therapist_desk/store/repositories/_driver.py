"""Hot-path statements run straight on the unit of work's driver connection.

SQLAlchemy's ``Connection.execute`` costs ~40-90 us per statement in Python (compiled-cache
lookup, execution context, result object, events) and ``Session.execute`` ~100-200 us; the
driver's own ``execute`` ~5 us. Saving a note is six statements, so this is ~0.5 ms of the
~2 ms save (benchmarks/README.md "save one note").

Nothing else changes: the statement runs on the same DBAPI connection, inside the transaction
the session has begun (BEGIN IMMEDIATE); values go through the columns' own bind processors, so
what is stored is byte-identical to the Core path (dates, times and datetimes exactly as
SQLAlchemy writes them); a driver error is raised as SQLAlchemy's ``DBAPIError`` subclass with
hidden parameters, as Core raises it, so ``Vault.unit_of_work`` translates it the same way;
the engine's ``before_cursor_execute``/``after_cursor_execute`` listeners see it as well (with no
execution context).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Connection, Table, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine


_Processors = tuple[tuple[int, Any], ...]


class DriverStatement:
    """One fixed SQL text with ``?`` placeholders and the SQL type of each placeholder."""

    def __init__(self, sql: str, types: Sequence[TypeEngine[Any] | None]) -> None:
        self.sql = sql
        self._types = tuple(types)
        self._processors: weakref.WeakKeyDictionary[Dialect, _Processors] = weakref.WeakKeyDictionary()

    @classmethod
    def insert(cls, table: Table, columns: Sequence[str]) -> DriverStatement:
        cols: list[Column[Any]] = [table.c[name] for name in columns]
        sql = (f"INSERT INTO {table.name} ({', '.join(c.name for c in cols)})"
               f" VALUES ({', '.join('?' for _ in cols)})")
        return cls(sql, [c.type for c in cols])

    def execute(self, conn: Connection, params: Sequence[Any]) -> Any:
        """Run once with positional ``params``; the driver's cursor (lastrowid, rowcount)."""
        return self._run(conn, self._values(conn.dialect, params), many=False)

    def execute_many(self, conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
        """Run for each of ``rows`` (nothing when there are none), as Core's executemany does."""
        if len(rows) == 1:
            self.execute(conn, rows[0])
        elif rows:
            self._run(conn, [self._values(conn.dialect, row) for row in rows], many=True)

    def _values(self, dialect: Dialect, params: Sequence[Any]) -> Sequence[Any]:
        procs = self._processors.get(dialect)
        if procs is None:
            procs = self._processors[dialect] = self._bind_processors(dialect)
        if len(params) != len(self._types):
            raise ValueError(f"{len(self._types)} parameters expected, {len(params)} given")
        if not procs:
            return params
        values = list(params)
        for i, process in procs:
            if values[i] is not None:
                values[i] = process(values[i])
        return values

    def _run(self, conn: Connection, values: Any, *, many: bool) -> Any:
        dialect = conn.dialect
        dbapi_connection = conn.connection.dbapi_connection
        assert dbapi_connection is not None
        cursor = dbapi_connection.cursor()
        sql: str = self.sql
        # The engine's cursor events still see the statement (no execution context: None).
        for listener in conn.dispatch.before_cursor_execute:
            sql, values = listener(conn, cursor, sql, values, None, many)
        try:
            if many:
                cursor.executemany(sql, values)
            else:
                cursor.execute(sql, values)
        except dialect.loaded_dbapi.Error as error:
            raise exc.DBAPIError.instance(
                sql, values, error, dialect.loaded_dbapi.Error,
                hide_parameters=conn.engine.hide_parameters, dialect=dialect, ismulti=many,
            ) from error
        after = conn.dispatch.after_cursor_execute
        if after:
            after(conn, cursor, sql, values, None, many)
        return cursor

    def _bind_processors(self, dialect: Dialect) -> _Processors:
        """(position, processor) of the placeholders whose type converts values (dates, times).

        dialect_impl: the dialect's own type (SQLite's DATETIME storage format, for one).
        """
        found = ((i, t.dialect_impl(dialect).bind_processor(dialect) if t is not None else None)
                 for i, t in enumerate(self._types))
        return tuple((i, process) for i, process in found if process is not None)


def transaction_connection(session: Session) -> Connection:
    """The session's connection, its transaction begun and pending ORM rows flushed first."""
    session.flush()
    return session.connection()
