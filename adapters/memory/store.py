"""The in-memory database: its tables, the rules every write obeys, and the committed state."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import attrs

from conezia.core.errors import INVALID, NotFoundError, RowChangedError, ValidationError

from .schema import CASCADE, RESTRICT, SCHEMA, SET_NULL, ForeignKey, Table

__all__ = ["TOO_LONG", "MemoryStore", "Tables"]

TOO_LONG: Final = "is too long"
_ABSENT: Final = object()


class Tables:
    """One version of every table of :data:`~conezia.adapters.memory.schema.SCHEMA`: name -> key -> row.

    Every write goes through :meth:`insert`, :meth:`update` or :meth:`delete`,
    which apply the schema's rules and raise what the PostgreSQL adapter raises
    for the same violation; a refused write changes nothing. Stored rows are
    never mutated in place, which makes :meth:`copy` a cheap shallow copy and
    lets :meth:`MemoryStore.publish` find a unit of work's changes by identity.
    Callers store copies: a row handed in must not be changed afterwards.
    """

    def __init__(self, schema: Mapping[str, Table] = SCHEMA) -> None:
        self.schema = schema
        self._rows: dict[str, dict[Any, Any]] = {name: {} for name in schema}
        #: (table, key) of rows written only if unchanged (see MemoryStore.publish)
        self.unchanged: set[tuple[str, Any]] = set()
        # for each table, the foreign keys that point at it: (referencing table, key)
        self._referrers: dict[str, list[tuple[str, ForeignKey]]] = {name: [] for name in schema}
        for table in schema.values():
            for fk in table.foreign_keys:
                self._referrers[fk.table].append((table.name, fk))

    def copy(self) -> Tables:
        twin = copy.copy(self)
        twin._rows = {name: dict(rows) for name, rows in self._rows.items()}
        twin.unchanged = set()
        return twin

    def rows(self, table: str) -> Mapping[Any, Any]:
        """The table's rows by primary key (read only)."""
        return self._rows[table]

    def named(self) -> Iterable[tuple[str, dict[Any, Any]]]:
        return self._rows.items()

    def insert(self, table: str, row: Any) -> None:
        """``INSERT``: raises ConflictError, ValidationError or NotFoundError as PostgreSQL would."""
        schema = self.schema[table]
        self._check_values(schema, row)
        self._check_uniques(schema, row, replacing=_ABSENT)
        self._check_references(schema, row, None)
        self._rows[table][schema.key_of(row)] = row

    def update(self, table: str, row: Any) -> None:
        """``UPDATE`` the stored row with the same primary key (which must exist)."""
        schema = self.schema[table]
        key = schema.key_of(row)
        before = self._rows[table][key]
        self._check_values(schema, row)
        self._check_uniques(schema, row, replacing=key)
        self._check_references(schema, row, before)
        self._rows[table][key] = row

    def delete(self, table: str, key: Any) -> None:
        """``DELETE`` one row by primary key, with the ``ON DELETE`` action of every key pointing at it."""
        doomed: dict[str, set[Any]] = {name: set() for name in self.schema}
        nulled: dict[str, dict[Any, Any]] = {name: {} for name in self.schema}
        pending = [(table, {key})]
        while pending:
            name, keys = pending.pop()
            keys -= doomed[name]
            if not keys:
                continue
            doomed[name] |= keys
            parents = [self._rows[name][k] for k in keys]
            for child, fk in self._referrers[name]:
                hit = self._referencing(child, fk, parents)
                if fk.on_delete == CASCADE:
                    pending.append((child, set(hit)))
                elif hit and fk.on_delete == RESTRICT:
                    # what PostgreSQL's foreign-key violation translates to
                    raise NotFoundError(self.schema[name].resource)
                elif fk.on_delete == SET_NULL:
                    for k, row in hit.items():
                        current = nulled[child].get(k, row)
                        nulled[child][k] = attrs.evolve(current, **dict.fromkeys(fk.set_null or fk.columns))
        for name, rows in nulled.items():
            orphaned = self.schema[name].orphaned
            if orphaned is not None:
                doomed[name] |= {k for k, row in rows.items() if orphaned(row)}
        # nothing changes until every action is known to be allowed
        for name, keys in doomed.items():
            for k in keys:
                del self._rows[name][k]
        for name, rows in nulled.items():
            for k, row in rows.items():
                if k not in doomed[name]:
                    self._rows[name][k] = row

    def _referencing(self, child: str, fk: ForeignKey, parents: list[Any]) -> dict[Any, Any]:
        wanted = {tuple(getattr(parent, column) for column in fk.references) for parent in parents}
        return {
            k: row
            for k, row in self._rows[child].items()
            if tuple(getattr(row, column) for column in fk.columns) in wanted
        }

    @staticmethod
    def _check_values(schema: Table, row: Any) -> None:
        # PostgreSQL fits values to their varchar before it evaluates any CHECK
        for field in attrs.fields(type(row)):
            limit = schema.lengths.get(field.name)
            value = getattr(row, field.name)
            if limit is not None and isinstance(value, str) and len(value) > limit:
                raise ValidationError({field.name: [TOO_LONG]})
        for check in schema.checks:
            if check.broken_by(row):
                raise ValidationError({check.field: [INVALID]})

    def _check_uniques(self, schema: Table, row: Any, *, replacing: Any) -> None:
        rows = self._rows[schema.name]
        primary, *others = schema.uniques
        if replacing is _ABSENT and schema.key_of(row) in rows:
            raise primary.error({primary.field: [primary.message]})
        for unique in others:
            wanted = unique.value(row)
            if wanted is None:
                continue
            for k, other in rows.items():
                if k != replacing and unique.value(other) == wanted:
                    raise unique.error({unique.field: [unique.message]})

    def _check_references(self, schema: Table, row: Any, before: Any) -> None:
        for fk in schema.foreign_keys:
            values = tuple(getattr(row, column) for column in fk.columns)
            # MATCH SIMPLE: a NULL column skips the check; an unchanged key is not checked again
            if any(value is None for value in values):
                continue
            if before is not None and values == tuple(getattr(before, column) for column in fk.columns):
                continue
            parent = self.schema[fk.table]
            wanted = dict(zip(fk.references, values, strict=True))
            found = self._rows[fk.table].get(parent.key_from(wanted))
            if found is None or any(getattr(found, column) != value for column, value in wanted.items()):
                raise NotFoundError(parent.resource)


