"""In-memory adapter: every repository port over plain dicts, for tests and demos.

The tables enforce the same unique keys, foreign keys and ``ON DELETE CASCADE``
rules as the PostgreSQL migrations, so the contract tests pass on both.
"""

from __future__ import annotations

from .store import MemoryStore
from .unit_of_work import MemoryUnitOfWork

__all__ = ["MemoryStore", "MemoryUnitOfWork"]
