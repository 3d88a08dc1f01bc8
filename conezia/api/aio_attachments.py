"""The async embedding API's attachments, part of :class:`~conezia.api.aio_scope.AsyncUserScope`."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

import anyio
import anyio.to_thread

from conezia.core import services
from conezia.core.attachments import Attachment, Parents
from conezia.core.deps import Deps
from conezia.core.pagination import Page, PageRequest

__all__ = ["AsyncAttachments"]

_CHUNK = 256 * 1024


async def _read(source: bytes | str | os.PathLike[str] | BinaryIO) -> AsyncIterator[bytes]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        for offset in range(0, len(data), _CHUNK):
            yield data[offset:offset + _CHUNK]
        return
    file = await anyio.to_thread.run_sync(open, source, "rb") if isinstance(source, (str, os.PathLike)) else source
    try:
        while chunk := await anyio.to_thread.run_sync(file.read, _CHUNK):
            yield chunk
    finally:
        if file is not source:
            await anyio.to_thread.run_sync(file.close)


class AsyncAttachments:
    """Attachments of one user (mixed into the user scope, which sets ``_deps`` and ``_user_id``)."""

    _deps: Deps
    _user_id: uuid.UUID

    async def upload_attachment(
        self,
        source: bytes | str | os.PathLike[str] | BinaryIO,
        *,
        mime_type: str,
        filename: str | None = None,
        entity_id: uuid.UUID | str | None = None,
        interaction_id: uuid.UUID | str | None = None,
        communication_id: uuid.UUID | str | None = None,
    ) -> Attachment:
        """Store a file (its bytes, a path, or a binary file object, read in chunks) and attach it to
        at least one parent. ``filename`` defaults to the path's name; the content must be ``mime_type``."""
        if filename is None and isinstance(source, (str, os.PathLike)):
            filename = Path(source).name
        return await services.upload_attachment(
            self._deps, self._user_id, _read(source), filename=filename, mime_type=mime_type,
            entity_id=entity_id, interaction_id=interaction_id, communication_id=communication_id,
        )

    async def attachment(self, attachment_id: uuid.UUID) -> Attachment:
        """One live attachment's metadata."""
        return await services.get_attachment(self._deps, self._user_id, attachment_id)

    async def attachments(
        self,
        *,
        entity_id: uuid.UUID | None = None,
        interaction_id: uuid.UUID | None = None,
        communication_id: uuid.UUID | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Attachment]:
        """One page of the live attachments of one entity, interaction or communication (name one), oldest first."""
        parent = Parents(entity_id=entity_id, interaction_id=interaction_id, communication_id=communication_id)
        return await services.list_attachments(self._deps, self._user_id, parent, PageRequest.parse(limit, cursor))

    async def download_attachment(
        self, attachment_id: uuid.UUID, destination: str | os.PathLike[str] | BinaryIO
    ) -> Attachment:
        """Write the file's content to a path (replaced only once complete) or a binary file object."""
        found = await services.get_attachment(self._deps, self._user_id, attachment_id)
        chunks = await services.attachment_bytes(self._deps, found)
        if not isinstance(destination, (str, os.PathLike)):
            async for chunk in chunks:
                await anyio.to_thread.run_sync(destination.write, chunk)
            return found
        target = Path(destination)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        file = await anyio.to_thread.run_sync(partial.open, "wb")
        try:
            async for chunk in chunks:
                await anyio.to_thread.run_sync(file.write, chunk)
            await anyio.to_thread.run_sync(file.close)
            await anyio.to_thread.run_sync(os.replace, partial, target)
        except BaseException:
            file.close()
            partial.unlink(missing_ok=True)
            raise
        return found

    async def attachment_content(self, attachment_id: uuid.UUID) -> bytes:
        """The whole content in memory (at most 50 MB; :meth:`download_attachment` streams)."""
        found = await services.get_attachment(self._deps, self._user_id, attachment_id)
        return b"".join([chunk async for chunk in await services.attachment_bytes(self._deps, found)])

    async def delete_attachment(self, attachment_id: uuid.UUID) -> None:
        """Mark it deleted and remove its file."""
        await services.delete_attachment(self._deps, self._user_id, attachment_id)
