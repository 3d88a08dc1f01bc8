"""``conezia db ...``: the embedded PostgreSQL, its URLs, the roles, backups; and which URL each command uses."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NamedTuple

from .settings import Settings

__all__ = ["DatabaseUrls", "add_db_parser", "cmd_db", "database_urls", "say", "stop_embedded"]

_DEFAULT_DATABASE = "conezia"


def say(message: str) -> None:
    """A line for the operator, on stderr."""
    print(f"conezia: {message}", file=sys.stderr, flush=True)


class DatabaseUrls(NamedTuple):
    """The server's URL (the application role), the migrations' (the schema owner), and whether we started it."""

    app: str
    migration: str
    started: bool


def database_urls(settings: Settings, *, start: bool) -> DatabaseUrls:
    """``CONEZIA_DATABASE_URL`` and ``CONEZIA_MIGRATION_DATABASE_URL``, else the embedded server's roles.

    Raises:
        SystemExit: If the embedded server is not running and ``start`` is false.
    """
    if settings.database_url:
        return DatabaseUrls(settings.database_url, settings.migration_database_url or settings.database_url, False)
    from .embedded import EmbeddedPostgres, prepare_server

    data = settings.data_dir / "postgres"
    server = EmbeddedPostgres()
    if EmbeddedPostgres.status(data):
        # a server started by an older Conezia may lack the roles: prepare is idempotent and quick
        prepare_server(EmbeddedPostgres.url_for(data, "postgres"))
        owner, app = (EmbeddedPostgres.url_for(data, role=role) for role in ("conezia_owner", "conezia_app"))
        return DatabaseUrls(app, owner, False)
    if not start:
        raise SystemExit(
            "conezia: no database: set CONEZIA_DATABASE_URL, or start the embedded one with `conezia db start`"
            f" (data folder {settings.data_dir})"
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    say(f"starting embedded PostgreSQL in {data} ...")
    server.start(data)
    return DatabaseUrls(server.app_url, server.owner_url, True)


def stop_embedded(settings: Settings) -> None:
    """Stop the embedded server under the data folder."""
    from .embedded import EmbeddedPostgres

    say("stopping embedded PostgreSQL ...")
    EmbeddedPostgres.stop_dir(settings.data_dir / "postgres")


def add_db_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``db`` command and its subcommands."""
    d = sub.add_parser("db", help="the database: the embedded PostgreSQL, its URL, roles, backups")
    dsub = d.add_subparsers(dest="action", required=True)
    dsub.add_parser("start", help="start the embedded PostgreSQL under the data folder")
    dsub.add_parser("stop", help="stop it")
    dsub.add_parser("status", help="running or stopped (exit status 3)")
    u = dsub.add_parser("url", help="print a libpq URL of the embedded database (for psql, pg_dump)")
    u.add_argument("--role", choices=("app", "owner", "superuser"), default="app",
                   help="conezia_app (default; rows only), conezia_owner (the schema) or postgres")
    dump = dsub.add_parser("dump", help="back the database up into FILE (pg_dump custom format)")
    dump.add_argument("file", type=Path)
    restore = dsub.add_parser("restore", help="restore FILE into an empty database")
    restore.add_argument("file", type=Path)
    restore.add_argument("--clean", action="store_true", help="drop the database's tables first, instead of refusing")
    roles = dsub.add_parser("init-roles", help="create the schema-owner and application roles (idempotent)")
    roles.add_argument("--admin-url", help="a superuser's URL on the server (default: the embedded server)")
    roles.add_argument("--database", help="the application database (default: CONEZIA_DATABASE_URL's, else conezia)")
    roles.add_argument("--owner-role", default="conezia_owner")
    roles.add_argument("--app-role", default="conezia_app")
    roles.add_argument("--no-passwords", action="store_true",
                       help="create roles without passwords (trust, peer or certificate authentication)")


def cmd_db(settings: Settings, args: argparse.Namespace) -> None:
    """Run ``conezia db ACTION``."""
    from .embedded import EmbeddedPostgres

    data = settings.data_dir / "postgres"
    if args.action == "start":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        EmbeddedPostgres().start(data)
        say("embedded PostgreSQL running; other conezia commands find it in the data folder; "
            "`conezia db url` prints its URL for psql")
    elif args.action == "stop":
        EmbeddedPostgres.stop_dir(data)
        say("embedded PostgreSQL stopped")
    elif args.action == "url":
        from conezia.adapters.postgres.urls import libpq_url

        role = {"app": "conezia_app", "owner": "conezia_owner", "superuser": "postgres"}[args.role]
        print(libpq_url(EmbeddedPostgres.url_for(data, role=role)))
    elif args.action in ("dump", "restore"):
        _backup(settings, args)
    elif args.action == "init-roles":
        _init_roles(settings, args)
    else:
        running = EmbeddedPostgres.status(data)
        print("running" if running else "stopped")
        if not running:
            raise SystemExit(3)


def _backup(settings: Settings, args: argparse.Namespace) -> None:
    from .backup import dump_database, restore_database

    urls = database_urls(settings, start=True)
    try:
        if args.action == "dump":
            tables = dump_database(urls.migration, args.file, progress=say)
            say(f"backed up {tables} table(s) into {args.file} (owner-only). Back the key file up too, separately: "
                f"{settings.resolved_key_file}")
        else:
            tables = restore_database(urls.migration, args.file, clean=args.clean, progress=say)
            say(f"restored {tables} table(s) from {args.file}. Next: `conezia run` (it applies newer migrations), "
                "with the key file that encrypted the backup's values (or a newer one that still holds its keys)")
    finally:
        if urls.started:
            stop_embedded(settings)


def _init_roles(settings: Settings, args: argparse.Namespace) -> None:
    from sqlalchemy.engine import make_url

    from conezia.adapters.postgres.roles import RoleNames, init_roles
    from conezia.adapters.postgres.urls import libpq_url, with_role

    if args.admin_url is None:
        if settings.database_url:
            raise SystemExit("conezia: pass --admin-url: a superuser's URL on the server CONEZIA_DATABASE_URL names")
        urls = database_urls(settings, start=True)  # the embedded server sets its roles up itself
        say("the embedded database's roles are in place: conezia_owner migrates, conezia_app serves")
        if urls.started:
            stop_embedded(settings)
        return
    database = args.database or (make_url(settings.database_url).database if settings.database_url else None)
    database = database or _DEFAULT_DATABASE
    report = init_roles(args.admin_url, database, RoleNames(owner=args.owner_role, app=args.app_role),
                        passwords=not args.no_passwords)
    for action in report.actions:
        say(action)
    if report.passwords:
        say("the generated passwords are in the URLs below, shown only this once: keep them like the key file")
    for variable, role in (("CONEZIA_DATABASE_URL", args.app_role), ("CONEZIA_MIGRATION_DATABASE_URL", args.owner_role)):
        print(f"{variable}={libpq_url(with_role(args.admin_url, role, password=report.passwords.get(role), database=database))}")
