"""The ``conezia`` command: run, serve, migrate, the embedded database, keys and admin tasks."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence

from conezia.core.accounts import TIERS

from . import cli_activity, cli_attachments, cli_worker
from .backup import BackupError
from .database_commands import add_db_parser, cmd_db, database_urls, say, stop_embedded
from .keys import KeyConfigError, create_key_file, load_keys, rotate_key_file
from .least_privilege import SuperuserRefused
from .settings import Settings, SettingsError

__all__ = ["main"]


_say = say


def _ensure_keys(settings: Settings) -> None:
    if os.environ.get("CONEZIA_KEYS"):
        return
    path = settings.resolved_key_file
    if create_key_file(path):
        _say(f"created a new key file at {path} (owner-only). Back it up: without it, encrypted values are lost.")


def _migrate(url: str, action: str, count: int | None) -> None:
    from conezia.adapters.postgres.migrator import apply_migrations, migration_status, rollback_migrations

    # yoyo logs a failing step's traceback itself; the error reaches main(), which says what to do
    logging.getLogger("yoyo").setLevel(logging.CRITICAL)
    if action == "apply":
        applied = apply_migrations(url, progress=lambda m: _say(f"applying {m}"))
        _say(f"{len(applied)} migration(s) applied" if applied else "database is up to date")
    elif action == "rollback":
        rolled = rollback_migrations(url, count=count if count is not None else 1)
        _say(f"{len(rolled)} migration(s) rolled back: {', '.join(rolled) or '-'}")
    else:
        for mid, done in migration_status(url):
            print(f"{'applied' if done else 'pending'}  {mid}")


def _serve(settings: Settings, url: str) -> None:
    from granian.constants import Interfaces, Loops
    from granian.server import Server

    # Workers are separate processes that build the app from the environment.
    os.environ["CONEZIA_DATABASE_URL"] = url
    if url != "memory" and not settings.allow_superuser:
        from .least_privilege import check_server_role

        powers = check_server_role(url)  # refuse here, with a clear message, not in each worker
        if powers.can_create_in_schema:
            _say(f"warning: the server's role {powers.name} may change the schema; see README, Least privilege")
    os.environ.setdefault("CONEZIA_DATA_DIR", str(settings.data_dir))
    load_keys(os.environ, settings.resolved_key_file)  # fail here, with a clear message, not in a worker
    _say(f"serving on http://{settings.host}:{settings.port} (API docs: http://{settings.host}:{settings.port}/docs)")
    Server(
        "conezia.bootstrap:app_from_env",
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=settings.workers,
        loop=Loops.uvloop if sys.platform != "win32" else Loops.auto,
        factory=True,
        log_access=False,
    ).serve()


def _cmd_run(settings: Settings, args: argparse.Namespace) -> None:
    urls = database_urls(settings, start=True)
    worker = None
    try:
        _ensure_keys(settings)
        _migrate(urls.migration, "apply", None)
        if settings.run_worker:
            worker = cli_worker.start_beside_server(settings, urls.app)
        _serve(settings, urls.app)
    finally:
        if worker is not None:
            cli_worker.stop_beside_server(worker)
        if urls.started:
            stop_embedded(settings)


def _cmd_worker(settings: Settings, args: argparse.Namespace) -> None:
    cli_worker.run_in_foreground(settings, database_urls(settings, start=False).app)


def _cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    _serve(settings, database_urls(settings, start=False).app)


def _cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    urls = database_urls(settings, start=not settings.database_url)
    try:
        _migrate(urls.migration, args.action, args.count)
    finally:
        if urls.started and not args.keep_running:
            stop_embedded(settings)


def _cmd_keys(settings: Settings, args: argparse.Namespace) -> None:
    path = settings.resolved_key_file
    if args.action == "init":
        if create_key_file(path):
            _say(f"created {path} (owner-only); back it up somewhere safe")
        else:
            _say(f"{path} exists already; it is never overwritten")
    else:
        key_id = rotate_key_file(path)
        _say(f"new active encryption key {key_id}; older keys stay in {path} to read older values. "
             "Restart the server to pick it up.")


def _cmd_admin(settings: Settings, args: argparse.Namespace) -> None:
    from conezia.core.errors import NotFoundError

    url, _, started = database_urls(settings, start=not settings.database_url)
    try:
        asyncio.run(_set_tier(settings, url, args.email, args.tier))
        _say(f"{args.email} is now on the {args.tier} tier")
    except NotFoundError:
        raise SystemExit(f"conezia: no user with email {args.email}") from None
    finally:
        if started:
            stop_embedded(settings)


async def _set_tier(settings: Settings, url: str, email: str, tier: str) -> None:
    from .api import open_async

    async with open_async(url, migrate=False, settings=settings) as crm:
        await crm.change_tier_by_email(email, tier)


def _cmd_activity(settings: Settings, args: argparse.Namespace) -> None:
    def database() -> tuple[str, Callable[[], None]]:
        url, _, started = database_urls(settings, start=not settings.database_url)
        return url, (lambda: stop_embedded(settings)) if started else (lambda: None)

    cli_activity.run(settings, args, database)


def _cmd_attachments(settings: Settings, args: argparse.Namespace) -> None:
    def database() -> tuple[str, Callable[[], None]]:
        url, _, started = database_urls(settings, start=not settings.database_url)
        return url, (lambda: stop_embedded(settings)) if started else (lambda: None)

    cli_attachments.run(settings, args, database)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="conezia", description="Conezia personal CRM backend")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the embedded PostgreSQL (unless CONEZIA_DATABASE_URL), migrate and serve")
    sub.add_parser("serve", help="serve the HTTP API (database must be running)")
    sub.add_parser(
        "worker", help="run a background worker: delivers due reminders (database must be running; run several anywhere)"
    )
    m = sub.add_parser("migrate", help="apply, roll back or list migrations")
    m.add_argument("action", nargs="?", choices=("apply", "rollback", "status"), default="apply")
    m.add_argument("--count", type=int, default=None, help="rollback: how many (default 1)")
    m.add_argument("--keep-running", action="store_true", help="leave the embedded PostgreSQL running")
    add_db_parser(sub)
    k = sub.add_parser("keys", help="the encryption key file")
    k.add_argument("action", choices=("init", "rotate"))
    a = sub.add_parser("admin", help="administrator tasks")
    asub = a.add_subparsers(dest="admin_command", required=True)
    t = asub.add_parser("set-tier", help="change a user's subscription tier")
    t.add_argument("email")
    t.add_argument("tier", choices=TIERS)
    cli_activity.add_parser(sub)
    cli_attachments.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise SystemExit(f"conezia: {exc}") from exc
    handlers = {
        "run": _cmd_run, "serve": _cmd_serve, "worker": _cmd_worker, "migrate": _cmd_migrate,
        "db": cmd_db, "keys": _cmd_keys, "admin": _cmd_admin, "activity": _cmd_activity,
        "attachments": _cmd_attachments,
    }
    try:
        handlers[args.command](settings, args)
    except (KeyConfigError, BackupError, SuperuserRefused) as exc:
        raise SystemExit(f"conezia: {exc}") from exc
    except KeyboardInterrupt:
        _say("interrupted")
    except Exception as exc:
        message = _database_problem(exc)
        if message is None:
            raise
        raise SystemExit(f"conezia: {message}") from exc


def _database_problem(exc: BaseException) -> str | None:
    """A what-to-do message for a database that cannot be reached, or None for other errors."""
    import psycopg
    import sqlalchemy.exc

    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    if isinstance(getattr(exc, "orig", None) or exc, psycopg.errors.InsufficientPrivilege):
        return (
            f"the database role may not do this: {reason}\n"
            "  Migrations need the schema owner: set CONEZIA_MIGRATION_DATABASE_URL to its URL "
            "(`conezia db init-roles`, README: Least privilege)."
        )
    if not isinstance(exc, (psycopg.OperationalError, sqlalchemy.exc.OperationalError)):
        return None
    return (
        f"cannot use the database: {reason}\n"
        "  Check CONEZIA_DATABASE_URL (server, port, user, database name); create a missing database "
        "with `createdb NAME`, or unset the variable to use the embedded PostgreSQL under the data folder."
    )


if __name__ == "__main__":
    main()
