"""Least privilege: a schema-owner role for migrations, an application role for the server.

:func:`init_roles` sets a database up so that the owner role owns it and its
``public`` schema (and so runs the migrations), and the application role can
only read and write rows: ``SELECT, INSERT, UPDATE, DELETE`` on the tables,
``USAGE, SELECT`` on sequences, no DDL, no temporary tables, no superuser, no
``BYPASSRLS``. Default privileges grant the tables that later migrations create
to the application role as they appear. Every step is idempotent.

:func:`role_powers` is the server's startup check of the role it connects as.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import attrs
import psycopg
from psycopg import sql

from .urls import connect_kwargs, engine_url

__all__ = [
    "QUIET_LOG_SETTINGS",
    "RoleNames",
    "RolePowers",
    "RolesReport",
    "init_roles",
    "role_powers",
    "role_powers_async",
]

#: Server settings that keep row values (a unique violation's ``DETAIL: Key (email)=(...)``,
#: a failing statement's parameters) out of the server's log.
QUIET_LOG_SETTINGS: dict[str, str] = {
    "log_error_verbosity": "terse",
    "log_min_error_statement": "panic",
    "log_statement": "none",
    "log_min_duration_statement": "-1",
    "log_parameter_max_length": "0",
    "log_parameter_max_length_on_error": "0",
}

_ROLE_ATTRIBUTES = sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT")
_ROW_PRIVILEGES = sql.SQL("SELECT, INSERT, UPDATE, DELETE")
_POWERS = (
    "SELECT current_user, rolsuper, rolbypassrls, coalesce(has_schema_privilege(current_schema(), 'CREATE'), false)"
    " FROM pg_roles WHERE rolname = current_user"
)


@attrs.frozen
class RoleNames:
    """The two roles' names (unique ones let several installations share one server)."""

    owner: str = "conezia_owner"
    app: str = "conezia_app"


@attrs.frozen
class RolesReport:
    """What :func:`init_roles` did.

    Attributes:
        actions: one line per step, in order.
        passwords: the generated password of each role it created (only when asked to).
    """

    actions: list[str]
    passwords: dict[str, str]


@attrs.frozen
class RolePowers:
    """What the connected role may do beyond reading and writing rows."""

    name: str
    superuser: bool
    bypass_rls: bool
    can_create_in_schema: bool

    @property
    def too_powerful(self) -> bool:
        """A superuser, or a role that row security does not hold."""
        return self.superuser or self.bypass_rls


def role_powers(database_url: str) -> RolePowers:
    """The powers of the role ``database_url`` connects as (one short connection)."""
    with psycopg.connect(**connect_kwargs(database_url), autocommit=True) as connection:
        row = connection.execute(_POWERS).fetchone()
    assert row is not None
    return RolePowers(*row)


async def role_powers_async(database_url: str) -> RolePowers:
    """:func:`role_powers` on the running event loop."""
    connection = await psycopg.AsyncConnection.connect(**connect_kwargs(database_url), autocommit=True)
    async with connection:
        row = await (await connection.execute(_POWERS)).fetchone()
    assert row is not None
    return RolePowers(*row)


def init_roles(
    admin_url: str, database: str, roles: RoleNames | None = None, *, passwords: bool = False
) -> RolesReport:
    """Create or fix the owner and application roles and their privileges on ``database``.

    Args:
        admin_url: a URL of any database on the server, for a superuser (or a role
            allowed to create roles and databases and to act as them).
        database: the application's database; created, owned by the owner role, if missing.
        roles: the roles' names.
        passwords: give each role it creates a generated password (reported once, in
            :attr:`RolesReport.passwords`); existing roles keep theirs.

    Raises:
        ValueError: If the roles are the same role, or the admin role itself.
        psycopg.Error: If the admin role lacks a privilege a step needs.
    """
    roles = roles or RoleNames()
    admin = engine_url(admin_url).username
    if roles.owner == roles.app or admin in (roles.owner, roles.app):
        raise ValueError("the owner role, the application role and the admin role must be three different roles")
    report = RolesReport(actions=[], passwords={})
    with _connect(admin_url) as connection:
        for role in (roles.owner, roles.app):
            _ensure_role(connection, role, report, passwords=passwords)
        _keep_apart(connection, roles, report)
        _ensure_database(connection, database, roles.owner, report)
        _grant_database(connection, database, roles, report)
    with _connect(admin_url, database=database) as connection:
        _own_schema(connection, roles.owner, report)
        _grant_rows(connection, roles, report)
    return report


@contextmanager
def _connect(url: str, *, database: str | None = None) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    params = connect_kwargs(url)
    if database is not None:
        params["dbname"] = database
    with psycopg.connect(**params, autocommit=True) as connection:
        yield connection


