"""The port every repository of users' rows starts from: add, get, update and delete within the owner's rows."""

from __future__ import annotations

import uuid
from typing import Protocol, TypeVar

__all__ = ["OwnedRepositoryPort"]

T = TypeVar("T")


class OwnedRepositoryPort(Protocol[T]):
    """Add, get, update and delete one of the owner's rows; a row of another owner is absent.

    The parameters are positional-only: an implementation names them as it likes
    (``tag``, ``tag_id``). A port of one table extends this and declares only its own
    queries, and the methods whose docstrings say more (the rule an ``add`` may break).
    """

    async def add(self, row: T, /) -> None:
        """Insert the row (with the unit of work's next statement or its commit, which raise its broken rules)."""
        ...

    async def get(
        self, owner_id: uuid.UUID, row_id: uuid.UUID, /, *, for_update: bool = False, recent: bool = False
    ) -> T | None:
        """The owner's row, or None. With ``for_update`` the row stays locked until the unit of work ends
        (read-modify-write). With ``recent``, for an edit written back ``if_unchanged``, the row may be as
        this process last read or wrote it: if it changed since, the write raises RowChangedError, and
        the edit must read it again without ``recent``."""
        ...

    async def update(self, row: T, /, *, if_unchanged: bool = False) -> None:
        """Write the row back (NotFoundError unless the owner has it); with ``if_unchanged``, only if it is
        as this unit of work read it with ``get`` (else RowChangedError; see :class:`~conezia.core.ports.UnitOfWork`)."""
        ...

    async def delete(self, owner_id: uuid.UUID, row_id: uuid.UUID, /) -> bool:
        """Delete the owner's row (and what the schema's ON DELETE rules take with it); whether there was one."""
        ...
