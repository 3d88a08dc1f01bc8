"""The HTTP adapter: a Litestar application over the core's use-cases.

Handlers only parse the request, call one use-case and serialize its result;
every rule lives in :mod:`conezia.core`.
"""

from __future__ import annotations

from .app import make_app
from .config import HttpConfig
from .sessions import SessionCache

__all__ = ["HttpConfig", "SessionCache", "make_app"]
