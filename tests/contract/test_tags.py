"""The tag repository's own rule: names are unique per user and case-sensitive.

What every owned table shares (isolation, unknown ids, the unique name, CHECKs, lengths,
nothing written on error, round trips, names listed by code point) is checked by
``test_owned_resources.py``; tagging an entity (the ``entity_tags`` links) by
``test_entity_tags.py``. Every test runs once per backend (memory, and PostgreSQL marked
``integration``).
"""

from __future__ import annotations

import pytest

from .builders import Factory, a_tag, a_user, add_all, read

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


class TestTags:
    async def test_tag_names_are_unique_per_user_and_case_sensitive(self, uow_factory: Factory) -> None:
        user, other = a_user(), a_user()
        await add_all(uow_factory, user, other, a_tag(user, "work"), a_tag(other, "work"), a_tag(user, "Work"))

        assert sorted(t.name for t in await read(uow_factory, lambda uow: uow.tags.list(user.id))) == ["Work", "work"]
        assert [t.name for t in await read(uow_factory, lambda uow: uow.tags.list(other.id))] == ["work"]
