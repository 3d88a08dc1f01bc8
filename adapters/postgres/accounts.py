"""Repositories of users, their tokens and their linked sign-in providers."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Final

from sqlalchemy import ARRAY, String, any_, bindparam, delete, select

from conezia.core.accounts import AuthProvider, User, UserToken

from ._base import Repository
from ._owned import Owned, OwnedRepository
from ._prepared import Prepared
from .tables import auth_providers, user_tokens, users

__all__ = ["PostgresAuthProviderRepository", "PostgresTokenRepository", "PostgresUserRepository"]

# a user is its own owner: its row is picked by id alone
_USERS: Final = Owned(User, users, None, resource="user")
_GET_USER_BY_EMAIL: Final = Prepared(select(*_USERS.columns).where(users.c.email == bindparam("email")))


class PostgresUserRepository(Repository):
    """Users; emails are ``citext``, so they compare case-insensitively."""

    __slots__ = ()

    async def add(self, user: User) -> None:
        self._defer(_USERS.insert, _USERS.values(user))

    async def get(self, user_id: uuid.UUID, *, for_update: bool = False) -> User | None:
        row = await self._row(_USERS.get_for_update if for_update else _USERS.get, _USERS.key(None, user_id))
        return None if row is None else User(*row)

    async def get_by_email(self, email: str) -> User | None:
        row = await self._row(_GET_USER_BY_EMAIL, {"email": email})
        return None if row is None else User(*row)

    async def update(self, user: User) -> None:
        self._defer(_USERS.update, _USERS.changes(user), missing="user")

    async def delete(self, user_id: uuid.UUID) -> bool:
        # everything the user owns goes by ON DELETE CASCADE
        return await self._count(_USERS.delete, _USERS.key(None, user_id)) > 0


_TOKENS: Final = Owned(UserToken, user_tokens, "user_id", resource="token", renamed={"token_hash": "token"})
_BY_HASH: Final = (user_tokens.c.context == bindparam("context"), user_tokens.c.token == bindparam("token"))
_GET_TOKEN_BY_HASH: Final = Prepared(select(*_TOKENS.columns).where(*_BY_HASH))
_GET_TOKEN_WITH_USER: Final = Prepared(
    select(*_TOKENS.columns, *_USERS.columns)
    .join_from(user_tokens, users, users.c.id == user_tokens.c.user_id)
    .where(*_BY_HASH)
)
_TOKEN_WIDTH: Final = len(_TOKENS.columns)
_DELETE_TOKEN: Final = Prepared(delete(user_tokens).where(user_tokens.c.id == bindparam("id")))
_OF_USER: Final = user_tokens.c.user_id == bindparam("user_id")
_DELETE_USER_TOKENS: Final = Prepared(delete(user_tokens).where(_OF_USER))
_DELETE_USER_TOKENS_OF_CONTEXTS: Final = Prepared(delete(user_tokens).where(
    _OF_USER, user_tokens.c.context == any_(bindparam("contexts", type_=ARRAY(String)))
))


class PostgresTokenRepository(Repository):
    """Tokens, stored by the SHA-256 of their secret (``token`` column, ``token_hash`` attribute)."""

    __slots__ = ()

    async def add(self, token: UserToken) -> None:
        self._defer(_TOKENS.insert, _TOKENS.values(token))

    async def get_by_hash(self, context: str, token_hash: bytes) -> UserToken | None:
        row = await self._row(_GET_TOKEN_BY_HASH, {"context": context, "token": token_hash})
        return None if row is None else UserToken(*row)

    async def get_with_user(self, context: str, token_hash: bytes) -> tuple[UserToken, User] | None:
        row = await self._row(_GET_TOKEN_WITH_USER, {"context": context, "token": token_hash})
        return None if row is None else (UserToken(*row[:_TOKEN_WIDTH]), User(*row[_TOKEN_WIDTH:]))

    async def delete(self, token_id: uuid.UUID) -> bool:
        return await self._count(_DELETE_TOKEN, {"id": token_id}) > 0

    async def delete_for_user(self, user_id: uuid.UUID, contexts: Collection[str] | None = None) -> int:
        if contexts is None:
            return await self._count(_DELETE_USER_TOKENS, {"user_id": user_id})
        return await self._count(_DELETE_USER_TOKENS_OF_CONTEXTS, {"user_id": user_id, "contexts": list(contexts)})


_PROVIDERS: Final = Owned(AuthProvider, auth_providers, "user_id", resource="auth provider")
_GET_PROVIDER_BY_UID: Final = Prepared(select(*_PROVIDERS.columns).where(
    auth_providers.c.provider == bindparam("provider"),
    auth_providers.c.provider_uid == bindparam("provider_uid"),
))
# a user links a handful of providers at most: all of them, in the keyset order
_LIST_PROVIDERS: Final = Prepared(_PROVIDERS.listing)


class PostgresAuthProviderRepository(OwnedRepository[AuthProvider]):
    """Linked sign-in providers; one ``(provider, provider_uid)`` links to one user only."""

    __slots__ = ()
    owned = _PROVIDERS

    async def get_by_uid(self, provider: str, provider_uid: str) -> AuthProvider | None:
        row = await self._row(_GET_PROVIDER_BY_UID, {"provider": provider, "provider_uid": provider_uid})
        return None if row is None else AuthProvider(*row)

    async def list_for_user(self, user_id: uuid.UUID) -> Sequence[AuthProvider]:
        return await self._all(_LIST_PROVIDERS, {"owner": user_id})
