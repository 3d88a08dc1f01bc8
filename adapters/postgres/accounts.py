"""Repositories of users, their tokens and their linked sign-in providers."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any, Final

from sqlalchemy import ARRAY, String, any_, bindparam, delete, insert, select, update

from conezia.core.accounts import AuthProvider, User, UserToken
from conezia.core.errors import NotFoundError

from ._base import Prepared, Repository, attribute_names, columns_for, owned_values
from .tables import auth_providers, user_tokens, users

__all__ = ["PostgresAuthProviderRepository", "PostgresTokenRepository", "PostgresUserRepository"]

_USER_COLUMNS: Final = columns_for(User, users)
_USER_FIELDS: Final = attribute_names(User)
_USER_MUTABLE: Final = tuple(name for name in _USER_FIELDS if name != "id")

_INSERT_USER: Final = Prepared(insert(users))
_GET_USER: Final = Prepared(select(*_USER_COLUMNS).where(users.c.id == bindparam("id")))
_GET_USER_FOR_UPDATE: Final = _GET_USER.with_for_update()
_GET_USER_BY_EMAIL: Final = Prepared(select(*_USER_COLUMNS).where(users.c.email == bindparam("email")))
_UPDATE_USER: Final = Prepared(
    update(users)
    .where(users.c.id == bindparam("b_id"))
    .values({name: bindparam(name) for name in _USER_MUTABLE})
)
_DELETE_USER: Final = Prepared(delete(users).where(users.c.id == bindparam("id")))


class PostgresUserRepository(Repository):
    """Users; emails are ``citext``, so they compare case-insensitively."""

    __slots__ = ()

    async def add(self, user: User) -> None:
        await self._run(_INSERT_USER, owned_values(_USER_FIELDS, user))

    async def get(self, user_id: uuid.UUID, *, for_update: bool = False) -> User | None:
        row = await self._row(_GET_USER_FOR_UPDATE if for_update else _GET_USER, {"id": user_id})
        return None if row is None else User(*row)

    async def get_by_email(self, email: str) -> User | None:
        row = await self._row(_GET_USER_BY_EMAIL, {"email": email})
        return None if row is None else User(*row)

    async def update(self, user: User) -> None:
        params = owned_values(_USER_MUTABLE, user)
        params["b_id"] = user.id
        if await self._count(_UPDATE_USER, params) == 0:
            raise NotFoundError("user")

    async def delete(self, user_id: uuid.UUID) -> bool:
        return await self._count(_DELETE_USER, {"id": user_id}) > 0


_TOKEN_RENAMED: Final = {"token_hash": "token"}
_TOKEN_COLUMNS: Final = columns_for(UserToken, user_tokens, _TOKEN_RENAMED)
_TOKEN_FIELDS: Final = attribute_names(UserToken)

_INSERT_TOKEN: Final = Prepared(insert(user_tokens))
_GET_TOKEN_BY_HASH: Final = Prepared(select(*_TOKEN_COLUMNS).where(
    user_tokens.c.context == bindparam("context"), user_tokens.c.token == bindparam("token")
))
_GET_TOKEN_WITH_USER: Final = Prepared(
    select(*_TOKEN_COLUMNS, *_USER_COLUMNS)
    .join_from(user_tokens, users, users.c.id == user_tokens.c.user_id)
    .where(user_tokens.c.context == bindparam("context"), user_tokens.c.token == bindparam("token"))
)
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
        params: dict[str, Any] = {
            _TOKEN_RENAMED.get(name, name): getattr(token, name) for name in _TOKEN_FIELDS
        }
        await self._run(_INSERT_TOKEN, params)

    async def get_by_hash(self, context: str, token_hash: bytes) -> UserToken | None:
        row = await self._row(_GET_TOKEN_BY_HASH, {"context": context, "token": token_hash})
        return None if row is None else UserToken(*row)

    async def get_with_user(self, context: str, token_hash: bytes) -> tuple[UserToken, User] | None:
        row = await self._row(_GET_TOKEN_WITH_USER, {"context": context, "token": token_hash})
        if row is None:
            return None
        split = len(_TOKEN_COLUMNS)
        return UserToken(*row[:split]), User(*row[split:])

    async def delete(self, token_id: uuid.UUID) -> bool:
        return await self._count(_DELETE_TOKEN, {"id": token_id}) > 0

    async def delete_for_user(self, user_id: uuid.UUID, contexts: Collection[str] | None = None) -> int:
        if contexts is None:
            return await self._count(_DELETE_USER_TOKENS, {"user_id": user_id})
        params = {"user_id": user_id, "contexts": list(contexts)}
        return await self._count(_DELETE_USER_TOKENS_OF_CONTEXTS, params)


_PROVIDER_COLUMNS: Final = columns_for(AuthProvider, auth_providers)
_PROVIDER_FIELDS: Final = attribute_names(AuthProvider)
_PROVIDER_MUTABLE: Final = tuple(name for name in _PROVIDER_FIELDS if name not in ("id", "user_id"))
_OWNED_PROVIDER: Final = (
    auth_providers.c.id == bindparam("b_id"),
    auth_providers.c.user_id == bindparam("b_user_id"),
)

_INSERT_PROVIDER: Final = Prepared(insert(auth_providers))
_GET_PROVIDER: Final = Prepared(select(*_PROVIDER_COLUMNS).where(*_OWNED_PROVIDER))
_GET_PROVIDER_BY_UID: Final = Prepared(select(*_PROVIDER_COLUMNS).where(
    auth_providers.c.provider == bindparam("provider"),
    auth_providers.c.provider_uid == bindparam("provider_uid"),
))
_LIST_PROVIDERS: Final = Prepared(
    select(*_PROVIDER_COLUMNS)
    .where(auth_providers.c.user_id == bindparam("user_id"))
    .order_by(auth_providers.c.inserted_at, auth_providers.c.id)
)
_UPDATE_PROVIDER: Final = Prepared(
    update(auth_providers)
    .where(*_OWNED_PROVIDER)
    .values({name: bindparam(name) for name in _PROVIDER_MUTABLE})
)
_DELETE_PROVIDER: Final = Prepared(delete(auth_providers).where(*_OWNED_PROVIDER))


class PostgresAuthProviderRepository(Repository):
    """Linked sign-in providers; one ``(provider, provider_uid)`` links to one user only."""

    __slots__ = ()

    async def add(self, provider: AuthProvider) -> None:
        await self._run(_INSERT_PROVIDER, owned_values(_PROVIDER_FIELDS, provider))

    async def get(self, user_id: uuid.UUID, provider_id: uuid.UUID) -> AuthProvider | None:
        row = await self._row(_GET_PROVIDER, {"b_id": provider_id, "b_user_id": user_id})
        return None if row is None else AuthProvider(*row)

    async def get_by_uid(self, provider: str, provider_uid: str) -> AuthProvider | None:
        row = await self._row(_GET_PROVIDER_BY_UID, {"provider": provider, "provider_uid": provider_uid})
        return None if row is None else AuthProvider(*row)

    async def list_for_user(self, user_id: uuid.UUID) -> Sequence[AuthProvider]:
        return [AuthProvider(*row) for row in await self._rows(_LIST_PROVIDERS, {"user_id": user_id})]

    async def update(self, provider: AuthProvider) -> None:
        params = owned_values(_PROVIDER_MUTABLE, provider)
        params["b_id"] = provider.id
        params["b_user_id"] = provider.user_id
        if await self._count(_UPDATE_PROVIDER, params) == 0:
            raise NotFoundError("auth provider")

    async def delete(self, user_id: uuid.UUID, provider_id: uuid.UUID) -> bool:
        return await self._count(_DELETE_PROVIDER, {"b_id": provider_id, "b_user_id": user_id}) > 0
