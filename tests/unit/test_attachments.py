"""Attachment use-cases: what may be stored, and that a crash at any point between a file and its row
leaves nothing that ``collect_garbage`` does not find and clean."""

from __future__ import annotations

import datetime as dt
import io
import os
import uuid
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from conezia.adapters.blobs import FilesystemBlobStore
from conezia.core import services
from conezia.core.activity import ActivityFilter
from conezia.core.attachments import MAX_SIZE, Parents
from conezia.core.deps import Deps
from conezia.core.errors import NotFoundError, TooLargeError, ValidationError

from .conftest import FakeClock, make_deps

pytestmark = pytest.mark.anyio

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + os.urandom(20_000) + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(200)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + b"\x00" * 300


def _office(first: str, part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(first, "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


DOCX = _office("[Content_Types].xml", "word/document.xml")
XLSX = _office("[Content_Types].xml", "xl/workbook.xml")


async def _chunks(content: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for offset in range(0, len(content), size):
        yield content[offset:offset + size]


async def _user_with_note(deps: Deps) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    user = await services.register(deps, {"email": f"{uuid.uuid4().hex[:8]}@example.com",
                                          "password": "Analytical-Engine-1"})
    entity = await services.create_entity(deps, user.id, {"type": "person", "name": "Grace Hopper"})
    note = await services.create_interaction(deps, user.id, entity.id, {"type": "meeting", "content": "COBOL"})
    return user.id, entity.id, note.id


async def _keys(deps: Deps) -> list[str]:
    return [info.key async for info in deps.blobs.scan()]


@pytest.fixture
def deps() -> Deps:
    return make_deps()


@pytest.fixture
def disk_deps(tmp_path: Path) -> Deps:
    """Files on disk, and a clock at the wall clock's time (file times are real)."""
    clock = FakeClock(dt.datetime.now(dt.UTC))
    return attrs.evolve(make_deps(clock), blobs=FilesystemBlobStore(tmp_path / "attachments"))


@pytest.mark.parametrize(("content", "mime"), [
    (PDF, "application/pdf"), (PNG, "image/png"), (DOCX, "application/vnd.openxmlformats-officedocument"
                                                         ".wordprocessingml.document"),
    (XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("naïve, café\n".encode(), "text/plain"), (b"\xef\xbb\xbfa;b\n1;2\n", "text/csv; charset=utf-8"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "application/msword"),
])
async def test_content_of_its_declared_type_is_stored(deps: Deps, content: bytes, mime: str) -> None:
    user, entity, _ = await _user_with_note(deps)

    stored = await services.upload_attachment(deps, user, _chunks(content), filename="f", mime_type=mime,
                                              entity_id=str(entity))

    assert stored.size_bytes == len(content)
    assert stored.mime_type == mime.split(";")[0]


@pytest.mark.parametrize(("content", "mime"), [
    (EXE, "application/pdf"), (PNG, "image/jpeg"), (DOCX, "application/vnd.openxmlformats-officedocument"
                                                          ".spreadsheetml.sheet"),
    (PDF, "text/plain"), (b"text\x00with a NUL", "text/plain"), (b"\xc3(", "text/csv"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "application/pdf"),
])
async def test_content_that_is_not_its_declared_type_is_refused_and_not_kept(
    deps: Deps, content: bytes, mime: str
) -> None:
    user, entity, _ = await _user_with_note(deps)

    with pytest.raises(ValidationError) as raised:
        await services.upload_attachment(deps, user, _chunks(content), filename="f", mime_type=mime,
                                         entity_id=entity)

    assert list(raised.value.errors) == ["mime_type"]
    assert await _keys(deps) == []


async def test_every_bad_field_is_named_before_a_byte_is_read(deps: Deps) -> None:
    user, _, _ = await _user_with_note(deps)
    read: list[bytes] = []

    async def watched() -> AsyncIterator[bytes]:
        read.append(b"x")
        yield PDF

    with pytest.raises(ValidationError) as raised:
        await services.upload_attachment(deps, user, watched(), filename=" ", mime_type="application/zip",
                                         interaction_id="nope")

    assert set(raised.value.errors) == {"filename", "mime_type", "interaction_id"}
    assert read == []


async def test_another_users_parent_is_not_found_and_nothing_is_read(deps: Deps) -> None:
    _, entity, _ = await _user_with_note(deps)
    mallory, _, _ = await _user_with_note(deps)

    with pytest.raises(NotFoundError):
        await services.upload_attachment(deps, mallory, _chunks(PDF), filename="f.pdf", mime_type="application/pdf",
                                         entity_id=entity)

    assert await _keys(deps) == []


async def test_a_stream_over_50_mb_is_refused_and_nothing_is_kept(disk_deps: Deps) -> None:
    user, entity, _ = await _user_with_note(disk_deps)

    async def endless() -> AsyncIterator[bytes]:
        yield b"%PDF-1.4\n"
        block = b"\x00" * (1 << 20)
        for _ in range(MAX_SIZE // len(block) + 1):
            yield block

    with pytest.raises(TooLargeError):
        await services.upload_attachment(disk_deps, user, endless(), filename="f.pdf", mime_type="application/pdf",
                                         entity_id=entity)

    assert await _keys(disk_deps) == []


async def test_a_parent_deleted_while_the_file_streams_leaves_neither_row_nor_file(disk_deps: Deps) -> None:
    user, entity, _ = await _user_with_note(disk_deps)

    async def racing() -> AsyncIterator[bytes]:
        yield PDF
        await services.delete_entity(disk_deps, user, entity)

    with pytest.raises(NotFoundError):
        await services.upload_attachment(disk_deps, user, racing(), filename="f.pdf", mime_type="application/pdf",
                                         entity_id=entity)

    assert await _keys(disk_deps) == []


async def test_a_crash_between_the_file_and_its_row_leaves_a_file_gc_removes_once_past_the_grace(
    disk_deps: Deps, tmp_path: Path
) -> None:
    user, entity, _ = await _user_with_note(disk_deps)
    kept = await services.upload_attachment(disk_deps, user, _chunks(PDF), filename="kept.pdf",
                                            mime_type="application/pdf", entity_id=entity)
    # the process died after the file was renamed into place, before the row was inserted
    orphan = await disk_deps.blobs.put(user, _chunks(PDF))
    # and another during a write, leaving its temporary file
    partial = tmp_path / "attachments" / str(user) / f".tmp-{'c' * 32}"
    partial.write_bytes(b"%PDF-1.4\nhalf")

    young = await services.collect_garbage(disk_deps, grace=dt.timedelta(minutes=30))
    assert (young.removed, young.young, young.kept) == (0, 2, 1)

    disk_deps.clock.advance(minutes=31)  # type: ignore[attr-defined]
    reports: list[services.GarbageReport] = []
    swept = await services.collect_garbage(disk_deps, grace=dt.timedelta(minutes=30), progress=reports.append)

    assert (swept.scanned, swept.removed, swept.kept) == (3, 2, 1)
    assert swept.removed_bytes == len(PDF) + len(b"%PDF-1.4\nhalf")
    assert reports and reports[-1] == swept
    assert await _keys(disk_deps) == [kept.storage_key]
    assert orphan.key not in await _keys(disk_deps)


async def test_a_crash_after_a_delete_before_its_file_goes_leaves_a_file_gc_removes_at_once(
    disk_deps: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    user, entity, _ = await _user_with_note(disk_deps)
    stored = await services.upload_attachment(disk_deps, user, _chunks(PDF), filename="f.pdf",
                                              mime_type="application/pdf", entity_id=entity)

    async def failing_delete(key: str) -> bool:
        raise PermissionError(13, "Permission denied")

    broken = attrs.evolve(disk_deps, blobs=_Failing(disk_deps.blobs, failing_delete))
    await services.delete_attachment(broken, user, stored.id)

    assert "conezia attachments gc" in caplog.text and "f.pdf" not in caplog.text
    assert await _keys(disk_deps) == [stored.storage_key]
    swept = await services.collect_garbage(disk_deps, grace=dt.timedelta(days=1))
    assert swept.removed == 1
    assert await _keys(disk_deps) == []


@attrs.define
class _Failing:
    inner: Any
    delete: Any

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_deleting_the_last_parent_removes_the_file_and_records_the_deletion(deps: Deps) -> None:
    user, entity, note = await _user_with_note(deps)
    only = await services.upload_attachment(deps, user, _chunks(PDF), filename="a.pdf", mime_type="application/pdf",
                                            interaction_id=note)
    shared = await services.upload_attachment(deps, user, _chunks(PNG), filename="b.png", mime_type="image/png",
                                              interaction_id=note, entity_id=entity)

    await services.delete_interaction(deps, user, note)

    assert await _keys(deps) == [shared.storage_key]
    with pytest.raises(NotFoundError):
        await services.get_attachment(deps, user, only.id)
    kept = await services.get_attachment(deps, user, shared.id)
    assert kept.parents == Parents(entity_id=entity)
    log = await services.list_activity(deps, user, ActivityFilter(resource_type="attachment"))
    assert sorted((row.action, row.resource_id) for row in log.items) == sorted(
        [("create", only.id), ("create", shared.id), ("delete", only.id)])


async def test_deleting_an_account_removes_its_files_and_no_one_elses(deps: Deps) -> None:
    user, entity, _ = await _user_with_note(deps)
    other, their_entity, _ = await _user_with_note(deps)
    await services.upload_attachment(deps, user, _chunks(PDF), filename="a.pdf", mime_type="application/pdf",
                                     entity_id=entity)
    gone = await services.upload_attachment(deps, user, _chunks(PNG), filename="b.png", mime_type="image/png",
                                            entity_id=entity)
    await services.delete_attachment(deps, user, gone.id)
    theirs = await services.upload_attachment(deps, other, _chunks(PDF), filename="c.pdf",
                                              mime_type="application/pdf", entity_id=their_entity)

    await services.delete_account(deps, user, "Analytical-Engine-1")

    assert await _keys(deps) == [theirs.storage_key]
