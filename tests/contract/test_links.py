"""One contract for every link between an entity and a parent row (tagging, group memberships).

Each test runs for every entry of :data:`tests.contract.resources.LINKS` on every backend
(memory, and PostgreSQL marked ``integration``): linking is idempotent and says so, unlinking
says whether there was a link and keeps both rows, an entity's parents are listed by name,
another user's rows and unknown ids are not found, and deleting the parent ends its links.
What a link table does besides (filtering entities by tag, a group's pages of members,
clearing a group) stays in its own suite.
"""

from __future__ import annotations

import uuid

import pytest

from conezia.core.errors import NotFoundError
from conezia.core.ports import UnitOfWork

from .builders import T0, Factory, a_user, add_all, an_entity, at, read, repository_of, write
from .resources import LINKS, Link, named

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


@pytest.fixture(params=LINKS, ids=named)
def link(request: pytest.FixtureRequest) -> Link:
    chosen: Link = request.param
    return chosen


async def test_linking_twice_reports_the_link_as_already_there(uow_factory: Factory, link: Link) -> None:
    user = a_user()
    entity, parent = an_entity(user), link.parent(user, "vip")
    await add_all(uow_factory, user, entity, parent)

    assert await write(uow_factory, lambda uow: link.link(uow, user.id, entity.id, parent.id, T0)) is True
    assert await write(uow_factory, lambda uow: link.link(uow, user.id, entity.id, parent.id, at(days=1))) is False
    assert await read(uow_factory, lambda uow: link.of_entity(uow, user.id, entity.id)) == [parent]


async def test_unlinking_reports_whether_there_was_a_link_and_keeps_both_rows(
    uow_factory: Factory, link: Link
) -> None:
    user = a_user()
    entity, parent = an_entity(user), link.parent(user, "vip")
    await add_all(uow_factory, user, entity, parent)
    await write(uow_factory, lambda uow: link.link(uow, user.id, entity.id, parent.id, T0))

    assert await write(uow_factory, lambda uow: link.unlink(uow, user.id, entity.id, parent.id)) is True
    assert await write(uow_factory, lambda uow: link.unlink(uow, user.id, entity.id, parent.id)) is False
    assert await read(uow_factory, lambda uow: link.of_entity(uow, user.id, entity.id)) == []
    assert await read(uow_factory, lambda uow: repository_of(uow, parent).get(user.id, parent.id)) == parent
    assert await read(uow_factory, lambda uow: repository_of(uow, entity).get(user.id, entity.id)) == entity


async def test_an_entitys_parents_are_listed_by_name(uow_factory: Factory, link: Link) -> None:
    user = a_user()
    entity, unlinked = an_entity(user), an_entity(user, "unlinked")
    parents = [link.parent(user, name, inserted_at=at(seconds=i)) for i, name in enumerate(["vip", "family", "work"])]
    await add_all(uow_factory, user, entity, unlinked, *parents, link.parent(user, "aaa unused"))

    async def link_all(uow: UnitOfWork) -> None:
        for i, parent in enumerate(parents):
            await link.link(uow, user.id, entity.id, parent.id, at(hours=-i))

    await write(uow_factory, link_all)

    assert [p.name for p in await read(uow_factory, lambda uow: link.of_entity(uow, user.id, entity.id))] == [
        "family", "vip", "work",
    ]
    assert await read(uow_factory, lambda uow: link.of_entity(uow, user.id, unlinked.id)) == []


@pytest.mark.parametrize("whose", ["their entity", "their parent"])
async def test_linking_another_users_row_is_not_found(uow_factory: Factory, link: Link, whose: str) -> None:
    user, stranger = a_user(), a_user()
    entity, parent = an_entity(user), link.parent(user, "vip")
    their_entity, their_parent = an_entity(stranger), link.parent(stranger, "vip")
    await add_all(uow_factory, user, stranger, entity, parent, their_entity, their_parent)
    entity_id, parent_id = (their_entity.id, parent.id) if whose == "their entity" else (entity.id, their_parent.id)

    async with uow_factory() as uow:
        with pytest.raises(NotFoundError):
            await link.link(uow, user.id, entity_id, parent_id, T0)

    assert await read(uow_factory, lambda uow: link.of_entity(uow, user.id, entity.id)) == []
    assert await read(uow_factory, lambda uow: link.of_entity(uow, stranger.id, their_entity.id)) == []


@pytest.mark.parametrize("unknown", ["unknown entity", "unknown parent"])
async def test_linking_an_unknown_entity_or_parent_is_not_found(uow_factory: Factory, link: Link, unknown: str) -> None:
    user = a_user()
    entity, parent = an_entity(user), link.parent(user, "vip")
    await add_all(uow_factory, user, entity, parent)
    entity_id, parent_id = (uuid.uuid4(), parent.id) if unknown == "unknown entity" else (entity.id, uuid.uuid4())

    async with uow_factory() as uow:
        with pytest.raises(NotFoundError):
            await link.link(uow, user.id, entity_id, parent_id, T0)


async def test_another_user_can_neither_unlink_nor_see_the_links(uow_factory: Factory, link: Link) -> None:
    user, stranger = a_user(), a_user()
    entity, parent = an_entity(user), link.parent(user, "vip")
    await add_all(uow_factory, user, stranger, entity, parent)
    await write(uow_factory, lambda uow: link.link(uow, user.id, entity.id, parent.id, T0))

    assert await write(uow_factory, lambda uow: link.unlink(uow, stranger.id, entity.id, parent.id)) is False
    assert await read(uow_factory, lambda uow: link.of_entity(uow, stranger.id, entity.id)) == []
    assert await read(uow_factory, lambda uow: link.of_entity(uow, user.id, entity.id)) == [parent]


async def test_deleting_the_parent_ends_its_links_and_keeps_the_entity(uow_factory: Factory, link: Link) -> None:
    user = a_user()
    entity, doomed, kept = an_entity(user), link.parent(user, "doomed"), link.parent(user, "kept")
    await add_all(uow_factory, user, entity, doomed, kept)

    async def link_both(uow: UnitOfWork) -> None:
        await link.link(uow, user.id, entity.id, doomed.id, T0)
        await link.link(uow, user.id, entity.id, kept.id, T0)

    await write(uow_factory, link_both)

    assert await write(uow_factory, lambda uow: repository_of(uow, doomed).delete(user.id, doomed.id)) is True
    assert await read(uow_factory, lambda uow: link.of_entity(uow, user.id, entity.id)) == [kept]
    assert await read(uow_factory, lambda uow: repository_of(uow, entity).get(user.id, entity.id)) == entity