class MemoryStore:
    """The committed state of an in-memory database, shared by its units of work.

    Isolation is snapshot-like: a unit of work sees the state as of when it began
    plus its own writes. At commit its changed rows are merged into the current
    state row by row, so concurrent units of work writing different rows keep
    both writes. The schema's rules are checked against the unit of work's own
    snapshot only; the store is meant for tests and demos, not for concurrent
    writers racing on the same key.
    """

    def __init__(self, schema: Mapping[str, Table] = SCHEMA) -> None:
        self._lock = threading.RLock()
        self._tables = Tables(schema)

    def snapshot(self) -> Tables:
        """A private copy of the committed state."""
        with self._lock:
            return self._tables.copy()

    def committed(self, table: str, key: Any) -> Any:
        """The committed row with ``key``, or None (what a new transaction would read)."""
        with self._lock:
            return self._tables.rows(table).get(key)

    def claim(self, table: str, row: Any, claimable: Callable[[Any], bool]) -> bool:
        """Store ``row`` in the committed state at once, unless a row with its key is there and not
        ``claimable``: the atomic ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` of a claim, which two
        units of work racing for one key cannot both win. Whether ``row`` was stored."""
        with self._lock:
            tables = self._tables
            stored = tables.rows(table).get(tables.schema[table].key_of(row))
            if stored is None:
                tables.insert(table, row)
            elif claimable(stored):
                tables.update(table, row)
            else:
                return False
            return True

    def publish(self, base: Tables, changed: Tables) -> None:
        """Atomically apply the difference between ``base`` and ``changed`` to the committed state.

        Raises:
            RowChangedError: A row of ``changed.unchanged`` is committed no longer as in ``base``
                (another unit of work wrote or deleted it since); nothing is applied.
        """
        with self._lock:
            for name, key in changed.unchanged:
                if self._tables.rows(name).get(key, _ABSENT) is not base.rows(name).get(key, _ABSENT):
                    raise RowChangedError(self._tables.schema[name].resource)
            for name, after in changed.named():
                before = base.rows(name)
                current = self._tables._rows[name]
                for key, row in after.items():
                    if before.get(key, _ABSENT) is not row:
                        current[key] = row
                for key in before.keys() - after.keys():
                    current.pop(key, None)
