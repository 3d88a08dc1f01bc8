"""The async entity port's contract: on every backend it agrees with the entity repository.

Each test runs once per backend (memory, and PostgreSQL marked ``integration``):
rows written through the unit of work must read back the same through the async
port, and the other way round, with the same errors for the same broken rules.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import pytest

from conezia.adapters.memory import MemoryAsyncEntities, MemoryStore, MemoryUnitOfWork
from conezia.core.entities import Entity
from conezia.core.errors import ConflictError, NotFoundError
from conezia.core.organizing import EntityFilter
from conezia.core.pagination import Page, PageRequest
from conezia.core.ports import AsyncEntities, UnitOfWork

from .test_repositories import (
    T0,
    a_relationship,
    a_tag,
    a_user,
    add_all,
    an_entity,
    an_entity_with_every_field,
    at,
    read,
)

if TYPE_CHECKING:
    from conezia.adapters.postgres import PostgresDatabase

__all__: list[str] = []

T = TypeVar("T")


@attrs.frozen
class Backend:
    """A backend's two ways in: units of work, and new async ports (each closed after use)."""

    uow: Callable[[], UnitOfWork]
    async_port: Callable[[], AsyncEntities]

    def run(self, action: Callable[[AsyncEntities], Awaitable[T]]) -> T:
        """Run ``action`` with a fresh async port on a fresh event loop, as a server would."""

        async def main() -> T:
            port = self.async_port()
            try:
                return await action(port)
            finally:
                close = getattr(port, "close", None)
                if close is not None:
                    await close()

        return asyncio.run(main())


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.integration)])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Both ways into one empty database."""
    if request.param == "memory":
        store = MemoryStore()
        yield Backend(uow=lambda: MemoryUnitOfWork(store), async_port=lambda: MemoryAsyncEntities(store))
        return
    database: PostgresDatabase = request.getfixturevalue("postgres_database")
    database.truncate_all()
    yield Backend(uow=database.unit_of_work, async_port=database.async_entities)
    database.truncate_all()


def test_an_entity_added_through_the_async_port_reads_back_the_same_both_ways(backend: Backend) -> None:
    owner = a_user()
    add_all(backend.uow, owner)
    entity = an_entity_with_every_field(owner)

    async def add_then_get(port: AsyncEntities) -> Entity | None:
        await port.add(entity)
        return await port.get(owner.id, entity.id)

    assert backend.run(add_then_get) == entity
    assert read(backend.uow, lambda uow: uow.entities.get(owner.id, entity.id)) == entity


def test_an_entity_written_through_a_unit_of_work_reads_back_the_same_through_the_async_port(
    backend: Backend,
) -> None:
    owner = a_user()
    entity = an_entity(owner, metadata={"a": [1, 2.5, "three"]}, last_interaction_at=at(hours=-1))
    add_all(backend.uow, owner, entity)

    assert backend.run(lambda port: port.get(owner.id, entity.id)) == entity


def test_another_owners_entity_is_absent_from_the_async_port(backend: Backend) -> None:
    owner, stranger = a_user(), a_user()
    entity = an_entity(owner)
    add_all(backend.uow, owner, stranger, entity)

    async def as_stranger(port: AsyncEntities) -> tuple[Entity | None, Page[Entity]]:
        return await port.get(stranger.id, entity.id), await port.list(stranger.id, EntityFilter(), PageRequest())

    found, page = backend.run(as_stranger)
    assert found is None
    assert list(page.items) == [] and page.next_cursor is None
    assert backend.run(lambda port: port.get(owner.id, uuid.uuid4())) is None


def test_adding_for_an_unknown_owner_is_not_found_and_writes_nothing(backend: Backend) -> None:
    ghost = a_user()
    entity = an_entity(ghost)

    with pytest.raises(NotFoundError):
        backend.run(lambda port: port.add(entity))

    assert read(backend.uow, lambda uow: uow.entities.get(ghost.id, entity.id)) is None


def test_adding_an_entity_with_an_id_in_use_is_a_conflict_on_id_and_keeps_the_first(backend: Backend) -> None:
    owner = a_user()
    first = an_entity(owner, "First")
    add_all(backend.uow, owner, first)

    with pytest.raises(ConflictError) as raised:
        backend.run(lambda port: port.add(an_entity(owner, "Second", id=first.id)))

    assert set(raised.value.errors) == {"id"}
    assert read(backend.uow, lambda uow: uow.entities.get(owner.id, first.id)) == first


def _a_varied_address_book(backend: Backend) -> Any:
    """An owner with entities of every kind of state a list filter looks at, and a stranger."""
    owner, stranger = a_user(), a_user()
    people = [
        an_entity(owner, f"Person {i:02d}", "person", inserted_at=at(seconds=i // 2), last_interaction_at=at(days=-i))
        for i in range(23)
    ]
    acme = an_entity(owner, "ACME 100% Anvils_Ltd", "organization", inserted_at=at(seconds=3))
    gone = an_entity(owner, "Archived Al", "person", inserted_at=at(seconds=4), archived_at=T0)
    theirs = an_entity(stranger, "Person 99", "person")
    friends, vip = a_tag(owner, "friends"), a_tag(owner, "vip")
    rows: list[object] = [owner, stranger, *people, acme, gone, theirs, friends, vip]
    rows += [a_relationship(people[1], type="friend"), a_relationship(acme, type="colleague", status="inactive")]
    add_all(backend.uow, *rows)
    with backend.uow() as uow:
        for person in people[:5]:
            uow.tags.attach(owner.id, person.id, friends.id, T0)
        uow.tags.attach(owner.id, people[2].id, vip.id, T0)
        uow.commit()
    return owner


CRITERIA = [
    EntityFilter(),
    EntityFilter(archived=None),
    EntityFilter(archived=True),
    EntityFilter(types=("organization", "animal")),
    EntityFilter(tag_names=("friends", "vip")),
    EntityFilter(tag_names=("friends",), types=("person",)),
    EntityFilter(relationship_types=("friend", "colleague")),
    EntityFilter(relationship_statuses=("inactive",), archived=None),
    EntityFilter(interacted_since=at(days=-7)),
    EntityFilter(name_contains="100%"),
    EntityFilter(name_contains="person 1"),
    EntityFilter(name_contains="_"),
]


@pytest.mark.parametrize("criteria", CRITERIA, ids=lambda c: repr(attrs.asdict(c, filter=lambda _a, v: bool(v))))
def test_every_page_of_every_filter_is_the_repositorys_page(backend: Backend, criteria: EntityFilter) -> None:
    owner = _a_varied_address_book(backend)

    def through_uow(page: PageRequest) -> Page[Entity]:
        return read(backend.uow, lambda uow: uow.entities.list(owner.id, criteria, page))

    async def walk_async(port: AsyncEntities) -> list[Page[Entity]]:
        pages, cursor = [], None
        while True:
            page = await port.list(owner.id, criteria, PageRequest.parse(limit=4, cursor=cursor))
            pages.append(page)
            if page.next_cursor is None:
                return pages
            cursor = page.next_cursor

    async_pages = backend.run(walk_async)
    expected, cursor = [], None
    while True:
        page = through_uow(PageRequest.parse(limit=4, cursor=cursor))
        expected.append(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [(list(p.items), p.next_cursor) for p in async_pages] == [
        (list(p.items), p.next_cursor) for p in expected
    ]
    assert sum(len(p.items) for p in async_pages) == len(
        through_uow(PageRequest(limit=200)).items
    ), "the pages together hold every match once"
