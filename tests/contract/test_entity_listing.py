"""The entity repository's listing: every criterion of the filter, and keyset pages.

Every test runs once per backend (memory, and PostgreSQL marked ``integration``).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conezia.adapters.memory import MemoryStore, MemoryUnitOfWork
from conezia.core.organizing import EntityFilter
from conezia.core.pagination import PageRequest
from conezia.core.ports import UnitOfWork

from .builders import (
    EVERYTHING,
    IST,
    T0,
    Factory,
    a_relationship,
    a_tag,
    a_user,
    a_user_added,
    add_all,
    an_entity,
    at,
    insertion_order,
    listed,
    names,
    read,
    walk,
    write,
)

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


class TestEntityListing:
    async def test_entities_are_listed_in_insertion_order_then_by_id(self, uow_factory: Factory) -> None:
        owner = a_user()
        rows = [
            an_entity(owner, "late", inserted_at=at(minutes=2)),
            an_entity(owner, "tie-1", inserted_at=at(minutes=1)),
            an_entity(owner, "tie-2", inserted_at=at(minutes=1)),
            an_entity(owner, "tie-3", inserted_at=at(minutes=1)),
            an_entity(owner, "early", inserted_at=at(microseconds=1)),
            an_entity(owner, "earliest", inserted_at=T0),
        ]
        await add_all(uow_factory, owner, *rows)

        assert await listed(uow_factory, owner) == insertion_order(rows)

    @pytest.mark.parametrize(
        ("archived", "expected"),
        [(None, ["live", "archived"]), (False, ["live"]), (True, ["archived"])],
    )
    async def test_the_archived_criterion_selects_live_archived_or_both(
        self, uow_factory: Factory, archived: bool | None, expected: list[str]
    ) -> None:
        owner = a_user()
        await add_all(
            uow_factory,
            owner,
            an_entity(owner, "live"),
            an_entity(owner, "archived", archived_at=at(days=1), inserted_at=at(seconds=1)),
        )

        assert await listed(uow_factory, owner, EntityFilter(archived=archived)) == expected

    async def test_the_default_criteria_list_only_live_entities(self, uow_factory: Factory) -> None:
        owner = a_user()
        await add_all(uow_factory, owner, an_entity(owner, "live"), an_entity(owner, "gone", archived_at=T0))

        assert await listed(uow_factory, owner, EntityFilter()) == ["live"]

    async def test_the_types_criterion_keeps_any_of_the_types(self, uow_factory: Factory) -> None:
        owner = a_user()
        await add_all(
            uow_factory,
            owner,
            an_entity(owner, "ada", "person", inserted_at=at(seconds=1)),
            an_entity(owner, "acme", "organization", inserted_at=at(seconds=2)),
            an_entity(owner, "rex", "animal", inserted_at=at(seconds=3)),
        )

        assert await listed(uow_factory, owner, EntityFilter(types=("animal", "person"), archived=None)) == ["ada", "rex"]
        assert await listed(uow_factory, owner, EntityFilter(types=("service",), archived=None)) == []

    async def test_interacted_since_includes_the_instant_itself_and_excludes_never_contacted(
        self, uow_factory: Factory
    ) -> None:
        owner = a_user()
        await add_all(
            uow_factory,
            owner,
            an_entity(owner, "before", last_interaction_at=at(days=1, microseconds=-1), inserted_at=at(seconds=1)),
            an_entity(owner, "exactly", last_interaction_at=at(days=1), inserted_at=at(seconds=2)),
            an_entity(owner, "after", last_interaction_at=at(days=2), inserted_at=at(seconds=3)),
            an_entity(owner, "never", inserted_at=at(seconds=4)),
        )

        since = at(days=1).astimezone(IST)
        assert await listed(uow_factory, owner, EntityFilter(interacted_since=since, archived=None)) == ["exactly", "after"]

    async def test_name_contains_matches_a_substring_in_any_case(self, uow_factory: Factory) -> None:
        owner = a_user()
        await add_all(
            uow_factory,
            owner,
            an_entity(owner, "Ada Lovelace", inserted_at=at(seconds=1)),
            an_entity(owner, "Grace Hopper", inserted_at=at(seconds=2)),
            an_entity(owner, "LOVELACE Estate", inserted_at=at(seconds=3)),
        )

        for needle in ("lovelace", "LoVeLaCe", "LOVELACE"):
            criteria = EntityFilter(name_contains=needle, archived=None)
            assert await listed(uow_factory, owner, criteria) == ["Ada Lovelace", "LOVELACE Estate"]
        assert await listed(uow_factory, owner, EntityFilter(name_contains="", archived=None)) == [
            "Ada Lovelace", "Grace Hopper", "LOVELACE Estate",
        ]

    @pytest.mark.parametrize(
        ("needle", "expected"),
        [("100%", ["100% Organic"]), ("a_b", ["a_b"]), ("\\", ["back\\slash"]), ("%", ["100% Organic"])],
    )
    async def test_name_contains_takes_wildcard_characters_literally(
        self, uow_factory: Factory, needle: str, expected: list[str]
    ) -> None:
        owner = a_user()
        await add_all(
            uow_factory,
            owner,
            an_entity(owner, "100% Organic", inserted_at=at(seconds=1)),
            an_entity(owner, "1000 Organic", inserted_at=at(seconds=2)),
            an_entity(owner, "a_b", inserted_at=at(seconds=3)),
            an_entity(owner, "axb", inserted_at=at(seconds=4)),
            an_entity(owner, "back\\slash", inserted_at=at(seconds=5)),
        )

        assert await listed(uow_factory, owner, EntityFilter(name_contains=needle, archived=None)) == expected

    async def test_tag_names_require_every_one_of_the_tags(self, uow_factory: Factory) -> None:
        owner = a_user()
        work, vip, golf = a_tag(owner, "work"), a_tag(owner, "vip"), a_tag(owner, "golf")
        both = an_entity(owner, "both", inserted_at=at(seconds=1))
        only_work = an_entity(owner, "only work", inserted_at=at(seconds=2))
        all_three = an_entity(owner, "all three", inserted_at=at(seconds=3))
        none = an_entity(owner, "none", inserted_at=at(seconds=4))
        await add_all(uow_factory, owner, work, vip, golf, both, only_work, all_three, none)

        async def tag(uow: UnitOfWork) -> None:
            for entity, tags in ((both, [work, vip]), (only_work, [work]), (all_three, [work, vip, golf])):
                for t in tags:
                    await uow.tags.attach(owner.id, entity.id, t.id, T0)

        await write(uow_factory, tag)

        async def with_tags(*tag_names: str) -> list[str]:
            return await listed(uow_factory, owner, EntityFilter(tag_names=tag_names, archived=None))

        assert await with_tags("work", "vip") == ["both", "all three"]
        assert await with_tags("work") == ["both", "only work", "all three"]
        assert await with_tags("vip", "vip") == ["both", "all three"]
        assert await with_tags("work", "unknown") == []
        assert await with_tags("Work") == []

    async def test_a_tag_of_the_same_name_of_another_user_does_not_count(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        entity = an_entity(owner)
        theirs = a_tag(stranger, "vip")
        stranger_entity = an_entity(stranger)
        await add_all(uow_factory, owner, stranger, entity, theirs, stranger_entity)
        await write(uow_factory, lambda uow: uow.tags.attach(stranger.id, stranger_entity.id, theirs.id, T0))

        assert await listed(uow_factory, owner, EntityFilter(tag_names=("vip",), archived=None)) == []

    async def test_relationship_criteria_match_any_of_the_values_and_need_a_relationship(
        self, uow_factory: Factory
    ) -> None:
        owner = a_user()
        friend = an_entity(owner, "friend", inserted_at=at(seconds=1))
        old_colleague = an_entity(owner, "old colleague", inserted_at=at(seconds=2))
        family = an_entity(owner, "family", inserted_at=at(seconds=3))
        untyped = an_entity(owner, "untyped", inserted_at=at(seconds=4))
        stranger = an_entity(owner, "no relationship", inserted_at=at(seconds=5))
        await add_all(
            uow_factory, owner, friend, old_colleague, family, untyped, stranger,
            a_relationship(friend, type="friend"),
            a_relationship(old_colleague, type="colleague", status="inactive"),
            a_relationship(family, type="family", status="archived"),
            a_relationship(untyped),
        )

        async def matching(**criteria: Any) -> list[str]:
            return await listed(uow_factory, owner, EntityFilter(archived=None, **criteria))

        assert await matching(relationship_types=("friend", "colleague")) == ["friend", "old colleague"]
        assert await matching(relationship_types=("vendor",)) == []
        assert await matching(relationship_statuses=("active",)) == ["friend", "untyped"]
        assert await matching(relationship_statuses=("inactive", "archived")) == ["old colleague", "family"]
        assert await matching(relationship_types=("friend", "family"), relationship_statuses=("archived",)) == ["family"]

    async def test_every_given_criterion_must_hold(self, uow_factory: Factory) -> None:
        owner = a_user()
        vip = a_tag(owner, "vip")
        target = an_entity(owner, "Ada Target", last_interaction_at=at(days=5), inserted_at=at(seconds=1))
        wrong_type = an_entity(owner, "Ada Org", "organization", last_interaction_at=at(days=5),
                               inserted_at=at(seconds=2))
        stale = an_entity(owner, "Ada Stale", last_interaction_at=at(days=1), inserted_at=at(seconds=3))
        untagged = an_entity(owner, "Ada Untagged", last_interaction_at=at(days=5), inserted_at=at(seconds=4))
        other_name = an_entity(owner, "Grace", last_interaction_at=at(days=5), inserted_at=at(seconds=5))
        archived = an_entity(owner, "Ada Archived", last_interaction_at=at(days=5), archived_at=at(days=6),
                             inserted_at=at(seconds=6))
        inactive = an_entity(owner, "Ada Inactive", last_interaction_at=at(days=5), inserted_at=at(seconds=7))
        everyone = [target, wrong_type, stale, untagged, other_name, archived, inactive]
        await add_all(
            uow_factory, owner, vip, *everyone,
            *[a_relationship(e, type="friend", status="inactive" if e is inactive else "active") for e in everyone],
        )

        async def tag(uow: UnitOfWork) -> None:
            for entity in everyone:
                if entity is not untagged:
                    await uow.tags.attach(owner.id, entity.id, vip.id, T0)

        await write(uow_factory, tag)
        criteria = EntityFilter(
            types=("person",),
            tag_names=("vip",),
            relationship_types=("friend",),
            relationship_statuses=("active",),
            interacted_since=at(days=2),
            archived=False,
            name_contains="ada",
        )

        assert await listed(uow_factory, owner, criteria) == ["Ada Target"]

    async def test_walking_the_pages_visits_every_entity_once_in_order(self, uow_factory: Factory) -> None:
        owner = a_user()
        rows = [an_entity(owner, f"e{i}", inserted_at=at(minutes=i // 3)) for i in range(8)]
        await add_all(uow_factory, owner, a_user(), *rows)

        pages = await read(uow_factory, lambda uow: walk(lambda p: uow.entities.list(owner.id, EVERYTHING, p), 3))

        assert [len(page.items) for page in pages] == [3, 3, 2]
        assert [name for page in pages for name in names(page)] == insertion_order(rows)

    async def test_a_last_page_that_fills_exactly_has_no_next_cursor(self, uow_factory: Factory) -> None:
        owner = a_user()
        rows = [an_entity(owner, f"e{i}", inserted_at=at(seconds=i)) for i in range(4)]
        await add_all(uow_factory, owner, *rows)

        pages = await read(uow_factory, lambda uow: walk(lambda p: uow.entities.list(owner.id, EVERYTHING, p), 2))

        assert [names(page) for page in pages] == [["e0", "e1"], ["e2", "e3"]]
        assert pages[0].next_cursor is not None and pages[1].next_cursor is None

    async def test_pages_apply_the_criteria_before_cutting(self, uow_factory: Factory) -> None:
        owner = a_user()
        rows = [
            an_entity(owner, f"e{i}", "person" if i % 2 else "thing", inserted_at=at(seconds=i)) for i in range(9)
        ]
        await add_all(uow_factory, owner, *rows)
        people = EntityFilter(types=("person",), archived=None)

        pages = await read(uow_factory, lambda uow: walk(lambda p: uow.entities.list(owner.id, people, p), 2))

        assert [names(page) for page in pages] == [["e1", "e3"], ["e5", "e7"]]

    async def test_an_empty_listing_is_one_page_without_cursor(self, uow_factory: Factory) -> None:
        owner = await a_user_added(uow_factory)

        page = await read(uow_factory, lambda uow: uow.entities.list(owner.id, EVERYTHING, PageRequest(limit=5)))

        assert list(page.items) == [] and page.next_cursor is None


@settings(max_examples=60, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=4), max_size=25),
    archived=st.lists(st.booleans(), min_size=25, max_size=25),
    limit=st.integers(min_value=1, max_value=7),
)
async def test_on_memory_any_page_size_walks_every_entity_exactly_once(
    offsets: list[int], archived: list[bool], limit: int
) -> None:
    store = MemoryStore()
    owner = a_user()
    rows = [
        an_entity(owner, f"e{i}", inserted_at=at(seconds=offset), archived_at=T0 if archived[i] else None)
        for i, offset in enumerate(offsets)
    ]
    await add_all(lambda: MemoryUnitOfWork(store), owner, *rows)

    async with MemoryUnitOfWork(store) as uow:
        pages = await walk(lambda p: uow.entities.list(owner.id, EntityFilter(archived=False), p), limit)

    visited = [name for page in pages for name in names(page)]
    assert visited == insertion_order([row for row in rows if row.archived_at is None])
    assert all(len(page.items) == limit for page in pages[:-1])
