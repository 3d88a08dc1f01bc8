"""The whole HTTP journey again, with the server connected as the application role (rows only, no DDL).

The journey's tests are imported from :mod:`tests.integration.test_http_journey`; the
``api`` fixture here gives them an app over the least-privileged role's connection.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.database_fixtures import LeastPrivilegeDatabase
from tests.integration.http_fixtures import Api, TestDatabase, make_api
from tests.integration.test_http_journey import (
    test_a_person_asks_for_a_new_confirmation_and_logs_out_everywhere,
    test_a_person_edits_archives_and_deletes_what_they_recorded,
    test_a_person_registers_confirms_logs_in_and_builds_their_address_book,
    test_a_person_who_forgot_their_password_resets_it_and_old_sessions_end,
)

__all__ = [
    "test_a_person_asks_for_a_new_confirmation_and_logs_out_everywhere",
    "test_a_person_edits_archives_and_deletes_what_they_recorded",
    "test_a_person_registers_confirms_logs_in_and_builds_their_address_book",
    "test_a_person_who_forgot_their_password_resets_it_and_old_sessions_end",
]


class AppRoleDatabase(TestDatabase):
    """The tests look at (and empty) the rows as the owner; the app connects as the application role."""

    __test__ = False

    def __init__(self, database: LeastPrivilegeDatabase) -> None:
        super().__init__(database.owner_url)
        self.target = database.app_url


@pytest.fixture
def api(least_privilege_database: LeastPrivilegeDatabase) -> Iterator[Api]:
    """The API over the application role's connection, on an empty database."""
    database = AppRoleDatabase(least_privilege_database)
    try:
        with make_api(database) as instance:
            yield instance
    finally:
        database.close()
