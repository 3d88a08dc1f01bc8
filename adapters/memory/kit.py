"""The owned-resource kit: one owner-scoped get, keyset list, insert, update and delete for every table.

A memory repository of owned rows is an :class:`OwnedRepository`: it names its
table once, on its class line, and adds only what its port says beyond add, get,
update and delete (a lookup by another key, a join); other tables it reads are
:class:`Rows` attributes. The store applies the schema's rules on every write;
the kit adds the owner scope, as the PostgreSQL adapter's
``WHERE id = :id AND user_id = :user_id`` does::

    class MemoryTagRepository(OwnedRepository[Tag], table="tags"):
        _links = Rows[EntityTag]("entity_tags")
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Generic, Protocol, TypeVar, overload

from conezia.core.errors import NotFoundError
from conezia.core.pagination import Page, PageRequest, page_of

from .store import Tables

__all__ = [
    "OwnedRepository", "OwnedRows", "Owns", "Rows", "TablesAccess", "by_insertion", "by_name", "clone", "keyset_page",
    "owned_by_entity",
]

TablesAccess = Callable[[], Tables]
#: Whether a row is the owner's, for rows not scoped by their owner's id (see :func:`owned_by_entity`).
Owns = Callable[[Tables, uuid.UUID, Any], bool]
T = TypeVar("T")
R = TypeVar("R")


class _Inserted(Protocol):
    @property
    def inserted_at(self) -> dt.datetime: ...

    @property
    def id(self) -> uuid.UUID: ...


I = TypeVar("I", bound=_Inserted)  # noqa: E741


def clone(row: T) -> T:
    """A copy sharing nothing mutable with ``row`` (jsonb maps included)."""
    return copy.deepcopy(row)


def by_insertion(row: _Inserted) -> tuple[dt.datetime, uuid.UUID]:
    """The keyset order of every list: (inserted_at, id)."""
    return (row.inserted_at, row.id)


def by_name(row: Any) -> tuple[str, uuid.UUID]:
    """By name in code-point order (PostgreSQL's "C" collation), then id."""
    return (row.name, row.id)


def keyset_page(rows: Iterable[I], page: PageRequest) -> Page[I]:
    """Copies of the rows after ``page.after`` in (inserted_at, id) order, cut into a page."""
    ordered = sorted(rows, key=by_insertion)
    if page.after is not None:
        after = page.after
        ordered = [row for row in ordered if by_insertion(row) > after]
    return page_of([clone(row) for row in ordered[: page.limit + 1]], page.limit, by_insertion)


def owned_by_entity(tables: Tables, owner_id: uuid.UUID, row: Any) -> bool:
    """For rows owned through their entity (identifiers): the entity is the owner's."""
    entity = tables.rows("entities").get(row.entity_id)
    return entity is not None and entity.owner_id == owner_id


class OwnedRows(Generic[R]):
    """Owner-scoped access to one table of the store.

    Args:
        tables: the unit of work's tables.
        table: the table's name in the schema.
        scope: the column a row is addressed by besides its key (its owner, or the
            parent that owns it); an update must name the stored row's value.
        owned: whether a row is the owner's; by default its ``scope`` is the owner's id.
    """

    def __init__(
        self,
        tables: TablesAccess,
        table: str,
        *,
        scope: str = "user_id",
        owned: Owns | None = None,
    ) -> None:
        self._tables = tables
        self._table = table
        self._scope = scope
        self._owned = owned or (lambda _tables, owner_id, row: getattr(row, scope) == owner_id)

    def get(self, owner_id: uuid.UUID, key: Any) -> R | None:
        """A copy of the owner's row, or None (absent, or another owner's)."""
        row = self._stored(owner_id, key)
        return None if row is None else clone(row)

    def find(self, owner_id: uuid.UUID, where: Callable[[R], bool] | None = None) -> list[R]:
        """The owner's stored rows meeting ``where`` (not copies: read them, never return them)."""
        tables = self._tables()
        return [
            row
            for row in tables.rows(self._table).values()
            if self._owned(tables, owner_id, row) and (where is None or where(row))
        ]

    def lookup(self, where: Callable[[R], bool]) -> R | None:
        """A copy of the row meeting ``where`` in the whole table, whoever owns it (a lookup by a
        unique key that is not the owner's: an email, a token's hash)."""
        for row in self._tables().rows(self._table).values():
            if where(row):
                found: R = clone(row)
                return found
        return None

    def listed(
        self, owner_id: uuid.UUID, *, where: Callable[[R], bool] | None = None, order: Callable[[Any], Any] = by_insertion
    ) -> list[R]:
        """Copies of the owner's rows meeting ``where``, in ``order``."""
        return [clone(row) for row in sorted(self.find(owner_id, where), key=order)]

    def page(self, owner_id: uuid.UUID, page: PageRequest, *, where: Callable[[R], bool] | None = None) -> Page[R]:
        """One keyset page of the owner's rows meeting ``where``, in (inserted_at, id) order."""
        # the tables listed page by page all have (inserted_at, id); R cannot say so
        return keyset_page(self.find(owner_id, where), page)  # type: ignore[type-var]

    def insert(self, row: R) -> None:
        self._tables().insert(self._table, clone(row))

    def update(self, row: R, *, if_unchanged: bool = False) -> None:
        """Write the row back; NotFoundError unless a row with its key and scope is stored.

        With ``if_unchanged`` the commit raises RowChangedError, and publishes nothing,
        if the committed row is no longer the one this unit of work started from.
        """
        tables = self._tables()
        schema = tables.schema[self._table]
        key = schema.key_of(row)
        stored = tables.rows(self._table).get(key)
        if stored is None or getattr(stored, self._scope) != getattr(row, self._scope):
            raise NotFoundError(schema.resource)
        tables.update(self._table, clone(row))
        if if_unchanged:
            tables.unchanged.add((self._table, key))

    def delete(self, owner_id: uuid.UUID, key: Any) -> bool:
        """Delete the owner's row (and what cascades from it); whether there was one."""
        if self._stored(owner_id, key) is None:
            return False
        self._tables().delete(self._table, key)
        return True

    def delete_where(self, owner_id: uuid.UUID, where: Callable[[R], bool]) -> int:
        """Delete the owner's rows meeting ``where``; how many."""
        tables = self._tables()
        schema = tables.schema[self._table]
        doomed = [schema.key_of(row) for row in self.find(owner_id, where)]
        for key in doomed:
            tables.delete(self._table, key)
        return len(doomed)

    def link(self, row: R, *, elsewhere: str) -> bool:
        """``INSERT ... ON CONFLICT DO NOTHING`` of a join row: False if it was there.

        Raises:
            NotFoundError(elsewhere): the link exists, but as another owner's.
        """
        tables = self._tables()
        stored = tables.rows(self._table).get(tables.schema[self._table].key_of(row))
        if stored is None:
            tables.insert(self._table, clone(row))
            return True
        if getattr(stored, self._scope) != getattr(row, self._scope):
            raise NotFoundError(elsewhere)
        return False

    def _stored(self, owner_id: uuid.UUID, key: Any) -> R | None:
        tables = self._tables()
        row = tables.rows(self._table).get(key)
        return row if row is not None and self._owned(tables, owner_id, row) else None


class OwnedRepository(Generic[R]):
    """A repository of one table's owned rows: add, get, update and delete, all within the owner's rows.

    A subclass names its table on its class line, with the keywords of :class:`OwnedRows`
    (``class MemoryIdentifierRepository(OwnedRepository[Identifier], table="identifiers",
    scope="entity_id", owned=owned_by_entity)``), and reads it through ``self._rows``.
    """

    _spec: ClassVar[tuple[str, str, Owns | None]]

    def __init_subclass__(cls, *, table: str, scope: str = "user_id", owned: Owns | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._spec = (table, scope, owned)

    def __init__(self, tables: TablesAccess) -> None:
        table, scope, owned = self._spec
        self._tables = tables
        self._rows = OwnedRows[R](tables, table, scope=scope, owned=owned)

    async def add(self, row: R) -> None:
        self._rows.insert(row)

    async def get(
        self, owner_id: uuid.UUID, row_id: uuid.UUID, *, for_update: bool = False, recent: bool = False
    ) -> R | None:
        return self._rows.get(owner_id, row_id)  # always the row as it is: nothing to remember

    async def update(self, row: R, *, if_unchanged: bool = False) -> None:
        self._rows.update(row, if_unchanged=if_unchanged)

    async def delete(self, owner_id: uuid.UUID, row_id: uuid.UUID) -> bool:
        return self._rows.delete(owner_id, row_id)


class Rows(Generic[R]):
    """Another table an :class:`OwnedRepository` reads (``_links = Rows[EntityTag]("entity_tags")``).

    The attribute is the unit of work's :class:`OwnedRows` of that table, built on first use.
    Takes the keywords of :class:`OwnedRows`.
    """

    def __init__(self, table: str, *, scope: str = "user_id", owned: Owns | None = None) -> None:
        self._table = table
        self._scope = scope
        self._owned = owned
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, repository: None, owner: type) -> Rows[R]: ...

    @overload
    def __get__(self, repository: OwnedRepository[Any], owner: type | None = None) -> OwnedRows[R]: ...

    def __get__(self, repository: OwnedRepository[Any] | None, owner: type | None = None) -> Rows[R] | OwnedRows[R]:
        if repository is None:
            return self
        rows = OwnedRows[R](repository._tables, self._table, scope=self._scope, owned=self._owned)
        vars(repository)[self._name] = rows  # the next reads find it on the instance
        return rows
