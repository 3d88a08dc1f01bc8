"""Every list page is read through an index in its own order: no sort of the owner's rows, at any size.

A keyset page (``WHERE key > cursor ORDER BY key LIMIT n``) costs the same
at 50,000 rows as at 200 only if an index hands the rows over in key order,
so that reading stops after ``n`` of them (errata E1). These tests load one
owner with thousands of rows (and other owners around them), ``ANALYZE``, and
read the plans PostgreSQL makes for the very statements the repositories run,
in both forms a statement is planned: with its values (the first executions)
and generic (what a prepared statement settles on after five).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import psycopg
import pytest

from conezia.adapters.postgres._prepared import Prepared
from conezia.adapters.postgres.activity import activity_list_statement
from conezia.adapters.postgres.contacts import entity_list_statement, relationship_list_statement
from conezia.adapters.postgres.identifiers import LIST_FOR_ENTITY
from conezia.adapters.postgres.migrator import apply_migrations
from conezia.adapters.postgres.organizing import LIST_GROUPS, LIST_TAGS, members_statement
from conezia.adapters.postgres.reminders import due_statement, reminder_list_statement
from conezia.adapters.postgres.urls import connect_kwargs
from conezia.core.activity import ACTIONS, RESOURCE_TYPES, ActivityFilter
from conezia.core.entities import ENTITY_TYPES, RELATIONSHIP_STATUSES
from conezia.core.organizing import EntityFilter
from conezia.core.pagination import PageRequest
from conezia.embedded import create_database, drop_database

__all__: list[str] = []

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
OWNER = uuid.UUID(int=1)
ENTITIES = 5_000
OTHER_OWNERS = 15
OTHERS_ENTITIES = 1_000  # each
GROUP = uuid.UUID(int=2)  # the owner's big group: every other entity
ENTITY = uuid.UUID(int=3)  # the owner's entity with many identifiers
IDENTIFIERS = 1_000
TAGS = 1_000  # the owner's tags, and as many groups
ACTIVITY = 20_000  # the owner's activity log rows (others have a tenth as many each)
RESOURCE = uuid.UUID(int=4)  # a resource with a history of 100 rows among the owner's 20,000
REMINDERS = 6_000  # the owner's reminders, a third completed (others have a fifth as many each)
PAGE = PageRequest(limit=50)
DUE_AT = T0 + dt.timedelta(minutes=REMINDERS // 2)  # half of every user's reminders are due by then


def _ids(count: int) -> list[uuid.UUID]:
    return [uuid.uuid4() for _ in range(count)]


def _load(connection: psycopg.Connection[Any]) -> dict[str, Any]:
    """Fill the database: the owner's rows among other owners' rows. Returns what the pages start after."""
    others = [uuid.UUID(int=100 + n) for n in range(OTHER_OWNERS)]
    owners = [(OWNER, ENTITIES), *((other, OTHERS_ENTITIES) for other in others)]
    entity_rows: list[tuple[Any, ...]] = []
    for owner, count in owners:
        ids = [ENTITY, *_ids(count - 1)] if owner == OWNER else _ids(count)
        for n, entity_id in enumerate(ids):
            at = T0 + dt.timedelta(seconds=n // 2)  # pairs share a timestamp: the id breaks the tie
            archived = at if n % 10 == 9 else None
            entity_rows.append((entity_id, owner, ENTITY_TYPES[n % len(ENTITY_TYPES)], f"e{n}", at, at, archived))
    with connection.cursor() as cursor:
        with cursor.copy("COPY users (id, email) FROM STDIN") as copy:
            for owner, _ in owners:
                copy.write_row((owner, f"{owner.hex}@example.com"))
        with cursor.copy(
            "COPY entities (id, owner_id, type, name, inserted_at, updated_at, archived_at) FROM STDIN"
        ) as copy:
            for row in entity_rows:
                copy.write_row(row)
        with cursor.copy(
            "COPY relationships (id, user_id, entity_id, status, inserted_at, updated_at) FROM STDIN"
        ) as copy:
            for n, (entity_id, owner, *_, at, _updated, _archived) in enumerate(entity_rows):
                status = RELATIONSHIP_STATUSES[n % len(RELATIONSHIP_STATUSES)]
                copy.write_row((uuid.uuid4(), owner, entity_id, status, at, at))
        with cursor.copy("COPY identifiers (id, entity_id, type, value, inserted_at, updated_at) FROM STDIN") as copy:
            for n in range(IDENTIFIERS):
                at = T0 + dt.timedelta(seconds=n)
                copy.write_row((uuid.uuid4(), ENTITY, "email", f"i{n}@example.com", at, at))
            for entity_id, *_, at, _updated, _archived in entity_rows[1:]:
                copy.write_row((uuid.uuid4(), entity_id, "email", "x@example.com", at, at))
        for table in ("tags", "groups"):
            with cursor.copy(f"COPY {table} (id, user_id, name, inserted_at, updated_at) FROM STDIN") as copy:
                for owner, count in [(OWNER, TAGS), *((other, TAGS // 5) for other in others)]:
                    ids = [GROUP, *_ids(count - 1)] if (owner, table) == (OWNER, "groups") else _ids(count)
                    for n, row_id in enumerate(ids):
                        copy.write_row((row_id, owner, f"{table[:-1]} {n:05}", T0, T0))
        with cursor.copy("COPY entity_groups (entity_id, group_id, user_id) FROM STDIN") as copy:
            for entity_id, owner, *_ in entity_rows[:ENTITIES:2]:
                copy.write_row((entity_id, GROUP, owner))
        with cursor.copy(
            "COPY activity_logs (id, user_id, action, resource_type, resource_id, inserted_at) FROM STDIN"
        ) as copy:
            for owner, count in [(OWNER, ACTIVITY), *((other, ACTIVITY // 10) for other in others)]:
                for n in range(count):
                    resource = RESOURCE if owner == OWNER and n % 200 == 0 else uuid.uuid4()
                    copy.write_row((uuid.uuid4(), owner, ACTIONS[n % len(ACTIONS)],
                                    RESOURCE_TYPES[n % len(RESOURCE_TYPES)], resource,
                                    T0 + dt.timedelta(seconds=n // 2)))
        with cursor.copy(
            "COPY reminders (id, user_id, type, title, due_at, completed_at, snoozed_until) FROM STDIN"
        ) as copy:
            for owner, count in [(OWNER, REMINDERS), *((other, REMINDERS // 5) for other in others)]:
                for n in range(count):
                    due = T0 + dt.timedelta(minutes=n * 7 % count)  # not in insertion order
                    completed = due if n % 3 == 0 else None
                    snoozed = due + dt.timedelta(days=1) if n % 7 == 0 else None
                    copy.write_row((uuid.uuid4(), owner, "custom", f"r{n}", due, completed, snoozed))
        cursor.execute("ANALYZE")
        middle = sorted((at, entity_id) for entity_id, owner, _, _, at, *_ in entity_rows if owner == OWNER)
    return {"after": middle[len(middle) // 2]}


@pytest.fixture(scope="module")
def database(database_server_url: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Connection arguments of a migrated, filled and analyzed database of this module's own."""
    name = f"conezia_plans_{uuid.uuid4().hex[:12]}"
    url = create_database(database_server_url, name)
    try:
        apply_migrations(url)
        kwargs = connect_kwargs(url)
        with psycopg.connect(**kwargs, autocommit=True) as connection:
            loaded = _load(connection)
        yield kwargs, loaded
    finally:
        drop_database(database_server_url, name)


