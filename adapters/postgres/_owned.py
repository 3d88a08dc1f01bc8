"""The statements and methods every owner-scoped table shares, built from (class, table, owner column).

A row of another owner is absent: every read, write and delete of one row is
narrowed by ``id`` *and* the owner column, so a foreign id finds nothing.
Repositories declare their :class:`Owned` table and add only their own queries::

    _TAGS = Owned(Tag, tags, "user_id", resource="tag")

    class PostgresTagRepository(OwnedRepository[Tag]):
        owned = _TAGS
"""

from __future__ import annotations

import datetime as dt
import operator
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Final, Generic, Protocol, TypeVar

from sqlalchemy import Select, Table, Text, bindparam, cast, delete, insert, literal_column, select, tuple_, update
from sqlalchemy.sql.elements import ColumnElement

from conezia.core.pagination import Page, PageRequest, page_of

from ._base import Repository
from ._prepared import Prepared, attribute_names, columns_for
from ._recent import RowKey, own
from .tables import TIMESTAMPTZ, UUID_TYPE

__all__ = ["Owned", "OwnedRepository", "VersionedRows", "after_key", "keyset_page", "page_statement", "row_version"]



class _Row(Protocol):
    @property
    def id(self) -> uuid.UUID: ...


T = TypeVar("T", bound=_Row)

# names of the parameters that pick one row; prefixed, as SQLAlchemy keeps column names for SET values
_ID: Final = "b_id"
_OWNER: Final = "b_owner"
_VERSION: Final = "b_version"


def row_version(table: Table) -> ColumnElement[str]:
    """A row's version: its ``xmin``, the transaction that wrote it last, as text.

    Every UPDATE gives the row a new one (a row lock does not), so a write that
    finds the version it read knows that nobody changed the row since.
    """
    return cast(literal_column(f"{table.name}.xmin"), Text)


class Owned(Generic[T]):
    """One table of rows that are attrs objects of ``cls``, and the statements over them.

    Args:
        cls: The attrs class; its attribute names are the column names, bar ``renamed``.
        table: Where its rows are.
        owner: The column holding the owner's id, or None for rows picked by ``id`` alone.
        resource: The name a missing row is reported under (:class:`NotFoundError`).
        renamed: Attribute name -> column name, where the two differ.

    Attributes:
        columns: What to select for ``cls(*row)``.
        row_values: The tuple of an object's attributes in column order (``cls(*row_values(obj))`` is a copy).
        insert: INSERT of every attribute (parameters named like the attributes).
        get / get_for_update: SELECT of one row by ``b_id`` (and ``b_owner``), plain or ``FOR UPDATE``.
        get_versioned: :attr:`get`, with the row's version (:func:`row_version`) last.
        update: UPDATE of every attribute but the id and the owner, of one row.
        update_if_unchanged: :attr:`update`, of the row only at its version ``b_version``.
        delete: DELETE of one row.
        listing: SELECT of the owner's rows (``:owner``) in (inserted_at, id) order, for :meth:`page`.
        after: The keyset condition of a page after a cursor.
    """

    def __init__(
        self,
        cls: type[T],
        table: Table,
        owner: str | None,
        *,
        resource: str,
        renamed: Mapping[str, str] | None = None,
    ) -> None:
        self.cls = cls
        self.table = table
        self.resource = resource
        renamed = dict(renamed or {})
        self.fields = attribute_names(cls)
        self.mutable = tuple(name for name in self.fields if name not in ("id", owner))
        self.row_values = _tuple_getter(self.fields)
        self._mutable_values = _tuple_getter(self.mutable)
        self.columns = columns_for(cls, table, renamed)

        def column(name: str) -> str:
            return renamed.get(name, name)

        one: list[ColumnElement[bool]] = [table.c.id == bindparam(_ID)]
        if owner is not None:
            one.append(table.c[owner] == bindparam(_OWNER))
        self._owner = owner
        self.insert = Prepared(insert(table).values({column(name): bindparam(name) for name in self.fields}))
        self.get = Prepared(select(*self.columns).where(*one))
        self.get_for_update = self.get.with_for_update()
        self.get_versioned = Prepared(select(*self.columns, row_version(table)).where(*one))
        values: dict[str, Any] = {column(name): bindparam(name) for name in self.mutable}
        self.update = Prepared(update(table).where(*one).values(values))
        self.update_if_unchanged = Prepared(
            update(table).where(*one, row_version(table) == bindparam(_VERSION)).values(values)
        )
        self.delete = Prepared(delete(table).where(*one))
        self.listing: Select[Any] = select(*self.columns).order_by(table.c.inserted_at, table.c.id)
        if owner is not None:
            self.listing = self.listing.where(table.c[owner] == bindparam("owner"))
        self.after = after_key(table)

    def key(self, owner_id: uuid.UUID | None, row_id: uuid.UUID) -> dict[str, Any]:
        """The parameters that pick one row."""
        return {_ID: row_id} if self._owner is None else {_ID: row_id, _OWNER: owner_id}

    def recent_key(self, owner_id: uuid.UUID | None, row_id: uuid.UUID) -> RowKey:
        """Where the owner's row is remembered (:class:`~._recent.RecentRows`): its table, owner and id."""
        if self._owner is None or owner_id is None:
            raise TypeError(f"{self.table.name}: rows without an owner column are not remembered")
        return (self.table.name, owner_id, row_id)

    def recent_key_of(self, obj: T) -> RowKey:
        """:meth:`recent_key` of a row object."""
        return self.recent_key(getattr(obj, self._owner) if self._owner else None, obj.id)

    def values(self, obj: T) -> dict[str, Any]:
        """The parameters of :attr:`insert`."""
        return dict(zip(self.fields, self.row_values(obj), strict=True))

    def changes(self, obj: T) -> dict[str, Any]:
        """The parameters of :attr:`update`: the mutable attributes and the row's key."""
        params = dict(zip(self.mutable, self._mutable_values(obj), strict=True))
        params.update(self.key(getattr(obj, self._owner) if self._owner else None, obj.id))
        return params

    def page(
        self,
        owner_id: uuid.UUID,
        page: PageRequest,
        conditions: Sequence[ColumnElement[bool]] = (),
        params: Mapping[str, Any] | None = None,
    ) -> tuple[Prepared, dict[str, Any]]:
        """The prepared SELECT of one page of the owner's rows meeting ``conditions``, and its parameters."""
        return keyset_page(self.listing, self.after, page, conditions, {"owner": owner_id, **(params or {})})

    def page_of(self, rows: Sequence[Sequence[Any]], page: PageRequest) -> Page[T]:
        """The page, and its next cursor, from the rows of :meth:`page`."""
        return page_of([self.cls(*row) for row in rows], page.limit, _inserted_at_and_id)


