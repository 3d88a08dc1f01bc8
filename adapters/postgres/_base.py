"""What every repository shares: its connection and transaction, and the one way statements run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final

import psycopg

from conezia.core.errors import NotFoundError, RowChangedError

from ._errors import reraise, reraise_write
from ._json import snapshot
from ._lender import Lender
from ._prepared import Prepared
from ._recent import RecentRows, RowKey
from ._writes import Write, batches, combined_statement

__all__ = ["LazyTransaction", "Repository"]

# the attribute of a psycopg connection that holds its one cursor (see LazyTransaction.cursor)
_CURSOR: Final = "_conezia_cursor"
# Pinned: reading outside the transaction is equivalent at this level only.
_BEGIN: Final = "BEGIN ISOLATION LEVEL READ COMMITTED"

AsyncConnection = psycopg.AsyncConnection[Any]


class LazyTransaction:
    """A unit of work's connection and its database transaction, begun at the first write.

    The connection is in autocommit mode: statements before the first write
    (or locking read) run on their own, which at READ COMMITTED sees exactly
    what they would see inside the transaction, and saves a read-only unit of
    work the BEGIN and ROLLBACK round trips. Every write, and everything after
    it, runs in one transaction that only :meth:`end` finishes.

    A statement that fails because the connection broke while no transaction
    was open (a read, or the BEGIN of the first write) is run once more on a
    fresh connection (:meth:`replace_broken`): nothing of this unit of work was
    lost with the old one, since everything before ran on its own. Once BEGIN
    has succeeded nothing is run again: a write is never retried.

    Writes whose result the caller does not need (an INSERT, an UPDATE of one
    row) wait in :attr:`pending` (:meth:`defer`) until the next statement or the
    commit, and go to the server as one statement (see :mod:`._writes`): a
    round trip costs the server more CPU than the statement it carries. A unit
    of work whose writes fit in one statement (a create and its activity row, or
    an optimistic update and its activity row) is then one statement in its own
    implicit transaction, with no BEGIN and no COMMIT; a broken rule is reported
    by the statement that carries it, whenever it runs.

    :attr:`versions` holds the version (``xmin``) of each row read with a plain
    ``get``, for an ``update(row, if_unchanged=True)`` to write it back only as
    it was read. Such a write of a row of a remembering table returns the row's
    new version; when it is a statement of its own, committed as it returns, the
    row is remembered at that version (:attr:`recent`), for the next edit to
    start from. Written in a transaction, it is forgotten instead: the
    transaction might write the row again, at the same ``xmin``.

    The connection itself is checked out of the pool at the first statement, not
    when the unit of work is entered, and goes back when it is left: a create
    holds one only for the statement it sends at its commit, so fewer requests
    wait for the pool.

    Args:
        lender: Gives the :class:`Lender` of the open pool's connections.
        recent: The rows the process remembers (shared by its units of work).

    Attributes:
        entered: Whether the unit of work is entered (``async with``).
        connection: The connection checked out of the pool, from the first statement until the unit of work is left.
        pool: The lender it came from, likewise.
        begun: Whether BEGIN was sent and not yet ended.
        failed: Whether a statement failed since BEGIN, which aborts the transaction, or a
            write sent on its own failed: either way the next commit raises.
        replaced: Whether a broken connection was replaced already (once per unit of work).
        pending: The deferred writes, in order.
        versions: (table name, id) -> the row's version when this unit of work read it.
    """

    __slots__ = (
        "begun", "connection", "entered", "failed", "lender", "pending", "pool", "recent", "replaced", "versions",
    )

    def __init__(self, lender: Callable[[], Awaitable[Lender]], recent: RecentRows) -> None:
        self.lender = lender
        self.recent = recent
        self.entered = False
        self.connection: AsyncConnection | None = None
        self.pool: Lender | None = None
        self.begun = False
        self.failed = False
        self.replaced = False
        self.pending: list[Write] = []
        self.versions: dict[tuple[str, Any], str] = {}

    async def connect(self) -> AsyncConnection:
        """The unit of work's connection, checked out of the pool if it has none yet.

        Raises:
            UnavailableError: No connection could be had in time, or the pool is closed.
        """
        connection = self.connection
        if connection is None:
            try:
                pool = self.pool = await self.lender()
                connection = self.connection = await pool.getconn()
            except psycopg.Error as error:  # PoolTimeout: no connection in time; PoolClosed
                reraise(error)
        return connection

    def cursor(self) -> psycopg.AsyncCursor[Any]:
        """The one cursor every statement on the connection runs on (binary results).

        A cursor per statement cost more than many statements do, and one per unit of
        work more than a small statement; each result is read before the next statement
        runs, and a connection serves one unit of work at a time, so one is enough.
        """
        connection = self.connection
        assert connection is not None
        cursor: psycopg.AsyncCursor[Any] | None = getattr(connection, _CURSOR, None)
        if cursor is None:
            cursor = connection.cursor(binary=True)
            setattr(connection, _CURSOR, cursor)
        return cursor

    async def ready_cursor(self) -> psycopg.AsyncCursor[Any]:
        """:meth:`cursor`, once the connection is checked out."""
        if self.connection is None:
            await self.connect()
        return self.cursor()

    async def begin(self) -> None:
        """Start the transaction."""
        await (await self.ready_cursor()).execute(_BEGIN)
        self.begun = True
        self.failed = False

    async def replace_broken(self) -> bool:
        """Swap a connection that broke outside a transaction for a live one, once per unit of work.

        Returns:
            Whether it was replaced, so that the failed statement may run again.

        Raises:
            psycopg_pool.PoolTimeout: No connection could be had in time; the unit of work then holds none.
        """
        connection, pool = self.connection, self.pool
        if self.begun or self.replaced or pool is None or connection is None or not connection.broken:
            return False
        self.replaced = True
        self.connection = None
        await connection.close()
        await pool.putconn(connection)  # a closed connection is discarded, and replaced in the pool
        # A restarted server broke every idle connection too: sweep them so that the retry gets a live one.
        await pool.check()
        self.connection = await pool.getconn()
        return True

    def defer(self, write: Write) -> None:
        """Send ``write`` with the next statement or the commit, whichever comes first."""
        self.pending.append(write)

    async def flush(self) -> None:
        """Send the deferred writes now, in the transaction (begun here if need be).

        Raises:
            ConeziaError: For a broken rule (see :mod:`._errors`), or a write that found no row.
        """
        if not self.begun:
            await self.begin()  # before taking them: a broken connection's retry still has them
        writes, self.pending = self.pending, []
        await self._send(batches(writes))

    async def _send(self, batched: Sequence[Sequence[Write]]) -> None:
        cursor = await self.ready_cursor()
        for batch in batched:
            combined = combined_statement(batch)
            try:
                await cursor.execute(combined.query, combined.parameters(batch))
            except psycopg.Error as error:
                # outside a transaction too: a later commit must not pass for this one's writes
                self.failed = True
                if isinstance(error, psycopg.errors.NoDataFound) and combined.counted:
                    # conezia_one_row: one write found no row, and none of the statement's was kept
                    write = batch[int(error.diag.message_detail or combined.counted[0])]
                    if write.remember is not None:
                        self.recent.forget(write.remember[0])  # not as remembered: the next edit reads it
                    raise (RowChangedError if write.if_unchanged else NotFoundError)(write.missing or "row") from error
                reraise_write(error, [(write.prepared.table, write.params) for write in batch])
            if combined.versioned:
                await self._note_versions(cursor, combined.versioned, len(combined.counted), batch)

    async def _note_versions(
        self, cursor: psycopg.AsyncCursor[Any], versioned: Sequence[int], skip: int, batch: Sequence[Write]
    ) -> None:
        """Remember the rows a statement of its own wrote, at their new versions; forget those written in a transaction.

        A statement outside a transaction is committed when it returns, and writes a row at most
        once. A transaction may write the row again later, and its second version would have the
        same ``xmin`` as the first: remembering the first could undo the second at the next edit.
        """
        returned = await cursor.fetchone()
        assert returned is not None
        for i, version in zip(versioned, returned[skip:], strict=True):
            remember = batch[i].remember
            assert remember is not None
            if self.begun:
                self.recent.forget(remember[0])
            else:
                self.recent.put(*remember, version)

    async def end(self, *, commit: bool) -> None:
        """Commit or roll back the transaction, if one was begun (sending the deferred writes first, on commit).

        Raises:
            ConeziaError: On commit, for a deferred write that broke a rule or found no row;
                nothing of the unit of work is committed (a begun transaction stays open
                and failed, for the caller to roll back).
            psycopg.errors.InFailedSqlTransaction: On commit after a statement of the
                transaction failed; PostgreSQL has rolled it all back instead.
            psycopg.OperationalError: On commit after the connection was lost.
        """
        if commit and self.pending:
            batched = batches(self.pending)
            if not self.begun and len(batched) == 1:
                # one statement is its own transaction, all or nothing: no BEGIN, no COMMIT
                self.pending = []
                await self._send(batched)
                return
            await self.flush()
        self.pending.clear()
        if not self.begun:
            failed, self.failed = self.failed, False
            if commit and failed:
                raise psycopg.errors.InFailedSqlTransaction("a write of this unit of work failed; nothing was committed")
            return
        # A failed COMMIT or ROLLBACK ends the transaction all the same.
        self.begun = False
        connection = self.connection
        assert connection is not None
        if connection.broken or connection.closed:
            if commit:
                raise psycopg.OperationalError("the connection was lost; nothing was committed")
            return  # the transaction died with the server connection
        if commit and self.failed:
            await self.cursor().execute("ROLLBACK")
            raise psycopg.errors.InFailedSqlTransaction(
                "a statement of the transaction failed; nothing was committed"
            )
        await self.cursor().execute("COMMIT" if commit else "ROLLBACK")


class Repository:
    """Base of the repositories: they all run on the unit of work's one connection.

    Every statement goes through :meth:`_run`: a :class:`Prepared` statement on
    the psycopg async cursor, results in binary format (UUIDs and timestamps
    load faster than from text).

    Args:
        transaction: The unit of work's connection and transaction.
    """

    __slots__ = ("_transaction",)

    def __init__(self, transaction: LazyTransaction) -> None:
        self._transaction = transaction

    async def _run(self, prepared: Prepared, params: Mapping[str, Any]) -> psycopg.AsyncCursor[Any]:
        """Run a statement on the unit of work's connection; a write first opens the transaction.

        A statement that failed on a connection broken outside a transaction runs
        once more on a fresh one (see :class:`LazyTransaction`).

        Raises:
            ConeziaError: For a broken rule or a bad value (see :mod:`._errors`);
                ``UnavailableError`` when the database is unreachable or the connection
                broke (a lost connection is then ``broken``, and the unit of work
                discards it instead of returning it to the pool).
            psycopg.Error: For anything else.
        """
        transaction = self._entered()
        try:
            try:
                return await self._execute(prepared, params)
            except psycopg.OperationalError:
                if not await transaction.replace_broken():
                    raise
            return await self._execute(prepared, params)
        except psycopg.Error as error:
            reraise(error, prepared.table, params)

    def _defer(
        self,
        prepared: Prepared,
        params: dict[str, Any],
        *,
        missing: str | None = None,
        if_unchanged: bool = False,
        remember: tuple[RowKey, tuple[Any, ...]] | None = None,
    ) -> None:
        """Queue a write whose result is not needed now (see :meth:`LazyTransaction.defer`).

        Its broken rules are reported when it is sent: by the next statement of the
        unit of work, or by the commit.

        Args:
            missing: For a write of exactly one row: the name a :class:`NotFoundError` gives it
                if the row is not there.
            if_unchanged: It writes the row only at the version it was read at; if the row
                is not there, it raises :class:`RowChangedError` instead.
            remember: The row's key and its values as written (copied), to remember at its
                new version if the write is a statement of its own (see :meth:`LazyTransaction._note_versions`).
        """
        self._entered().defer(Write(prepared, snapshot(params), missing, if_unchanged, remember))

    def _entered(self) -> LazyTransaction:
        transaction = self._transaction
        if not transaction.entered:
            raise RuntimeError("use the unit of work inside its `async with` block")
        return transaction

    async def _execute(self, prepared: Prepared, params: Mapping[str, Any]) -> psycopg.AsyncCursor[Any]:
        transaction = self._transaction
        if transaction.pending:
            await transaction.flush()  # what this statement reads includes them
        if prepared.opens_transaction and not transaction.begun:
            await transaction.begin()
        try:
            return await (await transaction.ready_cursor()).execute(prepared.query, prepared.parameters(params))
        except psycopg.Error:
            transaction.failed = transaction.begun
            raise

    async def _rows(self, prepared: Prepared, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row the statement returns."""
        cursor = await self._run(prepared, params)
        return await cursor.fetchall()

    async def _row(self, prepared: Prepared, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row the statement returns, if any."""
        cursor = await self._run(prepared, params)
        return await cursor.fetchone()

    async def _scalar(self, prepared: Prepared, params: Mapping[str, Any]) -> Any:
        """The first column of the first row, or None without a row."""
        row = await self._row(prepared, params)
        return None if row is None else row[0]

    async def _count(self, prepared: Prepared, params: Mapping[str, Any]) -> int:
        """How many rows a write changed."""
        cursor = await self._run(prepared, params)
        return cursor.rowcount
