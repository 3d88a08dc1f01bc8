"""The migrations build exactly the schema described by ``tables.metadata``."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
from sqlalchemy import (
    CheckConstraint,
    Connection,
    ForeignKeyConstraint,
    Table,
    UniqueConstraint,
    create_engine,
    inspect,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

from conezia.adapters.postgres import tables
from conezia.adapters.postgres._errors import CONSTRAINT_ERRORS
from conezia.adapters.postgres.migrator import (
    apply_migrations,
    migration_status,
    rollback_migrations,
)

__all__: list[str] = []

YOYO_TABLES = {"_yoyo_log", "_yoyo_migration", "_yoyo_version", "yoyo_lock"}
# the job library's own tables (migration 0015b: procrastinate's schema, verbatim), not described in tables.py
JOB_QUEUE_TABLES = {"procrastinate_jobs", "procrastinate_events", "procrastinate_periodic_defers", "procrastinate_workers"}
EXTENSIONS = {"citext", "pg_trgm", "unaccent"}
MIGRATION_IDS = [
    "0001_enable_extensions",
    "0002_create_users",
    "0003_create_auth_providers",
    "0004_create_user_tokens",
    "0005_create_entities",
    "0006_create_relationships",
    "0007_create_identifiers",
    "0008_create_tags",
    "0009_create_entity_tags",
    "0010_create_groups",
    "0011_create_entity_groups",
    "0012_create_conversations",
    "0013_create_communications",
    "0014_create_interactions",
    "0015_create_reminders",
    "0015a_create_notifications",
    "0015b_create_job_queue",
    "0017_create_attachments",
    "0018_create_activity_logs",
]

_DIALECT = postgresql.dialect()


# -- describing a schema in comparable terms ---------------------------------


def _describe_metadata_table(table: Table) -> dict[str, Any]:
    columns = {
        column.name: {
            "type": column.type.compile(dialect=_DIALECT),
            "nullable": column.nullable,
            "has_default": column.server_default is not None,
            "comment": column.comment,
        }
        for column in table.columns
    }
    pk = table.primary_key
    uniques = {
        constraint.name: [column.name for column in constraint.columns]
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    }
    foreign_keys = {
        constraint.name: {
            "columns": [column.name for column in constraint.columns],
            "referred_table": constraint.elements[0].column.table.name,
            "referred_columns": [element.column.name for element in constraint.elements],
            "ondelete": constraint.ondelete,
        }
        for constraint in table.constraints
        if isinstance(constraint, ForeignKeyConstraint)
    }
    checks = sorted(
        constraint.name
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint)
    )
    indexes = {
        index.name: {
            "columns": [column.name for column in index.columns],
            "unique": bool(index.unique),
            "using": _non_default_using(index.dialect_options["postgresql"]["using"]),
            "ops": index.dialect_options["postgresql"]["ops"] or None,
            "has_where": index.dialect_options["postgresql"]["where"] is not None,
        }
        for index in table.indexes
    }
    return {
        "columns": columns,
        "primary_key": (pk.name, [column.name for column in pk.columns]),
        "unique_constraints": uniques,
        "foreign_keys": foreign_keys,
        "check_constraints": checks,
        "indexes": indexes,
    }


def _describe_database_table(inspector: Any, name: str) -> dict[str, Any]:
    columns = {
        column["name"]: {
            "type": column["type"].compile(dialect=_DIALECT),
            "nullable": column["nullable"],
            "has_default": column["default"] is not None,
            "comment": column["comment"],
        }
        for column in inspector.get_columns(name)
    }
    pk = inspector.get_pk_constraint(name)
    uniques = {
        constraint["name"]: constraint["column_names"]
        for constraint in inspector.get_unique_constraints(name)
    }
    foreign_keys = {
        fk["name"]: {
            "columns": fk["constrained_columns"],
            "referred_table": fk["referred_table"],
            "referred_columns": fk["referred_columns"],
            "ondelete": fk["options"].get("ondelete"),
        }
        for fk in inspector.get_foreign_keys(name)
    }
    checks = sorted(check["name"] for check in inspector.get_check_constraints(name))
    indexes = {
        index["name"]: {
            "columns": index["column_names"],
            "unique": index["unique"],
            "using": _non_default_using(index["dialect_options"].get("postgresql_using")),
            "ops": index["dialect_options"].get("postgresql_ops") or None,
            "has_where": index["dialect_options"].get("postgresql_where") is not None,
        }
        for index in inspector.get_indexes(name)
        # the index behind a UNIQUE constraint is compared as that constraint
        if "duplicates_constraint" not in index
    }
    return {
        "columns": columns,
        "primary_key": (pk["name"], pk["constrained_columns"]),
        "unique_constraints": uniques,
        "foreign_keys": foreign_keys,
        "check_constraints": checks,
        "indexes": indexes,
    }


def _non_default_using(method: str | bool | None) -> str | None:
    # SQLAlchemy leaves an unspecified method as False, PostgreSQL reports btree
    return None if not method or method == "btree" else str(method)


def _application_tables(inspector: Any) -> set[str]:
    return set(inspector.get_table_names()) - YOYO_TABLES - JOB_QUEUE_TABLES


def _installed_extensions(connection: Connection) -> set[str]:
    rows = connection.execute(
        text("SELECT extname FROM pg_extension WHERE extname = ANY(:names)"),
        {"names": sorted(EXTENSIONS)},
    )
    return {row.extname for row in rows}


# -- migrations ----------------------------------------------------------------


def test_migrating_an_empty_database_matches_the_sqlalchemy_tables(
    migrated_database_url: str,
) -> None:
    engine = create_engine(migrated_database_url)
    try:
        inspector = inspect(engine)
        assert _application_tables(inspector) == set(tables.metadata.tables)
        for name, table in tables.metadata.tables.items():
            expected = _describe_metadata_table(table)
            actual = _describe_database_table(inspector, name)
            for aspect in expected:
                assert actual[aspect] == expected[aspect], f"{name}: {aspect} differ"
    finally:
        engine.dispose()


_COLLATE = re.compile(r'COLLATE "?([^"\s)]+)"?')
_INDEX_COLLATIONS = text(
    "SELECT i.relname AS index, array_agg(c.collname ORDER BY u.n) AS collations"
    " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
    " CROSS JOIN LATERAL unnest(x.indcollation::oid[]) WITH ORDINALITY AS u(coll, n)"
    " LEFT JOIN pg_collation c ON c.oid = u.coll AND c.collname <> 'default'"
    " WHERE x.indrelid::regclass::text = ANY(:tables) GROUP BY i.relname"
)


def _metadata_collation(expression: Any) -> str | None:
    match = _COLLATE.search(str(expression.compile(dialect=_DIALECT)))
    return match.group(1) if match else None


def test_index_collations_match_the_sqlalchemy_tables(migrated_database_url: str) -> None:
    # reflection leaves out an index column's collation, which decides whether an ORDER BY can use it
    expected = {
        index.name: [_metadata_collation(expression) for expression in index.expressions]
        for table in tables.metadata.tables.values()
        for index in table.indexes
    }
    engine = create_engine(migrated_database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(_INDEX_COLLATIONS, {"tables": list(tables.metadata.tables)})
            actual = {row.index: list(row.collations) for row in rows}
    finally:
        engine.dispose()
    assert {name: actual.get(name) for name in expected} == expected
    assert expected["tags_user_id_name_id_index"] == [None, "C", None]


def test_every_constraint_in_the_database_has_a_field_error(
    migrated_database_url: str,
) -> None:
    engine = create_engine(migrated_database_url)
    try:
        with engine.connect() as connection:
            constraint_names = connection.execute(
                text(
                    "SELECT conname FROM pg_constraint"
                    " WHERE conrelid::regclass::text = ANY(:tables)"
                    " AND contype IN ('p', 'u', 'f', 'c')"
                ),
                {"tables": list(tables.metadata.tables)},
            ).scalars()
            unique_index_names = connection.execute(
                text(
                    "SELECT indexrelid::regclass::text FROM pg_index"
                    " WHERE indrelid::regclass::text = ANY(:tables) AND indisunique"
                ),
                {"tables": list(tables.metadata.tables)},
            ).scalars()
            names = set(constraint_names) | set(unique_index_names)
    finally:
        engine.dispose()
    assert names == set(CONSTRAINT_ERRORS)


def test_migration_status_lists_every_migration_as_applied_after_migrating(
    migrated_database_url: str,
) -> None:
    assert migration_status(migrated_database_url) == [
        (migration_id, True) for migration_id in MIGRATION_IDS
    ]


def test_applying_migrations_twice_applies_nothing_the_second_time(
    migrated_database_url: str,
) -> None:
    assert apply_migrations(migrated_database_url) == []


def test_all_migrations_roll_back_to_an_empty_schema_and_apply_again(
    fresh_database_url: str,
) -> None:
    reported: list[str] = []
    assert apply_migrations(fresh_database_url, progress=reported.append) == MIGRATION_IDS
    assert reported == MIGRATION_IDS

    assert rollback_migrations(fresh_database_url) == MIGRATION_IDS[::-1]

    engine = create_engine(fresh_database_url)
    try:
        assert set(inspect(engine).get_table_names()) - YOYO_TABLES == set()  # the job queue's too
        with engine.connect() as connection:
            assert _installed_extensions(connection) == set()
            left = connection.execute(text(
                "SELECT proname FROM pg_proc WHERE proname LIKE 'procrastinate%'"
                " UNION ALL SELECT typname FROM pg_type WHERE typname LIKE 'procrastinate%'"
            )).scalars().all()
            assert left == []
    finally:
        engine.dispose()
    assert migration_status(fresh_database_url) == [
        (migration_id, False) for migration_id in MIGRATION_IDS
    ]

    assert apply_migrations(fresh_database_url) == MIGRATION_IDS


def test_rolling_back_a_count_undoes_only_the_newest_migrations(
    fresh_database_url: str,
) -> None:
    apply_migrations(fresh_database_url)

    assert rollback_migrations(fresh_database_url, count=3) == [
        "0018_create_activity_logs",
        "0017_create_attachments",
        "0015b_create_job_queue",
    ]

    engine = create_engine(fresh_database_url)
    try:
        remaining = _application_tables(inspect(engine))
    finally:
        engine.dispose()
    assert remaining == set(tables.metadata.tables) - {"attachments", "activity_logs"}
    assert apply_migrations(fresh_database_url) == MIGRATION_IDS[-3:]


def test_rolling_back_a_negative_count_is_refused(fresh_database_url: str) -> None:
    with pytest.raises(ValueError, match="negative"):
        rollback_migrations(fresh_database_url, count=-1)


def test_migrations_accept_plain_libpq_urls(fresh_database_url: str) -> None:
    plain_url = fresh_database_url.replace("postgresql+psycopg://", "postgresql://", 1)

    assert apply_migrations(plain_url) == MIGRATION_IDS
    assert migration_status(fresh_database_url)[-1] == (MIGRATION_IDS[-1], True)


def _migration_files() -> dict[str, str]:
    folder = resources.files("conezia.migrations")
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    }


def test_each_migration_has_a_rollback_file() -> None:
    files = _migration_files()
    forward = sorted(name for name in files if not name.endswith(".rollback.sql"))
    rollbacks = sorted(name for name in files if name.endswith(".rollback.sql"))

    assert [name.removesuffix(".sql") for name in forward] == MIGRATION_IDS
    assert rollbacks == [f"{migration_id}.rollback.sql" for migration_id in MIGRATION_IDS]
    for name in rollbacks:
        assert files[name].strip(), f"{name} is empty"


def test_each_migration_depends_on_the_one_before_it() -> None:
    files = _migration_files()
    for previous, current in zip([None, *MIGRATION_IDS], MIGRATION_IDS, strict=False):
        first_line = files[f"{current}.sql"].splitlines()[0]
        match = re.fullmatch(r"--\s*depends:\s*(\S+)\s*", first_line)
        if previous is None:
            assert match is None, f"{current} must not depend on anything"
        else:
            assert match is not None, f"{current} lacks a depends header"
            assert match.group(1) == previous


# -- constraints through raw SQL ---------------------------------------------


@pytest.fixture
def connection(migrated_database_url: str) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    engine = create_engine(migrated_database_url)
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            try:
                yield connection
            finally:
                transaction.rollback()
    finally:
        engine.dispose()


def _insert(connection: Connection, table: str, **values: Any) -> Any:
    columns = ", ".join(values)
    placeholders = ", ".join(f":{column}" for column in values)
    returning = "RETURNING id" if "id" in tables.metadata.tables[table].c else ""
    result = connection.execute(
        text(f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) {returning}"),
        values,
    )
    return result.scalar_one() if returning else None


def _user(connection: Connection) -> uuid.UUID:
    return _insert(connection, "users", email=f"{uuid.uuid4().hex}@example.com")


def _entity(connection: Connection, owner_id: uuid.UUID) -> uuid.UUID:
    return _insert(connection, "entities", owner_id=owner_id, type="person", name="Ada")


def _violated_constraint(error: IntegrityError) -> str | None:
    return error.orig.diag.constraint_name  # type: ignore[union-attr]


def test_a_relationship_to_another_users_entity_is_rejected(
    connection: Connection,
) -> None:
    owner = _user(connection)
    stranger = _user(connection)
    entity = _entity(connection, owner)

    with pytest.raises(IntegrityError) as raised, connection.begin_nested():
        _insert(connection, "relationships", user_id=stranger, entity_id=entity)

    assert _violated_constraint(raised.value) == "relationships_entity_id_user_id_fkey"
    _insert(connection, "relationships", user_id=owner, entity_id=entity)


def test_tagging_an_entity_with_another_users_tag_is_rejected(
    connection: Connection,
) -> None:
    owner = _user(connection)
    stranger = _user(connection)
    entity = _entity(connection, owner)
    strangers_tag = _insert(connection, "tags", user_id=stranger, name="work")

    with pytest.raises(IntegrityError) as raised, connection.begin_nested():
        _insert(
            connection, "entity_tags", entity_id=entity, tag_id=strangers_tag, user_id=owner
        )

    assert _violated_constraint(raised.value) == "entity_tags_tag_id_user_id_fkey"


def test_an_identifier_with_both_a_value_and_an_encrypted_value_is_rejected(
    connection: Connection,
) -> None:
    entity = _entity(connection, _user(connection))

    with pytest.raises(IntegrityError) as raised, connection.begin_nested():
        _insert(
            connection,
            "identifiers",
            entity_id=entity,
            type="ssn",
            value="123-45-6789",
            value_encrypted=b"ciphertext",
        )

    assert _violated_constraint(raised.value) == "identifiers_value_check"


def test_an_identifier_with_neither_a_value_nor_an_encrypted_value_is_rejected(
    connection: Connection,
) -> None:
    entity = _entity(connection, _user(connection))

    with pytest.raises(IntegrityError) as raised, connection.begin_nested():
        _insert(connection, "identifiers", entity_id=entity, type="phone")

    assert _violated_constraint(raised.value) == "identifiers_value_check"


def test_a_second_primary_identifier_of_the_same_type_is_rejected(
    connection: Connection,
) -> None:
    entity = _entity(connection, _user(connection))
    def phone(value: str, *, is_primary: bool) -> None:
        _insert(
            connection,
            "identifiers",
            entity_id=entity,
            type="phone",
            value=value,
            is_primary=is_primary,
        )

    phone("+12025550101", is_primary=True)
    phone("+12025550102", is_primary=False)
    _insert(
        connection,
        "identifiers",
        entity_id=entity,
        type="email",
        value="a@example.com",
        is_primary=True,
    )

    with pytest.raises(IntegrityError) as raised, connection.begin_nested():
        phone("+12025550103", is_primary=True)

    assert _violated_constraint(raised.value) == "identifiers_entity_type_primary_idx"


def test_emails_are_unique_regardless_of_case(connection: Connection) -> None:
    _insert(connection, "users", email="Ada@Example.com")

    with pytest.raises(IntegrityError) as raised, connection.begin_nested():
        _insert(connection, "users", email="ada@example.COM")

    assert _violated_constraint(raised.value) == "users_email_index"


def test_a_token_that_is_not_a_sha256_digest_is_rejected(connection: Connection) -> None:
    user = _user(connection)

    with pytest.raises(IntegrityError) as raised, connection.begin_nested():
        _insert(connection, "user_tokens", user_id=user, token=b"raw-token", context="session")

    assert _violated_constraint(raised.value) == "user_tokens_token_check"


def test_a_smart_group_without_rules_is_rejected(connection: Connection) -> None:
    user = _user(connection)

    with pytest.raises(IntegrityError) as raised, connection.begin_nested():
        _insert(connection, "groups", user_id=user, name="Close", is_smart=True)

    assert _violated_constraint(raised.value) == "groups_rules_check"


def test_a_new_user_gets_the_documented_defaults(connection: Connection) -> None:
    user = _user(connection)

    row = connection.execute(
        text(
            "SELECT timezone, tier, settings, notification_preferences"
            " FROM users WHERE id = :id"
        ),
        {"id": user},
    ).one()

    assert row.timezone == "UTC"
    assert row.tier == "free"
    assert row.settings == {}
    assert row.notification_preferences == {
        "email": True,
        "push": True,
        "in_app": True,
        "quiet_hours_start": None,
        "quiet_hours_end": None,
    }


def test_deleting_a_user_deletes_everything_they_own(connection: Connection) -> None:
    user = _user(connection)
    other_user = _user(connection)
    entity = _entity(connection, user)
    tag = _insert(connection, "tags", user_id=user, name="work")
    group = _insert(connection, "groups", user_id=user, name="team")
    _insert(
        connection, "auth_providers", user_id=user, provider="google", provider_uid=str(user)
    )
    sha256_sized = uuid.uuid4().bytes * 2
    _insert(connection, "user_tokens", user_id=user, token=sha256_sized, context="session")
    _insert(connection, "relationships", user_id=user, entity_id=entity)
    _insert(connection, "identifiers", entity_id=entity, type="email", value="a@example.com")
    _insert(connection, "entity_tags", entity_id=entity, tag_id=tag, user_id=user)
    _insert(connection, "entity_groups", entity_id=entity, group_id=group, user_id=user)
    _entity(connection, other_user)

    connection.execute(text("DELETE FROM users WHERE id = :id"), {"id": user})

    for table, owner_column in [
        ("entities", "owner_id"),
        ("tags", "user_id"),
        ("groups", "user_id"),
        ("auth_providers", "user_id"),
        ("user_tokens", "user_id"),
        ("relationships", "user_id"),
        ("entity_tags", "user_id"),
        ("entity_groups", "user_id"),
    ]:
        remaining = connection.execute(
            text(f"SELECT count(*) FROM {table} WHERE {owner_column} = :id"), {"id": user}
        ).scalar_one()
        assert remaining == 0, f"{table} kept rows of the deleted user"
    identifiers_left = connection.execute(
        text("SELECT count(*) FROM identifiers WHERE entity_id = :id"), {"id": entity}
    ).scalar_one()
    assert identifiers_left == 0
    others_entities = connection.execute(
        text("SELECT count(*) FROM entities WHERE owner_id = :id"), {"id": other_user}
    ).scalar_one()
    assert others_entities == 1
