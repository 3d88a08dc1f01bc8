"""In-memory repositories of users, their tokens and their linked sign-in providers."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from conezia.core.accounts import AuthProvider, User, UserToken
from conezia.core.errors import TAKEN, ConflictError, NotFoundError

from ._rows import TablesAccess, by_insertion, clone, require_user
from .store import Tables

__all__ = ["MemoryAuthProviderRepository", "MemoryTokenRepository", "MemoryUserRepository"]


class MemoryUserRepository:
    """Users; ``email`` is unique case-insensitively, like the ``citext`` column."""

    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    async def add(self, user: User) -> None:
        tables = self._tables()
        if user.id in tables.users:
            raise ConflictError(id=TAKEN)
        self._check_email(tables, user)
        tables.users[user.id] = clone(user)

    async def get(self, user_id: uuid.UUID, *, for_update: bool = False) -> User | None:
        user = self._tables().users.get(user_id)
        return clone(user) if user is not None else None

    async def get_by_email(self, email: str) -> User | None:
        wanted = email.lower()
        for user in self._tables().users.values():
            if user.email.lower() == wanted:
                return clone(user)
        return None

    async def update(self, user: User) -> None:
        tables = self._tables()
        if user.id not in tables.users:
            raise NotFoundError("user")
        self._check_email(tables, user)
        tables.users[user.id] = clone(user)

    async def delete(self, user_id: uuid.UUID) -> bool:
        tables = self._tables()
        if user_id not in tables.users:
            return False
        tables.delete_user(user_id)
        return True

    @staticmethod
    def _check_email(tables: Tables, user: User) -> None:
        wanted = user.email.lower()
        if any(other.email.lower() == wanted and other.id != user.id for other in tables.users.values()):
            raise ConflictError(email=TAKEN)


class MemoryTokenRepository:
    """Tokens, unique by (context, token hash)."""

    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    async def add(self, token: UserToken) -> None:
        tables = self._tables()
        if token.id in tables.tokens:
            raise ConflictError(id=TAKEN)
        if any(
            other.context == token.context and other.token_hash == token.token_hash
            for other in tables.tokens.values()
        ):
            raise ConflictError(token=TAKEN)
        require_user(tables, token.user_id)
        tables.tokens[token.id] = clone(token)

    async def get_by_hash(self, context: str, token_hash: bytes) -> UserToken | None:
        for token in self._tables().tokens.values():
            if token.context == context and token.token_hash == token_hash:
                return clone(token)
        return None

    async def get_with_user(self, context: str, token_hash: bytes) -> tuple[UserToken, User] | None:
        token = await self.get_by_hash(context, token_hash)
        user = self._tables().users.get(token.user_id) if token is not None else None
        return None if token is None or user is None else (token, clone(user))

    async def delete(self, token_id: uuid.UUID) -> bool:
        return self._tables().tokens.pop(token_id, None) is not None

    async def delete_for_user(self, user_id: uuid.UUID, contexts: Collection[str] | None = None) -> int:
        tokens = self._tables().tokens
        doomed = [
            token.id
            for token in tokens.values()
            if token.user_id == user_id and (contexts is None or token.context in contexts)
        ]
        for token_id in doomed:
            del tokens[token_id]
        return len(doomed)


class MemoryAuthProviderRepository:
    """Linked sign-ins, unique by (provider, provider_uid)."""

    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    async def add(self, provider: AuthProvider) -> None:
        tables = self._tables()
        if provider.id in tables.auth_providers:
            raise ConflictError(id=TAKEN)
        self._check_uid(tables, provider)
        require_user(tables, provider.user_id)
        tables.auth_providers[provider.id] = clone(provider)

    async def get(self, user_id: uuid.UUID, provider_id: uuid.UUID) -> AuthProvider | None:
        row = self._tables().auth_providers.get(provider_id)
        return clone(row) if row is not None and row.user_id == user_id else None

    async def get_by_uid(self, provider: str, provider_uid: str) -> AuthProvider | None:
        for row in self._tables().auth_providers.values():
            if row.provider == provider and row.provider_uid == provider_uid:
                return clone(row)
        return None

    async def list_for_user(self, user_id: uuid.UUID) -> Sequence[AuthProvider]:
        rows = [row for row in self._tables().auth_providers.values() if row.user_id == user_id]
        return [clone(row) for row in sorted(rows, key=by_insertion)]

    async def update(self, provider: AuthProvider) -> None:
        tables = self._tables()
        stored = tables.auth_providers.get(provider.id)
        if stored is None or stored.user_id != provider.user_id:
            raise NotFoundError("auth provider")
        self._check_uid(tables, provider)
        tables.auth_providers[provider.id] = clone(provider)

    async def delete(self, user_id: uuid.UUID, provider_id: uuid.UUID) -> bool:
        providers = self._tables().auth_providers
        row = providers.get(provider_id)
        if row is None or row.user_id != user_id:
            return False
        del providers[provider_id]
        return True

    @staticmethod
    def _check_uid(tables: Tables, provider: AuthProvider) -> None:
        if any(
            other.provider == provider.provider
            and other.provider_uid == provider.provider_uid
            and other.id != provider.id
            for other in tables.auth_providers.values()
        ):
            raise ConflictError(provider_uid=TAKEN)
