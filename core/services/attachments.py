"""Attachment use-cases: upload a stream, read, list, download, delete, and collect the garbage.

**Order of writes.** The file is written first (atomically, under a new random
key), then the row is inserted; deleting sets ``deleted_at`` and then removes
the file. A crash between the two leaves either a file that no row holds or a
deleted row whose file is still there: :func:`collect_garbage` finds both (the
blob store's keys against the rows), and removes such files, the unclaimed ones
only once older than a grace period, since an upload between its file and its
row looks the same for a moment. A row whose file is missing cannot arise.

Deleting an attachment's last parent deletes its row in the same transaction
(the schema's rule, errata B7); the parent's delete use-case asks first which
attachments go with it, records their deletion and removes their files after
the commit (see :func:`forget_with_parent`).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from typing import Any, Final

import attrs

from ..attachments import MAX_SIZE, Attachment, ContentCheck, Parents, agrees
from ..deps import Deps
from ..errors import NotFoundError, TooLargeError, ValidationError
from ..events import Created, Deleted
from ..pagination import Page, PageRequest
from ..ports import BlobInfo, UnitOfWork
from .owned import ATTACHMENTS, COMMUNICATIONS, ENTITIES, INTERACTIONS

__all__ = [
    "GarbageReport",
    "attachment_bytes",
    "collect_garbage",
    "delete_attachment",
    "forget_with_parent",
    "get_attachment",
    "list_attachments",
    "remove_files",
    "upload_attachment",
]

logger = logging.getLogger("conezia.attachments")

GC_BATCH: Final = 500


async def _check_parents(uow: UnitOfWork, user_id: uuid.UUID, parents: Parents) -> None:
    """NotFoundError for the first parent that is not the user's (the foreign keys say it again at insert)."""
    if parents.entity_id is not None:
        await ENTITIES.load(uow, user_id, parents.entity_id)
    if parents.interaction_id is not None:
        await INTERACTIONS.load(uow, user_id, parents.interaction_id)
    if parents.communication_id is not None:
        await COMMUNICATIONS.load(uow, user_id, parents.communication_id)


def _read_upload(filename: object, mime_type: object, parents: dict[str, Any]) -> tuple[str, str, Parents]:
    errors: dict[str, list[str]] = {}
    name = declared = ""
    found = Parents()
    try:
        name, declared = Attachment.check_upload({"filename": filename, "mime_type": mime_type})
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        found = Parents.read({key: value for key, value in parents.items() if value is not None})
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    return name, declared, found


async def _limited(chunks: AsyncIterable[bytes], check: ContentCheck) -> AsyncIterator[bytes]:
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > MAX_SIZE:
            raise TooLargeError(MAX_SIZE)
        check.feed(chunk)
        yield chunk


async def upload_attachment(
    deps: Deps,
    user_id: uuid.UUID,
    chunks: AsyncIterable[bytes],
    *,
    filename: object,
    mime_type: object,
    entity_id: object = None,
    interaction_id: object = None,
    communication_id: object = None,
) -> Attachment:
    """Store a file streamed in ``chunks`` and attach it to the given parents (at least one).

    The name, declared type and parents are checked before a byte is read; the
    stream is written to the blob store as it comes (never held whole), counted
    and watched; then the type the content shows must be the declared one.

    Raises:
        ValidationError: a bad ``filename``, a ``mime_type`` not on the list or not the content's,
            no parent or a malformed parent id, an empty file (``file``).
        NotFoundError: a parent that is not the user's.
        TooLargeError: more than :data:`~conezia.core.attachments.MAX_SIZE` bytes.
    """
    name, declared, parents = _read_upload(
        filename, mime_type,
        {"entity_id": entity_id, "interaction_id": interaction_id, "communication_id": communication_id},
    )
    async with deps.uow() as uow:
        await _check_parents(uow, user_id, parents)
    check = ContentCheck()
    blob = await deps.blobs.put(user_id, _limited(chunks, check))
    try:
        check.finish()
        if blob.size == 0:
            raise ValidationError(file="must not be empty")
        detected = deps.detector.detect(check.head)
        if not agrees(declared, detected, check.is_text):
            what = "text" if detected is None and check.is_text else detected or "not a recognized type"
            raise ValidationError(mime_type=f"does not match the content ({what})")
        now = deps.clock.now()
        attachment = Attachment(
            id=deps.ids.new_id(), user_id=user_id, filename=name, mime_type=declared, size_bytes=blob.size,
            storage_key=blob.key, sha256=blob.sha256, inserted_at=now, updated_at=now,
            entity_id=parents.entity_id, interaction_id=parents.interaction_id,
            communication_id=parents.communication_id,
        )
        async with deps.uow() as uow:
            await uow.attachments.add(attachment)
            ATTACHMENTS.record(uow, Created, user_id, attachment)
            await uow.commit()
    except BaseException:
        # the row was not committed: the file goes (or, if this fails too, the garbage collector takes it)
        await remove_files(deps, [blob.key])
        raise
    return attachment


