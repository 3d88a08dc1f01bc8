"""The entity use-cases the HTTP API serves on its event loop, over :class:`~conezia.core.ports.AsyncEntities`.

Each mirrors its synchronous namesake in :mod:`.contacts` (same rules, same
errors, same results) and needs no unit of work, because it is a single
statement. Embedding programs use the synchronous ones.
"""

from __future__ import annotations

import uuid

from ..deps import Deps
from ..entities import Entity
from ..errors import NotFoundError
from ..organizing import EntityFilter
from ..pagination import Page, PageRequest
from ..ports import AsyncEntities

__all__ = ["create_entity_async", "get_entity_async", "list_entities_async"]


def _port(deps: Deps) -> AsyncEntities:
    if deps.async_entities is None:
        raise RuntimeError("these Deps have no async_entities port; use the synchronous use-cases")
    return deps.async_entities


async def create_entity_async(deps: Deps, owner_id: uuid.UUID, params: object) -> Entity:
    """Create an entity (``type`` and ``name`` required), as :func:`~.contacts.create_entity` does.

    Raises:
        ValidationError: every failing field.
    """
    entity = Entity.create(params, id=deps.ids.new_id(), owner_id=owner_id, now=deps.clock.now())
    await _port(deps).add(entity)
    return entity


async def get_entity_async(deps: Deps, owner_id: uuid.UUID, entity_id: uuid.UUID) -> Entity:
    """The owner's entity, as :func:`~.contacts.get_entity` returns it.

    Raises:
        NotFoundError: unless the entity exists and is the owner's.
    """
    entity = await _port(deps).get(owner_id, entity_id)
    if entity is None:
        raise NotFoundError("entity")
    return entity


async def list_entities_async(
    deps: Deps, owner_id: uuid.UUID, criteria: EntityFilter | None = None, page: PageRequest | None = None
) -> Page[Entity]:
    """One page of the owner's live entities (or as ``criteria`` says), oldest first."""
    return await _port(deps).list(owner_id, criteria or EntityFilter(), page or PageRequest())
