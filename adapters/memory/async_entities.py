"""The async entity port over a :class:`~conezia.adapters.memory.store.MemoryStore`."""

from __future__ import annotations

import uuid

from conezia.core.entities import Entity
from conezia.core.organizing import EntityFilter
from conezia.core.pagination import Page, PageRequest

from .store import MemoryStore
from .unit_of_work import MemoryUnitOfWork

__all__ = ["MemoryAsyncEntities"]


class MemoryAsyncEntities:
    """:class:`~conezia.core.ports.AsyncEntities` in memory.

    Each call is one unit of work on the store, done without awaiting anything,
    so it is atomic with respect to other tasks and holds the store's rules.
    """

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def get(self, owner_id: uuid.UUID, entity_id: uuid.UUID) -> Entity | None:
        with MemoryUnitOfWork(self._store) as uow:
            return uow.entities.get(owner_id, entity_id)

    async def list(self, owner_id: uuid.UUID, criteria: EntityFilter, page: PageRequest) -> Page[Entity]:
        with MemoryUnitOfWork(self._store) as uow:
            return uow.entities.list(owner_id, criteria, page)

    async def add(self, entity: Entity) -> None:
        with MemoryUnitOfWork(self._store) as uow:
            uow.entities.add(entity)
            uow.commit()
