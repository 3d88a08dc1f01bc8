"""The unit of work's contract: nothing is visible until committed, and a failure writes nothing.

Every test runs once per backend (memory, and PostgreSQL marked ``integration``).
"""

from __future__ import annotations

import pytest

from .builders import (
    Factory,
    a_group,
    a_tag,
    a_user,
    a_user_added,
    add_all,
    an_entity,
    read,
)

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


class TestUnitOfWork:
    async def test_a_locking_read_returns_the_same_rows_and_still_hides_other_owners(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        entity = an_entity(owner)
        tag, group = a_tag(owner, "t"), a_group(owner, "g")
        await add_all(uow_factory, owner, stranger, entity, tag, group)

        async with uow_factory() as uow:
            assert await uow.users.get(owner.id, for_update=True) == owner
            assert await uow.entities.get(owner.id, entity.id, for_update=True) == entity
            assert await uow.tags.get(owner.id, tag.id, for_update=True) == tag
            assert await uow.groups.get(owner.id, group.id, for_update=True) == group
            assert await uow.entities.get(stranger.id, entity.id, for_update=True) is None
            assert await uow.tags.get(stranger.id, tag.id, for_update=True) is None
            assert await uow.groups.get(stranger.id, group.id, for_update=True) is None

    async def test_writes_are_visible_inside_the_unit_of_work_before_commit(self, uow_factory: Factory) -> None:
        user = a_user()
        entity = an_entity(user)

        async with uow_factory() as uow:
            await uow.users.add(user)
            await uow.entities.add(entity)
            assert await uow.users.get(user.id) == user
            assert await uow.entities.get(user.id, entity.id) == entity

    async def test_without_commit_nothing_is_visible_to_a_new_unit_of_work(self, uow_factory: Factory) -> None:
        user = a_user()
        entity = an_entity(user)

        async with uow_factory() as uow:
            await uow.users.add(user)
            await uow.entities.add(entity)

        assert await read(uow_factory, lambda uow: uow.users.get(user.id)) is None
        assert await read(uow_factory, lambda uow: uow.entities.get(user.id, entity.id)) is None

    async def test_an_exception_inside_the_with_block_writes_nothing(self, uow_factory: Factory) -> None:
        kept = await a_user_added(uow_factory)
        user = a_user()

        class Boom(Exception):
            pass

        async def fail() -> None:
            async with uow_factory() as uow:
                await uow.users.add(user)
                await uow.users.delete(kept.id)
                raise Boom

        with pytest.raises(Boom):
            await fail()

        assert await read(uow_factory, lambda uow: uow.users.get(user.id)) is None
        assert await read(uow_factory, lambda uow: uow.users.get(kept.id)) == kept

    async def test_rollback_discards_pending_writes_and_the_unit_of_work_stays_usable(self, uow_factory: Factory) -> None:
        discarded, kept = a_user(), a_user()

        async with uow_factory() as uow:
            await uow.users.add(discarded)
            await uow.rollback()
            assert await uow.users.get(discarded.id) is None
            await uow.users.add(kept)
            await uow.commit()

        assert await read(uow_factory, lambda uow: uow.users.get(discarded.id)) is None
        assert await read(uow_factory, lambda uow: uow.users.get(kept.id)) == kept

    async def test_writes_after_a_commit_need_another_commit(self, uow_factory: Factory) -> None:
        committed, pending = a_user(), a_user()

        async with uow_factory() as uow:
            await uow.users.add(committed)
            await uow.commit()
            await uow.users.add(pending)

        assert await read(uow_factory, lambda uow: uow.users.get(committed.id)) == committed
        assert await read(uow_factory, lambda uow: uow.users.get(pending.id)) is None

    async def test_a_unit_of_work_may_commit_more_than_once(self, uow_factory: Factory) -> None:
        first, second = a_user(), a_user()

        async with uow_factory() as uow:
            await uow.users.add(first)
            await uow.commit()
            await uow.users.add(second)
            await uow.users.delete(first.id)
            await uow.commit()

        assert await read(uow_factory, lambda uow: uow.users.get(first.id)) is None
        assert await read(uow_factory, lambda uow: uow.users.get(second.id)) == second

    async def test_an_open_unit_of_work_does_not_see_another_ones_uncommitted_writes(self, uow_factory: Factory) -> None:
        user = a_user()

        async with uow_factory() as writer:
            await writer.users.add(user)
            assert await read(uow_factory, lambda uow: uow.users.get(user.id)) is None
            await writer.commit()

        assert await read(uow_factory, lambda uow: uow.users.get(user.id)) == user

    async def test_units_of_work_committing_different_rows_keep_both_writes(self, uow_factory: Factory) -> None:
        first, second = a_user(), a_user()

        async with uow_factory() as one, uow_factory() as two:
            await one.users.add(first)
            await two.users.add(second)
            await two.commit()
            await one.commit()

        assert await read(uow_factory, lambda uow: uow.users.get(first.id)) == first
        assert await read(uow_factory, lambda uow: uow.users.get(second.id)) == second

    async def test_an_object_added_and_then_changed_is_stored_as_it_was_added(self, uow_factory: Factory) -> None:
        user = a_user(settings={"a": 1})

        async with uow_factory() as uow:
            await uow.users.add(user)
            user.settings["a"] = 2
            user.name = "changed after add"
            await uow.commit()

        stored = await read(uow_factory, lambda uow: uow.users.get(user.id))
        assert stored is not None and stored.settings == {"a": 1} and stored.name is None
