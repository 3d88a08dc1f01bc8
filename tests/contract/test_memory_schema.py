"""The memory store's schema says what the migrations say, and the store applies it as PostgreSQL does.

The first tests compare ``adapters/memory/schema.py`` with the SQLAlchemy mirror of
the migrations (``adapters/postgres/tables.py``, itself checked against the migrated
database by the integration tests); no database is needed. The others run the
store's generic rules over a small schema of their own, for the ON DELETE actions
no table uses yet.
"""

from __future__ import annotations

import uuid

import attrs
import pytest
from sqlalchemy import CheckConstraint, ForeignKeyConstraint, PrimaryKeyConstraint, String, UniqueConstraint
from sqlalchemy import Table as SqlTable

from conezia.adapters.memory.schema import RESTRICT, SCHEMA, SET_NULL, ForeignKey, Table, Unique
from conezia.adapters.memory.store import Tables
from conezia.adapters.postgres._errors import CONSTRAINT_ERRORS
from conezia.adapters.postgres.tables import metadata
from conezia.core.errors import ConflictError, NotFoundError

# attribute names that differ from their column's
COLUMNS = {("user_tokens", "token_hash"): "token"}
# unique only to be the target of a composite foreign key; the primary key covers them
SUBSUMED = {
    "entities_id_owner_id_index", "tags_id_user_id_index", "groups_id_user_id_index", "conversations_id_user_id_index",
    "reminders_id_user_id_index",
    "interactions_id_user_id_index", "communications_id_user_id_index",
}


def column(table: str, attribute: str) -> str:
    return COLUMNS.get((table, attribute), attribute)


def sql(table: str) -> SqlTable:
    return metadata.tables[table]


def sql_uniques(table: SqlTable) -> dict[str, tuple[str, ...]]:
    found = {
        c.name: tuple(col.name for col in c.columns)
        for c in table.constraints
        if isinstance(c, (PrimaryKeyConstraint, UniqueConstraint)) and c.name
    }
    found.update({i.name: tuple(col.name for col in i.columns) for i in table.indexes if i.unique and i.name})
    return {name: columns for name, columns in found.items() if name not in SUBSUMED}


def test_the_memory_store_has_every_table_of_the_migrations() -> None:
    assert set(SCHEMA) == set(metadata.tables)


@pytest.mark.parametrize("name", sorted(SCHEMA))
def test_a_tables_unique_keys_are_the_migrations(name: str) -> None:
    memory = SCHEMA[name]

    assert {u.name: tuple(column(name, c) for c in u.columns) for u in memory.uniques} == sql_uniques(sql(name))
    for unique in memory.uniques:
        if unique.name in CONSTRAINT_ERRORS:
            assert CONSTRAINT_ERRORS[unique.name] == (unique.field, unique.message)


def _on_delete(fk: ForeignKey) -> str:
    """As SQL says it: ``SET NULL (column)`` when only some of the key's columns are nulled (PostgreSQL 15+)."""
    return f"{fk.on_delete} ({', '.join(fk.set_null)})" if fk.set_null else fk.on_delete


@pytest.mark.parametrize("name", sorted(SCHEMA))
def test_a_tables_foreign_keys_and_their_on_delete_actions_are_the_migrations(name: str) -> None:
    def described(fk: ForeignKeyConstraint) -> tuple[tuple[str, ...], tuple[str, ...], str]:
        return tuple(fk.column_keys), tuple(e.target_fullname for e in fk.elements), fk.ondelete or "NO ACTION"

    expected = {fk.name: described(fk) for fk in sql(name).foreign_key_constraints}
    def action(fk: ForeignKey) -> str:  # SET NULL of some columns only: PostgreSQL 15's SET NULL (columns)
        return f"{fk.on_delete} ({', '.join(fk.set_null)})" if fk.set_null else fk.on_delete

    memory = {
        fk.name: (fk.columns, tuple(f"{fk.table}.{c}" for c in fk.references), _on_delete(fk))
        for fk in SCHEMA[name].foreign_keys
    }

    assert memory == expected


