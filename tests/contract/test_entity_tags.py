"""The tagging links' own rule (the ``entity_tags`` table): a deleted tag no longer finds its entities.

What every link shares (idempotent tagging, untagging, an entity's tags by name, isolation,
unknown ids, the cascade from a deleted tag) is checked by ``test_links.py``. Every test runs
once per backend (memory, and PostgreSQL marked ``integration``).
"""

from __future__ import annotations

import pytest

from conezia.core.organizing import EntityFilter

from .builders import T0, Factory, a_tag, a_user, add_all, an_entity, listed, write

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


class TestEntityTags:
    async def test_entities_are_no_longer_found_by_the_name_of_a_deleted_tag(self, uow_factory: Factory) -> None:
        user = a_user()
        entity, doomed = an_entity(user), a_tag(user, "doomed")
        await add_all(uow_factory, user, entity, doomed)
        await write(uow_factory, lambda uow: uow.tags.attach(user.id, entity.id, doomed.id, T0))
        by_name = EntityFilter(tag_names=("doomed",), archived=None)
        assert await listed(uow_factory, user, by_name) == [entity.name]

        await write(uow_factory, lambda uow: uow.tags.delete(user.id, doomed.id))

        assert await listed(uow_factory, user, by_name) == []
