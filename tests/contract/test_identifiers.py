"""The identifier repository's contract: plain or encrypted values, one primary per type, blind-index lookups.

Every test runs once per backend (memory, and PostgreSQL marked ``integration``).
"""

from __future__ import annotations

from typing import Any

import pytest

from conezia.core.errors import ConflictError, NotFoundError, ValidationError
from tests.contract.builders import written

from .builders import (
    Factory,
    a_user,
    a_user_added,
    add_all,
    an_entity,
    an_identifier,
    at,
    read,
    write,
)

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


class TestIdentifiers:
    async def test_a_plain_identifier_reads_back_with_every_field_as_written(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        identifier = an_identifier(
            entity,
            "phone",
            value="+12025551234",
            value_hash="a" * 64,
            label="mobile ✓",
            is_primary=True,
            verified_at=at(hours=3, microseconds=33),
            inserted_at=at(microseconds=1),
            updated_at=at(days=1, microseconds=2),
        )
        await add_all(uow_factory, owner, entity, identifier)

        assert await read(uow_factory, lambda uow: uow.identifiers.get(owner.id, identifier.id)) == identifier

    async def test_a_sensitive_identifier_keeps_only_its_ciphertext(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        identifier = an_identifier(entity, "ssn", value_encrypted=b"\x01key-id\x00" + bytes(range(200)))
        await add_all(uow_factory, owner, entity, identifier)

        stored = await read(uow_factory, lambda uow: uow.identifiers.get(owner.id, identifier.id))

        assert stored == identifier
        assert stored is not None and stored.value is None

    @pytest.mark.parametrize("values", [{"value": None}, {"value": "x", "value_encrypted": b"x"}])
    async def test_an_identifier_needs_exactly_one_of_value_and_ciphertext(
        self, uow_factory: Factory, values: dict[str, Any]
    ) -> None:
        owner = a_user()
        entity = an_entity(owner)
        await add_all(uow_factory, owner, entity)
        identifier = an_identifier(entity, "account_number", **values)

        async with uow_factory() as uow:
            with pytest.raises(ValidationError) as raised:
                await written(uow, uow.identifiers.add(identifier))

        assert set(raised.value.errors) == {"value"}
        assert await read(uow_factory, lambda uow: uow.identifiers.list_for_entity(owner.id, entity.id)) == []

    async def test_a_second_primary_of_one_type_is_a_validation_error(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity, other_entity = an_entity(owner), an_entity(owner, "Other")
        primary = an_identifier(entity, "email", is_primary=True)
        await add_all(
            uow_factory, owner, entity, other_entity, primary,
            an_identifier(entity, "email", is_primary=False),
            an_identifier(entity, "phone", value="+12025551234", is_primary=True),
            an_identifier(other_entity, "email", is_primary=True),
        )

        async with uow_factory() as uow:
            with pytest.raises(ValidationError) as raised:
                await written(uow, uow.identifiers.add(an_identifier(entity, "email", is_primary=True)))

        assert not isinstance(raised.value, ConflictError)
        assert set(raised.value.errors) == {"is_primary"}

    async def test_making_a_second_identifier_primary_is_a_validation_error(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        primary = an_identifier(entity, "email", is_primary=True)
        secondary = an_identifier(entity, "email", inserted_at=at(seconds=1))
        await add_all(uow_factory, owner, entity, primary, secondary)
        secondary.is_primary = True

        async with uow_factory() as uow:
            with pytest.raises(ValidationError) as raised:
                await written(uow, uow.identifiers.update(secondary))

        assert set(raised.value.errors) == {"is_primary"}

    async def test_the_primary_identifier_may_be_updated_and_stay_primary(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        primary = an_identifier(entity, "email", is_primary=True)
        await add_all(uow_factory, owner, entity, primary)
        primary.value = "changed@example.com"
        primary.value_hash = "b" * 64
        primary.label = "work"
        primary.verified_at = at(days=1)
        primary.updated_at = at(days=1, microseconds=1)

        await write(uow_factory, lambda uow: uow.identifiers.update(primary))

        assert await read(uow_factory, lambda uow: uow.identifiers.get(owner.id, primary.id)) == primary

    async def test_an_identifier_can_switch_from_plain_value_to_ciphertext(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        identifier = an_identifier(entity, "government_id", value="AB123")
        await add_all(uow_factory, owner, entity, identifier)
        identifier.value = None
        identifier.value_encrypted = b"sealed"

        await write(uow_factory, lambda uow: uow.identifiers.update(identifier))

        assert await read(uow_factory, lambda uow: uow.identifiers.get(owner.id, identifier.id)) == identifier

    async def test_updating_an_unknown_identifier_is_not_found(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        await add_all(uow_factory, owner, entity)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await written(uow, uow.identifiers.update(an_identifier(entity)))

    async def test_an_identifier_of_an_unknown_entity_is_not_found(self, uow_factory: Factory) -> None:
        owner = await a_user_added(uow_factory)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await written(uow, uow.identifiers.add(an_identifier(an_entity(owner))))

    async def test_another_owners_identifier_is_absent_and_left_alone(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        entity = an_entity(owner)
        identifier = an_identifier(entity)
        await add_all(uow_factory, owner, stranger, entity, identifier)

        assert await read(uow_factory, lambda uow: uow.identifiers.get(stranger.id, identifier.id)) is None
        assert await read(uow_factory, lambda uow: uow.identifiers.list_for_entity(stranger.id, entity.id)) == []
        assert await read(
            uow_factory, lambda uow: uow.identifiers.find_by_hash(stranger.id, "email", identifier.value_hash)
        ) == []
        assert await write(uow_factory, lambda uow: uow.identifiers.delete(stranger.id, identifier.id)) is False
        assert await read(uow_factory, lambda uow: uow.identifiers.get(owner.id, identifier.id)) == identifier

    async def test_an_entitys_identifiers_are_listed_in_insertion_order(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity, other = an_entity(owner), an_entity(owner, "Other")
        late = an_identifier(entity, "website", value="https://example.com", inserted_at=at(hours=1))
        tied = sorted([an_identifier(entity), an_identifier(entity, "phone", value="+12025551234")],
                      key=lambda i: i.id)
        await add_all(uow_factory, owner, entity, other, late, *reversed(tied), an_identifier(other))

        assert await read(uow_factory, lambda uow: uow.identifiers.list_for_entity(owner.id, entity.id)) == [*tied, late]

    async def test_identifiers_are_found_by_blind_index_within_the_owner_and_type(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        first, second = an_entity(owner, "First"), an_entity(owner, "Second")
        theirs = an_entity(stranger)
        digest = "c" * 64
        late = an_identifier(first, "email", value_hash=digest, inserted_at=at(minutes=1))
        early = an_identifier(second, "email", value_hash=digest)
        await add_all(
            uow_factory, owner, stranger, first, second, theirs, late, early,
            an_identifier(first, "social_handle", value="@ada", value_hash=digest),
            an_identifier(second, "email", value_hash="d" * 64),
            an_identifier(theirs, "email", value_hash=digest),
        )

        assert await read(uow_factory, lambda uow: uow.identifiers.find_by_hash(owner.id, "email", digest)) == [early, late]
        assert await read(uow_factory, lambda uow: uow.identifiers.find_by_hash(owner.id, "phone", digest)) == []

    async def test_deleting_an_identifier_reports_whether_there_was_one(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        identifier = an_identifier(entity)
        await add_all(uow_factory, owner, entity, identifier)

        assert await write(uow_factory, lambda uow: uow.identifiers.delete(owner.id, identifier.id)) is True
        assert await write(uow_factory, lambda uow: uow.identifiers.delete(owner.id, identifier.id)) is False
        assert await read(uow_factory, lambda uow: uow.identifiers.get(owner.id, identifier.id)) is None