def _tuple_getter(names: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    """What reads the attributes ``names`` of an object into a tuple, in one call."""
    if len(names) == 1:
        name = names[0]
        return lambda obj: (getattr(obj, name),)
    getter: Callable[[Any], tuple[Any, ...]] = operator.attrgetter(*names)
    return getter


def keyset_page(
    base: Select[Any],
    after: ColumnElement[bool],
    page: PageRequest,
    conditions: Sequence[ColumnElement[bool]],
    params: dict[str, Any],
) -> tuple[Prepared, dict[str, Any]]:
    """``base`` (ordered by (inserted_at, id)) narrowed to one page, and the parameters to run it with.

    It fetches one row more than the page holds, which tells whether a next page exists.

    Args:
        base: The SELECT, in the keyset order.
        after: Its keyset condition (:func:`after_key`), added for a page after a cursor.
        page: Which page.
        conditions: Further module-level conditions (each combination compiles once).
        params: The parameters of ``base`` and ``conditions``; the page's are added.
    """
    conditions = list(conditions)
    if page.after is not None:
        params["after_at"], params["after_id"] = page.after
        conditions.append(after)
    params["limit"] = page.limit + 1
    return page_statement(base, conditions), params


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


def after_key(table: Table) -> ColumnElement[bool]:
    """Keyset condition: rows strictly after ``(:after_at, :after_id)`` in (inserted_at, id) order."""
    return tuple_(table.c.inserted_at, table.c.id) > tuple_(
        bindparam("after_at", type_=TIMESTAMPTZ), bindparam("after_id", type_=UUID_TYPE)
    )


def _inserted_at_and_id(row: Any) -> tuple[dt.datetime, uuid.UUID]:
    return row.inserted_at, row.id


class VersionedRows(Repository):
    """A repository whose rows may be written back only as they were read (``update(row, if_unchanged=True)``)."""

    __slots__ = ()

    def _versioned(self, owned: Owned[T], found: Sequence[Any] | None, *, remember: bool = False) -> T | None:
        """The object of a row of :attr:`Owned.get_versioned` (or a SELECT ending like it), its version noted.

        The version is kept in the unit of work (``LazyTransaction.versions``) for :meth:`_defer_update`;
        with ``remember``, a row read outside a transaction is also remembered (:class:`~._recent.RecentRows`).
        """
        if found is None:
            return None
        values = found[:-1]
        row = owned.cls(*values)
        self._transaction.versions[(owned.table.name, row.id)] = found[-1]
        if remember and not self._transaction.begun:
            # read outside a transaction, it is committed; inside, it may be this one's own write
            self._transaction.recent.put(owned.recent_key_of(row), tuple(values), found[-1])
        return row

    def _recalled(self, owned: Owned[T], owner_id: uuid.UUID, row_id: uuid.UUID) -> T | None:
        """The remembered row, its version noted as if it had been read, or None if none is remembered."""
        found = self._transaction.recent.get(owned.recent_key(owner_id, row_id))
        if found is None:
            return None
        values, version = found
        self._transaction.versions[(owned.table.name, row_id)] = version
        return owned.cls(*values)

    def _defer_update(
        self, owned: Owned[T], row: T, params: dict[str, Any], *, if_unchanged: bool, remember: bool = False
    ) -> None:
        """Defer the UPDATE of ``row`` with ``params`` (see :meth:`Owned.changes`), only at the version read if ``if_unchanged``.

        With ``remember``, the row as written is remembered at its new version if the write is a
        statement of its own (``if_unchanged``; see ``LazyTransaction._note_versions``), or
        forgotten (a plain update, whose new version is not returned).

        Raises:
            RuntimeError: ``if_unchanged`` for a row this unit of work did not read with ``get``.
        """
        if not if_unchanged:
            if remember:
                self._transaction.recent.forget(owned.recent_key_of(row))
            self._defer(owned.update, params, missing=owned.resource)
            return
        version = self._transaction.versions.get((owned.table.name, row.id))
        if version is None:
            raise RuntimeError(f"read the {owned.resource} with get() in this unit of work before an update if_unchanged")
        params[_VERSION] = version
        # copied now: the row as written, whatever its holder changes in place before the commit
        written = (owned.recent_key_of(row), own(owned.row_values(row))) if remember else None
        self._defer(owned.update_if_unchanged, params, missing=owned.resource, if_unchanged=True, remember=written)


class OwnedRepository(VersionedRows, Generic[T]):
    """A repository of one :class:`Owned` table: add, get, update and delete, all within the owner's rows."""

    __slots__ = ()

    owned: ClassVar[Owned[Any]]
    #: Whether its rows are remembered for edits (see :class:`~._recent.RecentRows`): only where an
    #: UPDATE writes every column the row is read with, so that the row as written is the row as stored.
    remembers: ClassVar[bool] = False

    async def add(self, row: T) -> None:
        """Insert the row, with the next statement or the commit (which then report its broken rules)."""
        self._defer(self.owned.insert, self.owned.values(row))

    async def get(
        self, owner_id: uuid.UUID, row_id: uuid.UUID, *, for_update: bool = False, recent: bool = False
    ) -> T | None:
        owned = self.owned
        if for_update:
            found = await self._row(owned.get_for_update, owned.key(owner_id, row_id))
            return None if found is None else owned.cls(*found)
        if recent and self.remembers:
            recalled: T | None = self._recalled(owned, owner_id, row_id)
            if recalled is not None:
                return recalled
        found = await self._row(owned.get_versioned, owned.key(owner_id, row_id))
        return self._versioned(owned, found, remember=self.remembers)

    async def update(self, row: T, *, if_unchanged: bool = False) -> None:
        """Write every attribute back but the id and the owner, with the next statement or the commit.

        That statement raises NotFoundError if the owner has no such row, or, ``if_unchanged``,
        RowChangedError if the row is not as this unit of work read it.
        """
        self._defer_update(
            self.owned, row, self.owned.changes(row), if_unchanged=if_unchanged, remember=self.remembers
        )

    async def delete(self, owner_id: uuid.UUID, row_id: uuid.UUID) -> bool:
        if self.remembers:
            self._transaction.recent.forget(self.owned.recent_key(owner_id, row_id))
        return await self._count(self.owned.delete, self.owned.key(owner_id, row_id)) > 0

    async def _all(self, statement: Prepared, params: Mapping[str, Any]) -> list[T]:
        """The rows of a statement selecting :attr:`Owned.columns`, as objects."""
        return [self.owned.cls(*row) for row in await self._rows(statement, params)]

    async def _page(self, statement: Prepared, params: Mapping[str, Any], page: PageRequest) -> Page[T]:
        """The page of a statement of :meth:`Owned.page`."""
        return self.owned.page_of(await self._rows(statement, params), page)