# -- reading plans ---------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _nodes(plan: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _explain(cursor: psycopg.Cursor[Any], sql: str, params: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
    row = cursor.fetchone()
    assert row is not None
    return row[0][0]["Plan"]


def _plans(
    connection: psycopg.Connection[Any], statement: Prepared, params: Mapping[str, Any]
) -> dict[str, Mapping[str, Any]]:
    """The plan with these values (as the first runs get), and the generic plan (as a prepared statement settles on)."""
    sql, values = statement.sql, statement.parameters(params)
    # the same text with $n placeholders, to prepare it and explain its generic plan
    names: list[str] = []
    numbered = _PLACEHOLDER.sub(lambda match: f"${_number(names, match.group(1))}", sql)
    arguments = psycopg.ClientCursor(connection).mogrify(", ".join(["%s"] * len(names)), [values[n] for n in names])
    with connection.cursor() as cursor:
        custom = _explain(cursor, sql, values)
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        try:
            cursor.execute(f"PREPARE plan_check AS {numbered}")
            generic = _explain(cursor, f"EXECUTE plan_check({arguments})")
            cursor.execute("DEALLOCATE plan_check")
        finally:
            cursor.execute("RESET plan_cache_mode")
    return {"custom": custom, "generic": generic}


def _number(names: list[str], name: str) -> int:
    if name not in names:
        names.append(name)
    return names.index(name) + 1


