"""The repository of attachments: one parent's, those that go with a parent, and the keys the gc asks about."""

from __future__ import annotations

import uuid
from typing import Any, Final

from sqlalchemy import ARRAY, String, and_, any_, bindparam, or_, select
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from conezia.core.attachments import PARENTS, Attachment, Parents
from conezia.core.pagination import Page, PageRequest

from ._owned import Owned, OwnedRepository
from ._prepared import Prepared
from .tables_attachments import attachments
from .tables_timeline import communications, interactions

__all__ = ["ATTACHMENTS", "PostgresAttachmentRepository", "attachment_list_statement"]

ATTACHMENTS: Final = Owned(Attachment, attachments, "user_id", resource="attachment")
_a = attachments.c
_PARENT: Final[BindParameter[Any]] = bindparam("parent")
_LIVE: Final = _a.deleted_at.is_(None)
_OF_PARENT: Final[dict[str, ColumnElement[bool]]] = {name: _a[name] == _PARENT for name in PARENTS}

_OWN: Final = _a.user_id == bindparam("owner")
_ITS_INTERACTIONS: Final = select(interactions.c.id).where(interactions.c.entity_id == _PARENT)
_ITS_COMMUNICATIONS: Final = select(communications.c.id).where(communications.c.entity_id == _PARENT)
# the attachments whose every parent goes when the parent goes (the migration's trigger deletes the same rows)
_ORPHANED: Final[dict[str, Prepared]] = {
    "entity_id": Prepared(select(*ATTACHMENTS.columns).where(
        _OWN,
        or_(_a.entity_id.is_(None), _a.entity_id == _PARENT),
        or_(_a.interaction_id.is_(None), _a.interaction_id.in_(_ITS_INTERACTIONS)),
        or_(_a.communication_id.is_(None), _a.communication_id.in_(_ITS_COMMUNICATIONS)),
    )),
    "interaction_id": Prepared(select(*ATTACHMENTS.columns).where(
        _OWN, _a.interaction_id == _PARENT, and_(_a.entity_id.is_(None), _a.communication_id.is_(None)),
    )),
    "communication_id": Prepared(select(*ATTACHMENTS.columns).where(
        _OWN, _a.communication_id == _PARENT, and_(_a.entity_id.is_(None), _a.interaction_id.is_(None)),
    )),
}
_STORAGE_KEYS: Final = Prepared(select(_a.storage_key).where(_OWN))
_KEY_STATES: Final = Prepared(
    select(_a.storage_key, _LIVE).where(_a.storage_key == any_(bindparam("keys", type_=ARRAY(String))))
)


def _parent_of(parent: Parents) -> tuple[str, uuid.UUID]:
    return next((name, getattr(parent, name)) for name in PARENTS if getattr(parent, name) is not None)


def attachment_list_statement(
    user_id: uuid.UUID, parent: Parents, page: PageRequest
) -> tuple[Prepared, dict[str, Any]]:
    """The prepared SELECT of one page of a parent's live attachments, and its parameters."""
    column, parent_id = _parent_of(parent)
    return ATTACHMENTS.page(user_id, page, [_OF_PARENT[column], _LIVE], {"parent": parent_id})


class PostgresAttachmentRepository(OwnedRepository[Attachment]):
    """Attachments, within their user's rows; a parent that is not the user's is refused by its foreign key."""

    __slots__ = ()
    owned = ATTACHMENTS

    async def orphaned_by(self, user_id: uuid.UUID, parent: Parents) -> list[Attachment]:
        column, parent_id = _parent_of(parent)
        return await self._all(_ORPHANED[column], {"owner": user_id, "parent": parent_id})

    async def storage_keys(self, user_id: uuid.UUID) -> list[str]:
        return [key for (key,) in await self._rows(_STORAGE_KEYS, {"owner": user_id})]

    async def key_states(self, keys: list[str]) -> dict[str, bool]:
        if not keys:
            return {}
        return {key: bool(live) for key, live in await self._rows(_KEY_STATES, {"keys": list(keys)})}

    async def list(self, user_id: uuid.UUID, parent: Parents, page: PageRequest) -> Page[Attachment]:
        return await self._page(*attachment_list_statement(user_id, parent, page), page)
