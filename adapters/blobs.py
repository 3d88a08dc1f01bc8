"""Blob stores for attachments' files: a folder on disk, and memory (tests, ``conezia.open("memory")``).

Keys are ``<owner id>/<32 random hex digits>``, chosen here, never from a client's
file name; a key that is not of that form is refused before any path is built,
so no key can point outside the store's folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable
from pathlib import Path
from typing import BinaryIO, Final

import anyio
import anyio.to_thread

from conezia.core.ports import BlobInfo, StoredBlob

__all__ = ["CHUNK_SIZE", "FilesystemBlobStore", "MemoryBlobStore", "is_key"]

CHUNK_SIZE: Final = 256 * 1024
_TEMPORARY: Final = ".tmp-"
# an owner's folder, then a stored blob or an upload in progress (whose temporary file the gc may take)
_KEY: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/(\.tmp-)?[0-9a-f]{32}")


def is_key(key: str) -> bool:
    """Whether ``key`` has the form this module's stores give out."""
    return isinstance(key, str) and _KEY.fullmatch(key) is not None


def _new_name() -> str:
    return secrets.token_hex(16)


def _utc(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC)


class FilesystemBlobStore:
    """Blobs as files under ``root`` (the data folder's ``attachments``), one folder per owner.

    A blob is written to a temporary file in its final folder, flushed to disk
    (``fsync``), then renamed into place, and the folder is synced: a crash leaves
    the whole file or only a temporary one, which :meth:`scan` lists for the
    garbage collector. Files are readable by their owner (the server's user) only.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not is_key(key):
            raise KeyError(key)
        return self.root / key

    async def put(self, owner_id: uuid.UUID, chunks: AsyncIterable[bytes]) -> StoredBlob:
        folder = self.root / str(uuid.UUID(str(owner_id)))
        name = _new_name()
        temporary = folder / f"{_TEMPORARY}{name}"
        digest = hashlib.sha256()
        size = 0

        def create() -> BinaryIO:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            return open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")

        def write(file: BinaryIO, chunk: bytes) -> None:
            file.write(chunk)
            digest.update(chunk)

        file = await anyio.to_thread.run_sync(create)
        try:
            async for chunk in chunks:
                if chunk:
                    size += len(chunk)
                    await anyio.to_thread.run_sync(write, file, chunk)
            await anyio.to_thread.run_sync(_seal, file, temporary, folder / name)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_discard, file, temporary)
            raise
        return StoredBlob(f"{folder.name}/{name}", size, digest.hexdigest())

    async def open(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            file = await anyio.to_thread.run_sync(path.open, "rb")
        except FileNotFoundError:
            raise KeyError(key) from None
        return _read(file, start, end)

    async def delete(self, key: str) -> bool:
        path = self._path(key)

        def remove() -> bool:
            try:
                path.unlink()
            except FileNotFoundError:
                return False
            return True

        return await anyio.to_thread.run_sync(remove)

    async def scan(self) -> AsyncIterator[BlobInfo]:
        def folders() -> list[Path]:
            return sorted(self.root.iterdir()) if self.root.is_dir() else []

        def listing(folder: Path) -> list[BlobInfo]:
            found = []
            for entry in os.scandir(folder):
                key = f"{folder.name}/{entry.name}"
                if is_key(key) and entry.is_file(follow_symlinks=False):
                    stat = entry.stat(follow_symlinks=False)
                    found.append(BlobInfo(key, stat.st_size, _utc(stat.st_mtime)))
            return found

        for folder in await anyio.to_thread.run_sync(folders):
            if folder.is_dir():
                for info in await anyio.to_thread.run_sync(listing, folder):
                    yield info


def _seal(file: BinaryIO, temporary: Path, final: Path) -> None:
    file.flush()
    os.fsync(file.fileno())
    file.close()
    os.replace(temporary, final)
    folder = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _discard(file: BinaryIO, temporary: Path) -> None:
    file.close()
    temporary.unlink(missing_ok=True)


async def _read(file: BinaryIO, start: int, end: int | None) -> AsyncIterator[bytes]:
    def read(size: int) -> bytes:
        return file.read(size)

    try:
        await anyio.to_thread.run_sync(file.seek, start)
        left = None if end is None else max(0, end - start)
        while left is None or left > 0:
            chunk = await anyio.to_thread.run_sync(read, CHUNK_SIZE if left is None else min(CHUNK_SIZE, left))
            if not chunk:
                break
            if left is not None:
                left -= len(chunk)
            yield chunk
    finally:
        file.close()


class MemoryBlobStore:
    """Blobs in a dict, stored only once the stream is complete.

    Args:
        clock: when a blob counts as written (the garbage collector compares it with its grace period).
    """

    def __init__(self, clock: Callable[[], dt.datetime] | None = None) -> None:
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._blobs: dict[str, tuple[bytes, dt.datetime]] = {}

    async def put(self, owner_id: uuid.UUID, chunks: AsyncIterable[bytes]) -> StoredBlob:
        parts = [chunk async for chunk in chunks]
        content = b"".join(parts)
        key = f"{uuid.UUID(str(owner_id))}/{_new_name()}"
        self._blobs[key] = (content, self._clock())
        return StoredBlob(key, len(content), hashlib.sha256(content).hexdigest())

    async def open(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        if not is_key(key) or key not in self._blobs:
            raise KeyError(key)
        content = self._blobs[key][0][start:end]
        return _chunks(content)

    async def delete(self, key: str) -> bool:
        if not is_key(key):
            raise KeyError(key)
        return self._blobs.pop(key, None) is not None

    async def scan(self) -> AsyncIterator[BlobInfo]:
        for key, (content, written) in list(self._blobs.items()):
            yield BlobInfo(key, len(content), written)


async def _chunks(content: bytes) -> AsyncIterator[bytes]:
    for offset in range(0, len(content), CHUNK_SIZE):
        yield content[offset:offset + CHUNK_SIZE]
