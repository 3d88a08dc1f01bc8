"""What every repository shares: its connection, error translation and row mapping."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs
import psycopg
from sqlalchemy import Connection, Dialect, Executable, Insert, Select, Table, bindparam, tuple_
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, PendingRollbackError
from sqlalchemy.sql.elements import ColumnElement

from conezia.core.pagination import PageRequest

from ._errors import translate
from .tables import TIMESTAMPTZ, UUID_TYPE

__all__ = [
    "LazyTransaction",
    "Prepared",
    "Repository",
    "after_key",
    "attribute_names",
    "columns_for",
    "driver_error",
    "set_after",
    "owned_values",
    "page_statement",
]



class LazyTransaction:
    """A unit of work's connection and its database transaction, begun at the first write.

    The connection is in autocommit mode: statements before the first write
    run on their own, which at READ COMMITTED sees exactly what they would see
    inside the transaction, and saves a read-only unit of work the BEGIN and
    ROLLBACK round trips. Every write, and everything after it, runs in one
    transaction that only :meth:`end` finishes.

    Attributes:
        connection: The connection, checked out of the pool for the unit of work.
        begun: Whether BEGIN was sent and not yet ended.
        failed: Whether a statement failed since BEGIN, which aborts the transaction.
    """

    __slots__ = ("begun", "connection", "failed")

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.begun = False
        self.failed = False

    def begin(self) -> None:
        """Start the transaction."""
        # Pinned: reading outside the transaction is equivalent at this level only.
        self.connection.exec_driver_sql("BEGIN ISOLATION LEVEL READ COMMITTED")
        self.begun = True
        self.failed = False

    def end(self, *, commit: bool) -> None:
        """Commit or roll back the transaction, if one was begun.

        Raises:
            PendingRollbackError: On commit after a statement of the transaction
                failed; PostgreSQL has rolled it all back instead.
        """
        if not self.begun:
            return
        # A failed COMMIT or ROLLBACK ends the transaction all the same.
        self.begun = False
        if self.connection.invalidated:
            if commit:
                raise PendingRollbackError("the connection was lost; nothing was committed")
            return  # the transaction died with the server connection
        if commit and self.failed:
            self.connection.exec_driver_sql("ROLLBACK")
            raise PendingRollbackError("a statement of the transaction failed; nothing was committed")
        self.connection.exec_driver_sql("COMMIT" if commit else "ROLLBACK")


class Prepared:
    """A constant statement, compiled by SQLAlchemy once and then run on the psycopg cursor.

    SQLAlchemy's execution context (cache-key lookup, result metadata, row
    processing) cost about a fifth of a simple API request's CPU. For the
    statements every request runs, nothing of it is needed: psycopg returns
    UUIDs, timestamps and jsonb (decoded by msgspec, see ``_json.py``) as they
    are, takes dicts for jsonb parameters, and rows map positionally onto domain
    objects.

    Args:
        statement: a SELECT, INSERT or UPDATE whose parameters are all named; an
            INSERT without values is compiled for the parameter names it is first run with.
        locking: a ``SELECT ... FOR UPDATE`` (see :meth:`with_for_update`), which, like a
            write, opens the unit of work's transaction so that its row locks last until it ends.
    """

    __slots__ = ("_compiled", "opens_transaction", "returns_rows", "statement")

    def __init__(self, statement: Executable, *, locking: bool = False) -> None:
        self.statement = statement
        # writes, and locking reads whose row locks must last until the unit of work ends
        self.opens_transaction = bool(statement.is_dml) or locking
        # asking the cursor would build its column descriptions on every call
        self.returns_rows = bool(getattr(statement, "exported_columns", ()))  # SELECT or RETURNING
        self._compiled: dict[tuple[str, ...], tuple[str, dict[str, Any]]] = {}

    def compiled(self, dialect: Dialect, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """The SQL text and the literal values it binds, for these parameter names."""
        key = tuple(params) if isinstance(self.statement, Insert) else ()
        found = self._compiled.get(key)
        if found is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=list(key) or None)
            if "POSTCOMPILE" in compiled.string:
                raise ValueError("expanding parameters cannot be prepared; use the statement as it is")
            # literal values in the statement become parameters with their values filled in
            defaults = {k: v for k, v in compiled.params.items() if v is not None and k not in params}
            found = self._compiled[key] = (compiled.string, defaults)
        return found

    def with_for_update(self, **kwargs: Any) -> Prepared:
        assert isinstance(self.statement, Select)
        return Prepared(self.statement.with_for_update(**kwargs), locking=True)


_PAGE_STATEMENTS: dict[tuple[int, ...], Prepared] = {}


def page_statement(base: Select[Any], conditions: Sequence[ColumnElement[bool]]) -> Prepared:
    """``base`` narrowed by ``conditions`` and limited by the ``limit`` parameter, prepared once.

    The conditions are module-level constants, so each combination of them (a
    small, fixed set) compiles once; a list request then runs as a prepared
    statement with only its parameters changing.
    """
    # identities, not the clauses: SQL expressions overload ==, which dict keys need
    key = (id(base), *map(id, conditions))
    prepared = _PAGE_STATEMENTS.get(key)
    if prepared is None:
        prepared = _PAGE_STATEMENTS[key] = Prepared(base.where(*conditions).limit(bindparam("limit")))
    return prepared


class Rows:
    """The outcome of a prepared statement, with the few result methods the repositories use."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def first(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def all(self) -> list[tuple[Any, ...]]:
        return self._rows

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._rows)


