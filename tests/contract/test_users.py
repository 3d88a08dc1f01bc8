"""The user repository's contract: unique emails in any case, updates, and the cascade of deleting a user.

Every test runs once per backend (memory, and PostgreSQL marked ``integration``).
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from conezia.core.errors import ConflictError, NotFoundError
from tests.contract.builders import written

from .builders import (
    IST,
    TAKEN,
    Factory,
    World,
    a_user,
    add_all,
    at,
    build_world,
    read,
    write,
)

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


class TestUsers:
    async def test_a_user_reads_back_with_every_field_as_written(self, uow_factory: Factory) -> None:
        user = a_user(
            email="Ada.Lovelace@Example.com",
            name="Ada Lovelace",
            avatar_url="https://example.com/ada.png",
            timezone="Europe/London",
            hashed_password="$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g",
            confirmed_at=at(seconds=1, microseconds=1),
            tier="professional",
            settings={"theme": "dark", "nested": {"list": [1, 2.5, "three", None, True]}, "unicode": "Zoë ✓"},
            onboarding_completed_at=dt.datetime(2025, 1, 2, 3, 4, 5, 678_901, tzinfo=IST),
            notification_preferences={
                "email": False, "push": True, "in_app": True, "quiet_hours_start": "22:00", "quiet_hours_end": "07:30",
            },
            inserted_at=at(microseconds=7),
            updated_at=at(days=1, microseconds=999_999),
        )
        await add_all(uow_factory, user)

        stored = await read(uow_factory, lambda uow: uow.users.get(user.id))

        assert stored == user
        assert stored is not None
        assert stored.confirmed_at is not None and stored.confirmed_at.utcoffset() is not None
        assert stored.onboarding_completed_at == dt.datetime(2025, 1, 1, 21, 34, 5, 678_901, tzinfo=dt.UTC)

    async def test_a_user_with_only_required_fields_reads_back_with_the_defaults(self, uow_factory: Factory) -> None:
        user = a_user()
        await add_all(uow_factory, user)

        stored = await read(uow_factory, lambda uow: uow.users.get(user.id))

        assert stored == user
        assert stored is not None and stored.notification_preferences["email"] is True

    async def test_a_user_is_found_by_email_in_any_case(self, uow_factory: Factory) -> None:
        user = a_user(email="Grace.Hopper@Example.org")
        await add_all(uow_factory, user, a_user())

        for spelling in ("Grace.Hopper@Example.org", "grace.hopper@example.org", "GRACE.HOPPER@EXAMPLE.ORG"):
            assert await read(uow_factory, lambda uow, s=spelling: uow.users.get_by_email(s)) == user

    async def test_an_unknown_id_or_email_finds_no_user(self, uow_factory: Factory) -> None:
        await add_all(uow_factory, a_user(email="someone@example.com"))

        assert await read(uow_factory, lambda uow: uow.users.get(uuid.uuid4())) is None
        assert await read(uow_factory, lambda uow: uow.users.get_by_email("nobody@example.com")) is None

    async def test_a_second_user_with_the_same_email_in_other_case_is_a_conflict(self, uow_factory: Factory) -> None:
        first = a_user(email="ada@example.com")
        await add_all(uow_factory, first)
        second = a_user(email="ADA@Example.COM")

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await written(uow, uow.users.add(second))

        assert raised.value.errors == {"email": TAKEN}
        assert await read(uow_factory, lambda uow: uow.users.get(second.id)) is None
        assert await read(uow_factory, lambda uow: uow.users.get(first.id)) == first

    async def test_a_user_with_an_id_in_use_is_a_conflict(self, uow_factory: Factory) -> None:
        first = a_user()
        await add_all(uow_factory, first)
        clash = a_user()
        clash.id = first.id

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await written(uow, uow.users.add(clash))

        assert set(raised.value.errors) == {"id"}

    async def test_updating_a_user_writes_every_field_back(self, uow_factory: Factory) -> None:
        user = a_user(email="old@example.com")
        await add_all(uow_factory, user)
        user.email = "new@example.com"
        user.name = "New Name"
        user.avatar_url = "https://example.com/new.png"
        user.timezone = "America/New_York"
        user.hashed_password = "$argon2id$v=19$m=65536,t=3,p=4$bmV3c2FsdA$bmV3aGFzaA"
        user.confirmed_at = at(hours=1, microseconds=42)
        user.tier = "enterprise"
        user.settings = {"language": "fr", "flags": [1, 2]}
        user.onboarding_completed_at = at(hours=2)
        user.notification_preferences = {**user.notification_preferences, "push": False}
        user.updated_at = at(hours=3, microseconds=1)

        await write(uow_factory, lambda uow: uow.users.update(user))

        assert await read(uow_factory, lambda uow: uow.users.get(user.id)) == user
        assert await read(uow_factory, lambda uow: uow.users.get_by_email("old@example.com")) is None

    async def test_taking_another_users_email_on_update_is_a_conflict(self, uow_factory: Factory) -> None:
        ada, grace = a_user(email="ada@example.com"), a_user(email="grace@example.com")
        await add_all(uow_factory, ada, grace)
        grace.email = "Ada@Example.com"

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await written(uow, uow.users.update(grace))

        assert raised.value.errors == {"email": TAKEN}
        stored = await read(uow_factory, lambda uow: uow.users.get(grace.id))
        assert stored is not None and stored.email == "grace@example.com"

    async def test_a_user_may_change_the_case_of_their_own_email(self, uow_factory: Factory) -> None:
        user = a_user(email="ada@example.com")
        await add_all(uow_factory, user)
        user.email = "Ada@Example.com"

        await write(uow_factory, lambda uow: uow.users.update(user))

        assert await read(uow_factory, lambda uow: uow.users.get(user.id)) == user

    async def test_updating_an_unknown_user_is_not_found(self, uow_factory: Factory) -> None:
        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await written(uow, uow.users.update(a_user()))

    async def test_deleting_a_user_reports_whether_there_was_one(self, uow_factory: Factory) -> None:
        user = a_user()
        await add_all(uow_factory, user)

        assert await write(uow_factory, lambda uow: uow.users.delete(user.id)) is True
        assert await write(uow_factory, lambda uow: uow.users.delete(user.id)) is False
        assert await read(uow_factory, lambda uow: uow.users.get(user.id)) is None

    async def test_deleting_a_user_deletes_everything_they_own_and_nothing_else(self, uow_factory: Factory) -> None:
        doomed, survivor = await build_world(uow_factory), await build_world(uow_factory)

        assert await write(uow_factory, lambda uow: uow.users.delete(doomed.user.id)) is True

        assert await doomed.visible(uow_factory) == World.NOTHING
        assert await survivor.visible(uow_factory) == survivor.everything()

    async def test_a_returned_user_is_a_copy_until_it_is_updated(self, uow_factory: Factory) -> None:
        user = a_user(settings={"theme": "dark"})
        await add_all(uow_factory, user)
        user.settings["theme"] = "light"

        async with uow_factory() as uow:
            returned = await uow.users.get(user.id)
            assert returned is not None
            returned.name = "Changed"
            returned.settings["theme"] = "blue"
            again = await uow.users.get(user.id)
            assert again is not None
            assert again.name is None and again.settings == {"theme": "dark"}
