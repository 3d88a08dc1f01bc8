"""The blob stores (filesystem and memory) keep the same promises: atomic writes under random per-owner keys,
ranged reads, deletes, a scan for the garbage collector, and no key that reaches outside the store."""

from __future__ import annotations

import hashlib
import os
import stat
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conezia.adapters.blobs import FilesystemBlobStore, MemoryBlobStore, is_key

pytestmark = pytest.mark.anyio

OWNER = uuid.UUID("0193a5f0-0000-7000-8000-000000000001")


@pytest.fixture(params=["memory", "filesystem"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "memory":
        return MemoryBlobStore()
    return FilesystemBlobStore(tmp_path / "attachments")


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def _read(store: Any, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in await store.open(key, start, end)])


async def _keys(store: Any) -> list[str]:
    return sorted([info.key async for info in store.scan()])


async def test_a_blob_reads_back_whole_with_its_size_and_digest(store: Any) -> None:
    content = os.urandom(700_000)

    blob = await store.put(OWNER, _chunks(content[:1], content[1:300_000], b"", content[300_000:]))

    assert (blob.size, blob.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    assert await _read(store, blob.key) == content
    assert blob.key.startswith(f"{OWNER}/") and is_key(blob.key)
    assert await _keys(store) == [blob.key]


async def test_each_blob_gets_a_new_random_key(store: Any) -> None:
    first = await store.put(OWNER, _chunks(b"same"))
    second = await store.put(OWNER, _chunks(b"same"))

    assert first.key != second.key
    assert await _keys(store) == sorted([first.key, second.key])


@given(content=st.binary(max_size=2000), start=st.integers(0, 2100), length=st.integers(0, 2100))
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
async def test_a_range_reads_the_same_bytes_as_slicing(store: Any, content: bytes, start: int, length: int) -> None:
    blob = await store.put(OWNER, _chunks(content))

    assert await _read(store, blob.key, start, start + length) == content[start:start + length]
    await store.delete(blob.key)


async def test_a_stream_that_fails_leaves_nothing_behind(store: Any) -> None:
    async def failing() -> AsyncIterator[bytes]:
        yield b"%PDF-1.4\n" * 1000
        raise ConnectionResetError("the client went away")

    with pytest.raises(ConnectionResetError):
        await store.put(OWNER, failing())

    assert await _keys(store) == []


async def test_deleting_says_whether_there_was_a_blob_and_reading_a_deleted_one_is_a_key_error(store: Any) -> None:
    blob = await store.put(OWNER, _chunks(b"bye"))

    assert await store.delete(blob.key) is True
    assert await store.delete(blob.key) is False
    with pytest.raises(KeyError):
        await store.open(blob.key)
    assert await _keys(store) == []


@pytest.mark.parametrize("key", [
    "../../etc/passwd", f"{OWNER}/../../../etc/passwd", "/etc/passwd", f"{OWNER}/passwd",
    f"{OWNER}/{'a' * 32}/x", f"{OWNER}\\{'a' * 32}", "", f"{OWNER}/{'A' * 32}",
])
async def test_a_key_the_store_did_not_give_out_is_refused_before_any_path_is_built(store: Any, key: str) -> None:
    with pytest.raises(KeyError):
        await store.open(key)
    with pytest.raises(KeyError):
        await store.delete(key)


async def test_files_are_the_servers_alone_and_written_in_the_owners_folder(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "attachments")

    blob = await store.put(OWNER, _chunks(b"private"))

    path = tmp_path / "attachments" / blob.key
    assert path.parent == tmp_path / "attachments" / str(OWNER)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


async def test_an_upload_interrupted_by_a_crash_leaves_a_temporary_file_the_scan_lists(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "attachments")
    folder = tmp_path / "attachments" / str(OWNER)
    folder.mkdir(parents=True)
    (folder / f".tmp-{'b' * 32}").write_bytes(b"half an upload")
    (folder / "not-ours").write_bytes(b"left alone")

    keys = await _keys(store)

    assert keys == [f"{OWNER}/.tmp-{'b' * 32}"]
    assert await store.delete(keys[0]) is True
    assert (folder / "not-ours").exists()