async def get_attachment(deps: Deps, user_id: uuid.UUID, attachment_id: uuid.UUID) -> Attachment:
    """The user's live attachment.

    Raises:
        NotFoundError: not the user's, or deleted.
    """
    attachment = await ATTACHMENTS.get(deps, user_id, attachment_id)
    if attachment.deleted_at is not None:
        raise NotFoundError("attachment")
    return attachment


async def attachment_bytes(
    deps: Deps, attachment: Attachment, start: int = 0, end: int | None = None
) -> AsyncIterator[bytes]:
    """The content of an attachment read with :func:`get_attachment`, bytes ``start`` to ``end`` (exclusive).

    Raises:
        NotFoundError: its file is gone (deleted since it was read).
    """
    try:
        return await deps.blobs.open(attachment.storage_key, start, end)
    except KeyError:
        raise NotFoundError("attachment") from None


async def list_attachments(
    deps: Deps, user_id: uuid.UUID, parent: Parents, page: PageRequest | None = None
) -> Page[Attachment]:
    """The live attachments of one of the user's entities, interactions or communications, oldest first.

    Raises:
        NotFoundError: the parent is not the user's.
    """
    async with deps.uow() as uow:
        found = await uow.attachments.list(user_id, parent, page or PageRequest())
        if not found.items:
            # as Resource.check_page: rows prove the parent is the user's (composite foreign keys),
            # so only an empty page looks it up
            await _check_parents(uow, user_id, parent)
        return found


async def delete_attachment(deps: Deps, user_id: uuid.UUID, attachment_id: uuid.UUID) -> None:
    """Mark the attachment deleted (``deleted_at``), then remove its file.

    Raises:
        NotFoundError: not the user's, or already deleted.
    """
    async with deps.uow() as uow:
        attachment = await ATTACHMENTS.load(uow, user_id, attachment_id, for_update=True)
        if attachment.deleted_at is not None:
            raise NotFoundError("attachment")
        attachment.delete(deps.clock.now())
        await uow.attachments.update(attachment)
        ATTACHMENTS.record(uow, Deleted, user_id, attachment)
        await uow.commit()
    await remove_files(deps, [attachment.storage_key])


async def forget_with_parent(uow: UnitOfWork, user_id: uuid.UUID, parent: Parents) -> list[str]:
    """Before a parent is deleted in ``uow``: record the deletion of the attachments that go with it.

    Returns:
        Their storage keys, for the caller to pass to :func:`remove_files` once committed.
    """
    doomed = await uow.attachments.orphaned_by(user_id, parent)
    for attachment in doomed:
        if attachment.deleted_at is None:
            ATTACHMENTS.record(uow, Deleted, user_id, attachment)
    return [attachment.storage_key for attachment in doomed]


async def remove_files(deps: Deps, keys: Iterable[str]) -> None:
    """Remove files whose rows are gone or deleted; a failure is logged and left to the garbage collector."""
    for key in keys:
        try:
            await deps.blobs.delete(key)
        except OSError as exc:
            logger.warning("could not remove an attachment's file (conezia attachments gc will): %s",
                           type(exc).__name__)


@attrs.define
class GarbageReport:
    """What :func:`collect_garbage` found: files seen, kept, removed (and their bytes), too young to judge."""

    scanned: int = 0
    kept: int = 0
    removed: int = 0
    removed_bytes: int = 0
    young: int = 0


async def collect_garbage(
    deps: Deps,
    *,
    grace: dt.timedelta = dt.timedelta(hours=1),
    progress: Callable[[GarbageReport], None] | None = None,
) -> GarbageReport:
    """Remove every file no live row holds: a deleted row's at once, one no row holds once older than ``grace``.

    Safe to run at any time, and again after an interruption.

    Args:
        grace: how old a file nobody holds must be before it goes (an upload writes its
            file a moment before its row).
        progress: called with the running totals after each batch.
    """
    report = GarbageReport()
    cutoff = deps.clock.now() - grace
    batch: list[BlobInfo] = []

    async def sweep() -> None:
        async with deps.uow() as uow:
            states = await uow.attachments.key_states([info.key for info in batch])
        for info in batch:
            report.scanned += 1
            live = states.get(info.key)
            if live or (live is None and info.modified_at > cutoff):
                report.kept += live is True
                report.young += live is None
                continue
            if await deps.blobs.delete(info.key):
                report.removed += 1
                report.removed_bytes += info.size
        batch.clear()
        if progress is not None:
            progress(report)

    async for info in deps.blobs.scan():
        batch.append(info)
        if len(batch) >= GC_BATCH:
            await sweep()
    if batch or progress is not None:
        await sweep()
    return report
