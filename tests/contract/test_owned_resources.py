"""One contract for every owned resource: isolation, unknown ids and owners, unique keys, CHECKs, nothing written on error.

Each test runs for every entry of :data:`tests.contract.resources.RESOURCES` on
every backend (memory, and PostgreSQL marked ``integration``). The rules that
differ between resources stay in their port's own suite.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from conezia.core.accounts import User
from conezia.core.errors import INVALID, TAKEN, ConflictError, NotFoundError, RowChangedError, ValidationError
from conezia.core.shapes import declared
from tests.contract.builders import written

from .builders import Factory, a_user, a_user_added, add_all, at, read, repository_of, write
from .resources import RESOURCES, Owned, named

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio

UNIQUE = [resource for resource in RESOURCES if resource.unique is not None]
UPDATABLE_KEYS = [resource for resource in UNIQUE if resource.unique is not None and resource.unique.updatable]
BY_NAME = [resource for resource in RESOURCES if resource.by_name is not None]


@pytest.fixture(params=RESOURCES, ids=named)
def resource(request: pytest.FixtureRequest) -> Owned:
    chosen: Owned = request.param
    return chosen


async def stored(uow_factory: Factory, resource: Owned, user: User, n: int) -> Any:
    """The ``n``-th row of the user, committed with the rows it needs."""
    needs, row = resource.make(user, n)
    await add_all(uow_factory, *needs, row)
    return row


async def test_the_owner_reads_lists_changes_and_deletes_a_row(uow_factory: Factory, resource: Owned) -> None:
    owner = await a_user_added(uow_factory)
    row = await stored(uow_factory, resource, owner, 1)

    assert await read(uow_factory, lambda uow: resource.get(uow, owner.id, row)) == row
    assert await read(uow_factory, lambda uow: resource.listing(uow, owner.id, row)) == [row]
    resource.change(row)
    await write(uow_factory, lambda uow: repository_of(uow, row).update(row))
    assert await read(uow_factory, lambda uow: resource.get(uow, owner.id, row)) == row
    assert await write(uow_factory, lambda uow: resource.delete(uow, owner.id, row)) is True
    assert await read(uow_factory, lambda uow: resource.get(uow, owner.id, row)) is None
    assert await read(uow_factory, lambda uow: resource.listing(uow, owner.id, row)) == []


async def test_another_user_can_neither_read_list_change_nor_delete_a_row(
    uow_factory: Factory, resource: Owned
) -> None:
    owner, stranger = await a_user_added(uow_factory), await a_user_added(uow_factory)
    row = await stored(uow_factory, resource, owner, 1)
    needs, claim = resource.make(stranger, 2)
    await add_all(uow_factory, *needs)
    claim.id = row.id  # the stranger's own row, under the owner's id

    assert await read(uow_factory, lambda uow: resource.get(uow, stranger.id, row)) is None
    assert await read(uow_factory, lambda uow: resource.listing(uow, stranger.id, row)) == []
    assert await read(uow_factory, lambda uow: resource.listing(uow, stranger.id, claim)) == []
    async with uow_factory() as uow:
        with pytest.raises(NotFoundError):
            await written(uow, repository_of(uow, claim).update(claim))
    assert await write(uow_factory, lambda uow: resource.delete(uow, stranger.id, row)) is False
    assert await read(uow_factory, lambda uow: resource.get(uow, owner.id, row)) == row
    assert await read(uow_factory, lambda uow: resource.listing(uow, owner.id, row)) == [row]


@pytest.mark.parametrize("resource", BY_NAME, ids=named)
async def test_rows_are_listed_by_name_in_code_point_order_whatever_the_database_locale(
    uow_factory: Factory, resource: Owned
) -> None:
    assert resource.by_name is not None
    owner = a_user()
    names = ["zeta", "beta", "Zed", "alpha", "Alpha", "émile", "_x", "mid"]  # inserted in this order
    rows = [resource.by_name(owner, name, inserted_at=at(seconds=i)) for i, name in enumerate(names)]
    await add_all(uow_factory, owner, *rows, resource.by_name(await a_user_added(uow_factory), "aaa"))

    listed = await read(uow_factory, lambda uow: resource.listing(uow, owner.id, rows[0]))

    assert [row.name for row in listed] == ["Alpha", "Zed", "_x", "alpha", "beta", "mid", "zeta", "émile"]


async def test_an_unknown_id_is_absent_and_can_be_neither_changed_nor_deleted(
    uow_factory: Factory, resource: Owned
) -> None:
    owner = await a_user_added(uow_factory)
    kept = await stored(uow_factory, resource, owner, 1)
    needs, unknown = resource.make(owner, 2)
    await add_all(uow_factory, *needs)

    assert await read(uow_factory, lambda uow: resource.get(uow, owner.id, unknown)) is None
    async with uow_factory() as uow:
        with pytest.raises(NotFoundError):
            await written(uow, repository_of(uow, unknown).update(unknown))
    assert await write(uow_factory, lambda uow: resource.delete(uow, owner.id, unknown)) is False
    assert await read(uow_factory, lambda uow: resource.listing(uow, owner.id, kept)) == [kept]


async def test_a_row_written_back_if_unchanged_is_written_when_nobody_changed_it_since(
    uow_factory: Factory, resource: Owned
) -> None:
    owner = await a_user_added(uow_factory)
    row = await stored(uow_factory, resource, owner, 1)

    async with uow_factory() as uow:
        mine = await resource.get(uow, owner.id, row)
        resource.change(mine)
        await written(uow, repository_of(uow, mine).update(mine, if_unchanged=True))

    assert await read(uow_factory, lambda uow: resource.get(uow, owner.id, row)) == mine != row


async def test_a_row_written_back_if_unchanged_after_another_change_raises_and_keeps_that_change(
    uow_factory: Factory, resource: Owned
) -> None:
    owner = await a_user_added(uow_factory)
    row = await stored(uow_factory, resource, owner, 1)

    async with uow_factory() as uow:
        stale = await resource.get(uow, owner.id, row)
        theirs = await read(uow_factory, lambda other: resource.get(other, owner.id, row))
        resource.change(theirs)
        await write(uow_factory, lambda other: repository_of(other, theirs).update(theirs))
        # written back as read, it would undo their change
        with pytest.raises(RowChangedError):
            await written(uow, repository_of(uow, stale).update(stale, if_unchanged=True))

    assert await read(uow_factory, lambda uow: resource.get(uow, owner.id, row)) == theirs != row


async def test_a_row_written_back_if_unchanged_after_it_was_deleted_raises_and_writes_nothing(
    uow_factory: Factory, resource: Owned
) -> None:
    owner = await a_user_added(uow_factory)
    row = await stored(uow_factory, resource, owner, 1)

    async with uow_factory() as uow:
        mine = await resource.get(uow, owner.id, row)
        assert await write(uow_factory, lambda other: resource.delete(other, owner.id, row)) is True
        resource.change(mine)
        with pytest.raises(RowChangedError):
            await written(uow, repository_of(uow, mine).update(mine, if_unchanged=True))

    assert await read(uow_factory, lambda uow: resource.get(uow, owner.id, row)) is None


async def test_a_row_of_a_user_never_added_is_not_found(uow_factory: Factory, resource: Owned) -> None:
    _, row = resource.make(a_user(), 1)  # a child row's parent is unknown too: either key answers

    async with uow_factory() as uow:
        with pytest.raises(NotFoundError):
            await written(uow, repository_of(uow, row).add(row))


async def test_a_row_with_an_id_in_use_is_a_conflict(uow_factory: Factory, resource: Owned) -> None:
    owner = await a_user_added(uow_factory)
    first = await stored(uow_factory, resource, owner, 1)
    needs, second = resource.make(owner, 2)
    second.id = first.id
    await add_all(uow_factory, *needs)

    async with uow_factory() as uow:
        with pytest.raises(ConflictError) as raised:
            await written(uow, repository_of(uow, second).add(second))

    assert raised.value.errors == {"id": [TAKEN]}
    assert await read(uow_factory, lambda uow: resource.get(uow, owner.id, first)) == first


@pytest.mark.parametrize("resource", UNIQUE, ids=named)
async def test_a_second_row_with_the_same_unique_key_is_refused(uow_factory: Factory, resource: Owned) -> None:
    assert resource.unique is not None
    owner = await a_user_added(uow_factory)
    first = await stored(uow_factory, resource, owner, 1)
    needs, second = resource.make(owner, 2)
    resource.unique.collide(first, second)
    await add_all(uow_factory, *needs)

    async with uow_factory() as uow:
        with pytest.raises(ValidationError) as raised:
            await written(uow, repository_of(uow, second).add(second))

    assert type(raised.value) is resource.unique.error
    assert raised.value.errors == resource.unique.errors
    assert await read(uow_factory, lambda uow: resource.get(uow, owner.id, second)) is None
    assert await read(uow_factory, lambda uow: resource.listing(uow, owner.id, first)) == [first]


@pytest.mark.parametrize("resource", UPDATABLE_KEYS, ids=named)
async def test_changing_a_row_onto_another_rows_unique_key_is_refused(uow_factory: Factory, resource: Owned) -> None:
    assert resource.unique is not None
    owner = await a_user_added(uow_factory)
    first = await stored(uow_factory, resource, owner, 1)
    second = await stored(uow_factory, resource, owner, 2)
    claimed = copy.deepcopy(second)
    resource.unique.collide(first, claimed)

    async with uow_factory() as uow:
        with pytest.raises(ValidationError) as raised:
            await written(uow, repository_of(uow, claimed).update(claimed))

    assert type(raised.value) is resource.unique.error
    assert raised.value.errors == resource.unique.errors
    assert await read(uow_factory, lambda uow: resource.get(uow, owner.id, second)) == second


FAILURES = [
    pytest.param(resource, failure, id=f"{resource.name}-{failure}")
    for resource in RESOURCES
    for failure in ("id in use", "allowed values", *(("unique key",) if resource.unique is not None else ()))
]


@pytest.mark.parametrize(("resource", "failure"), FAILURES)
async def test_a_failed_write_leaves_the_database_as_it_was(
    uow_factory: Factory, resource: Owned, failure: str
) -> None:
    owner = await a_user_added(uow_factory)
    existing = await stored(uow_factory, resource, owner, 1)
    fresh_needs, fresh = resource.make(owner, 2)
    changed = copy.deepcopy(existing)
    resource.change(changed)
    bad_needs, bad = resource.make(owner, 3)
    if failure == "id in use":
        bad.id = existing.id
    elif failure == "allowed values":
        resource.invalid(bad)
    else:
        assert resource.unique is not None
        resource.unique.collide(changed, bad)  # the key as it stands inside the unit of work

    async def write_then_fail() -> None:
        async with uow_factory() as uow:
            for row in (*fresh_needs, fresh, *bad_needs):
                await repository_of(uow, row).add(row)
            await repository_of(uow, changed).update(changed)
            await repository_of(uow, bad).add(bad)
            await uow.commit()

    with pytest.raises(ValidationError):
        await write_then_fail()

    assert await read(uow_factory, lambda uow: resource.listing(uow, owner.id, existing)) == [existing]
    assert await read(uow_factory, lambda uow: resource.get(uow, owner.id, existing)) == existing
    assert await read(uow_factory, lambda uow: resource.get(uow, owner.id, fresh)) is None


async def _refusals(uow_factory: Factory, resource: Owned, spoil: Any) -> tuple[ValidationError, ValidationError]:
    """What adding a spoiled new row, and updating a stored row spoiled alike, raise."""
    owner = await a_user_added(uow_factory)
    first = await stored(uow_factory, resource, owner, 1)
    needs, bad = resource.make(owner, 2)
    await add_all(uow_factory, *needs)
    changed = copy.deepcopy(first)
    spoil(bad)
    spoil(changed)

    async with uow_factory() as uow:
        with pytest.raises(ValidationError) as added:
            await written(uow, repository_of(uow, bad).add(bad))
    async with uow_factory() as uow:
        with pytest.raises(ValidationError) as updated:
            await written(uow, repository_of(uow, changed).update(changed))

    assert await read(uow_factory, lambda uow: resource.get(uow, owner.id, bad)) is None
    assert await read(uow_factory, lambda uow: resource.get(uow, owner.id, first)) == first
    return added.value, updated.value


async def test_a_value_outside_the_allowed_ones_is_refused_by_every_backend_alike(
    uow_factory: Factory, resource: Owned
) -> None:
    fields: list[str] = []

    added, updated = await _refusals(uow_factory, resource, lambda row: fields.append(resource.invalid(row)))

    for refused in (added, updated):
        assert type(refused) is ValidationError
        assert refused.errors == {fields[0]: [INVALID]}


async def test_text_longer_than_its_column_is_refused_as_too_long(uow_factory: Factory, resource: Owned) -> None:
    limit = declared()[resource.table][resource.bounded].max_length
    assert limit is not None

    added, updated = await _refusals(
        uow_factory, resource, lambda row: setattr(row, resource.bounded, "x" * (limit + 1))
    )

    for refused in (added, updated):
        assert type(refused) is ValidationError
        assert refused.errors == {resource.bounded: ["is too long"]}