def _ensure_role(connection: psycopg.Connection[tuple[object, ...]], role: str, report: RolesReport, *, passwords: bool) -> None:
    found = connection.execute(
        "SELECT rolcanlogin AND NOT (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls)"
        " FROM pg_roles WHERE rolname = %s",
        (role,),
    ).fetchone()
    name = sql.Identifier(role)
    if found is None:
        statement = sql.SQL("CREATE ROLE {} {}").format(name, _ROLE_ATTRIBUTES)
        if passwords:
            password = secrets.token_urlsafe(24)
            statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
            report.passwords[role] = password
        connection.execute(statement)
        report.actions.append(f"created role {role} (login; no superuser, createdb, createrole, replication, bypassrls)")
    elif not found[0]:
        connection.execute(sql.SQL("ALTER ROLE {} {}").format(name, _ROLE_ATTRIBUTES))
        report.actions.append(f"role {role} existed with more powers: now login only (no superuser, createdb, ...)")
    else:
        report.actions.append(f"role {role} exists already (login only); its password is unchanged")


def _keep_apart(connection: psycopg.Connection[tuple[object, ...]], roles: RoleNames, report: RolesReport) -> None:
    member = connection.execute(
        "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member"
        " WHERE r.rolname = %s AND u.rolname = %s",
        (roles.owner, roles.app),
    ).fetchone()
    if member is not None:
        connection.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(roles.owner), sql.Identifier(roles.app)))
        report.actions.append(f"{roles.app} is no longer a member of {roles.owner}")


def _ensure_database(connection: psycopg.Connection[tuple[object, ...]], database: str, owner: str, report: RolesReport) -> None:
    found = connection.execute(
        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (database,)
    ).fetchone()
    if found is None:
        connection.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(owner)))
        report.actions.append(f"created database {database}, owned by {owner}")
    elif found[0] != owner:
        connection.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(database), sql.Identifier(owner)))
        report.actions.append(f"database {database} now belongs to {owner} (it belonged to {found[0]})")


def _grant_database(
    connection: psycopg.Connection[tuple[object, ...]], database: str, roles: RoleNames, report: RolesReport
) -> None:
    db = sql.Identifier(database)
    connection.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
    connection.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, sql.Identifier(roles.app)))
    report.actions.append(f"database {database}: other roles may not connect; {roles.app} may connect, not create")
    try:
        for role in (roles.owner, roles.app):
            for name, value in QUIET_LOG_SETTINGS.items():
                connection.execute(
                    sql.SQL("ALTER ROLE {} IN DATABASE {} SET {} = {}").format(
                        sql.Identifier(role), db, sql.Identifier(name), sql.Literal(value)
                    )
                )
        report.actions.append(f"their sessions log no row values ({', '.join(f'{k}={v}' for k, v in QUIET_LOG_SETTINGS.items())})")
    except psycopg.errors.InsufficientPrivilege:
        report.actions.append(
            "could not set the log settings for the roles (needs a superuser): set them in postgresql.conf"
            " (README: Logs without row values)"
        )


def _own_schema(connection: psycopg.Connection[tuple[object, ...]], owner: str, report: RolesReport) -> None:
    schema_owner = connection.execute("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'").fetchone()
    if schema_owner is None:
        connection.execute(sql.SQL("CREATE SCHEMA public AUTHORIZATION {}").format(sql.Identifier(owner)))
        report.actions.append(f"created schema public, owned by {owner}")
    elif schema_owner[0] not in (owner, "pg_database_owner"):
        connection.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(owner)))
        report.actions.append(f"schema public now belongs to {owner}")
    # Tables made before the roles existed (an older installation migrated as the superuser).
    strays = connection.execute(
        "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
        " AND pg_get_userbyid(c.relowner) <> %s AND NOT EXISTS ("
        "  SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid"
        "  AND d.deptype IN ('a', 'i', 'e'))"
        " ORDER BY c.relname",
        (owner,),
    ).fetchall()
    kinds = {"v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE", "f": "FOREIGN TABLE"}
    for name, kind in strays:
        connection.execute(
            sql.SQL("ALTER {} public.{} OWNER TO {}").format(
                sql.SQL(kinds.get(str(kind), "TABLE")), sql.Identifier(str(name)), sql.Identifier(owner)
            )
        )
    if strays:
        report.actions.append(f"{len(strays)} existing table(s) and sequence(s) in schema public now belong to {owner}")


def _grant_rows(connection: psycopg.Connection[tuple[object, ...]], roles: RoleNames, report: RolesReport) -> None:
    owner, app = sql.Identifier(roles.owner), sql.Identifier(roles.app)
    statements: list[sql.Composed | sql.SQL] = [
        sql.SQL("REVOKE ALL ON SCHEMA public FROM PUBLIC"),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(app),
        sql.SQL("GRANT {} ON ALL TABLES IN SCHEMA public TO {}").format(_ROW_PRIVILEGES, app),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(app),
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT {} ON TABLES TO {}").format(
            owner, _ROW_PRIVILEGES, app
        ),
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}").format(
            owner, app
        ),
    ]
    for statement in statements:
        connection.execute(statement)
    report.actions.append(
        f"schema public: {roles.app} may read and write the rows of every table, now and in later migrations"
        " (SELECT, INSERT, UPDATE, DELETE; USAGE on sequences); no CREATE, no TRUNCATE, no DDL"
    )
