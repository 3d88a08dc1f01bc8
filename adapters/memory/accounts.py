"""In-memory repositories of users, their tokens and their linked sign-in providers."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from conezia.core.accounts import AuthProvider, User, UserToken

from .kit import OwnedRepository, OwnedRows, TablesAccess, clone

__all__ = ["MemoryAuthProviderRepository", "MemoryTokenRepository", "MemoryUserRepository"]


class MemoryUserRepository:
    """Users; ``email`` is unique case-insensitively, like the ``citext`` column."""

    def __init__(self, tables: TablesAccess) -> None:
        # a user is the owner of their own row
        self._users = OwnedRows[User](tables, "users", scope="id")

    async def add(self, user: User) -> None:
        self._users.insert(user)

    async def get(self, user_id: uuid.UUID, *, for_update: bool = False) -> User | None:
        return self._users.get(user_id, user_id)

    async def get_by_email(self, email: str) -> User | None:
        wanted = email.lower()
        return self._users.lookup(lambda user: user.email.lower() == wanted)

    async def update(self, user: User) -> None:
        self._users.update(user)

    async def delete(self, user_id: uuid.UUID) -> bool:
        return self._users.delete(user_id, user_id)


class MemoryTokenRepository:
    """Tokens, unique by (context, token hash)."""

    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables
        self._tokens = OwnedRows[UserToken](tables, "user_tokens")

    async def add(self, token: UserToken) -> None:
        self._tokens.insert(token)

    async def get_by_hash(self, context: str, token_hash: bytes) -> UserToken | None:
        return self._tokens.lookup(lambda token: token.context == context and token.token_hash == token_hash)

    async def get_with_user(self, context: str, token_hash: bytes) -> tuple[UserToken, User] | None:
        token = await self.get_by_hash(context, token_hash)
        user = self._tables().rows("users").get(token.user_id) if token is not None else None
        return None if token is None or user is None else (token, clone(user))

    async def delete(self, token_id: uuid.UUID) -> bool:
        tables = self._tables()
        if token_id not in tables.rows("user_tokens"):
            return False
        tables.delete("user_tokens", token_id)
        return True

    async def delete_for_user(self, user_id: uuid.UUID, contexts: Collection[str] | None = None) -> int:
        return self._tokens.delete_where(user_id, lambda token: contexts is None or token.context in contexts)


class MemoryAuthProviderRepository(OwnedRepository[AuthProvider], table="auth_providers"):
    """Linked sign-ins, unique by (provider, provider_uid)."""

    async def get_by_uid(self, provider: str, provider_uid: str) -> AuthProvider | None:
        return self._rows.lookup(lambda row: row.provider == provider and row.provider_uid == provider_uid)

    async def list_for_user(self, user_id: uuid.UUID) -> Sequence[AuthProvider]:
        return self._rows.listed(user_id)