def _unbounded_sorts(plan: Mapping[str, Any], bound: int | None) -> list[str]:
    """The sorts over more rows than one page (any sort, for a list read whole)."""
    found = []
    for node in _nodes(plan):
        if node["Node Type"] in ("Sort", "Incremental Sort"):
            sorted_rows = max(child["Plan Rows"] for child in node["Plans"])
            if bound is None or sorted_rows > bound:
                found.append(f"{node['Node Type']} of ~{sorted_rows} rows by {node.get('Sort Key')}")
    return found


def _indexes(plan: Mapping[str, Any]) -> set[str]:
    return {node["Index Name"] for node in _nodes(plan) if "Index Name" in node}


# -- the lists -------------------------------------------------------------------------------

Case = Callable[[dict[str, Any]], tuple[Prepared, dict[str, Any]]]


def _after(loaded: dict[str, Any]) -> PageRequest:
    return PageRequest(limit=PAGE.limit, after=loaded["after"])


PAGED: dict[str, tuple[Case, str]] = {
    "entities": (lambda _: entity_list_statement(OWNER, EntityFilter(), PAGE), "entities_owner_id_inserted_at_id_index"),
    "entities after a cursor": (
        lambda loaded: entity_list_statement(OWNER, EntityFilter(), _after(loaded)),
        "entities_owner_id_inserted_at_id_index",
    ),
    "entities, archived included": (
        lambda _: entity_list_statement(OWNER, EntityFilter(archived=None), PAGE),
        "entities_owner_id_inserted_at_id_index",
    ),
    "archived entities": (
        lambda _: entity_list_statement(OWNER, EntityFilter(archived=True), PAGE),
        "entities_archived_owner_id_inserted_at_id_index",
    ),
    "archived entities after a cursor": (
        lambda loaded: entity_list_statement(OWNER, EntityFilter(archived=True), _after(loaded)),
        "entities_archived_owner_id_inserted_at_id_index",
    ),
    "entities of one type": (
        lambda _: entity_list_statement(OWNER, EntityFilter(types=("person",)), PAGE),
        "entities_owner_id_inserted_at_id_index",
    ),
    "entities of two types after a cursor": (
        lambda loaded: entity_list_statement(OWNER, EntityFilter(types=("person", "thing")), _after(loaded)),
        "entities_owner_id_inserted_at_id_index",
    ),
    "relationships": (lambda _: relationship_list_statement(OWNER, PAGE), "relationships_user_id_inserted_at_id_index"),
    "relationships after a cursor": (
        lambda loaded: relationship_list_statement(OWNER, _after(loaded)),
        "relationships_user_id_inserted_at_id_index",
    ),
    "relationships of one status": (
        lambda _: relationship_list_statement(OWNER, PAGE, "inactive"),
        "relationships_user_id_inserted_at_id_index",
    ),
    "group members": (lambda _: members_statement(OWNER, GROUP, PAGE), "entities_owner_id_inserted_at_id_index"),
    "group members after a cursor": (
        lambda loaded: members_statement(OWNER, GROUP, _after(loaded)),
        "entities_owner_id_inserted_at_id_index",
    ),
    "activity, newest first": (
        lambda _: activity_list_statement(OWNER, ActivityFilter(), PAGE), "activity_logs_user_id_inserted_at_index",
    ),
    "activity after a cursor": (
        lambda loaded: activity_list_statement(OWNER, ActivityFilter(), _after(loaded)),
        "activity_logs_user_id_inserted_at_index",
    ),
    "activity of one action": (
        lambda _: activity_list_statement(OWNER, ActivityFilter(action="login"), PAGE),
        "activity_logs_user_id_inserted_at_index",
    ),
    "activity of one resource type after a cursor": (
        lambda loaded: activity_list_statement(OWNER, ActivityFilter(resource_type="tag"), _after(loaded)),
        "activity_logs_user_id_inserted_at_index",
    ),
    "activity of one resource": (
        lambda _: activity_list_statement(OWNER, ActivityFilter(resource_id=RESOURCE), PAGE),
        "activity_logs_resource_id_inserted_at_index",
    ),
    "activity of one resource after a cursor": (
        lambda loaded: activity_list_statement(OWNER, ActivityFilter(resource_id=RESOURCE), _after(loaded)),
        "activity_logs_resource_id_inserted_at_index",
    ),
    "pending reminders by due date": (
        lambda _: reminder_list_statement(OWNER, PAGE, completed=False), "reminders_pending_user_id_due_at_index",
    ),
    "pending reminders after a cursor": (
        lambda _: reminder_list_statement(OWNER, PageRequest(limit=50, after=(DUE_AT, uuid.UUID(int=0))), False),
        "reminders_pending_user_id_due_at_index",
    ),
    "every reminder by due date after a cursor": (
        lambda _: reminder_list_statement(OWNER, PageRequest(limit=50, after=(DUE_AT, uuid.UUID(int=0)))),
        "reminders_user_id_due_at_index",
    ),
    "completed reminders by due date": (
        lambda _: reminder_list_statement(OWNER, PAGE, completed=True), "reminders_user_id_due_at_index",
    ),
    # errata A2: every user's due reminders through the partial index of pending ones
    "due reminders of every user": (lambda _: due_statement(DUE_AT, PAGE), "reminders_due_pending_idx"),
    "due reminders after a cursor": (
        lambda _: due_statement(DUE_AT, PageRequest(limit=50, after=(T0 + dt.timedelta(minutes=60), uuid.UUID(int=0)))),
        "reminders_due_pending_idx",
    ),
}

