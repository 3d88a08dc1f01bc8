"""Keyset pagination: pages ordered by (inserted_at, id), with opaque cursors."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from collections.abc import Callable, Sequence
from typing import Final, Generic, TypeVar

import attrs

from .errors import ValidationError

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "Page", "PageRequest", "decode_cursor", "encode_cursor", "page_of"]

T = TypeVar("T")
DEFAULT_PAGE_SIZE: Final = 50
MAX_PAGE_SIZE: Final = 200


@attrs.frozen
class PageRequest:
    """Which page to read: at most ``limit`` rows strictly after the ``after`` key."""

    limit: int = DEFAULT_PAGE_SIZE
    after: tuple[dt.datetime, uuid.UUID] | None = None

    @classmethod
    def parse(cls, limit: object = None, cursor: object = None) -> PageRequest:
        """Build a request from untrusted query values.

        Raises:
            ValidationError: for a limit outside 1..MAX_PAGE_SIZE or a malformed cursor.
        """
        errors: dict[str, list[str]] = {}
        size = DEFAULT_PAGE_SIZE
        if limit is not None:
            try:
                size = int(str(limit))
            except ValueError:
                errors["limit"] = ["must be an integer"]
            else:
                if not 1 <= size <= MAX_PAGE_SIZE:
                    errors["limit"] = [f"must be between 1 and {MAX_PAGE_SIZE}"]
        after = None
        if cursor not in (None, ""):
            after = decode_cursor(cursor)
            if after is None:
                errors["cursor"] = ["is invalid; pass the next_cursor of a previous page"]
        if errors:
            raise ValidationError(errors)
        return cls(limit=size, after=after)


@attrs.frozen
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None = None


def encode_cursor(inserted_at: dt.datetime, id: uuid.UUID) -> str:
    # json.dumps([inserted_at.isoformat(), str(id)]), spelled out: neither string needs escaping
    raw = f'["{inserted_at.isoformat()}", "{id}"]'.encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: object) -> tuple[dt.datetime, uuid.UUID] | None:
    if not isinstance(cursor, str) or len(cursor) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, ident = json.loads(raw)
        at = dt.datetime.fromisoformat(when)
        if at.tzinfo is None:
            return None
        return at, uuid.UUID(ident)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


def page_of(rows: Sequence[T], limit: int, key: Callable[[T], tuple[dt.datetime, uuid.UUID]]) -> Page[T]:
    """Cut ``limit + 1`` fetched rows into a page and the cursor of the next one."""
    if len(rows) > limit:
        items = rows[:limit]
        at, ident = key(items[-1])
        return Page(items=items, next_cursor=encode_cursor(at, ident))
    return Page(items=rows, next_cursor=None)

