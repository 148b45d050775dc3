"""Compiled Core statements run straight on the DBAPI cursor: the change transactions'
one way in and out of the driver.

SQLAlchemy still defines every statement and every column type; what a change skips is
``Connection.execute``'s per-call machinery (cache key, parameter processing objects,
result set metadata, events), which costs several times what SQLite itself takes for a
one-row statement, and a batch row runs five of them.  ``benchmarks/prepared.py``
measures the two paths against each other.

What this relies on of SQLAlchemy, all public API: ``statement.compile(dialect=...)``
(its SQL string, its ``positiontup`` for positional paramstyles, its ``binds``), each
type's ``dialect_impl(dialect).bind_processor()``/``result_processor()``, the dialect's
``is_disconnect`` and :meth:`DBAPIError.instance`, the way SQLAlchemy itself wraps driver
errors.  So the engine's error translation and retries see exactly what they see for a
``Connection.execute``, and a lost connection is invalidated as SQLAlchemy would.
With ``--debug`` (SQL logged) statements go through ``exec_driver_sql`` instead, so
they are logged like every other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from operator import itemgetter
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Insert, Select, Update

from onenumber_cli.storage.engine import logging_sql

Statement = Select[*tuple[Any, ...]] | Update | Insert  # any SELECT
Values = dict[str, Any]


class Prepared:
    """One statement compiled for one dialect, with its types' bind and result
    processors looked up once."""

    def __init__(self, statement: Statement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.positional = compiled.positional
        # The placeholders the SQL holds (``binds`` may also name ones it does not, such
        # as a LIKE's escape), and the values the statement itself carries.
        self.names = list(compiled.positiontup or () if self.positional else compiled.params)
        self.fixed = {name: value for name, value in compiled.params.items()
                      if value is not None}
        self.binds: list[tuple[str, Callable[[Any], Any] | None]] = [
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in self.names]
        # The values in placeholder order in one call, then the few that need processing.
        self._pick: Callable[[Values], Sequence[Any]] = (
            itemgetter(*self.names) if len(self.names) > 1
            else (lambda values: [values[name] for name in self.names]))
        self._processed = [(index, processor) for index, (_, processor)
                           in enumerate(self.binds) if processor is not None]
        columns = getattr(statement, "selected_columns", ())
        self.results = [(index, processor) for index, column in enumerate(columns)
                        if (processor := column.type.dialect_impl(dialect)
                            .result_processor(dialect, None))]

    def parameters(self, values: Values) -> Any:
        """The driver's parameters: a tuple in placeholder order, or a dict by name."""
        if self.fixed:
            values = {**self.fixed, **values}
        processed = list(self._pick(values))
        for index, processor in self._processed:
            processed[index] = processor(processed[index])
        if self.positional:
            return tuple(processed)
        return dict(zip(self.names, processed, strict=True))

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        if not self.results:
            return tuple(raw)
        row = list(raw)
        for index, processor in self.results:
            row[index] = processor(row[index])
        return tuple(row)


# Compiled once per dialect (an engine's) and statement (module constants, kept forever).
_CACHE: WeakKeyDictionary[Dialect, dict[Statement, Prepared]] = WeakKeyDictionary()


class Runner:
    """Runs prepared statements on one connection (in a transaction its owner began)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self._prepared = _CACHE.setdefault(self.dialect, {})
        self._echo = logging_sql()

    def prepare(self, statement: Statement) -> Prepared:
        prepared = self._prepared.get(statement)
        if prepared is None:
            prepared = self._prepared[statement] = Prepared(statement, self.dialect)
        return prepared

    def select(self, statement: Statement, values: Values) -> list[tuple[Any, ...]]:
        """The rows of a SELECT, with the column types' result processing."""
        prepared = self.prepare(statement)
        return [prepared.row(raw) for raw in self._run(prepared, [values])]

    def execute(self, statement: Statement, values: list[Values]) -> None:
        """Execute once, or ``executemany`` for several sets of values."""
        self._run(self.prepare(statement), values)

    def stream(self, statement: Statement, chunk: int = 1000) -> Iterator[Sequence[Any]]:
        """The rows of a SELECT (its values in the statement) as the driver gives them,
        ``chunk`` at a time: on PostgreSQL a named, server-side cursor, so a result of
        millions of rows is never held in memory.  No result processing: the caller
        converts what needs it (an export of millions of rows, see ``search.rows``)."""
        prepared = Prepared(statement, self.dialect)  # built per call: not cached
        parameters = prepared.parameters({})
        if self._echo:  # through SQLAlchemy, which logs it
            result = self.connection.execution_options(yield_per=chunk).exec_driver_sql(
                prepared.sql, parameters)
            yield from result.partitions()
            return
        # PostgreSQL: a named, server-side cursor
        with self._cursor(prepared.sql, parameters,
                          name="onenumber_stream" if self.dialect.name == "postgresql" else None
                          ) as cursor:
            cursor.arraysize = chunk
            cursor.execute(prepared.sql, parameters)
            while fetched := cursor.fetchmany(chunk):
                yield fetched

    def _run(self, prepared: Prepared, values: list[Values]) -> list[Sequence[Any]]:
        parameters = [prepared.parameters(v) for v in values]
        if self._echo:  # through SQLAlchemy, which logs it
            result = self.connection.exec_driver_sql(
                prepared.sql, parameters if len(parameters) > 1 else parameters[0])
            return list(result.fetchall()) if result.returns_rows else []
        with self._cursor(prepared.sql, parameters) as cursor:
            if len(parameters) > 1:
                cursor.executemany(prepared.sql, parameters)
            else:
                cursor.execute(prepared.sql, parameters[0])
            return list(cursor.fetchall()) if cursor.description else []

    @contextmanager
    def _cursor(self, sql: str, parameters: Any, name: str | None = None) -> Iterator[Any]:
        """A DBAPI cursor of the connection (``name``: a server-side one), closed after;
        the driver's errors raised as SQLAlchemy's (:meth:`_driver_error`)."""
        dbapi = self.dialect.loaded_dbapi
        cursor = None
        try:
            driver = self.connection.connection
            cursor = driver.cursor() if name is None else driver.cursor(name=name)
            yield cursor
        except dbapi.Error as exc:
            raise self._driver_error(exc, sql, parameters, cursor) from exc
        finally:
            if cursor is not None:
                with suppress(dbapi.Error):  # a cursor of a lost connection
                    cursor.close()

    def _driver_error(self, exc: Any, sql: str, parameters: Any, cursor: Any) -> Exception:
        """The driver's error as SQLAlchemy's, as SQLAlchemy itself would raise it: when it
        means the connection is gone, the connection is invalidated (the next transaction
        gets a new one) and the error says so (``connection_invalidated``)."""
        connection = self.connection
        raw = None if connection.invalidated else connection.connection.dbapi_connection
        lost = connection.invalidated or self.dialect.is_disconnect(exc, raw, cursor)
        if lost and not connection.invalidated:
            connection.invalidate(exc)
        error: Exception = DBAPIError.instance(
            sql, parameters, exc, self.dialect.loaded_dbapi.Error,
            connection_invalidated=lost, dialect=self.dialect)
        return error
