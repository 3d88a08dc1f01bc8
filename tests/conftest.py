"""Fixtures shared by every test directory, and the hypothesis profile."""

from __future__ import annotations

import pytest
from hypothesis import settings

from tests.database_fixtures import *  # noqa: F403

__all__: list[str] = []

# Speed is measured by `make bench`, never asserted in tests: no per-example deadlines,
# which would make a loaded CI machine fail correct code.
settings.register_profile("conezia", deadline=None)
settings.load_profile("conezia")


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """Async tests (``@pytest.mark.anyio``) run on asyncio, on one event loop for the session.

    Session scope keeps anyio's test runner, and so its loop, alive across tests,
    which lets session-scoped async fixtures (a connection pool) serve every test.
    """
    return "asyncio"
