"""In-memory adapter: every repository port over plain dicts, for tests and demos.

The tables enforce the unique keys, foreign keys, ``ON DELETE`` actions and CHECK
rules of the PostgreSQL migrations, from one description (:mod:`.schema`), so the
contract tests pass on both.
"""

from __future__ import annotations

from .store import MemoryStore
from .unit_of_work import MemoryUnitOfWork

__all__ = ["MemoryStore", "MemoryUnitOfWork"]
