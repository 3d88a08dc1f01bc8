"""Names are listed in code-point order even in a database whose own collation sorts otherwise.

The test databases of the embedded PostgreSQL sort as C (it is built without ICU
and the machine has no other locale), where code-point order is the default
anyway; this test makes a database with an ICU collation, on a server that has
ICU (the PostgreSQL service of CI's second pass), so that the explicit
``COLLATE "C"`` of the lists is what keeps the order.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from conezia.adapters.postgres import PostgresDatabase
from conezia.adapters.postgres.migrator import apply_migrations
from conezia.adapters.postgres.urls import connect_kwargs
from conezia.embedded import drop_database, sqlalchemy_url
from tests.contract.builders import a_group, a_tag, a_user, at

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

_NAMES = ["zeta", "beta", "Zed", "alpha", "Alpha", "émile", "_x", "mid"]
_CODE_POINT_ORDER = ["Alpha", "Zed", "_x", "alpha", "beta", "mid", "zeta", "émile"]


@pytest.fixture
def icu_database_url(database_server_url: str) -> Iterator[str]:
    """A migrated database whose default collation is ICU's root locale (``und``)."""
    name = "conezia_test_icu_collation"
    with psycopg.connect(**connect_kwargs(database_server_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        try:
            connection.execute(
                f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'"
                " LOCALE_PROVIDER icu ICU_LOCALE 'und' LOCALE 'C.UTF-8'"
            )
        except psycopg.errors.FeatureNotSupported:
            pytest.skip("this PostgreSQL is built without ICU (the embedded one is); CI's second pass runs it")
    url = sqlalchemy_url(database_server_url, database=name)
    try:
        apply_migrations(url)
        yield url
    finally:
        drop_database(database_server_url, name)


async def test_tags_and_groups_are_listed_in_code_point_order_where_the_database_sorts_by_locale(
    icu_database_url: str,
) -> None:
    database = PostgresDatabase(icu_database_url, pool_size=2)
    owner = a_user()
    try:
        async with database.unit_of_work() as uow:
            await uow.users.add(owner)
            for i, name in enumerate(_NAMES):
                await uow.tags.add(a_tag(owner, name, inserted_at=at(seconds=i)))
                await uow.groups.add(a_group(owner, name, inserted_at=at(seconds=i)))
            await uow.commit()
        async with database.unit_of_work() as uow:
            tags = [tag.name for tag in await uow.tags.list(owner.id)]
            groups = [group.name for group in await uow.groups.list(owner.id)]
        pool = await database.pool()
        async with pool.connection() as connection:
            cursor = await connection.execute("SELECT name FROM tags WHERE user_id = %s ORDER BY name", (owner.id,))
            by_locale = [row[0] for row in await cursor.fetchall()]
    finally:
        await database.close()

    assert by_locale != _CODE_POINT_ORDER, "the control: this database's own order is not code-point order"
    assert tags == groups == _CODE_POINT_ORDER
