"""Tests under tests/integration need a real PostgreSQL server.

The server fixtures (``database_server_url``, ``fresh_database_url``,
``migrated_database_url``) live in :mod:`tests.database_fixtures`, shared with
the contract tests through ``tests/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

__all__: list[str] = []

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/integration with ``integration``."""
    for item in items:
        if item.path.is_relative_to(_HERE):
            item.add_marker(pytest.mark.integration)
