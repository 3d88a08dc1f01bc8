"""Interaction use-cases, and what keeps an entity's ``last_interaction_at`` true.

An entity's ``last_interaction_at`` is the time of its latest interaction or
communication. Adding one moves it forward when the new one is later; editing
(``occurred_at``, ``entity_id``) or deleting one recomputes it from the rows
with a query, in the same unit of work, so it can move back. Relationship
health (``GET /attention``) reads it. When it changes, the entity's
``Updated`` event names ``last_interaction_at``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

import attrs

from ..attachments import Parents
from ..deps import Deps
from ..entities import Entity
from ..events import Created, Deleted, Updated, changed_fields
from ..pagination import Page, PageRequest
from ..ports import UnitOfWork
from ..timeline import Interaction
from .attachments import forget_with_parent, remove_files
from .owned import ENTITIES, INTERACTIONS, Subject, optimistically

__all__ = [
    "create_interaction",
    "delete_interaction",
    "get_interaction",
    "list_interactions",
    "refresh_last_interaction",
    "touch_last_interaction",
    "update_interaction",
]

_FIELD = ("last_interaction_at",)


def _record_touch(uow: UnitOfWork, user_id: uuid.UUID, entity: Entity, **details: uuid.UUID) -> None:
    uow.record(Subject("entity", entity.id, details).event(Updated, user_id, fields=_FIELD))


async def touch_last_interaction(
    uow: UnitOfWork,
    user_id: uuid.UUID,
    entity: Entity,
    at: dt.datetime,
    now: dt.datetime,
    *,
    if_unchanged: bool = False,
    **details: uuid.UUID,
) -> None:
    """Move the entity's ``last_interaction_at`` forward to ``at`` if ``at`` is later.

    Args:
        entity: read in this unit of work: locked, or, with ``if_unchanged``, written back
            only if unchanged since (see :func:`~conezia.core.services.owned.optimistically`).
    """
    before = entity.last_interaction_at
    entity.touch_interaction(at, now)
    if entity.last_interaction_at != before:
        await uow.entities.update(entity, if_unchanged=if_unchanged)
        _record_touch(uow, user_id, entity, **details)


async def refresh_last_interaction(
    uow: UnitOfWork, user_id: uuid.UUID, entity_ids: Iterable[uuid.UUID], now: dt.datetime, **details: uuid.UUID
) -> None:
    """Recompute each entity's ``last_interaction_at`` from its interactions and communications.

    Entities are locked in id order, so that two units of work refreshing the same
    two entities cannot wait on each other.
    """
    for entity_id in sorted(set(entity_ids)):
        entity = await uow.entities.get(user_id, entity_id, for_update=True)
        if entity is None:
            continue
        found = [
            at for at in (
                await uow.interactions.latest_for_entity(user_id, entity_id),
                await uow.communications.latest_for_entity(user_id, entity_id),
            ) if at is not None
        ]
        latest = max(found, default=None)
        if entity.last_interaction_at != latest:
            entity.last_interaction_at = latest
            entity.updated_at = now
            await uow.entities.update(entity)
            _record_touch(uow, user_id, entity, **details)


async def _lock_entity_of(uow: UnitOfWork, user_id: uuid.UUID, interaction_id: uuid.UUID) -> None:
    """Lock the interaction's entity before the interaction: the order an entity's deletion locks them."""
    entity_id = (await INTERACTIONS.load(uow, user_id, interaction_id)).entity_id
    await ENTITIES.load(uow, user_id, entity_id, for_update=True)


async def create_interaction(deps: Deps, user_id: uuid.UUID, entity_id: uuid.UUID, params: object) -> Interaction:
    """Log an interaction with one of the user's entities (``occurred_at`` defaults to now).

    Raises:
        ValidationError: every failing field.
        NotFoundError: the entity is not the user's.
    """
    now = deps.clock.now()
    interaction = Interaction.create(params, id=deps.ids.new_id(), user_id=user_id, entity_id=entity_id, now=now)

    async def attempt(locked: bool, recent: bool) -> Interaction:
        # the entity, read without a lock, is moved forward only as it was read (see optimistically)
        async with deps.uow() as uow:
            entity = await ENTITIES.load(uow, user_id, entity_id, for_update=locked, recent=recent)
            await uow.interactions.add(interaction)
            INTERACTIONS.record(uow, Created, user_id, interaction)
            await touch_last_interaction(
                uow, user_id, entity, interaction.occurred_at, now, if_unchanged=not locked, interaction_id=interaction.id
            )
            await uow.commit()
        return interaction

    return await optimistically(attempt)


async def get_interaction(deps: Deps, user_id: uuid.UUID, interaction_id: uuid.UUID) -> Interaction:
    return await INTERACTIONS.get(deps, user_id, interaction_id)


async def list_interactions(
    deps: Deps, user_id: uuid.UUID, entity_id: uuid.UUID | None = None, page: PageRequest | None = None
) -> Page[Interaction]:
    """The user's interactions (with one entity, or all), newest first by ``occurred_at``.

    Raises:
        NotFoundError: ``entity_id`` is not the user's.
    """
    async with deps.uow() as uow:
        found = await uow.interactions.list(user_id, entity_id, page or PageRequest())
        return await ENTITIES.check_page(uow, user_id, entity_id, found)


async def update_interaction(
    deps: Deps, user_id: uuid.UUID, interaction_id: uuid.UUID, params: object
) -> Interaction:
    """Change the given fields; a new ``occurred_at`` or ``entity_id`` recomputes the entities' last interaction.

    Raises:
        NotFoundError: the interaction, or the entity it is moved to, is not the user's.
    """
    now = deps.clock.now()
    async with deps.uow() as uow:
        await _lock_entity_of(uow, user_id, interaction_id)
        interaction = await INTERACTIONS.load(uow, user_id, interaction_id, for_update=True)
        before = attrs.asdict(interaction)
        interaction.update(params, now=now)
        fields = changed_fields(before, attrs.asdict(interaction))
        if "entity_id" in fields:
            await ENTITIES.load(uow, user_id, interaction.entity_id)
        await uow.interactions.update(interaction)
        INTERACTIONS.record_change(uow, user_id, interaction, fields)
        if "occurred_at" in fields or "entity_id" in fields:
            await refresh_last_interaction(
                uow, user_id, {before["entity_id"], interaction.entity_id}, now, interaction_id=interaction.id
            )
        await uow.commit()
    return interaction


async def delete_interaction(deps: Deps, user_id: uuid.UUID, interaction_id: uuid.UUID) -> None:
    """Delete an interaction; its entity's last interaction is recomputed without it, and the
    attachments it alone held go with it."""
    async with deps.uow() as uow:
        await _lock_entity_of(uow, user_id, interaction_id)
        interaction = await INTERACTIONS.load(uow, user_id, interaction_id, for_update=True)
        keys = await forget_with_parent(uow, user_id, Parents(interaction_id=interaction_id))
        await uow.interactions.delete(user_id, interaction_id)
        INTERACTIONS.record(uow, Deleted, user_id, interaction)
        await refresh_last_interaction(
            uow, user_id, {interaction.entity_id}, deps.clock.now(), interaction_id=interaction.id
        )
        await uow.commit()
    await remove_files(deps, keys)