WHOLE: dict[str, tuple[Case, str]] = {
    "tags": (lambda _: (LIST_TAGS, {"user_id": OWNER}), "tags_user_id_name_id_index"),
    "groups": (lambda _: (LIST_GROUPS, {"user_id": OWNER}), "groups_user_id_name_id_index"),
    "identifiers of an entity": (
        lambda _: (LIST_FOR_ENTITY, {"owner_id": OWNER, "entity_id": ENTITY}),
        "identifiers_entity_id_inserted_at_id_index",
    ),
}


def assert_reads_a_page(
    connection: psycopg.Connection[Any], statement: Any, params: dict[str, Any], index: str, case: str, *, cursor: str
) -> None:
    """Both plans of a page's statement read ``index`` in order, sort nothing unbounded and stop at the limit.

    After a cursor, the cursor bounds the index scan itself (an ``Index Cond`` matching the
    pattern ``cursor``), not a filter over what came before.
    """
    for form, plan in _plans(connection, statement, params).items():
        sorts = _unbounded_sorts(plan, bound=params["limit"])
        assert sorts == [], f"{case} ({form} plan) sorts the owner's rows: {sorts}"
        assert index in _indexes(plan), f"{case} ({form} plan) does not read {index}: {sorted(_indexes(plan))}"
        assert plan["Node Type"] == "Limit"
        if "after_at" in params:
            conditions = [node.get("Index Cond", "") for node in _nodes(plan) if node.get("Index Name") == index]
            assert any(re.search(cursor, c) for c in conditions), f"{case} ({form} plan)"


@pytest.fixture(scope="module")
def connection(database: tuple[dict[str, Any], dict[str, Any]]) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(**database[0], autocommit=True) as connection:
        yield connection


@pytest.mark.parametrize("case", list(PAGED))
def test_a_page_reads_its_rows_in_order_from_an_index_and_stops(
    connection: psycopg.Connection[Any], database: tuple[dict[str, Any], dict[str, Any]], case: str
) -> None:
    build, index = PAGED[case]
    statement, params = build(database[1])
    # after the cursor in ascending order, before it in the newest-first activity log
    assert_reads_a_page(connection, statement, params, index, case, cursor=r"ROW\((inserted_at|due_at), id\) [<>]")


@pytest.mark.parametrize("case", list(WHOLE))
def test_a_list_read_whole_comes_in_order_from_an_index(
    connection: psycopg.Connection[Any], database: tuple[dict[str, Any], dict[str, Any]], case: str
) -> None:
    # Read whole, a user's few dozen tags may be cheaper to sort than to fetch in index order, and the
    # planner is right to sort them; what must hold is that an index gives the order, so that no plan
    # *has* to sort: with sorting priced out, a Sort remains only where no index serves the ORDER BY.
    build, index = WHOLE[case]
    statement, params = build(database[1])
    with connection.transaction(force_rollback=True):
        connection.execute("SET LOCAL enable_sort = off")
        plans = _plans(connection, statement, params)
    for form, plan in plans.items():
        sorts = _unbounded_sorts(plan, bound=None)
        assert sorts == [], f"{case} ({form} plan): no index gives its order: {sorts}"
        assert index in _indexes(plan), f"{case} ({form} plan) does not read {index}: {sorted(_indexes(plan))}"
