"""Attachments' response bodies (see :mod:`.schemas`)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias

from msgspec import Meta

from conezia.core.attachments import ATTACHMENT, MAX_SIZE

from .schemas import Out, Timestamp

__all__ = ["AttachmentPage", "StoredAttachmentOut"]

if TYPE_CHECKING:
    MimeType: TypeAlias = str
else:
    MimeType = Literal[ATTACHMENT["mime_type"].choices]


class StoredAttachmentOut(Out):
    """A stored file; its content is at `GET /api/v1/attachments/{id}/content`."""

    id: uuid.UUID
    filename: str
    mime_type: MimeType
    size_bytes: Annotated[int, Meta(ge=1, le=MAX_SIZE)]
    sha256: Annotated[str, Meta(pattern="^[0-9a-f]{64}$", description="SHA-256 of the content, hexadecimal.")]
    entity_id: uuid.UUID | None
    interaction_id: uuid.UUID | None
    communication_id: uuid.UUID | None
    inserted_at: Timestamp
    updated_at: Timestamp


class AttachmentPage(Out):
    data: list[StoredAttachmentOut]
    next_cursor: Annotated[str, Meta(description="Pass as `cursor` for the next page.")] | None