class Repository:
    """Base of the repositories: they all run on the unit of work's one connection.

    Args:
        transaction: The unit of work's connection and transaction.
    """

    __slots__ = ("_transaction",)

    def __init__(self, transaction: LazyTransaction) -> None:
        self._transaction = transaction

    def _first(
        self, plain: Prepared, locking: Prepared, params: Mapping[str, Any], *, for_update: bool
    ) -> tuple[Any, ...] | None:
        """The first row of ``plain``, or of ``locking`` (its ``SELECT ... FOR UPDATE``)."""
        return self._execute(locking if for_update else plain, params).first()

    def _execute(
        self, statement: Executable | Prepared, params: Mapping[str, Any] | None = None, table: Table | None = None
    ) -> Any:
        """Run a statement on the unit of work's connection; a write first opens the transaction.

        Returns:
            A SQLAlchemy result, or :class:`Rows` for a :class:`Prepared` statement.
        """
        if isinstance(statement, Prepared):
            return self._run_prepared(statement, params or {}, table)
        transaction = self._transaction
        if statement.is_dml and not transaction.begun:
            transaction.begin()
        try:
            return transaction.connection.execute(statement, params)
        except DBAPIError as error:
            transaction.failed = transaction.begun
            if isinstance(error, (IntegrityError, DataError)):
                raise translate(error, table, params) from error
            raise


    def _run_prepared(self, prepared: Prepared, params: Mapping[str, Any], table: Table | None) -> Rows:
        transaction = self._transaction
        if prepared.opens_transaction and not transaction.begun:
            transaction.begin()
        connection = transaction.connection
        sql, defaults = prepared.compiled(connection.dialect, params)
        # the DBAPI connection SQLAlchemy holds for this unit of work: same session, same transaction
        driver = connection.connection.driver_connection
        assert driver is not None
        try:
            cursor = driver.execute(sql, {**defaults, **params} if defaults else params)
            rows = cursor.fetchall() if prepared.returns_rows else []
        except psycopg.Error as error:
            transaction.failed = transaction.begun
            lost = isinstance(error, psycopg.OperationalError) or driver.broken
            if lost:
                connection.invalidate(error)  # never hand a dead connection back to the pool
            raise driver_error(error, sql, params, table, lost=lost) from error
        return Rows(rows, cursor.rowcount)


def driver_error(
    error: psycopg.Error, sql: str, params: Mapping[str, Any], table: Table | None, *, lost: bool = False
) -> Exception:
    """What a failed psycopg statement raises: a core error for a broken rule, else SQLAlchemy's error.

    Statements run on the psycopg cursor raise the same exception types as
    SQLAlchemy's own execution path, so callers handle one set of errors.
    """
    wrapped = DBAPIError.instance(sql, params, error, psycopg.Error, connection_invalidated=lost)
    if isinstance(wrapped, (IntegrityError, DataError)):
        return translate(wrapped, table, params)
    return wrapped


def attribute_names(cls: type) -> tuple[str, ...]:
    """The attrs class's fields in declaration order, checked to be settable positionally."""
    fields = attrs.fields(cls)
    if any(not field.init or field.kw_only for field in fields):
        raise TypeError(f"{cls.__name__} cannot be built positionally from a row")
    return tuple(field.name for field in fields)


def columns_for(
    cls: type, table: Table, renamed: Mapping[str, str] | None = None
) -> tuple[ColumnElement[Any], ...]:
    """The columns to select so that ``cls(*row)`` rebuilds the object.

    Args:
        cls: An attrs class whose attribute names are the table's column names.
        table: The table it is stored in.
        renamed: Attribute name -> column name, where the two differ.
    """
    renamed = renamed or {}
    columns: list[ColumnElement[Any]] = []
    for name in attribute_names(cls):
        column = table.c[renamed.get(name, name)]
        columns.append(column if column.name == name else column.label(name))
    return tuple(columns)


def owned_values(names: Sequence[str], obj: object) -> dict[str, Any]:
    """``obj``'s attributes of these names, as statement parameters."""
    return {name: getattr(obj, name) for name in names}


def after_key(table: Table) -> ColumnElement[bool]:
    """Keyset condition: rows strictly after ``(:after_at, :after_id)`` in (inserted_at, id) order."""
    return tuple_(table.c.inserted_at, table.c.id) > tuple_(
        bindparam("after_at", type_=TIMESTAMPTZ), bindparam("after_id", type_=UUID_TYPE)
    )


def set_after(page: PageRequest, params: dict[str, Any]) -> bool:
    """Put ``page``'s keyset position into ``params``; whether there is one (then add :func:`after_key`)."""
    if page.after is None:
        return False
    params["after_at"], params["after_id"] = page.after
    return True