@pytest.mark.parametrize("name", sorted(SCHEMA))
def test_a_tables_checks_are_the_migrations_and_name_the_same_field(name: str) -> None:
    expected = {c.name for c in sql(name).constraints if isinstance(c, CheckConstraint)}

    assert {check.name for check in SCHEMA[name].checks} == expected
    for check in SCHEMA[name].checks:
        assert CONSTRAINT_ERRORS[check.name][0] == check.field


@pytest.mark.parametrize("name", sorted(SCHEMA))
def test_a_tables_varchar_limits_are_the_migrations(name: str) -> None:
    table = sql(name)
    strings = {c.name: c.type.length for c in table.columns if type(c.type) is String and c.type.length}

    memory = {
        column(name, attribute): limit
        for attribute, limit in SCHEMA[name].lengths.items()
        if type(table.c[column(name, attribute)].type) is String
    }

    assert memory == strings


# --- the store's rules over a schema of its own -------------------------------


@attrs.frozen
class Parent:
    id: uuid.UUID
    name: str


@attrs.frozen
class Child:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    label: str


def toy(on_delete: str) -> dict[str, Table]:
    return {
        "parents": Table("parents", "parent", (
            Unique("parents_pkey", ("id",), "id"),
            Unique("parents_name_index", ("name",), "name", folded=frozenset({"name"})),
        )),
        "children": Table("children", "child", (
            Unique("children_pkey", ("id",), "id"),
            Unique("children_label_index", ("label",), "label", where=lambda row: row.label != "draft"),
        ), (ForeignKey("children_parent_id_fkey", ("parent_id",), "parents", on_delete=on_delete),)),
    }


def family(on_delete: str) -> tuple[Tables, Parent, Child]:
    tables = Tables(toy(on_delete))
    parent = Parent(uuid.uuid4(), "Ada")
    child = Child(uuid.uuid4(), parent.id, "first")
    tables.insert("parents", parent)
    tables.insert("children", child)
    return tables, parent, child


def test_set_null_keeps_the_children_without_their_parent() -> None:
    tables, parent, child = family(SET_NULL)

    tables.delete("parents", parent.id)

    assert tables.rows("parents") == {}
    assert tables.rows("children") == {child.id: Child(child.id, None, "first")}


def test_restrict_refuses_to_delete_a_parent_with_children_and_changes_nothing() -> None:
    tables, parent, child = family(RESTRICT)

    with pytest.raises(NotFoundError):
        tables.delete("parents", parent.id)

    assert tables.rows("parents") == {parent.id: parent}
    assert tables.rows("children") == {child.id: child}


def test_a_null_foreign_key_is_not_checked_and_an_unknown_one_is_not_found() -> None:
    tables, _, _ = family(SET_NULL)

    tables.insert("children", Child(uuid.uuid4(), None, "orphan"))
    with pytest.raises(NotFoundError) as raised:
        tables.insert("children", Child(uuid.uuid4(), uuid.uuid4(), "lost"))

    assert raised.value.resource == "parent"


def test_a_folded_key_clashes_in_any_case_and_a_partial_one_only_where_it_applies() -> None:
    tables, parent, child = family(SET_NULL)

    with pytest.raises(ConflictError) as raised:
        tables.insert("parents", Parent(uuid.uuid4(), "ADA"))
    with pytest.raises(ConflictError):
        tables.insert("children", Child(uuid.uuid4(), parent.id, "first"))
    tables.insert("children", Child(uuid.uuid4(), parent.id, "draft"))
    tables.insert("children", Child(uuid.uuid4(), parent.id, "draft"))

    assert raised.value.errors == {"name": ["has already been taken"]}
    assert len(tables.rows("children")) == 3
    assert tables.rows("children")[child.id] == child
