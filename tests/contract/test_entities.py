"""The entity repository's contract: rows as written, owner scoping, and what deleting an entity takes with it.

Every test runs once per backend (memory, and PostgreSQL marked ``integration``).
"""

from __future__ import annotations

import pytest

from conezia.core.errors import ConflictError, NotFoundError
from conezia.core.pagination import PageRequest
from tests.contract.builders import written

from .builders import (
    EVERYTHING,
    T0,
    Factory,
    a_relationship,
    a_user,
    a_user_added,
    add_all,
    an_entity,
    an_entity_with_every_field,
    an_identifier,
    at,
    build_world,
    listed,
    read,
    write,
)

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


class TestEntities:
    async def test_an_entity_reads_back_with_every_field_as_written(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity_with_every_field(owner)
        await add_all(uow_factory, owner, entity)

        assert await read(uow_factory, lambda uow: uow.entities.get(owner.id, entity.id)) == entity

    async def test_another_owners_entity_is_absent_and_left_alone(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        entity = an_entity(owner)
        await add_all(uow_factory, owner, stranger, entity)

        assert await read(uow_factory, lambda uow: uow.entities.get(stranger.id, entity.id)) is None
        assert await listed(uow_factory, stranger) == []
        assert await write(uow_factory, lambda uow: uow.entities.delete(stranger.id, entity.id)) is False
        assert await read(uow_factory, lambda uow: uow.entities.get(owner.id, entity.id)) == entity

    async def test_an_entity_of_an_unknown_owner_is_not_found(self, uow_factory: Factory) -> None:
        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await written(uow, uow.entities.add(an_entity(a_user())))

    async def test_an_entity_with_an_id_in_use_is_a_conflict(self, uow_factory: Factory) -> None:
        owner = a_user()
        first = an_entity(owner)
        await add_all(uow_factory, owner, first)

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await written(uow, uow.entities.add(an_entity(owner, "Other", id=first.id)))

        assert set(raised.value.errors) == {"id"}

    async def test_updating_an_entity_writes_every_field_back(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner, metadata={"a": 1})
        await add_all(uow_factory, owner, entity)
        entity.type = "animal"
        entity.name = "Renamed"
        entity.description = "now described"
        entity.avatar_url = "https://example.com/x.png"
        entity.metadata = {"b": [2, 3]}
        entity.last_interaction_at = at(days=1, microseconds=5)
        entity.archived_at = at(days=2)
        entity.updated_at = at(days=2, microseconds=6)

        await write(uow_factory, lambda uow: uow.entities.update(entity))

        assert await read(uow_factory, lambda uow: uow.entities.get(owner.id, entity.id)) == entity

    async def test_updating_an_entity_as_another_owner_is_not_found_and_changes_nothing(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        entity = an_entity(owner)
        await add_all(uow_factory, owner, stranger, entity)
        hijacked = an_entity(stranger, "Hijacked", id=entity.id)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await written(uow, uow.entities.update(hijacked))

        assert await read(uow_factory, lambda uow: uow.entities.get(owner.id, entity.id)) == entity
        assert await read(uow_factory, lambda uow: uow.entities.get(stranger.id, entity.id)) is None

    async def test_updating_an_unknown_entity_is_not_found(self, uow_factory: Factory) -> None:
        owner = await a_user_added(uow_factory)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await written(uow, uow.entities.update(an_entity(owner)))

    async def test_deleting_an_entity_reports_whether_there_was_one(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        await add_all(uow_factory, owner, entity)

        assert await write(uow_factory, lambda uow: uow.entities.delete(owner.id, entity.id)) is True
        assert await write(uow_factory, lambda uow: uow.entities.delete(owner.id, entity.id)) is False
        assert await read(uow_factory, lambda uow: uow.entities.get(owner.id, entity.id)) is None

    async def test_deleting_an_entity_deletes_its_relationship_identifiers_and_memberships(
        self, uow_factory: Factory
    ) -> None:
        world = await build_world(uow_factory)
        sibling = an_entity(world.user, "Sibling")
        sibling_rel = a_relationship(sibling)
        sibling_id = an_identifier(sibling, value_hash=world.identifier.value_hash)
        await add_all(uow_factory, sibling, sibling_rel, sibling_id)
        await write(uow_factory, lambda uow: uow.tags.attach(world.user.id, sibling.id, world.tag.id, T0))

        assert await write(uow_factory, lambda uow: uow.entities.delete(world.user.id, world.entity.id)) is True

        assert await world.visible(uow_factory) == {
            **world.everything(),
            "entities": [sibling], "relationship": None, "identifiers": [sibling_id], "entity_tags": [], "members": [],
        }
        assert await read(uow_factory, lambda uow: uow.relationships.get(world.user.id, world.relationship.id)) is None
        assert await read(uow_factory, lambda uow: uow.identifiers.get(world.user.id, world.identifier.id)) is None
        assert await read(uow_factory, lambda uow: uow.relationships.get_for_entity(world.user.id, sibling.id)) == sibling_rel
        assert await read(uow_factory, lambda uow: uow.tags.for_entity(world.user.id, sibling.id)) == [world.tag]

    async def test_a_returned_entity_is_a_copy_until_it_is_updated(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner, metadata={"k": "v"})
        await add_all(uow_factory, owner, entity)

        async with uow_factory() as uow:
            page = await uow.entities.list(owner.id, EVERYTHING, PageRequest())
            page.items[0].metadata["k"] = "changed"
            returned = await uow.entities.get(owner.id, entity.id)
            assert returned is not None
            returned.name = "Changed"
            assert await uow.entities.get(owner.id, entity.id) == entity
