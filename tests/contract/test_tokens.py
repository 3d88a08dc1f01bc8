"""The token repository's contract: lookups by context and hash, and deleting a user's tokens.

Every test runs once per backend (memory, and PostgreSQL marked ``integration``).
"""

from __future__ import annotations

import os

import pytest

from conezia.core.errors import ConflictError, NotFoundError
from tests.contract.builders import written

from .builders import (
    Factory,
    a_token,
    a_user,
    add_all,
    at,
    read,
    write,
)

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


class TestTokens:
    async def test_a_token_reads_back_by_context_and_hash(self, uow_factory: Factory) -> None:
        user = a_user()
        token = a_token(user, "confirm_email", sent_to="someone@example.com", inserted_at=at(microseconds=123))
        await add_all(uow_factory, user, token)

        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("confirm_email", token.token_hash)) == token

    async def test_a_token_is_not_found_under_another_context_or_hash(self, uow_factory: Factory) -> None:
        user = a_user()
        token = a_token(user, "session")
        await add_all(uow_factory, user, token)

        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("reset_password", token.token_hash)) is None
        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("session", os.urandom(32))) is None

    async def test_a_token_reads_back_with_its_user_in_one_call(self, uow_factory: Factory) -> None:
        user, other = a_user(), a_user()
        token = a_token(user, "session", inserted_at=at(microseconds=7))
        await add_all(uow_factory, user, other, token, a_token(other, "session"))

        assert await read(uow_factory, lambda uow: uow.tokens.get_with_user("session", token.token_hash)) == (token, user)
        assert await read(uow_factory, lambda uow: uow.tokens.get_with_user("confirm_email", token.token_hash)) is None
        assert await read(uow_factory, lambda uow: uow.tokens.get_with_user("session", os.urandom(32))) is None

    async def test_the_same_hash_twice_in_one_context_is_a_conflict(self, uow_factory: Factory) -> None:
        user = a_user()
        first = a_token(user, "session")
        await add_all(uow_factory, user, first)

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await written(uow, uow.tokens.add(a_token(user, "session", token_hash=first.token_hash)))

        assert set(raised.value.errors) == {"token"}

    async def test_the_same_hash_in_another_context_is_allowed(self, uow_factory: Factory) -> None:
        user = a_user()
        first = a_token(user, "session")
        second = a_token(user, "reset_password", token_hash=first.token_hash)
        await add_all(uow_factory, user, first, second)

        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("reset_password", first.token_hash)) == second

    async def test_a_token_for_an_unknown_user_is_not_found(self, uow_factory: Factory) -> None:
        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await written(uow, uow.tokens.add(a_token(a_user())))

    async def test_deleting_a_token_reports_whether_there_was_one(self, uow_factory: Factory) -> None:
        user = a_user()
        token, other = a_token(user), a_token(user)
        await add_all(uow_factory, user, token, other)

        assert await write(uow_factory, lambda uow: uow.tokens.delete(token.id)) is True
        assert await write(uow_factory, lambda uow: uow.tokens.delete(token.id)) is False
        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("session", token.token_hash)) is None
        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("session", other.token_hash)) == other

    async def test_deleting_a_users_tokens_counts_them_and_spares_other_users(self, uow_factory: Factory) -> None:
        user, other_user = a_user(), a_user()
        mine = [a_token(user, "session"), a_token(user, "session"), a_token(user, "reset_password")]
        theirs = a_token(other_user, "session")
        await add_all(uow_factory, user, other_user, *mine, theirs)

        assert await write(uow_factory, lambda uow: uow.tokens.delete_for_user(user.id)) == 3

        for token in mine:
            assert await read(uow_factory, lambda uow, t=token: uow.tokens.get_by_hash(t.context, t.token_hash)) is None
        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("session", theirs.token_hash)) == theirs
        assert await write(uow_factory, lambda uow: uow.tokens.delete_for_user(user.id)) == 0

    async def test_deleting_a_users_tokens_of_some_contexts_spares_the_others(self, uow_factory: Factory) -> None:
        user = a_user()
        session, confirm = a_token(user, "session"), a_token(user, "confirm_email")
        reset = a_token(user, "reset_password")
        await add_all(uow_factory, user, session, confirm, reset)

        assert await write(uow_factory, lambda uow: uow.tokens.delete_for_user(user.id, [])) == 0
        assert await write(uow_factory, lambda uow: uow.tokens.delete_for_user(user.id, ["session", "reset_password"])) == 2

        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("confirm_email", confirm.token_hash)) == confirm
        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("session", session.token_hash)) is None
