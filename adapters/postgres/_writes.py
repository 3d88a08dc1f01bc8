"""Deferred writes, and how several of them become one statement (see ``LazyTransaction.defer``)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from sqlalchemy import Table

if TYPE_CHECKING:
    from ._prepared import Prepared
    from ._recent import RowKey

__all__ = ["Write", "batches", "combined_statement"]


class Write(NamedTuple):
    """A deferred write (see :meth:`LazyTransaction.defer`).

    Attributes:
        prepared: An INSERT or UPDATE without RETURNING.
        params: Its parameters.
        missing: For a write that must change exactly one row, what a :class:`NotFoundError`
            calls the row if it changed none.
        if_unchanged: Whether it changes its row only as it was read (its version is among
            ``params``): if it changed none, the row was changed or deleted since, which
            raises :class:`RowChangedError` instead.
        remember: For an ``if_unchanged`` UPDATE of a row to remember (see
            :class:`~._recent.RecentRows`): its key and its values as written. The statement
            then returns the row's new version.
    """

    prepared: Prepared
    params: Mapping[str, Any]
    missing: str | None = None
    if_unchanged: bool = False
    remember: tuple[RowKey, tuple[Any, ...]] | None = None


_PLACEHOLDER: Final = re.compile(r"%\((\w+)\)s")


class _Combined:
    """Several writes as one statement: ``WITH w0 AS (...), w1 AS (...) <last>``.

    The sub-statements of a WITH all run, to completion, in the statement's one
    snapshot. Their parameters become positional, in order, so that the values
    need no renaming. A write that must change one row returns a row per row it
    changed, and the statement ends in ``SELECT`` of ``conezia_one_row(count, i)``
    for each (migration 0001): unless each changed one row, the statement fails,
    and none of its writes is kept, even outside a transaction. Its error's detail
    is ``i``, the place of the write in the batch. The row it returns then holds,
    after those checks, the new version of each write to remember, in order.
    """

    __slots__ = ("counted", "names", "query", "sql", "versioned")

    def __init__(self, writes: Sequence[Write]) -> None:
        # where the writes that must change one row are in the batch, and those whose new version is wanted
        self.counted = tuple(i for i, write in enumerate(writes) if write.missing)
        self.versioned = tuple(i for i, write in enumerate(writes) if write.remember is not None)
        if not set(self.versioned) <= set(self.counted):
            raise ValueError("a write whose new version is remembered must change one row (missing=...)")
        self.names: tuple[tuple[str, ...], ...] = ()
        if len(writes) == 1 and not self.counted:
            self.sql, self.query = writes[0].prepared.sql, writes[0].prepared.query
            return
        names = []
        sqls = []
        for write in writes:
            sql = write.prepared.sql
            names.append(tuple(_PLACEHOLDER.findall(sql)))
            sqls.append(_PLACEHOLDER.sub("%s", sql))
        self.names = tuple(names)
        parts = [
            f"w{i} AS ({sql}{_returning(write)})" for i, (sql, write) in enumerate(zip(sqls, writes, strict=True))
        ]
        if self.counted:
            checks = ", ".join(
                [f"conezia_one_row((SELECT count(*) FROM w{i}), {i})" for i in self.counted]
                + [f"(SELECT xmin FROM w{i})" for i in self.versioned]
            )
            self.sql = f"WITH {', '.join(parts)} SELECT {checks}"
        else:
            self.sql = f"WITH {', '.join(parts[:-1])} {sqls[-1]}"
        self.query = self.sql.encode()

    def parameters(self, writes: Sequence[Write]) -> Mapping[str, Any] | list[Any]:
        if not self.names:
            return writes[0].prepared.parameters(writes[0].params)
        values: list[Any] = []
        for write, names in zip(writes, self.names, strict=True):
            params = write.prepared.parameters(write.params)
            values.extend([params[name] for name in names])
        return values


def _returning(write: Write) -> str:
    if write.remember is not None:
        return " RETURNING xmin::text AS xmin"  # the version the row has now
    return " RETURNING 1" if write.missing else ""


_COMBINED: dict[tuple[int | bool, ...], _Combined] = {}


def combined_statement(writes: Sequence[Write]) -> _Combined:
    """The one statement that sends ``writes`` (made once per combination of statements)."""
    # the Prepared statements are module-level constants: their identities name the combination
    key = tuple(
        x for write in writes for x in (id(write.prepared), write.missing is not None, write.remember is not None)
    )
    combined = _COMBINED.get(key)
    if combined is None:
        combined = _COMBINED[key] = _Combined(writes)
    return combined


def batches(writes: Sequence[Write]) -> list[Sequence[Write]]:
    """``writes`` cut where one would not see an earlier one (a WITH's parts share one snapshot).

    An UPDATE of a table written earlier in the same statement would not see that
    write, so it starts a new statement; inserts see nothing either way.
    """
    batches: list[Sequence[Write]] = []
    start = 0
    written: set[Table | None] = set()
    for i, write in enumerate(writes):
        table = write.prepared.table
        if not write.prepared.inserts and table in written:
            batches.append(writes[start:i])
            start, written = i, set()
        written.add(table)
    batches.append(writes[start:])
    return batches
