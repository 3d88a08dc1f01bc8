"""Two people changing one row at once: neither change is lost.

A change reads the row without a lock and writes it back only if it is unchanged
(its ``xmin``), else applies itself again to the row as it is now.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from conezia.adapters.postgres import PostgresDatabase, PostgresEntityRepository
from conezia.adapters.postgres._owned import VersionedRows
from conezia.bootstrap import Backend, build_deps
from conezia.core import services
from conezia.core.deps import Deps
from conezia.core.entities import Entity
from conezia.keys import KeyRing
from conezia.settings import Settings

pytestmark = pytest.mark.anyio

# how long each edit holds the row between reading and writing it: the other edit arrives meanwhile
_THINKING = 0.2


@pytest.fixture
async def deps(migrated_database_url: str) -> AsyncIterator[Deps]:
    database = PostgresDatabase(migrated_database_url, pool_size=4)
    await database.truncate_all()
    backend = Backend(kind="postgres", uow=database.unit_of_work, aclose=database.close, database=database)
    try:
        yield build_deps(Settings(password_profile="test"), keys=KeyRing.generate(), backend=backend)
    finally:
        await database.truncate_all()
        await database.close()


async def _user(deps: Deps, email: str) -> uuid.UUID:
    return (await services.register(deps, {"email": email, "password": "Passw0rd-ok"})).id


def _slow_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every entity read takes a while before its caller goes on: the other edit reads meanwhile."""
    read = PostgresEntityRepository.get

    async def slow_get(
        self: PostgresEntityRepository,
        owner_id: uuid.UUID,
        entity_id: uuid.UUID,
        *,
        for_update: bool = False,
        recent: bool = False,
    ) -> Entity | None:
        found = await read(self, owner_id, entity_id, for_update=for_update, recent=recent)
        await asyncio.sleep(_THINKING)
        return found

    monkeypatch.setattr(PostgresEntityRepository, "get", slow_get)


def _unchecked_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every write back ignores whether its row changed since it was read."""
    defer_update = VersionedRows._defer_update

    def unchecked(
        self: VersionedRows, owned: Any, row: Any, params: dict[str, Any], *, if_unchanged: bool, remember: bool = False
    ) -> None:
        defer_update(self, owned, row, params, if_unchanged=False, remember=remember)

    monkeypatch.setattr(VersionedRows, "_defer_update", unchecked)


async def _two_concurrent_patches(deps: Deps, monkeypatch: pytest.MonkeyPatch, *, checked: bool) -> Entity:
    owner = await _user(deps, "lock@example.com")
    entity = await services.create_entity(deps, owner, {"type": "person", "name": "Before"})
    _slow_reads(monkeypatch)
    if not checked:
        _unchecked_writes(monkeypatch)
    patches: list[dict[str, Any]] = [{"name": "Renamed"}, {"description": "Described"}]
    # two units of work on this one event loop, each reading, changing and writing the whole row
    await asyncio.gather(*(services.update_entity(deps, owner, entity.id, patch) for patch in patches))
    monkeypatch.undo()
    return await services.get_entity(deps, owner, entity.id)


async def test_two_concurrent_patches_of_one_entity_both_survive(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    final = await _two_concurrent_patches(deps, monkeypatch, checked=True)
    assert (final.name, final.description) == ("Renamed", "Described")


async def test_without_the_unchanged_check_one_of_the_two_patches_is_lost(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the control: the scenario above does race, and only the write's version check keeps both edits
    final = await _two_concurrent_patches(deps, monkeypatch, checked=False)
    assert (final.name, final.description) != ("Renamed", "Described")


async def test_a_locking_read_returns_the_same_row_as_a_plain_one(deps: Deps) -> None:
    owner = await _user(deps, "same@example.com")
    entity = await services.create_entity(deps, owner, {"type": "person", "name": "Same"})
    tag = await services.create_tag(deps, owner, {"name": "t"})
    group = await services.create_group(deps, owner, {"name": "g"})
    rel = await services.set_relationship(deps, owner, entity.id, {"type": "friend"})
    ident = await services.add_identifier(deps, owner, entity.id, {"type": "ssn", "value": "123-45-6789"})
    intruder = await _user(deps, "eve@example.com")
    async with deps.uow() as uow:
        assert await uow.users.get(owner, for_update=True) == await uow.users.get(owner)
        assert await uow.entities.get(owner, entity.id, for_update=True) == entity
        assert await uow.tags.get(owner, tag.id, for_update=True) == tag
        assert await uow.groups.get(owner, group.id, for_update=True) == group
        assert await uow.relationships.get(owner, rel.id, for_update=True) == rel
        assert await uow.identifiers.get(owner, ident.id, for_update=True) == ident
        assert await uow.entities.get(intruder, entity.id, for_update=True) is None
        assert await uow.identifiers.get(intruder, ident.id, for_update=True) is None
