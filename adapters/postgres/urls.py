"""PostgreSQL URLs in the form SQLAlchemy's (and yoyo's) psycopg 3 driver takes."""

from __future__ import annotations

from typing import Final

from sqlalchemy.engine import URL, make_url

__all__ = ["engine_url"]

_POSTGRES_SCHEMES: Final = frozenset({"postgres", "postgresql"})


def engine_url(database_url: str) -> URL:
    """``database_url`` with SQLAlchemy's psycopg 3 driver.

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
