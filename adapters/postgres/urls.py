"""PostgreSQL URLs: the forms accepted, and what psycopg connects with."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote, urlencode

from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.engine import URL, make_url

__all__ = ["APPLICATION_NAME", "connect_kwargs", "engine_url", "libpq_url", "with_role"]

_DIALECT: Final = psycopg_dialect()  # type: ignore[no-untyped-call]
_POSTGRES_SCHEMES: Final = frozenset({"postgres", "postgresql"})
#: How the server's sessions are named in ``pg_stat_activity``, unless the URL names them.
APPLICATION_NAME: Final = "conezia"
# Timestamps come back in UTC, and "+ n days" means n * 24 hours, as in Python. Every statement
# is a constant one, prepared by psycopg after a few runs; its generic plan is planned once per
# connection instead of for each run. Without this, PostgreSQL kept re-planning list pages (an
# unknown LIMIT makes the generic plan look dearer), which sorted a small owner's rows instead of
# reading the page in index order: a third of a list request's database time (see README,
# Performance). tests/integration/test_query_plans.py checks the generic plans of every list.
_UTC_SESSION: Final = "-c TimeZone=UTC -c plan_cache_mode=force_generic_plan"


def engine_url(database_url: str) -> URL:
    """``database_url`` with the psycopg 3 driver (the form yoyo and SQLAlchemy take).

    Args:
        database_url: ``postgresql+psycopg://``, ``postgresql://`` or ``postgres://``
            URL, unix-socket ones (``...@/db?host=/socket/dir``) included.

    Raises:
        ValueError: If the URL is not a PostgreSQL URL.
    """
    url = make_url(database_url)
    if url.get_backend_name() not in _POSTGRES_SCHEMES:
        raise ValueError(f"not a PostgreSQL URL: {url!r}")
    return url.set(drivername="postgresql+psycopg")


def connect_kwargs(database_url: str) -> dict[str, Any]:
    """Keyword arguments of ``psycopg.connect`` for this URL, with the session settings of the server.

    Every session runs in UTC, whatever the URL's ``options`` ask (the last
    ``-c TimeZone`` wins), and is named :data:`APPLICATION_NAME` unless the URL
    names it.

    Raises:
        ValueError: If the URL is not a PostgreSQL URL.
    """
    _, found = _DIALECT.create_connect_args(engine_url(database_url))  # type: ignore[no-untyped-call]
    params: dict[str, Any] = dict(found)
    options = params.get("options")
    if isinstance(options, tuple):  # the parameter given more than once
        options = " ".join(options)
    params["options"] = f"{options} {_UTC_SESSION}" if options else _UTC_SESSION
    params.setdefault("application_name", APPLICATION_NAME)
    return params


def with_role(database_url: str, role: str, *, password: str | None = None, database: str | None = None) -> str:
    """The same server as ``database_url``, as another role (and database), in SQLAlchemy form.

    Raises:
        ValueError: If the URL is not a PostgreSQL URL.
    """
    url = engine_url(database_url)._replace(username=role, password=password)
    if database is not None:
        url = url._replace(database=database)
    return url.render_as_string(hide_password=False)


def libpq_url(database_url: str) -> str:
    """``database_url`` as a URL that libpq (``psql``, ``pg_dump``) takes: ``postgresql://...``.

    Every part is percent-encoded, the unix-socket directory of a ``?host=`` included.

    Raises:
        ValueError: If the URL is not a PostgreSQL URL.
    """
    url = engine_url(database_url)
    who = quote(url.username or "", safe="")
    if url.password:
        who += ":" + quote(str(url.password), safe="")
    where = ""
    if url.host:
        where = f"[{url.host}]" if ":" in url.host else quote(url.host, safe="")
    if url.port is not None:
        where += f":{url.port}"
    query = urlencode(
        [(key, item) for key, value in url.query.items() for item in ((value,) if isinstance(value, str) else value)],
        quote_via=quote,
        safe="",
    )
    return f"postgresql://{who + '@' if who else ''}{where}/{quote(url.database or '', safe='')}{'?' + query if query else ''}"
