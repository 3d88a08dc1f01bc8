"""The memberships' own rules (the ``entity_groups`` table): clearing a group, and a group's members page by page.

What every link shares (idempotent adding, removing, an entity's groups by name, isolation,
unknown ids, the cascade from a deleted group) is checked by ``test_links.py``. Every test
runs once per backend (memory, and PostgreSQL marked ``integration``).
"""

from __future__ import annotations

import pytest

from conezia.core.ports import UnitOfWork

from .builders import T0, Factory, a_group, a_user, add_all, an_entity, at, insertion_order, names, read, walk, write

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


class TestEntityGroups:
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
