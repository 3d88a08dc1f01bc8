"""The tag repository's own rules: names unique per user and case-sensitive, listed by code point.

What every owned table shares (isolation, unknown ids, the unique name, CHECKs, lengths,
nothing written on error, round trips) is checked by ``test_owned_resources.py``; tagging
an entity (the ``entity_tags`` links) by ``test_entity_tags.py``. Every test runs once per
backend (memory, and PostgreSQL marked ``integration``).
"""

from __future__ import annotations

import pytest

from .builders import Factory, a_tag, a_user, a_user_added, add_all, at, read

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


class TestTags:
    async def test_tag_names_are_unique_per_user_and_case_sensitive(self, uow_factory: Factory) -> None:
        user, other = a_user(), a_user()
        await add_all(uow_factory, user, other, a_tag(user, "work"), a_tag(other, "work"), a_tag(user, "Work"))

        assert sorted(t.name for t in await read(uow_factory, lambda uow: uow.tags.list(user.id))) == ["Work", "work"]
        assert [t.name for t in await read(uow_factory, lambda uow: uow.tags.list(other.id))] == ["work"]

    async def test_a_users_tags_are_listed_by_name(self, uow_factory: Factory) -> None:
        user = a_user()
        tags = [a_tag(user, name, inserted_at=at(seconds=i)) for i, name in enumerate(["zeta", "alpha", "mid", "beta"])]
        await add_all(uow_factory, user, *tags, a_tag(await a_user_added(uow_factory), "aaa"))

        listed_tags = await read(uow_factory, lambda uow: uow.tags.list(user.id))
        assert [t.name for t in listed_tags] == ["alpha", "beta", "mid", "zeta"]

    async def test_tag_names_sort_by_code_point_whatever_the_database_locale(self, uow_factory: Factory) -> None:
        user = a_user()
        await add_all(uow_factory, user, *(a_tag(user, name) for name in ["beta", "Zed", "alpha", "Alpha", "émile", "_x"]))

        assert [t.name for t in await read(uow_factory, lambda uow: uow.tags.list(user.id))] == [
            "Alpha", "Zed", "_x", "alpha", "beta", "émile",
        ]
