"""A change of one row read without a lock loses no concurrent change: it is written only if the row is unchanged, else tried again."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import pytest

from conezia.adapters.memory.contacts import MemoryEntityRepository
from conezia.core import services
from conezia.core.deps import Deps
from conezia.core.entities import Entity
from conezia.core.errors import NotFoundError
from conezia.core.ports import UnitOfWork

pytestmark = pytest.mark.anyio


class _Entities:
    """The entities of a unit of work, noting how each read asked for the row: locked, recent or as it is."""

    def __init__(self, inner: Any, reads: list[str]) -> None:
        self._inner = inner
        self._reads = reads

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def get(
        self, owner_id: uuid.UUID, entity_id: uuid.UUID, *, for_update: bool = False, recent: bool = False
    ) -> Entity | None:
        self._reads.append("locked" if for_update else "recent" if recent else "read")
        found: Entity | None = await self._inner.get(owner_id, entity_id, for_update=for_update, recent=recent)
        return found


class _Interfering:
    """A unit of work whose commit first lets the next of ``others`` commit a change of its own."""

    def __init__(self, inner: UnitOfWork, others: list[Callable[[], Awaitable[object]]], reads: list[str]) -> None:
        self._inner = inner
        self._others = others
        self.entities = _Entities(inner.entities, reads)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def __aenter__(self) -> _Interfering:
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._inner.__aexit__(*exc_info)

    async def commit(self) -> None:
        if self._others:
            await self._others.pop(0)()
        await self._inner.commit()


async def _scene(deps: Deps, *renames: str) -> tuple[Deps, uuid.UUID, uuid.UUID, list[str]]:
    """An entity, and deps whose units of work each let one of ``renames`` commit before they do."""
    owner = (await services.register(deps, {"email": "opt@example.com", "password": "Passw0rd-ok"})).id
    entity = await services.create_entity(deps, owner, {"type": "person", "name": "Before"})
    others: list[Callable[[], Awaitable[object]]] = [
        (lambda name=name: services.update_entity(deps, owner, entity.id, {"name": name})) for name in renames
    ]
    reads: list[str] = []
    interfering = attrs.evolve(deps, uow=lambda: _Interfering(deps.uow(), others, reads))
    return interfering, owner, entity.id, reads


async def test_a_change_meeting_a_concurrent_one_is_applied_again_and_both_are_kept(deps: Deps) -> None:
    interfering, owner, entity_id, reads = await _scene(deps, "Renamed elsewhere")

    await services.update_entity(interfering, owner, entity_id, {"description": "Mine"})

    final = await services.get_entity(deps, owner, entity_id)
    assert (final.name, final.description) == ("Renamed elsewhere", "Mine")
    assert reads == ["recent", "read"]  # read twice, never locked; the retry as the row is now


async def test_without_the_unchanged_check_the_concurrent_change_is_lost(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the control: the scene above does race, and only the check keeps both changes
    update = MemoryEntityRepository.update

    async def unchecked(self: MemoryEntityRepository, entity: Entity, *, if_unchanged: bool = False) -> None:
        await update(self, entity)

    monkeypatch.setattr(MemoryEntityRepository, "update", unchecked)
    interfering, owner, entity_id, _ = await _scene(deps, "Renamed elsewhere")

    await services.update_entity(interfering, owner, entity_id, {"description": "Mine"})

    final = await services.get_entity(deps, owner, entity_id)
    assert (final.name, final.description) == ("Before", "Mine")


async def test_after_three_collisions_a_change_takes_the_row_lock_and_succeeds(deps: Deps) -> None:
    interfering, owner, entity_id, reads = await _scene(deps, "One", "Two", "Three")

    archived = await services.archive_entity(interfering, owner, entity_id)

    final = await services.get_entity(deps, owner, entity_id)
    assert final.name == "Three"
    assert final.archived_at is not None and final == archived
    assert reads == ["recent", "read", "read", "locked"]


async def test_a_change_of_a_row_deleted_meanwhile_is_not_found(deps: Deps) -> None:
    owner = (await services.register(deps, {"email": "gone@example.com", "password": "Passw0rd-ok"})).id
    entity = await services.create_entity(deps, owner, {"type": "person", "name": "Doomed"})
    others: list[Callable[[], Awaitable[object]]] = [lambda: services.delete_entity(deps, owner, entity.id)]
    interfering = attrs.evolve(deps, uow=lambda: _Interfering(deps.uow(), others, []))

    with pytest.raises(NotFoundError):
        await services.update_entity(interfering, owner, entity.id, {"description": "Too late"})
