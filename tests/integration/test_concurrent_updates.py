"""Two people changing one row at once: neither change is lost (read-modify-write holds a row lock)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from conezia.adapters.postgres import PostgresDatabase
from conezia.bootstrap import Backend, build_deps
from conezia.core import services
from conezia.core.deps import Deps
from conezia.keys import KeyRing
from conezia.settings import Settings


@pytest.fixture
def deps(migrated_database_url: str) -> Iterator[Deps]:
    database = PostgresDatabase(migrated_database_url, pool_size=4, max_overflow=0)
    database.truncate_all()
    keys = KeyRing.generate()
    backend = Backend(
        kind="postgres", uow=database.unit_of_work, close=database.close,
        async_entities=database.async_entities, database=database,
    )
    try:
        yield build_deps(Settings(password_profile="test"), keys=keys, backend=backend)
    finally:
        database.truncate_all()
        database.close()


def test_a_slow_edit_and_a_fast_edit_of_one_entity_both_survive(deps: Deps) -> None:
    owner = services.register(deps, {"email": "lock@example.com", "password": "Passw0rd-ok"}).id
    entity = services.create_entity(deps, owner, {"type": "person", "name": "Before"})
    locked = threading.Event()

    def slow_rename() -> None:
        with deps.uow() as uow:
            current = uow.entities.get(owner, entity.id, for_update=True)
            assert current is not None
            locked.set()
            time.sleep(0.3)  # the other edit arrives while this one holds the row
            current.update({"name": "Renamed"}, now=deps.clock.now())
            uow.entities.update(current)
            uow.commit()

    slow = threading.Thread(target=slow_rename)
    slow.start()
    assert locked.wait(5)
    services.update_entity(deps, owner, entity.id, {"description": "Described"})
    slow.join(5)

    final = services.get_entity(deps, owner, entity.id)
    assert (final.name, final.description) == ("Renamed", "Described")


def test_a_locking_read_returns_the_same_row_as_a_plain_one(deps: Deps) -> None:
    owner = services.register(deps, {"email": "same@example.com", "password": "Passw0rd-ok"}).id
    entity = services.create_entity(deps, owner, {"type": "person", "name": "Same"})
    tag = services.create_tag(deps, owner, {"name": "t"})
    group = services.create_group(deps, owner, {"name": "g"})
    rel = services.set_relationship(deps, owner, entity.id, {"type": "friend"})
    ident = services.add_identifier(deps, owner, entity.id, {"type": "ssn", "value": "123-45-6789"})
    with deps.uow() as uow:
        assert uow.users.get(owner, for_update=True) == uow.users.get(owner)
        assert uow.entities.get(owner, entity.id, for_update=True) == entity
        assert uow.tags.get(owner, tag.id, for_update=True) == tag
        assert uow.groups.get(owner, group.id, for_update=True) == group
        assert uow.relationships.get(owner, rel.id, for_update=True) == rel
        assert uow.identifiers.get(owner, ident.id, for_update=True) == ident
        intruder = services.register(deps, {"email": "eve@example.com", "password": "Passw0rd-ok"}).id
        assert uow.entities.get(intruder, entity.id, for_update=True) is None
        assert uow.identifiers.get(intruder, ident.id, for_update=True) is None
