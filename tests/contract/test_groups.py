"""The group repository's own rules: smart groups' rules, and names listed by code point.

What every owned table shares (isolation, unknown ids, the unique name, CHECKs such as
"a smart group has rules", lengths, nothing written on error, round trips) is checked by
``test_owned_resources.py``; memberships (the ``entity_groups`` links) by
``test_entity_groups.py``. Every test runs once per backend (memory, and PostgreSQL marked
``integration``).
"""

from __future__ import annotations

import pytest

from .builders import Factory, a_group, a_user, a_user_added, add_all, at, read

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


class TestGroups:
    async def test_a_smart_group_reads_back_with_its_rules(self, uow_factory: Factory) -> None:
        user = a_user()
        group = a_group(
            user, "Close friends", description="Rule based ✓", is_smart=True,
            rules={"type": ["person"], "tags": ["close", "vip"], "last_interaction_days": 30},
            inserted_at=at(microseconds=8), updated_at=at(days=1, microseconds=9),
        )
        await add_all(uow_factory, user, group)

        assert await read(uow_factory, lambda uow: uow.groups.get(user.id, group.id)) == group

    async def test_a_users_groups_are_listed_by_name(self, uow_factory: Factory) -> None:
        user = a_user()
        groups = [a_group(user, n, inserted_at=at(seconds=i)) for i, n in enumerate(["work", "family", "gym"])]
        await add_all(uow_factory, user, *groups, a_group(await a_user_added(uow_factory), "aaa"))

        assert [g.name for g in await read(uow_factory, lambda uow: uow.groups.list(user.id))] == ["family", "gym", "work"]

    async def test_group_names_sort_by_code_point_whatever_the_database_locale(self, uow_factory: Factory) -> None:
        user = a_user()
        await add_all(uow_factory, user, *(a_group(user, name) for name in ["beta", "Zed", "alpha", "Alpha"]))

        assert [g.name for g in await read(uow_factory, lambda uow: uow.groups.list(user.id))] == [
            "Alpha", "Zed", "alpha", "beta",
        ]
