"""An edit starts from the entity as this process last read or wrote it: one statement, and nothing lost.

Each ``PostgresDatabase`` stands for a process: two of them on one database are two
servers, each remembering its own rows (``RecentRows``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest

from conezia.adapters.postgres import PostgresDatabase
from conezia.bootstrap import Backend, build_deps
from conezia.core import services
from conezia.core.activity import parse_activity_filter
from conezia.core.deps import Deps
from conezia.core.entities import Entity
from conezia.core.errors import NotFoundError
from conezia.core.ports import UnitOfWork
from conezia.keys import KeyRing
from conezia.settings import Settings

pytestmark = pytest.mark.anyio

__all__: list[str] = []


def _deps(database: PostgresDatabase, keys: KeyRing) -> Deps:
    backend = Backend(kind="postgres", uow=database.unit_of_work, aclose=database.close, database=database)
    return build_deps(Settings(password_profile="test"), keys=keys, backend=backend)


@pytest.fixture
async def two(migrated_database_url: str) -> AsyncIterator[tuple[Deps, Deps]]:
    """Two processes' dependencies on one database."""
    keys = KeyRing.generate()
    first, second = PostgresDatabase(migrated_database_url, pool_size=2), PostgresDatabase(migrated_database_url, pool_size=2)
    await first.truncate_all()
    try:
        yield _deps(first, keys), _deps(second, keys)
    finally:
        await first.truncate_all()
        await first.close()
        await second.close()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first word of every statement sent from now on."""
    words: list[str] = []
    execute = psycopg.AsyncCursor.execute

    async def noting(self: psycopg.AsyncCursor[Any], query: Any, params: Any = None, **kwargs: Any) -> Any:
        text = query.decode() if isinstance(query, bytes) else str(query)
        words.append(text.split(None, 1)[0].upper())
        return await execute(self, query, params, **kwargs)

    monkeypatch.setattr(psycopg.AsyncCursor, "execute", noting)
    return words


async def _owner(deps: Deps, email: str) -> uuid.UUID:
    return (await services.register(deps, {"email": email, "password": "Passw0rd-ok"})).id


async def _owned_entity(deps: Deps, email: str) -> tuple[uuid.UUID, uuid.UUID]:
    """A new user, and an entity of theirs named "Before"."""
    owner = await _owner(deps, email)
    return owner, (await services.create_entity(deps, owner, {"type": "person", "name": "Before"})).id


async def test_an_edit_of_an_entity_just_read_is_one_statement(two: tuple[Deps, Deps], sent: list[str]) -> None:
    deps, _ = two
    owner, entity_id = await _owned_entity(deps, "one@example.com")
    await services.get_entity(deps, owner, entity_id)
    sent.clear()
    edited = await services.update_entity(deps, owner, entity_id, {"description": "Described"})
    assert sent == ["WITH"]
    stored = await services.get_entity(deps, owner, entity_id)
    assert stored == edited and stored.description == "Described"


async def test_each_edit_starts_from_the_row_the_one_before_wrote(two: tuple[Deps, Deps], sent: list[str]) -> None:
    deps, _ = two
    owner, entity_id = await _owned_entity(deps, "chain@example.com")
    await services.update_entity(deps, owner, entity_id, {"name": "First"})  # read, then written
    sent.clear()
    await services.update_entity(deps, owner, entity_id, {"description": "Second"})
    await services.archive_entity(deps, owner, entity_id)
    assert sent == ["WITH", "WITH"]
    stored = await services.get_entity(deps, owner, entity_id)
    assert (stored.name, stored.description, stored.archived_at is not None) == ("First", "Second", True)
    activity = await services.list_activity(deps, owner, parse_activity_filter({"resource_id": str(entity_id)}))
    assert [entry.action for entry in activity.items].count("update") == 3


async def test_a_row_another_process_changed_is_read_again_and_both_changes_are_kept(
    two: tuple[Deps, Deps], sent: list[str]
) -> None:
    here, there = two
    owner, entity_id = await _owned_entity(here, "race@example.com")
    await services.get_entity(here, owner, entity_id)  # remembered here
    await services.update_entity(there, owner, entity_id, {"name": "Renamed there"})
    sent.clear()
    await services.update_entity(here, owner, entity_id, {"description": "Described here"})
    assert sent == ["WITH", "SELECT", "WITH"], "the remembered row was refused, read again and written"
    stored = await services.get_entity(there, owner, entity_id)
    assert (stored.name, stored.description) == ("Renamed there", "Described here")


async def test_a_row_another_process_deleted_is_not_found_and_not_recreated(two: tuple[Deps, Deps]) -> None:
    here, there = two
    owner, entity_id = await _owned_entity(here, "gone@example.com")
    await services.get_entity(here, owner, entity_id)
    await services.delete_entity(there, owner, entity_id)
    with pytest.raises(NotFoundError):
        await services.update_entity(here, owner, entity_id, {"description": "Too late"})
    with pytest.raises(NotFoundError):
        await services.get_entity(there, owner, entity_id)


async def test_another_owner_never_edits_a_remembered_row(two: tuple[Deps, Deps]) -> None:
    deps, _ = two
    owner, entity_id = await _owned_entity(deps, "mine@example.com")
    intruder = await _owner(deps, "theirs@example.com")
    await services.get_entity(deps, owner, entity_id)
    with pytest.raises(NotFoundError):
        await services.update_entity(deps, intruder, entity_id, {"name": "Taken"})
    with pytest.raises(NotFoundError):
        await services.archive_entity(deps, intruder, entity_id)
    stored = await services.get_entity(deps, owner, entity_id)
    assert (stored.name, stored.archived_at) == ("Before", None)


async def _rename_in_a_transaction(uow: UnitOfWork, owner: uuid.UUID, entity_id: uuid.UUID, name: str) -> Entity:
    """Rename the entity as an edit does, then read it, which sends the write in a transaction; the row read."""
    row = await uow.entities.get(owner, entity_id, recent=True)
    assert row is not None
    row.name = name
    await uow.entities.update(row, if_unchanged=True)
    again = await uow.entities.get(owner, entity_id)
    assert again is not None and again.name == name
    return again


async def test_a_write_rolled_back_is_not_where_the_next_edit_starts(two: tuple[Deps, Deps], sent: list[str]) -> None:
    deps, _ = two
    owner, entity_id = await _owned_entity(deps, "undo@example.com")
    async with deps.uow() as uow:
        await _rename_in_a_transaction(uow, owner, entity_id, "Never kept")
        # ended without a commit
    sent.clear()
    await services.update_entity(deps, owner, entity_id, {"description": "Kept"})
    assert sent == ["SELECT", "WITH"], "the row written in the transaction was forgotten, and read again"
    stored = await services.get_entity(deps, owner, entity_id)
    assert (stored.name, stored.description) == ("Before", "Kept")


async def test_a_row_written_in_a_transaction_is_not_remembered_and_the_next_edit_reads_it(
    two: tuple[Deps, Deps], sent: list[str]
) -> None:
    # a transaction may write the row twice, both versions at its one xmin: neither may be remembered
    deps, _ = two
    owner, entity_id = await _owned_entity(deps, "commit@example.com")
    async with deps.uow() as uow:
        again = await _rename_in_a_transaction(uow, owner, entity_id, "Committed")
        again.description = "Written twice"
        await uow.entities.update(again)
        await uow.commit()
    sent.clear()
    edited = await services.update_entity(deps, owner, entity_id, {"metadata": {"after": True}})
    assert sent == ["SELECT", "WITH"]
    assert (edited.name, edited.description, edited.metadata) == ("Committed", "Written twice", {"after": True})
    assert await services.get_entity(deps, owner, entity_id) == edited


@pytest.mark.parametrize("metadata", [{"a": 1}, {}], ids=["filled", "empty"])
async def test_a_remembered_row_changed_in_place_by_an_edit_that_fails_stays_as_stored(
    two: tuple[Deps, Deps], metadata: dict[str, int]
) -> None:
    deps, _ = two
    owner = await _owner(deps, "copy@example.com")
    entity_id = (await services.create_entity(deps, owner, {"type": "person", "name": "Kept", "metadata": metadata})).id
    await services.get_entity(deps, owner, entity_id)
    async with deps.uow() as uow:
        row = await uow.entities.get(owner, entity_id, recent=True)
        assert row is not None
        row.metadata["a"] = 2  # changed in place, never written
    edited = await services.update_entity(deps, owner, entity_id, {"description": "Described"})
    assert edited.metadata == metadata
    assert (await services.get_entity(deps, owner, entity_id)).metadata == metadata


async def test_logging_an_interaction_with_an_entity_just_read_is_one_statement_and_moves_it_forward(
    two: tuple[Deps, Deps], sent: list[str]
) -> None:
    here, there = two
    owner, entity_id = await _owned_entity(here, "call@example.com")
    await services.get_entity(here, owner, entity_id)
    sent.clear()
    logged = await services.create_interaction(here, owner, entity_id, {"type": "call", "content": "A call"})
    assert sent == ["WITH"]
    assert (await services.get_entity(there, owner, entity_id)).last_interaction_at == logged.occurred_at

    await services.update_entity(there, owner, entity_id, {"name": "Renamed there"})
    again = await services.create_interaction(here, owner, entity_id, {"type": "call", "content": "Another"})
    stored = await services.get_entity(there, owner, entity_id)
    assert (stored.name, stored.last_interaction_at) == ("Renamed there", again.occurred_at)
