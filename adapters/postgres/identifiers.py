"""Repository of the identifiers (phones, emails, ID numbers, ...) attached to entities."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import bindparam, delete, select

from conezia.core.identifiers import Identifier

from ._owned import Owned, VersionedRows, row_version
from ._prepared import Prepared
from .tables import entities, identifiers

__all__ = ["IDENTIFIERS", "LIST_FOR_ENTITY", "PostgresIdentifierRepository"]

# Written within their entity; read, listed and deleted within the entity's owner's rows.
IDENTIFIERS: Final = Owned(Identifier, identifiers, "entity_id", resource="identifier")
_OWNERS_IDENTIFIERS: Final = (
    select(*IDENTIFIERS.columns)
    .select_from(identifiers.join(entities, entities.c.id == identifiers.c.entity_id))
    .where(entities.c.owner_id == bindparam("owner_id"))
)
_IN_ORDER: Final = (identifiers.c.inserted_at, identifiers.c.id)

_ONE: Final = identifiers.c.id == bindparam("id")
_GET_IDENTIFIER: Final = Prepared(_OWNERS_IDENTIFIERS.add_columns(row_version(identifiers)).where(_ONE))
# Only the identifier's row: its entity may be read by others meanwhile.
_GET_IDENTIFIER_FOR_UPDATE: Final = Prepared(_OWNERS_IDENTIFIERS.where(_ONE)).with_for_update(of=identifiers)
LIST_FOR_ENTITY: Final = Prepared(
    _OWNERS_IDENTIFIERS.where(identifiers.c.entity_id == bindparam("entity_id")).order_by(*_IN_ORDER)
)
_FIND_BY_HASH: Final = Prepared(_OWNERS_IDENTIFIERS.where(
    identifiers.c.type == bindparam("type"), identifiers.c.value_hash == bindparam("value_hash")
).order_by(*_IN_ORDER))
_DELETE_IDENTIFIER: Final = Prepared(delete(identifiers).where(
    identifiers.c.id == bindparam("id"),
    identifiers.c.entity_id == entities.c.id,
    entities.c.owner_id == bindparam("owner_id"),
))

class PostgresIdentifierRepository(VersionedRows):
    """Identifiers, reached through the entity's owner.

    A second primary identifier of one type on one entity is refused by a
    partial unique index and reported as a ValidationError on ``is_primary``.
    """

    __slots__ = ()

    async def add(self, identifier: Identifier) -> None:
        self._defer(IDENTIFIERS.insert, IDENTIFIERS.values(identifier))

    async def get(
        self, owner_id: uuid.UUID, identifier_id: uuid.UUID, *, for_update: bool = False, recent: bool = False
    ) -> Identifier | None:
        # recent: identifiers are not remembered (see RecentRows), so always read
        params = {"owner_id": owner_id, "id": identifier_id}
        if for_update:
            row = await self._row(_GET_IDENTIFIER_FOR_UPDATE, params)
            return None if row is None else Identifier(*row)
        return self._versioned(IDENTIFIERS, await self._row(_GET_IDENTIFIER, params))

    async def list_for_entity(self, owner_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Identifier]:
        return await self._identifiers(LIST_FOR_ENTITY, {"owner_id": owner_id, "entity_id": entity_id})

    async def update(self, identifier: Identifier, *, if_unchanged: bool = False) -> None:
        self._defer_update(IDENTIFIERS, identifier, IDENTIFIERS.changes(identifier), if_unchanged=if_unchanged)

    async def delete(self, owner_id: uuid.UUID, identifier_id: uuid.UUID) -> bool:
        return await self._count(_DELETE_IDENTIFIER, {"owner_id": owner_id, "id": identifier_id}) > 0

    async def find_by_hash(self, owner_id: uuid.UUID, type_: str, value_hash: str) -> Sequence[Identifier]:
        params = {"owner_id": owner_id, "type": type_, "value_hash": value_hash}
        return await self._identifiers(_FIND_BY_HASH, params)

    async def _identifiers(self, statement: Prepared, params: dict[str, Any]) -> list[Identifier]:
        return [Identifier(*row) for row in await self._rows(statement, params)]
