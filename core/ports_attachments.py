"""Ports of attachments: their rows (owner-scoped), the blob store that keeps their files, the type detector."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from typing import Protocol

import attrs

from .attachments import Attachment, Parents
from .pagination import Page, PageRequest
from .ports_owned import OwnedRepositoryPort

__all__ = ["AttachmentRepository", "BlobInfo", "BlobStore", "StoredBlob", "TypeDetector"]


@attrs.frozen
class StoredBlob:
    """What :meth:`BlobStore.put` wrote: under which key, how many bytes, their SHA-256 (hex)."""

    key: str
    size: int
    sha256: str


@attrs.frozen
class BlobInfo:
    """A stored blob as :meth:`BlobStore.scan` lists it."""

    key: str
    size: int
    modified_at: dt.datetime


class BlobStore(Protocol):
    """Where the files are. Keys are chosen by the store: random, one prefix per owner, opaque to callers."""

    async def put(self, owner_id: uuid.UUID, chunks: AsyncIterable[bytes]) -> StoredBlob:
        """Store the chunks under a new key, atomically: the key holds all of them or nothing.

        A stream that fails (the caller's iterator raises) leaves nothing behind, and the
        error propagates unchanged.
        """
        ...

    async def open(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes ``start`` to ``end`` (exclusive; None: to the end) of the blob, as chunks to iterate.

        Raises:
            KeyError: no blob under ``key`` (raised here, before any chunk).
        """
        ...

    async def delete(self, key: str) -> bool:
        """Remove the blob; whether there was one."""
        ...

    def scan(self) -> AsyncIterator[BlobInfo]:
        """Every stored blob (for the garbage collector), in no particular order."""
        ...


class TypeDetector(Protocol):
    """Recognizes a file's MIME type from its first bytes."""

    def detect(self, head: bytes) -> str | None:
        """The type the magic bytes say (an OLE2 compound file is
        :data:`~conezia.core.attachments.OLE_CONTAINER`), or None when none matches."""
        ...


class AttachmentRepository(OwnedRepositoryPort[Attachment], Protocol):
    async def add(self, attachment: Attachment, /) -> None:
        """Raises NotFoundError (the parent's resource) unless every parent is the attachment's user's."""
        ...

    async def get(
        self, user_id: uuid.UUID, attachment_id: uuid.UUID, /, *, for_update: bool = False, recent: bool = False
    ) -> Attachment | None:
        """The user's attachment, deleted or not."""
        ...

    async def orphaned_by(self, user_id: uuid.UUID, parent: Parents) -> list[Attachment]:
        """The attachments whose every parent goes when the one set in ``parent`` is deleted
        (for an entity: the entity, its interactions and its communications)."""
        ...

    async def storage_keys(self, user_id: uuid.UUID) -> list[str]:
        """Every storage key of the user's attachments, deleted or not (their files go with the account)."""
        ...

    async def key_states(self, keys: list[str]) -> dict[str, bool]:
        """For each of ``keys`` held by a row (any user's): whether that row is live (not deleted).
        Keys no row holds are absent from the answer."""
        ...

    async def list(self, user_id: uuid.UUID, parent: Parents, page: PageRequest) -> Page[Attachment]:
        """The live attachments of one parent (the one id set in ``parent``), in (inserted_at, id) order."""
        ...
