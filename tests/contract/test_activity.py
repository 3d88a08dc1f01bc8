"""The activity log repository's contract: a user's rows newest first, filtered, paged, trimmed by age.

Every test runs once per backend (memory, and PostgreSQL marked ``integration``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from conezia.core.activity import ActivityFilter, ActivityLog
from conezia.core.errors import NotFoundError, ValidationError
from conezia.core.pagination import PageRequest
from tests.contract.builders import written

from .builders import Factory, a_tag, a_user, add_all, at, read, walk, write

pytestmark = pytest.mark.anyio


def an_entry(user_id: uuid.UUID, **fields: Any) -> ActivityLog:
    values: dict[str, Any] = {
        "id": uuid.uuid4(), "user_id": user_id, "action": "update", "resource_type": "entity",
        "resource_id": uuid.uuid4(), "metadata": {"fields": ["name"]}, "ip_address": "2001:db8::1",
        "user_agent": "Mozilla/5.0 ✓", "inserted_at": at(),
    }
    values.update(fields)
    return ActivityLog(**values)


class TestActivityLog:
    async def test_an_entry_reads_back_with_every_field_as_written(self, uow_factory: Factory) -> None:
        user = a_user()
        entry = an_entry(user.id, metadata={"fields": ["a", "b"], "nested": {"n": 1}}, inserted_at=at(microseconds=7))
        await add_all(uow_factory, user, entry)

        page = await read(uow_factory, lambda uow: uow.activity.list(user.id, ActivityFilter(), PageRequest()))
        assert list(page.items) == [entry]

    async def test_entries_come_newest_first_page_by_page_and_ties_by_id(self, uow_factory: Factory) -> None:
        user = a_user()
        same = at(seconds=5)
        entries = [an_entry(user.id, inserted_at=at(seconds=n)) for n in range(7)]
        entries += [an_entry(user.id, inserted_at=same) for _ in range(3)]
        await add_all(uow_factory, user, *entries)

        pages = await walk(
            lambda page: read(uow_factory, lambda uow: uow.activity.list(user.id, ActivityFilter(), page)), limit=3
        )
        seen = [entry for page in pages for entry in page.items]
        assert seen == sorted(entries, key=lambda e: (e.inserted_at, e.id), reverse=True)
        assert [len(page.items) for page in pages] == [3, 3, 3, 1]

    async def test_filters_narrow_by_resource_type_resource_and_action(self, uow_factory: Factory) -> None:
        user = a_user()
        grace = uuid.uuid4()
        rows = [
            an_entry(user.id, resource_id=grace, action="create", inserted_at=at(seconds=1)),
            an_entry(user.id, resource_id=grace, action="view", inserted_at=at(seconds=2)),
            an_entry(user.id, resource_type="tag", action="create", inserted_at=at(seconds=3)),
            an_entry(user.id, resource_type="user", resource_id=None, action="login", inserted_at=at(seconds=4)),
        ]
        await add_all(uow_factory, user, *rows)

        async def ids(criteria: ActivityFilter) -> list[uuid.UUID]:
            page = await read(uow_factory, lambda uow: uow.activity.list(user.id, criteria, PageRequest()))
            return [entry.id for entry in page.items]

        assert await ids(ActivityFilter(resource_id=grace)) == [rows[1].id, rows[0].id]
        assert await ids(ActivityFilter(resource_type="entity", action="create")) == [rows[0].id]
        assert await ids(ActivityFilter(action="login")) == [rows[3].id]
        assert await ids(ActivityFilter(resource_type="tag", resource_id=grace)) == []

    async def test_another_users_entries_are_never_listed(self, uow_factory: Factory) -> None:
        ada, bob = a_user(), a_user()
        theirs = an_entry(bob.id)
        await add_all(uow_factory, ada, bob, an_entry(ada.id), theirs)

        page = await read(
            uow_factory, lambda uow: uow.activity.list(ada.id, ActivityFilter(resource_id=theirs.resource_id),
                                                       PageRequest()),
        )
        assert list(page.items) == []

    async def test_an_entry_of_an_unknown_user_is_not_found(self, uow_factory: Factory) -> None:
        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await written(uow, uow.activity.add(an_entry(uuid.uuid4())))

    @pytest.mark.parametrize(
        ("fields", "field"),
        [({"action": "fly"}, "action"), ({"resource_type": "planet"}, "resource_type"),
         ({"ip_address": "1" * 46}, "ip_address"), ({"user_agent": "x" * 513}, "user_agent")],
    )
    async def test_values_the_schema_refuses_are_validation_errors(
        self, uow_factory: Factory, fields: dict[str, Any], field: str
    ) -> None:
        user = a_user()
        await add_all(uow_factory, user)
        async with uow_factory() as uow:
            with pytest.raises(ValidationError) as info:
                await written(uow, uow.activity.add(an_entry(user.id, **fields)))
        assert set(info.value.errors) == {field}
        page = await read(uow_factory, lambda uow: uow.activity.list(user.id, ActivityFilter(), PageRequest()))
        assert list(page.items) == []

    async def test_a_refused_entry_takes_the_change_it_records_with_it(self, uow_factory: Factory) -> None:
        user = a_user()
        await add_all(uow_factory, user)
        async with uow_factory() as uow:
            await uow.tags.add(a_tag(user, "navy"))
            with pytest.raises(ValidationError):
                await written(uow, uow.activity.add(an_entry(user.id, action="fly")))
            # the caller's block ends without a commit: the tag goes with the refused row
        assert await read(uow_factory, lambda uow: uow.tags.list(user.id)) == []

    async def test_deleting_older_rows_takes_the_oldest_first_at_most_the_limit(self, uow_factory: Factory) -> None:
        ada, bob = a_user(), a_user()
        old = [an_entry(ada.id, inserted_at=at(days=-10, seconds=n)) for n in range(3)]
        old.append(an_entry(bob.id, inserted_at=at(days=-9)))
        new = an_entry(ada.id, inserted_at=at(days=1))
        await add_all(uow_factory, ada, bob, *old, new)
        cutoff = at()

        assert await write(uow_factory, lambda uow: uow.activity.delete_older_than(cutoff, 2)) == 2
        assert await write(uow_factory, lambda uow: uow.activity.delete_older_than(cutoff, 10)) == 2
        assert await write(uow_factory, lambda uow: uow.activity.delete_older_than(cutoff, 10)) == 0
        page = await read(uow_factory, lambda uow: uow.activity.list(ada.id, ActivityFilter(), PageRequest()))
        assert list(page.items) == [new]

    async def test_deleting_a_user_deletes_their_entries(self, uow_factory: Factory) -> None:
        user = a_user()
        await add_all(uow_factory, user, an_entry(user.id), an_entry(user.id, inserted_at=at() - dt.timedelta(days=1)))
        await write(uow_factory, lambda uow: uow.users.delete(user.id))
        page = await read(uow_factory, lambda uow: uow.activity.list(user.id, ActivityFilter(), PageRequest()))
        assert list(page.items) == []
