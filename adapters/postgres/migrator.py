"""Apply, roll back and inspect the yoyo SQL migrations in ``conezia.migrations``.

Accepted database URLs: SQLAlchemy style (``postgresql+psycopg://...``), plain
libpq style (``postgresql://...`` or ``postgres://...``) and unix-socket URLs
such as ``postgresql://postgres:@/dbname?host=/path/to/socketdir``. They are
all handed to yoyo's psycopg 3 backend (``postgresql+psycopg``).

Every operation holds yoyo's migration lock (a row in its ``yoyo_lock``
table), so concurrent migrators wait for each other instead of racing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from typing import TYPE_CHECKING

from .urls import engine_url

if TYPE_CHECKING:
    from yoyo.backends import DatabaseBackend
    from yoyo.migrations import MigrationList

__all__ = [
    "apply_migrations",
    "migration_status",
    "rollback_migrations",
    "yoyo_database_url",
]

_MIGRATIONS_PACKAGE = "conezia.migrations"


def yoyo_database_url(database_url: str) -> str:
    """Translate a PostgreSQL URL into the form yoyo's psycopg 3 backend expects.

    Raises:
        ValueError: If the URL is not a PostgreSQL URL.
    """
    return engine_url(database_url).render_as_string(hide_password=False)


def apply_migrations(
    database_url: str, *, progress: Callable[[str], None] | None = None
) -> list[str]:
    """Apply every pending migration, oldest first.

    Each migration runs in its own transaction; a failing migration is rolled
    back and the error propagates, leaving the earlier ones applied.

    Args:
        database_url: The database to migrate.
        progress: Called with each migration id just before it is applied.

    Returns:
        The ids of the migrations applied, in order (empty when up to date).
    """
    applied: list[str] = []
    with _locked_backend(database_url) as (backend, migrations):
        pending = backend.to_apply(migrations)
        for migration in pending:
            if progress is not None:
                progress(migration.id)
            # apply_one rather than yoyo's apply_migrations, which silently
            # skips a migration that fails to load.
            backend.apply_one(migration)
            applied.append(migration.id)
        if applied:
            backend.run_post_apply(migrations)
    return applied


def rollback_migrations(database_url: str, *, count: int | None = None) -> list[str]:
    """Roll back applied migrations, newest first.

    Args:
        database_url: The database to roll back.
        count: How many migrations to roll back; ``None`` rolls back all of them.

    Returns:
        The ids of the migrations rolled back, in the order they were undone.

    Raises:
        ValueError: If ``count`` is negative.
    """
    if count is not None and count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    rolled_back: list[str] = []
    with _locked_backend(database_url) as (backend, migrations):
        to_undo = list(backend.to_rollback(migrations))
        if count is not None:
            to_undo = to_undo[:count]
        for migration in to_undo:
            backend.rollback_one(migration)
            rolled_back.append(migration.id)
    return rolled_back


def migration_status(database_url: str) -> list[tuple[str, bool]]:
    """List every known migration and whether it is applied.

    Like any yoyo operation, this creates yoyo's bookkeeping tables
    (``_yoyo_migration``, ``_yoyo_log``, ``_yoyo_version``, ``yoyo_lock``) in
    a database that does not have them yet.

    Args:
        database_url: The database to inspect.

    Returns:
        ``(migration id, applied)`` pairs in migration order.
    """
    with _locked_backend(database_url) as (backend, migrations):
        applied = set(backend.get_applied_migration_hashes())
        return [(migration.id, migration.hash in applied) for migration in migrations]


@contextmanager
def _locked_backend(
    database_url: str,
) -> Iterator[tuple[DatabaseBackend, MigrationList]]:
    from yoyo import get_backend, read_migrations

    backend = get_backend(yoyo_database_url(database_url))
    try:
        with resources.as_file(resources.files(_MIGRATIONS_PACKAGE)) as folder:
            # yoyo takes every *.py in the folder for a migration, and the
            # package's own __init__.py lives there too.
            migrations = read_migrations(str(folder)).filter(
                lambda migration: migration.path.endswith(".sql")
            )
            with backend.lock():
                yield backend, migrations
    finally:
        backend.connection.close()
