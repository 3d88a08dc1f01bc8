"""Identifier use-cases: sensitive values are encrypted, and every value gets a blind index."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from ..deps import Deps
from ..events import Created, Viewed
from ..identifiers import Identifier, cast_identifier, is_sensitive, normalize_for_index
from ..sealing import open_sealed
from ..validation import UNSET
from .owned import ENTITIES, IDENTIFIERS

__all__ = [
    "add_identifier",
    "duplicates_of",
    "find_duplicates",
    "list_identifiers",
    "remove_identifier",
    "reveal_identifier",
    "update_identifier",
]


def _context(identifier_id: uuid.UUID) -> bytes:
    return f"identifiers.value_encrypted.{identifier_id}".encode()


def _digest(deps: Deps, owner_id: uuid.UUID, type_: str, value: str) -> str:
    """The blind index of a normalized value: equal values of one owner and type collide."""
    return deps.blind_index.digest(scope=owner_id, kind=type_, value=normalize_for_index(type_, value))


def _store_value(deps: Deps, owner_id: uuid.UUID, identifier: Identifier, value: str) -> None:
    identifier.value_hash = _digest(deps, owner_id, identifier.type, value)
    if is_sensitive(identifier.type):
        identifier.value = None
        identifier.value_encrypted = deps.cipher.encrypt(value.encode(), context=_context(identifier.id))
    else:
        identifier.value = value
        identifier.value_encrypted = None


async def add_identifier(deps: Deps, owner_id: uuid.UUID, entity_id: uuid.UUID, params: object) -> Identifier:
    """Attach a phone, email, SSN, ... to one of the owner's entities.

    Phones are stored in E.164 (national notation is read with the configured
    region); emails lower-cased; SSN, government id and account numbers encrypted.

    Raises:
        NotFoundError: the entity is not the owner's.
        ValidationError: every failing field; ``is_primary`` when the entity has a primary of that type.
    """
    data = cast_identifier(params, creating=True, region=deps.default_phone_region)
    now = deps.clock.now()
    identifier = Identifier(
        id=deps.ids.new_id(), entity_id=entity_id, type=data.type, value_hash="", inserted_at=now, updated_at=now,
        label=data.label or None, is_primary=bool(data.is_primary), verified_at=data.verified_at or None,
    )
    _store_value(deps, owner_id, identifier, data.value)
    async with deps.uow() as uow:
        await ENTITIES.load(uow, owner_id, entity_id)
        # a second primary of the type is refused by add (SECOND_PRIMARY on is_primary)
        await uow.identifiers.add(identifier)
        IDENTIFIERS.record(uow, Created, owner_id, identifier)
        await uow.commit()
    return identifier


async def list_identifiers(deps: Deps, owner_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Identifier]:
    async with deps.uow() as uow:
        await ENTITIES.load(uow, owner_id, entity_id)
        return await uow.identifiers.list_for_entity(owner_id, entity_id)


async def update_identifier(deps: Deps, owner_id: uuid.UUID, identifier_id: uuid.UUID, params: object) -> Identifier:
    """Change value, label, primary flag or verification; the value is re-validated only if given.

    Raises:
        ValidationError: every failing field; ``is_primary`` when another identifier of the type is primary.
    """

    def change(identifier: Identifier, now: dt.datetime) -> None:
        data = cast_identifier(params, creating=False, current_type=identifier.type, region=deps.default_phone_region)
        if data.value is not UNSET:
            _store_value(deps, owner_id, identifier, data.value)
            if data.verified_at is UNSET:
                identifier.verified_at = None  # a new value is not verified
        if data.label is not UNSET:
            identifier.label = data.label
        if data.verified_at is not UNSET:
            identifier.verified_at = data.verified_at
        if data.is_primary is not UNSET:
            identifier.is_primary = data.is_primary
        identifier.updated_at = now

    return await IDENTIFIERS.change(deps, owner_id, identifier_id, change)


async def remove_identifier(deps: Deps, owner_id: uuid.UUID, identifier_id: uuid.UUID) -> None:
    await IDENTIFIERS.delete(deps, owner_id, identifier_id)


async def reveal_identifier(deps: Deps, owner_id: uuid.UUID, identifier_id: uuid.UUID) -> str:
    """The plaintext value, for the owner only, on explicit request (recorded as a "view")."""
    async with deps.uow() as uow:
        identifier = await IDENTIFIERS.load(uow, owner_id, identifier_id)
        if identifier.value_encrypted is not None:
            value = open_sealed(deps.cipher, identifier.value_encrypted, context=_context(identifier.id),
                                table="identifiers", row_id=identifier.id, user_id=owner_id)
        else:
            value = identifier.value or ""
        uow.record(IDENTIFIERS.subject_of(identifier).event(Viewed, owner_id, operation="reveal"))
        await uow.commit()
    return value


async def find_duplicates(deps: Deps, owner_id: uuid.UUID, type_: object, value: object) -> Sequence[Identifier]:
    """Which of the owner's identifiers carry this value (compared by blind index, never in plain text).

    Raises:
        ValidationError: on ``type`` or ``value``.
    """
    data = cast_identifier({"type": type_, "value": value}, creating=True, region=deps.default_phone_region)
    digest = _digest(deps, owner_id, data.type, data.value)
    async with deps.uow() as uow:
        return await uow.identifiers.find_by_hash(owner_id, data.type, digest)


async def duplicates_of(deps: Deps, owner_id: uuid.UUID, identifier_id: uuid.UUID) -> Sequence[Identifier]:
    """The owner's other identifiers with the same value as this one (e.g. one SSN on two entities).

    Compared by blind index, so a sensitive value is never decrypted or re-typed.

    Raises:
        NotFoundError: the identifier is not the owner's.
    """
    async with deps.uow() as uow:
        identifier = await IDENTIFIERS.load(uow, owner_id, identifier_id)
        matches = await uow.identifiers.find_by_hash(owner_id, identifier.type, identifier.value_hash)
    return [m for m in matches if m.id != identifier.id]
