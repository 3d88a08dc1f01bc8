"""Repository of the identifiers (phones, emails, ID numbers, ...) attached to entities."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Final

from sqlalchemy import bindparam, delete, exists, insert, select, update

from conezia.core.errors import NotFoundError
from conezia.core.identifiers import Identifier

from ._base import Prepared, Repository, attribute_names, columns_for, owned_values
from .tables import UUID_TYPE, entities, identifiers

__all__ = ["PostgresIdentifierRepository"]

_IDENTIFIER_COLUMNS: Final = columns_for(Identifier, identifiers)
_IDENTIFIER_FIELDS: Final = attribute_names(Identifier)
_IDENTIFIER_MUTABLE: Final = tuple(name for name in _IDENTIFIER_FIELDS if name not in ("id", "entity_id"))

# Identifiers carry no owner of their own: they are the owner's through their entity.
_OWNERS_IDENTIFIERS: Final = (
    select(*_IDENTIFIER_COLUMNS)
    .select_from(identifiers.join(entities, entities.c.id == identifiers.c.entity_id))
    .where(entities.c.owner_id == bindparam("owner_id"))
)
_IN_ORDER: Final = (identifiers.c.inserted_at, identifiers.c.id)

_INSERT_IDENTIFIER: Final = Prepared(insert(identifiers))
_GET_IDENTIFIER: Final = Prepared(_OWNERS_IDENTIFIERS.where(identifiers.c.id == bindparam("id")))
# Only the identifier's row: its entity may be read by others meanwhile.
_GET_IDENTIFIER_FOR_UPDATE: Final = _GET_IDENTIFIER.with_for_update(of=identifiers)
_LIST_FOR_ENTITY: Final = Prepared(_OWNERS_IDENTIFIERS.where(identifiers.c.entity_id == bindparam("entity_id")).order_by(
    *_IN_ORDER
))
_FIND_BY_HASH: Final = Prepared(_OWNERS_IDENTIFIERS.where(
    identifiers.c.type == bindparam("type"), identifiers.c.value_hash == bindparam("value_hash")
).order_by(*_IN_ORDER))
_UPDATE_IDENTIFIER: Final = Prepared(
    update(identifiers)
    .where(identifiers.c.id == bindparam("b_id"), identifiers.c.entity_id == bindparam("b_entity_id"))
    .values({name: bindparam(name) for name in _IDENTIFIER_MUTABLE})
)
_DELETE_IDENTIFIER: Final = Prepared(delete(identifiers).where(
    identifiers.c.id == bindparam("id"),
    identifiers.c.entity_id == entities.c.id,
    entities.c.owner_id == bindparam("owner_id"),
))
_PRIMARY_OF_TYPE: Final = (
    identifiers.c.entity_id == bindparam("entity_id"),
    identifiers.c.type == bindparam("type"),
    identifiers.c.is_primary,
)
# IS DISTINCT FROM: a NULL except_id excludes no row
_PRIMARY_EXISTS: Final = Prepared(select(exists().where(
    *_PRIMARY_OF_TYPE, identifiers.c.id.is_distinct_from(bindparam("except_id", type_=UUID_TYPE))
)))


class PostgresIdentifierRepository(Repository):
    """Identifiers, reached through the entity's owner.

    A second primary identifier of one type on one entity is refused by a
    partial unique index and reported as a ValidationError on ``is_primary``.
    """

    __slots__ = ()

    async def add(self, identifier: Identifier) -> None:
        await self._run(_INSERT_IDENTIFIER, owned_values(_IDENTIFIER_FIELDS, identifier))

    async def get(
        self, owner_id: uuid.UUID, identifier_id: uuid.UUID, *, for_update: bool = False
    ) -> Identifier | None:
        params = {"owner_id": owner_id, "id": identifier_id}
        row = await self._row(_GET_IDENTIFIER_FOR_UPDATE if for_update else _GET_IDENTIFIER, params)
        return None if row is None else Identifier(*row)

    async def list_for_entity(self, owner_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Identifier]:
        params = {"owner_id": owner_id, "entity_id": entity_id}
        return [Identifier(*row) for row in await self._rows(_LIST_FOR_ENTITY, params)]

    async def update(self, identifier: Identifier) -> None:
        params = owned_values(_IDENTIFIER_MUTABLE, identifier)
        params["b_id"] = identifier.id
        params["b_entity_id"] = identifier.entity_id
        if await self._count(_UPDATE_IDENTIFIER, params) == 0:
            raise NotFoundError("identifier")

    async def delete(self, owner_id: uuid.UUID, identifier_id: uuid.UUID) -> bool:
        return await self._count(_DELETE_IDENTIFIER, {"owner_id": owner_id, "id": identifier_id}) > 0

    async def primary_exists(
        self, entity_id: uuid.UUID, type_: str, *, except_id: uuid.UUID | None = None
    ) -> bool:
        params = {"entity_id": entity_id, "type": type_, "except_id": except_id}
        return bool(await self._scalar(_PRIMARY_EXISTS, params))

    async def find_by_hash(self, owner_id: uuid.UUID, type_: str, value_hash: str) -> Sequence[Identifier]:
        params = {"owner_id": owner_id, "type": type_, "value_hash": value_hash}
        return [Identifier(*row) for row in await self._rows(_FIND_BY_HASH, params)]
