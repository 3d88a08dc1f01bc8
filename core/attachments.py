"""Attachments: files of a user, attached to an entity, an interaction or a communication (spec 6.1).

The row holds what the file is (name, type, size, digest) and where the blob
store keeps it (``storage_key``, random and per owner, never derived from the
client's file name). The rules here decide what may be stored: a name of 1 to
255 characters, a type on the spec's list that agrees with the content, at most
:data:`MAX_SIZE` bytes, and at least one parent (errata B7).
"""

from __future__ import annotations

import codecs
import datetime as dt
import uuid
from typing import Any, Final

import attrs

from .errors import ValidationError
from .shapes import CHOICE, DATETIME, INTEGER, TEXT, Field, Shape
from .timeline import cast_id
from .validation import UNSET, Changes

__all__ = [
    "ALLOWED_MIME_TYPES",
    "ATTACHMENT",
    "MAX_SIZE",
    "OLE_CONTAINER",
    "ONE_PARENT",
    "PARENTS",
    "TEXT_TYPES",
    "Attachment",
    "ContentCheck",
    "Parents",
    "agrees",
    "declared_type",
]

MAX_SIZE: Final = 50 * 1024 * 1024
ALLOWED_MIME_TYPES: Final = (
    "image/jpeg", "image/png", "image/gif", "image/webp",
    "application/pdf",
    "text/plain", "text/csv",
    "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
# no magic bytes tell text apart: it is recognized by being UTF-8 without NULs (see ContentCheck)
TEXT_TYPES: Final = frozenset({"text/plain", "text/csv"})
# what a detector answers for an OLE2 compound file, the container of both .doc and .xls
OLE_CONTAINER: Final = "application/x-ole-storage"
_OLE_TYPES: Final = frozenset({"application/msword", "application/vnd.ms-excel"})
PARENTS: Final = ("entity_id", "interaction_id", "communication_id")
ONE_PARENT: Final = "at least one of entity_id, interaction_id, or communication_id is required"

ATTACHMENT: Final = Shape("attachments", (
    Field("filename", TEXT, required=True, nullable=False, min_length=1, max_length=255,
          description="The file's name as the client gave it (only shown; never used to store it)."),
    Field("mime_type", CHOICE, choices=ALLOWED_MIME_TYPES, required=True, nullable=False, max_length=128,
          description="The declared type; the content must agree with it."),
    Field("size_bytes", INTEGER, nullable=False, minimum=1, maximum=MAX_SIZE, writable=False),
    Field("storage_key", TEXT, nullable=False, max_length=512, writable=False),
    Field("sha256", TEXT, nullable=False, max_length=64, writable=False,
          description="The SHA-256 of the content, in hexadecimal."),
    Field("deleted_at", DATETIME, writable=False),
))


def declared_type(raw: str | None) -> str:
    """The media type of a ``Content-Type`` value, without parameters, in lower case ("" if none)."""
    return (raw or "").split(";", 1)[0].strip().lower()


def agrees(declared: str, detected: str | None, is_text: bool) -> bool:
    """Whether content detected as ``detected`` (None: no magic bytes matched) may be stored as ``declared``."""
    if detected is None:
        return declared in TEXT_TYPES and is_text
    if detected == OLE_CONTAINER:
        return declared in _OLE_TYPES
    return detected == declared


@attrs.frozen
class Parents:
    """Where an attachment hangs: an entity, an interaction, a communication (any of them, at least one)."""

    entity_id: uuid.UUID | None = None
    interaction_id: uuid.UUID | None = None
    communication_id: uuid.UUID | None = None

    @classmethod
    def read(cls, params: Any) -> Parents:
        """The parents given as ids (UUIDs or their text) under :data:`PARENTS`.

        Raises:
            ValidationError: an id that is not a UUID, or none given (on ``entity_id``, as the spec says).
        """
        changes = Changes(params, PARENTS)
        found = {name: cast_id(changes, name) for name in PARENTS if changes.params.get(name) is not None}
        changes.raise_if_invalid()
        parents = cls(**{name: value for name, value in found.items() if value is not UNSET})
        if not parents.any:
            raise ValidationError(entity_id=ONE_PARENT)
        return parents

    @property
    def any(self) -> bool:
        return any(getattr(self, name) is not None for name in PARENTS)


@attrs.define
class Attachment:
    """One stored file and its parents; ``deleted_at`` is set when it is deleted (its file goes then)."""

    id: uuid.UUID
    user_id: uuid.UUID
    filename: str
    mime_type: str
    size_bytes: int
    storage_key: str
    sha256: str
    inserted_at: dt.datetime
    updated_at: dt.datetime
    entity_id: uuid.UUID | None = None
    interaction_id: uuid.UUID | None = None
    communication_id: uuid.UUID | None = None
    deleted_at: dt.datetime | None = None

    @staticmethod
    def check_upload(params: object) -> tuple[str, str]:
        """The clean file name and declared type of an upload, before a byte of it is stored.

        Raises:
            ValidationError: naming ``filename`` and ``mime_type`` as they fail.
        """
        changes = Changes(params, ("filename", "mime_type"))
        raw = changes.params.get("mime_type")
        if isinstance(raw, str):
            # no declared type (or only parameters) is a missing one
            changes = Changes(
                {**changes.params, "mime_type": declared_type(raw) or None}, ("filename", "mime_type")
            )
        values = ATTACHMENT.cast(changes, creating=True, names=("filename", "mime_type"))
        filename = values["filename"]
        if isinstance(filename, str) and not filename.isprintable():
            changes.add_error("filename", "must not contain control characters")
        changes.raise_if_invalid()
        return filename, values["mime_type"]

    @property
    def parents(self) -> Parents:
        return Parents(self.entity_id, self.interaction_id, self.communication_id)

    def delete(self, now: dt.datetime) -> None:
        if self.deleted_at is None:
            self.deleted_at = now
            self.updated_at = now


class ContentCheck:
    """Watches an upload go by: its first bytes (for the detector) and whether it is all UTF-8 text.

    Text has no magic bytes; the rule is: valid UTF-8 (a byte order mark allowed), no NUL.
    """

    HEAD: Final = 8192

    def __init__(self) -> None:
        self._head = bytearray()
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.is_text = True

    def feed(self, chunk: bytes) -> None:
        if len(self._head) < self.HEAD:
            self._head += chunk[: self.HEAD - len(self._head)]
        if self.is_text:
            if b"\x00" in chunk:
                self.is_text = False
                return
            try:
                self._decoder.decode(chunk)
            except UnicodeDecodeError:
                self.is_text = False

    def finish(self) -> None:
        if self.is_text:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.is_text = False

    @property
    def head(self) -> bytes:
        return bytes(self._head)
