"""The relationship repository's contract: one per entity, listing by status, and what needs attention.

Every test runs once per backend (memory, and PostgreSQL marked ``integration``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from conezia.core.accounts import User
from conezia.core.entities import ONE_RELATIONSHIP, Entity
from conezia.core.errors import ConflictError, NotFoundError
from conezia.core.pagination import PageRequest
from tests.contract.builders import written

from .builders import (
    Factory,
    a_relationship,
    a_user,
    a_user_added,
    add_all,
    an_entity,
    at,
    items,
    read,
    walk,
    write,
)

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


class TestRelationships:
    async def test_a_relationship_reads_back_with_every_field_as_written(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        rel = a_relationship(
            entity,
            type="service_provider",
            strength="close",
            status="inactive",
            started_at=dt.date(1999, 12, 31),
            health_threshold_days=365,
            notes="Met at the\nconference ✓",
            inserted_at=at(microseconds=11),
            updated_at=at(days=1, microseconds=12),
        )
        await add_all(uow_factory, owner, entity, rel)

        assert await read(uow_factory, lambda uow: uow.relationships.get(owner.id, rel.id)) == rel
        assert await read(uow_factory, lambda uow: uow.relationships.get_for_entity(owner.id, entity.id)) == rel

    async def test_a_relationship_with_only_required_fields_reads_back_with_the_defaults(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        rel = a_relationship(entity)
        await add_all(uow_factory, owner, entity, rel)

        assert await read(uow_factory, lambda uow: uow.relationships.get(owner.id, rel.id)) == rel

    async def test_a_second_relationship_to_the_same_entity_is_a_conflict(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        await add_all(uow_factory, owner, entity, a_relationship(entity))

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await written(uow, uow.relationships.add(a_relationship(entity, type="family")))

        assert raised.value.errors == {"entity_id": [ONE_RELATIONSHIP]}

    async def test_a_relationship_to_another_users_entity_is_not_found(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        entity = an_entity(owner)
        await add_all(uow_factory, owner, stranger, entity)
        rel = a_relationship(entity)
        rel.user_id = stranger.id

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await written(uow, uow.relationships.add(rel))

        assert await read(uow_factory, lambda uow: uow.relationships.get_for_entity(stranger.id, entity.id)) is None

    async def test_a_relationship_to_an_unknown_entity_is_not_found(self, uow_factory: Factory) -> None:
        owner = await a_user_added(uow_factory)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await written(uow, uow.relationships.add(a_relationship(an_entity(owner))))

    async def test_another_users_relationship_is_absent_and_left_alone(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        entity = an_entity(owner)
        rel = a_relationship(entity)
        await add_all(uow_factory, owner, stranger, entity, rel)

        assert await read(uow_factory, lambda uow: uow.relationships.get(stranger.id, rel.id)) is None
        assert await read(uow_factory, lambda uow: uow.relationships.get_for_entity(stranger.id, entity.id)) is None
        assert await read(uow_factory, lambda uow: items(uow.relationships.list(stranger.id, PageRequest()))) == []
        assert await write(uow_factory, lambda uow: uow.relationships.delete(stranger.id, rel.id)) is False
        assert await read(uow_factory, lambda uow: uow.relationships.get(owner.id, rel.id)) == rel

    async def test_relationships_are_listed_page_by_page_in_insertion_order(self, uow_factory: Factory) -> None:
        owner = a_user()
        entities = [an_entity(owner, f"e{i}") for i in range(7)]
        rels = [a_relationship(e, inserted_at=at(hours=i // 2)) for i, e in enumerate(entities)]
        await add_all(uow_factory, owner, *entities, *reversed(rels))

        pages = await read(uow_factory, lambda uow: walk(lambda p: uow.relationships.list(owner.id, p), 3))

        assert [len(page.items) for page in pages] == [3, 3, 1]
        assert [r for page in pages for r in page.items] == sorted(rels, key=lambda r: (r.inserted_at, r.id))

    async def test_listing_relationships_by_status_keeps_only_that_status(self, uow_factory: Factory) -> None:
        owner = a_user()
        entities = [an_entity(owner, f"e{i}") for i in range(5)]
        statuses = ["active", "inactive", "active", "archived", "active"]
        rels = [
            a_relationship(e, status=s, inserted_at=at(seconds=i))
            for i, (e, s) in enumerate(zip(entities, statuses, strict=True))
        ]
        await add_all(uow_factory, owner, *entities, *rels)

        active = await read(uow_factory, lambda uow: walk(lambda p: uow.relationships.list(owner.id, p, "active"), 2))
        inactive = await read(uow_factory, lambda uow: uow.relationships.list(owner.id, PageRequest(), "inactive"))

        assert [r for page in active for r in page.items] == [rels[0], rels[2], rels[4]]
        assert list(inactive.items) == [rels[1]]

    async def test_updating_a_relationship_writes_every_field_back(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        rel = a_relationship(entity)
        await add_all(uow_factory, owner, entity, rel)
        rel.type = "client"
        rel.strength = "acquaintance"
        rel.status = "archived"
        rel.started_at = dt.date(2020, 2, 29)
        rel.health_threshold_days = 1
        rel.notes = "notes"
        rel.updated_at = at(days=9, microseconds=9)

        await write(uow_factory, lambda uow: uow.relationships.update(rel))

        assert await read(uow_factory, lambda uow: uow.relationships.get(owner.id, rel.id)) == rel

    async def test_updating_another_users_relationship_is_not_found(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        entity = an_entity(owner)
        rel = a_relationship(entity)
        await add_all(uow_factory, owner, stranger, entity, rel)
        hijacked = a_relationship(entity, id=rel.id, status="inactive")
        hijacked.user_id = stranger.id

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await written(uow, uow.relationships.update(hijacked))

        assert await read(uow_factory, lambda uow: uow.relationships.get(owner.id, rel.id)) == rel

    async def test_deleting_a_relationship_keeps_the_entity(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        rel = a_relationship(entity)
        await add_all(uow_factory, owner, entity, rel)

        assert await write(uow_factory, lambda uow: uow.relationships.delete(owner.id, rel.id)) is True
        assert await write(uow_factory, lambda uow: uow.relationships.delete(owner.id, rel.id)) is False
        assert await read(uow_factory, lambda uow: uow.relationships.get_for_entity(owner.id, entity.id)) is None
        assert await read(uow_factory, lambda uow: uow.entities.get(owner.id, entity.id)) == entity


class TestNeedingAttention:
    NOW = at(days=100)

    async def test_due_relationships_come_most_overdue_first_and_the_rest_stay_out(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        rows: list[object] = [owner, stranger]

        def pair(name: str, user: User = owner, entity_fields: Any = None, **rel_fields: Any) -> Entity:
            entity = an_entity(user, name, **(entity_fields or {}))
            rows.extend([entity, a_relationship(entity, **rel_fields)])
            return entity

        pair("due day 80", entity_fields={"last_interaction_at": at(days=50)}, health_threshold_days=30)
        pair("due day 60, never contacted", health_threshold_days=60)
        pair("due day 120", entity_fields={"last_interaction_at": at(days=90)}, health_threshold_days=30)
        pair("due right now", entity_fields={"last_interaction_at": at(days=70)}, health_threshold_days=30)
        pair("due a microsecond from now",
             entity_fields={"last_interaction_at": at(days=70, microseconds=1)}, health_threshold_days=30)
        pair("archived entity", entity_fields={"archived_at": at(days=1)}, health_threshold_days=1)
        pair("inactive", status="inactive", health_threshold_days=1)
        pair("archived relationship", status="archived", health_threshold_days=1)
        pair("recorded late, never contacted", inserted_at=at(days=95), health_threshold_days=30)
        pair("stranger's", user=stranger, health_threshold_days=1)
        rows.append(an_entity(owner, "no relationship"))
        await add_all(uow_factory, *rows)

        due = await read(uow_factory, lambda uow: uow.relationships.needing_attention(owner.id, self.NOW, 50))

        assert [entity.name for entity, _ in due] == ["due day 60, never contacted", "due day 80", "due right now"]
        for entity, rel in due:
            assert rel.entity_id == entity.id and rel.user_id == owner.id
            assert await read(uow_factory, lambda uow, e=entity: uow.entities.get(owner.id, e.id)) == entity
            assert await read(uow_factory, lambda uow, r=rel: uow.relationships.get(owner.id, r.id)) == rel

    async def test_ties_are_broken_by_entity_id_and_the_limit_cuts_the_list(self, uow_factory: Factory) -> None:
        owner = a_user()
        entities = sorted(
            [an_entity(owner, f"e{i}", last_interaction_at=at(days=10)) for i in range(3)], key=lambda e: e.id
        )
        # Relationship ids and insertion times run the other way, so only the entity id can order them.
        rel_ids = sorted((uuid.uuid4() for _ in entities), reverse=True)
        rels = [
            a_relationship(e, id=rel_id, inserted_at=at(days=5 - i), health_threshold_days=30)
            for i, (e, rel_id) in enumerate(zip(entities, rel_ids, strict=True))
        ]
        earlier = an_entity(owner, "earlier", last_interaction_at=at(days=9))
        await add_all(uow_factory, owner, *entities, *rels, earlier, a_relationship(earlier, health_threshold_days=30))

        due = await read(uow_factory, lambda uow: uow.relationships.needing_attention(owner.id, self.NOW, 50))
        first_two = await read(uow_factory, lambda uow: uow.relationships.needing_attention(owner.id, self.NOW, 2))

        assert [entity.name for entity, _ in due] == ["earlier", *(e.name for e in entities)]
        assert [entity.name for entity, _ in first_two] == ["earlier", entities[0].name]

    async def test_nothing_needs_attention_in_an_empty_account(self, uow_factory: Factory) -> None:
        owner = await a_user_added(uow_factory)

        assert list(await read(uow_factory, lambda uow: uow.relationships.needing_attention(owner.id, self.NOW, 10))) == []
