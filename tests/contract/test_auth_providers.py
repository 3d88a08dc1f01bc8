"""The auth-provider repository's contract: linked accounts, unique per provider.

Every test runs once per backend (memory, and PostgreSQL marked ``integration``).
"""

from __future__ import annotations

import pytest

from conezia.core.errors import ConflictError, NotFoundError
from tests.contract.builders import written

from .builders import (
    TAKEN,
    Factory,
    a_provider,
    a_user,
    a_user_added,
    add_all,
    at,
    read,
    write,
)

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


class TestAuthProviders:
    async def test_a_provider_reads_back_with_every_field_as_written(self, uow_factory: Factory) -> None:
        user = a_user()
        link = a_provider(
            user,
            "linkedin",
            "li-123",
            provider_token=b"\x00\x01ciphertext\xff",
            provider_refresh_token=bytes(range(256)),
            provider_meta={"email": "a@example.com", "scopes": ["r_liteprofile"], "verified": True},
            inserted_at=at(microseconds=1),
            updated_at=at(minutes=5, microseconds=2),
        )
        await add_all(uow_factory, user, link)

        assert await read(uow_factory, lambda uow: uow.auth_providers.get(user.id, link.id)) == link
        assert await read(uow_factory, lambda uow: uow.auth_providers.get_by_uid("linkedin", "li-123")) == link

    async def test_another_users_provider_is_absent_and_left_alone(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        link = a_provider(owner)
        await add_all(uow_factory, owner, stranger, link)

        assert await read(uow_factory, lambda uow: uow.auth_providers.get(stranger.id, link.id)) is None
        assert await read(uow_factory, lambda uow: uow.auth_providers.list_for_user(stranger.id)) == []
        assert await write(uow_factory, lambda uow: uow.auth_providers.delete(stranger.id, link.id)) is False
        assert await read(uow_factory, lambda uow: uow.auth_providers.get(owner.id, link.id)) == link

    async def test_a_users_providers_are_listed_in_insertion_order(self, uow_factory: Factory) -> None:
        user = a_user()
        late = a_provider(user, "apple", inserted_at=at(hours=1))
        tied = sorted([a_provider(user, "google"), a_provider(user, "facebook")], key=lambda p: p.id)
        await add_all(uow_factory, user, late, *reversed(tied), a_provider(await a_user_added(uow_factory)))

        assert await read(uow_factory, lambda uow: uow.auth_providers.list_for_user(user.id)) == [*tied, late]

    async def test_linking_an_account_linked_already_is_a_conflict(self, uow_factory: Factory) -> None:
        user, other = a_user(), a_user()
        await add_all(uow_factory, user, other, a_provider(user, "google", "g-1"))

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await written(uow, uow.auth_providers.add(a_provider(other, "google", "g-1")))

        assert raised.value.errors == {"provider_uid": TAKEN}

    async def test_the_same_uid_at_another_provider_is_allowed(self, uow_factory: Factory) -> None:
        user = a_user()
        google, apple = a_provider(user, "google", "uid-1"), a_provider(user, "apple", "uid-1")
        await add_all(uow_factory, user, google, apple)

        assert await read(uow_factory, lambda uow: uow.auth_providers.get_by_uid("apple", "uid-1")) == apple
        assert await read(uow_factory, lambda uow: uow.auth_providers.get_by_uid("facebook", "uid-1")) is None

    async def test_updating_a_provider_writes_every_field_back(self, uow_factory: Factory) -> None:
        user = a_user()
        link = a_provider(user, provider_token=b"old")
        await add_all(uow_factory, user, link)
        link.provider_token = None
        link.provider_refresh_token = b"new refresh"
        link.provider_meta = {"rotated": 2}
        link.updated_at = at(days=2)

        await write(uow_factory, lambda uow: uow.auth_providers.update(link))

        assert await read(uow_factory, lambda uow: uow.auth_providers.get(user.id, link.id)) == link

    async def test_updating_to_a_linked_uid_is_a_conflict(self, uow_factory: Factory) -> None:
        user = a_user()
        first, second = a_provider(user, "google", "g-1"), a_provider(user, "google", "g-2")
        await add_all(uow_factory, user, first, second)
        second.provider_uid = "g-1"

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await written(uow, uow.auth_providers.update(second))

        assert raised.value.errors == {"provider_uid": TAKEN}

    async def test_updating_another_users_provider_is_not_found(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        link = a_provider(owner)
        await add_all(uow_factory, owner, stranger, link)
        hijacked = a_provider(stranger, link.provider, link.provider_uid)
        hijacked.id = link.id

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await written(uow, uow.auth_providers.update(hijacked))

        assert await read(uow_factory, lambda uow: uow.auth_providers.get(owner.id, link.id)) == link

    async def test_deleting_a_provider_reports_whether_there_was_one(self, uow_factory: Factory) -> None:
        user = a_user()
        link = a_provider(user)
        await add_all(uow_factory, user, link)

        assert await write(uow_factory, lambda uow: uow.auth_providers.delete(user.id, link.id)) is True
        assert await write(uow_factory, lambda uow: uow.auth_providers.delete(user.id, link.id)) is False
        assert await read(uow_factory, lambda uow: uow.auth_providers.get_by_uid(link.provider, link.provider_uid)) is None
