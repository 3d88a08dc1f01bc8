"""The contract of group memberships (the ``entity_groups`` links): adding, removing, clearing, paging, isolation.

Every test runs once per backend (memory, and PostgreSQL marked ``integration``).
"""

from __future__ import annotations

import uuid

import pytest

from conezia.core.errors import NotFoundError
from conezia.core.pagination import PageRequest
from conezia.core.ports import UnitOfWork

from .builders import (
    T0,
    Factory,
    a_group,
    a_user,
    add_all,
    an_entity,
    at,
    insertion_order,
    items,
    names,
    read,
    walk,
    write,
)

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


class TestEntityGroups:
    async def test_adding_a_member_twice_reports_it_as_already_there(self, uow_factory: Factory) -> None:
        user = a_user()
        group, entity = a_group(user, "g"), an_entity(user)
        await add_all(uow_factory, user, group, entity)

        assert await write(uow_factory, lambda uow: uow.groups.add_member(user.id, group.id, entity.id, T0)) is True
        assert await write(uow_factory, lambda uow: uow.groups.add_member(user.id, group.id, entity.id, at(days=1))) is False
        assert await read(uow_factory, lambda uow: items(uow.groups.members(user.id, group.id, PageRequest()))) == [
            entity
        ]

    async def test_removing_a_member_reports_whether_it_was_one(self, uow_factory: Factory) -> None:
        user = a_user()
        group, entity = a_group(user, "g"), an_entity(user)
        await add_all(uow_factory, user, group, entity)
        await write(uow_factory, lambda uow: uow.groups.add_member(user.id, group.id, entity.id, T0))

        assert await write(uow_factory, lambda uow: uow.groups.remove_member(user.id, group.id, entity.id)) is True
        assert await write(uow_factory, lambda uow: uow.groups.remove_member(user.id, group.id, entity.id)) is False
        assert await read(uow_factory, lambda uow: uow.groups.for_entity(user.id, entity.id)) == []
        assert await read(uow_factory, lambda uow: uow.entities.get(user.id, entity.id)) == entity

    async def test_clearing_a_group_counts_its_members_and_spares_other_groups(self, uow_factory: Factory) -> None:
        user = a_user()
        cleared, kept = a_group(user, "cleared"), a_group(user, "kept")
        entities = [an_entity(user, f"e{i}") for i in range(3)]
        await add_all(uow_factory, user, cleared, kept, *entities)

        async def join(uow: UnitOfWork) -> None:
            for entity in entities:
                await uow.groups.add_member(user.id, cleared.id, entity.id, T0)
            await uow.groups.add_member(user.id, kept.id, entities[0].id, T0)

        await write(uow_factory, join)

        assert await write(uow_factory, lambda uow: uow.groups.clear_members(user.id, cleared.id)) == 3
        assert await write(uow_factory, lambda uow: uow.groups.clear_members(user.id, cleared.id)) == 0
        assert await read(uow_factory, lambda uow: uow.groups.for_entity(user.id, entities[0].id)) == [kept]

    @pytest.mark.parametrize("whose", ["entity", "group"])
    async def test_membership_across_users_is_not_found(self, uow_factory: Factory, whose: str) -> None:
        user, stranger = a_user(), a_user()
        group, entity = a_group(user, "g"), an_entity(user)
        their_group, their_entity = a_group(stranger, "g"), an_entity(stranger)
        await add_all(uow_factory, user, stranger, group, entity, their_group, their_entity)
        group_id, entity_id = (group.id, their_entity.id) if whose == "entity" else (their_group.id, entity.id)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.groups.add_member(user.id, group_id, entity_id, T0)

        assert await read(uow_factory, lambda uow: uow.groups.for_entity(user.id, entity.id)) == []
        assert await read(uow_factory, lambda uow: uow.groups.for_entity(stranger.id, their_entity.id)) == []

    async def test_membership_of_an_unknown_entity_or_group_is_not_found(self, uow_factory: Factory) -> None:
        user = a_user()
        group, entity = a_group(user, "g"), an_entity(user)
        await add_all(uow_factory, user, group, entity)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.groups.add_member(user.id, group.id, uuid.uuid4(), T0)
        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.groups.add_member(user.id, uuid.uuid4(), entity.id, T0)

    async def test_members_are_walked_page_by_page_in_entity_insertion_order(self, uow_factory: Factory) -> None:
        user = a_user()
        group, other_group = a_group(user, "g"), a_group(user, "other")
        members = [
            an_entity(user, f"m{i}", inserted_at=at(minutes=i // 2), archived_at=at(days=1) if i == 3 else None)
            for i in range(7)
        ]
        outsider = an_entity(user, "outsider")
        await add_all(uow_factory, user, group, other_group, *members, outsider)

        async def join(uow: UnitOfWork) -> None:
            for i, entity in enumerate(reversed(members)):
                await uow.groups.add_member(user.id, group.id, entity.id, at(hours=i))
            await uow.groups.add_member(user.id, other_group.id, outsider.id, T0)

        await write(uow_factory, join)

        pages = await read(uow_factory, lambda uow: walk(lambda p: uow.groups.members(user.id, group.id, p), 3))

        assert [len(page.items) for page in pages] == [3, 3, 1]
        assert [name for page in pages for name in names(page)] == insertion_order(members)
        assert [m for page in pages for m in page.items] == sorted(members, key=lambda e: (e.inserted_at, e.id))

    async def test_an_entitys_groups_are_listed_by_name(self, uow_factory: Factory) -> None:
        user = a_user()
        entity = an_entity(user)
        groups = [a_group(user, n, inserted_at=at(seconds=i)) for i, n in enumerate(["work", "family", "gym"])]
        await add_all(uow_factory, user, entity, *groups, a_group(user, "aaa not joined"))

        async def join(uow: UnitOfWork) -> None:
            for group in groups:
                await uow.groups.add_member(user.id, group.id, entity.id, T0)

        await write(uow_factory, join)

        assert await read(uow_factory, lambda uow: uow.groups.for_entity(user.id, entity.id)) == sorted(
            groups, key=lambda g: g.name
        )

    async def test_deleting_a_group_ends_its_memberships(self, uow_factory: Factory) -> None:
        user = a_user()
        doomed, kept, entity = a_group(user, "doomed"), a_group(user, "kept"), an_entity(user)
        await add_all(uow_factory, user, doomed, kept, entity)

        async def join(uow: UnitOfWork) -> None:
            await uow.groups.add_member(user.id, doomed.id, entity.id, T0)
            await uow.groups.add_member(user.id, kept.id, entity.id, T0)

        await write(uow_factory, join)

        assert await write(uow_factory, lambda uow: uow.groups.delete(user.id, doomed.id)) is True
        assert await read(uow_factory, lambda uow: uow.groups.for_entity(user.id, entity.id)) == [kept]
        assert await read(uow_factory, lambda uow: uow.entities.get(user.id, entity.id)) == entity
