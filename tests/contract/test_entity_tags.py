"""The contract of tagging (the ``entity_tags`` links): idempotent tagging, untagging, an entity's tags, and isolation.

Every test runs once per backend (memory, and PostgreSQL marked ``integration``).
"""

from __future__ import annotations

import uuid

import pytest

from conezia.core.errors import NotFoundError
from conezia.core.organizing import EntityFilter
from conezia.core.ports import UnitOfWork

from .builders import T0, Factory, a_tag, a_user, add_all, an_entity, at, listed, read, write

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


class TestEntityTags:
    async def test_tagging_twice_reports_the_tag_as_already_there(self, uow_factory: Factory) -> None:
        user = a_user()
        entity, tag = an_entity(user), a_tag(user, "vip")
        await add_all(uow_factory, user, entity, tag)

        assert await write(uow_factory, lambda uow: uow.tags.attach(user.id, entity.id, tag.id, T0)) is True
        assert await write(uow_factory, lambda uow: uow.tags.attach(user.id, entity.id, tag.id, at(days=1))) is False
        assert await read(uow_factory, lambda uow: uow.tags.for_entity(user.id, entity.id)) == [tag]

    async def test_untagging_reports_whether_the_tag_was_there(self, uow_factory: Factory) -> None:
        user = a_user()
        entity, tag = an_entity(user), a_tag(user, "vip")
        await add_all(uow_factory, user, entity, tag)
        await write(uow_factory, lambda uow: uow.tags.attach(user.id, entity.id, tag.id, T0))

        assert await write(uow_factory, lambda uow: uow.tags.detach(user.id, entity.id, tag.id)) is True
        assert await write(uow_factory, lambda uow: uow.tags.detach(user.id, entity.id, tag.id)) is False
        assert await read(uow_factory, lambda uow: uow.tags.for_entity(user.id, entity.id)) == []
        assert await read(uow_factory, lambda uow: uow.tags.get(user.id, tag.id)) == tag

    async def test_an_entitys_tags_are_listed_by_name(self, uow_factory: Factory) -> None:
        user = a_user()
        entity, untagged = an_entity(user), an_entity(user, "untagged")
        tags = [a_tag(user, name, inserted_at=at(seconds=i)) for i, name in enumerate(["vip", "family", "work"])]
        unused = a_tag(user, "aaa unused")
        await add_all(uow_factory, user, entity, untagged, *tags, unused)

        async def tag_all(uow: UnitOfWork) -> None:
            for t in tags:
                await uow.tags.attach(user.id, entity.id, t.id, T0)

        await write(uow_factory, tag_all)

        assert [t.name for t in await read(uow_factory, lambda uow: uow.tags.for_entity(user.id, entity.id))] == [
            "family", "vip", "work",
        ]
        assert await read(uow_factory, lambda uow: uow.tags.for_entity(user.id, untagged.id)) == []

    @pytest.mark.parametrize("whose", ["entity", "tag"])
    async def test_tagging_across_users_is_not_found(self, uow_factory: Factory, whose: str) -> None:
        user, stranger = a_user(), a_user()
        entity, tag = an_entity(user), a_tag(user, "vip")
        their_entity, their_tag = an_entity(stranger), a_tag(stranger, "vip")
        await add_all(uow_factory, user, stranger, entity, tag, their_entity, their_tag)
        entity_id, tag_id = (their_entity.id, tag.id) if whose == "entity" else (entity.id, their_tag.id)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.tags.attach(user.id, entity_id, tag_id, T0)

        assert await read(uow_factory, lambda uow: uow.tags.for_entity(user.id, entity.id)) == []
        assert await read(uow_factory, lambda uow: uow.tags.for_entity(stranger.id, their_entity.id)) == []

    async def test_tagging_an_unknown_entity_or_with_an_unknown_tag_is_not_found(self, uow_factory: Factory) -> None:
        user = a_user()
        entity, tag = an_entity(user), a_tag(user, "vip")
        await add_all(uow_factory, user, entity, tag)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.tags.attach(user.id, uuid.uuid4(), tag.id, T0)
        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.tags.attach(user.id, entity.id, uuid.uuid4(), T0)

    async def test_another_user_cannot_untag_or_see_the_tags(self, uow_factory: Factory) -> None:
        user, stranger = a_user(), a_user()
        entity, tag = an_entity(user), a_tag(user, "vip")
        await add_all(uow_factory, user, stranger, entity, tag)
        await write(uow_factory, lambda uow: uow.tags.attach(user.id, entity.id, tag.id, T0))

        assert await write(uow_factory, lambda uow: uow.tags.detach(stranger.id, entity.id, tag.id)) is False
        assert await read(uow_factory, lambda uow: uow.tags.for_entity(stranger.id, entity.id)) == []
        assert await read(uow_factory, lambda uow: uow.tags.for_entity(user.id, entity.id)) == [tag]

    async def test_deleting_a_tag_untags_its_entities(self, uow_factory: Factory) -> None:
        user = a_user()
        entity, doomed, kept = an_entity(user), a_tag(user, "doomed"), a_tag(user, "kept")
        await add_all(uow_factory, user, entity, doomed, kept)

        async def tag_both(uow: UnitOfWork) -> None:
            await uow.tags.attach(user.id, entity.id, doomed.id, T0)
            await uow.tags.attach(user.id, entity.id, kept.id, T0)

        await write(uow_factory, tag_both)

        assert await write(uow_factory, lambda uow: uow.tags.delete(user.id, doomed.id)) is True
        assert await read(uow_factory, lambda uow: uow.tags.for_entity(user.id, entity.id)) == [kept]
        assert await listed(uow_factory, user, EntityFilter(tag_names=("doomed",), archived=None)) == []
        assert await read(uow_factory, lambda uow: uow.entities.get(user.id, entity.id)) == entity
