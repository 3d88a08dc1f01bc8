"""Rows this process last read or wrote, with their versions: where an edit may start without a read."""

from __future__ import annotations

import uuid
from typing import Any, Final

from conezia.core.rows import MUTABLE_VALUES, own_copy

__all__ = ["RecentRows", "RowKey", "own"]

#: (table name, owner id, row id): a remembered row is found only with its owner's id.
RowKey = tuple[str, uuid.UUID, uuid.UUID]

_DEFAULT_SIZE: Final = 4096


def own(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """``values`` with their dicts and lists copied: jsonb values an edit may change in place, each holder its own.

    An empty one is copied too: a holder may fill it in place (``metadata`` is ``{}`` on most rows).
    """
    return tuple([own_copy(value) if type(value) in MUTABLE_VALUES else value for value in values])


class RecentRows:
    """The newest rows this process read with ``get`` or wrote with ``update(row, if_unchanged=True)``.

    An edit's first attempt may start from one instead of reading it (``get(..., recent=True)``),
    then write it back only at the remembered version, as after a read: if anything changed or
    deleted the row since, in this process or another, the write changes nothing and fails with
    ``RowChangedError``, and the edit reads the row afresh. So a stale row costs a round trip,
    never a change. Nothing else reads them: a plain ``get`` always asks the database.

    A write's new version is remembered when the write was a statement of its own (committed as
    it returned); a row written in a transaction is forgotten. At most ``size`` rows are kept,
    the oldest dropped first.

    Args:
        size: How many rows to keep.
    """

    __slots__ = ("_rows", "_size")

    def __init__(self, size: int = _DEFAULT_SIZE) -> None:
        self._rows: dict[RowKey, tuple[tuple[Any, ...], str]] = {}
        self._size = size

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, key: RowKey) -> tuple[tuple[Any, ...], str] | None:
        """The row's values (a copy of its own to the caller) and its version, if remembered."""
        found = self._rows.get(key)
        if found is None:
            return None
        values, version = found
        return own(values), version

    def put(self, key: RowKey, values: tuple[Any, ...], version: str) -> None:
        """Remember ``values`` (copied) as the row at ``version``."""
        rows = self._rows
        rows.pop(key, None)  # to the end: the newest
        rows[key] = (own(values), version)
        if len(rows) > self._size:
            del rows[next(iter(rows))]

    def forget(self, key: RowKey) -> None:
        """Drop the row (deleted, or written at a version not known here)."""
        self._rows.pop(key, None)
