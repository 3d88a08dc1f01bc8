"""The migrated database enforces exactly the limits and allowed values the core declares (``core.shapes``).

The migrations are SQL and cannot import the core, so they spell out every
``varchar(N)``, ``char_length(...) <= N`` and ``= ANY (...)`` list of allowed values themselves.
This test reads them back from the migrated database and compares each with
the core's declaration of that table's field; any difference fails, naming
``table.column``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
import psycopg
import pytest

from conezia.adapters.postgres.urls import connect_kwargs
from conezia.core.shapes import Shape, declared

__all__: list[str] = []

# Columns that hold a field's value encrypted: the core's length bounds the plaintext,
# which the database never sees (errata C3, D9).
ENCRYPTED = frozenset({("auth_providers", "provider_token"), ("auth_providers", "provider_refresh_token")})


@attrs.define
class Limits:
    """What one column (or the core's field) allows; None where nothing is said."""

    choices: tuple[str, ...] | None = None
    max_length: int | None = None
    min_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None


Column = tuple[str, str]  # (table, column)


def core_limits(shapes: Mapping[str, Shape]) -> dict[Column, Limits]:
    return {
        (shape.table, field.name): Limits(
            choices=field.choices or None,
            max_length=field.max_length,
            min_length=field.min_length,
            minimum=field.minimum,
            maximum=field.maximum,
        )
        for shape in shapes.values()
        for field in shape.fields
    }


# How PostgreSQL prints the CHECK constraints back (pg_get_constraintdef):
#   ((tier)::text = ANY ('{free,personal,professional,enterprise}'::text[]))   (never an IN list: see the last test)
#   (char_length((description)::text) <= 10000)      (char_length(name) >= 1)
#   ((health_threshold_days > 0) AND (health_threshold_days <= 365))
_ONE_OF = re.compile(r"\(?(\w+)\)?(?:::text)? = ANY \('\{(.*?)\}'::text\[\]\)")
_LENGTH = re.compile(r"char_length\(\(?(\w+)\)?(?:::text)?\) (<=|>=|<|>) (\d+)")
_RANGE = re.compile(r"\((\w+) (<=|>=|<|>) (-?\d+)\)")


def _bound(operator: str, number: int) -> tuple[str, int]:
    """("max" or "min", the inclusive bound) of ``x <op> number``."""
    return {
        "<=": ("max", number), "<": ("max", number - 1), ">=": ("min", number), ">": ("min", number + 1),
    }[operator]


def check_definitions(connection: psycopg.Connection[Any]) -> list[tuple[str, str, str]]:
    """Every CHECK constraint of the schema's tables: (table, name, its definition as PostgreSQL prints it)."""
    return connection.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype = 'c' AND connamespace = current_schema()::regnamespace"
    ).fetchall()


def database_limits(connection: psycopg.Connection[Any], tables: list[str]) -> tuple[dict[Column, Limits], dict[Column, str]]:
    """Every column's limits as the migrated database enforces them, and every column's data type."""
    limits: dict[Column, Limits] = {}
    types: dict[Column, str] = {}
    columns = connection.execute(
        "SELECT table_name, column_name, data_type, character_maximum_length FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ANY(%s)",
        [tables],
    ).fetchall()
    for table, column, data_type, length in columns:
        types[table, column] = data_type
        if length is not None:
            limits.setdefault((table, column), Limits()).max_length = length
    for table, _name, definition in check_definitions(connection):
        if table not in tables:
            continue
        for column, listed in _ONE_OF.findall(definition):
            # array_out quotes an element only for commas, quotes, braces, spaces and the like, which no value has
            values = tuple(value.strip('"') for value in listed.split(","))
            limits.setdefault((table, column), Limits()).choices = values
        for column, operator, number in _LENGTH.findall(definition):
            side, bound = _bound(operator, int(number))
            found = limits.setdefault((table, column), Limits())
            if side == "max":
                found.max_length = bound if found.max_length is None else min(found.max_length, bound)
            else:
                found.min_length = bound
        for column, operator, number in _RANGE.findall(definition):
            side, bound = _bound(operator, int(number))
            found = limits.setdefault((table, column), Limits())
            if side == "max":
                found.maximum = bound
            else:
                found.minimum = bound
    return limits, types


def differences(core: Mapping[Column, Limits], database: Mapping[Column, Limits], types: Mapping[Column, str]) -> list[str]:
    """Every disagreement between the core's declarations and the database, each naming table.column."""
    found: list[str] = []
    for key in sorted(set(core) | set(database)):
        name = ".".join(key)
        if key not in types:
            found.append(f"{name}: the core declares a field the database has no column for")
            continue
        if key in ENCRYPTED:
            continue
        declared_limits = core.get(key)
        if declared_limits is None:
            found.append(f"{name}: the database limits it ({database[key]}), the core declares no such field")
            continue
        enforced = database.get(key, Limits())
        for aspect in ("max_length", "min_length", "minimum", "maximum"):
            expected, actual = getattr(declared_limits, aspect), getattr(enforced, aspect)
            if expected != actual:
                found.append(f"{name}: {aspect} is {expected} in the core but {actual} in the database")
        if (declared_limits.choices is None) != (enforced.choices is None) or (
            declared_limits.choices is not None and set(declared_limits.choices) != set(enforced.choices or ())
        ):
            found.append(
                f"{name}: the core allows {declared_limits.choices} but the database's CHECK allows {enforced.choices}"
            )
    return found


@pytest.fixture(scope="module")
def enforced(migrated_database_url: str) -> Iterator[tuple[dict[Column, Limits], dict[Column, str]]]:
    with psycopg.connect(**connect_kwargs(migrated_database_url)) as connection:
        yield database_limits(connection, sorted(declared()))


def test_every_limit_and_allowed_value_of_the_database_is_the_cores(
    enforced: tuple[dict[Column, Limits], dict[Column, str]],
) -> None:
    database, types = enforced
    found = differences(core_limits(declared()), database, types)
    assert found == [], "\n".join(found)


def test_the_comparison_sees_every_kind_of_drift(enforced: tuple[dict[Column, Limits], dict[Column, str]]) -> None:
    database, types = enforced
    assert ("tags", "color") in database and database["tags", "color"].choices, "CHECK lists were read"
    assert database["relationships", "health_threshold_days"] == Limits(minimum=1, maximum=365)
    core = core_limits(declared())
    core["tags", "color"].choices = (*(core["tags", "color"].choices or ()), "teal")
    core["groups", "name"].max_length = 99
    core["entities", "description"].max_length = 20_000
    core["relationships", "health_threshold_days"].maximum = 366
    del core["users", "tier"]
    found = differences(core, database, types)
    for column in ("tags.color", "groups.name", "entities.description", "relationships.health_threshold_days", "users.tier"):
        assert any(difference.startswith(f"{column}:") for difference in found), f"{column} drift unseen: {found}"
    assert len(found) == 5, found


def test_every_allowed_value_check_is_one_array_constant_not_an_in_list(migrated_database_url: str) -> None:
    # PostgreSQL rebuilds a table's CHECKs for every INSERT and UPDATE statement: an IN list is a
    # node per value and an ARRAY built each time, where a text[] constant is one node (README).
    with psycopg.connect(**connect_kwargs(migrated_database_url)) as connection:
        lists = [(name, definition) for _table, name, definition in check_definitions(connection) if "= ANY" in definition]
    assert len(lists) >= 15, lists  # every table's allowed-value lists were read
    written_as_in = [name for name, definition in lists if "ARRAY[" in definition]
    assert written_as_in == []
