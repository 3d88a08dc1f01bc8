"""What the use-cases of every owned resource share: load, change and save in one unit of work.

A use-case of a resource a user owns (an entity, a tag, ...) is almost always
one of four shapes: add a row the domain built, read one of the owner's rows,
load one for update, let the domain object change itself and write it back,
or delete one. :class:`Resource` is those four shapes once, over the part of a
repository port they need (:class:`OwnedRows`); a use-case names its resource
and passes the domain call. Rows of another user are absent: every read is
scoped by owner, and a missing row is a :class:`~conezia.core.errors.NotFoundError`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Final, Generic, Protocol, TypeVar

import attrs

from ..deps import Deps
from ..entities import Entity, Relationship
from ..errors import NotFoundError
from ..identifiers import Identifier
from ..organizing import Group, Tag
from ..ports import UnitOfWork

__all__ = ["ENTITIES", "GROUPS", "IDENTIFIERS", "RELATIONSHIPS", "TAGS", "OwnedRows", "Resource"]

T = TypeVar("T")


class OwnedRows(Protocol[T]):
    """The owner-scoped part of a repository port (every owned resource's port has it)."""

    async def add(self, row: T, /) -> None: ...

    async def get(self, owner_id: uuid.UUID, row_id: uuid.UUID, /, *, for_update: bool = False) -> T | None: ...

    async def update(self, row: T, /) -> None: ...

    async def delete(self, owner_id: uuid.UUID, row_id: uuid.UUID, /) -> bool: ...


@attrs.frozen
class Resource(Generic[T]):
    """One owned resource, as its use-cases see it.

    Attributes:
        name: what a :class:`NotFoundError` calls it (``"tag"``).
        rows: its repository on a unit of work (``lambda uow: uow.tags``).
    """

    name: str
    rows: Callable[[UnitOfWork], OwnedRows[T]]

    async def load(self, uow: UnitOfWork, owner_id: uuid.UUID, row_id: uuid.UUID, *, for_update: bool = False) -> T:
        """The owner's row, inside a unit of work the caller holds.

        Raises:
            NotFoundError: unless the row exists and is the owner's.
        """
        row = await self.rows(uow).get(owner_id, row_id, for_update=for_update)
        if row is None:
            raise NotFoundError(self.name)
        return row

    async def add(self, deps: Deps, row: T) -> T:
        """Store a row the domain built and validated; constraint violations raise the core's errors."""
        async with deps.uow() as uow:
            await self.rows(uow).add(row)
            await uow.commit()
        return row

    async def get(self, deps: Deps, owner_id: uuid.UUID, row_id: uuid.UUID) -> T:
        """The owner's row (see :meth:`load`)."""
        async with deps.uow() as uow:
            return await self.load(uow, owner_id, row_id)

    async def change(
        self, deps: Deps, owner_id: uuid.UUID, row_id: uuid.UUID, change: Callable[[T, dt.datetime], object]
    ) -> T:
        """Lock the owner's row, let ``change(row, now)`` apply the domain's rules to it, and write it back.

        The row stays locked from the read to the commit, so a concurrent change is never lost.
        Whatever ``change`` raises (a ValidationError) leaves the row as it was.
        """
        async with deps.uow() as uow:
            row = await self.load(uow, owner_id, row_id, for_update=True)
            change(row, deps.clock.now())
            await self.rows(uow).update(row)
            await uow.commit()
        return row

    async def delete(self, deps: Deps, owner_id: uuid.UUID, row_id: uuid.UUID) -> None:
        """Delete the owner's row (its dependents go as the schema's ON DELETE rules say).

        Raises:
            NotFoundError: unless the row exists and is the owner's.
        """
        async with deps.uow() as uow:
            if not await self.rows(uow).delete(owner_id, row_id):
                raise NotFoundError(self.name)
            await uow.commit()


ENTITIES: Final = Resource[Entity]("entity", lambda uow: uow.entities)
RELATIONSHIPS: Final = Resource[Relationship]("relationship", lambda uow: uow.relationships)
IDENTIFIERS: Final = Resource[Identifier]("identifier", lambda uow: uow.identifiers)
TAGS: Final = Resource[Tag]("tag", lambda uow: uow.tags)
GROUPS: Final = Resource[Group]("group", lambda uow: uow.groups)
