"""Fixtures shared by every test directory."""

from __future__ import annotations

from tests.database_fixtures import *  # noqa: F403

__all__: list[str] = []
