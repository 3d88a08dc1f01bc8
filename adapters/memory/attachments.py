"""The in-memory repository of attachments."""

from __future__ import annotations

import uuid

from conezia.core.attachments import PARENTS, Attachment, Parents
from conezia.core.pagination import Page, PageRequest

from .kit import OwnedRepository, clone

__all__ = ["MemoryAttachmentRepository"]


def _parent_of(parent: Parents) -> tuple[str, uuid.UUID]:
    return next((name, getattr(parent, name)) for name in PARENTS if getattr(parent, name) is not None)


class MemoryAttachmentRepository(OwnedRepository[Attachment], table="attachments"):
    """Attachments, scoped by user; lists by (inserted_at, id) as the PostgreSQL indexes give them."""

    async def orphaned_by(self, user_id: uuid.UUID, parent: Parents) -> list[Attachment]:
        tables = self._tables()
        going: dict[str, set[uuid.UUID]] = {name: set() for name in PARENTS}
        column, parent_id = _parent_of(parent)
        going[column].add(parent_id)
        if column == "entity_id":
            going["interaction_id"] = {
                row.id for row in tables.rows("interactions").values() if row.entity_id == parent_id
            }
            going["communication_id"] = {
                row.id for row in tables.rows("communications").values() if row.entity_id == parent_id
            }

        def goes(row: Attachment) -> bool:
            return all(getattr(row, name) is None or getattr(row, name) in going[name] for name in PARENTS)

        return [clone(row) for row in self._rows.find(user_id, goes)]

    async def storage_keys(self, user_id: uuid.UUID) -> list[str]:
        return [row.storage_key for row in self._rows.find(user_id)]

    async def key_states(self, keys: list[str]) -> dict[str, bool]:
        wanted = set(keys)
        return {
            row.storage_key: row.deleted_at is None
            for row in self._tables().rows("attachments").values()
            if row.storage_key in wanted
        }

    async def list(self, user_id: uuid.UUID, parent: Parents, page: PageRequest) -> Page[Attachment]:
        column, parent_id = _parent_of(parent)
        return self._rows.page(
            user_id, page, where=lambda row: getattr(row, column) == parent_id and row.deleted_at is None
        )
