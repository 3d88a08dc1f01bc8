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

_INSERT_USER: Final = insert(users)
_GET_USER: Final = Prepared(select(*_USER_COLUMNS).where(users.c.id == bindparam("id")))
_GET_USER_FOR_UPDATE: Final = _GET_USER.with_for_update()
_GET_USER_BY_EMAIL: Final = Prepared(select(*_USER_COLUMNS).where(users.c.email == bindparam("email")))
_UPDATE_USER: Final = (
    update(users)
    .where(users.c.id == bindparam("b_id"))
    .values({name: bindparam(name) for name in _USER_MUTABLE})
)
_DELETE_USER: Final = delete(users).where(users.c.id == bindparam("id"))


class PostgresUserRepository(Repository):
    """Users; emails are ``citext``, so they compare case-insensitively."""

    __slots__ = ()

    def add(self, user: User) -> None:
        params = owned_values(_USER_FIELDS, user)
        self._execute(_INSERT_USER, params, users)

    def get(self, user_id: uuid.UUID, *, for_update: bool = False) -> User | None:
        row = self._first(_GET_USER, _GET_USER_FOR_UPDATE, {"id": user_id}, for_update=for_update)
        return None if row is None else User(*row)

    def get_by_email(self, email: str) -> User | None:
        row = self._execute(_GET_USER_BY_EMAIL, {"email": email}).first()
        return None if row is None else User(*row)

    def update(self, user: User) -> None:
        params = owned_values(_USER_MUTABLE, user)
        params["b_id"] = user.id
        if self._execute(_UPDATE_USER, params, users).rowcount == 0:
            raise NotFoundError("user")

    def delete(self, user_id: uuid.UUID) -> bool:
        return self._execute(_DELETE_USER, {"id": user_id}).rowcount > 0


_TOKEN_RENAMED: Final = {"token_hash": "token"}
_TOKEN_COLUMNS: Final = columns_for(UserToken, user_tokens, _TOKEN_RENAMED)
_TOKEN_FIELDS: Final = attribute_names(UserToken)

_INSERT_TOKEN: Final = insert(user_tokens)
_GET_TOKEN_BY_HASH: Final = Prepared(select(*_TOKEN_COLUMNS).where(
    user_tokens.c.context == bindparam("context"), user_tokens.c.token == bindparam("token")
))
_GET_TOKEN_WITH_USER: Final = (
    Prepared(select(*_TOKEN_COLUMNS, *_USER_COLUMNS)
    .join_from(user_tokens, users, users.c.id == user_tokens.c.user_id)
    .where(user_tokens.c.context == bindparam("context"), user_tokens.c.token == bindparam("token")))
)
_DELETE_TOKEN: Final = delete(user_tokens).where(user_tokens.c.id == bindparam("id"))
_DELETE_USER_TOKENS: Final = delete(user_tokens).where(user_tokens.c.user_id == bindparam("user_id"))
_DELETE_USER_TOKENS_OF_CONTEXTS: Final = _DELETE_USER_TOKENS.where(
    user_tokens.c.context == any_(bindparam("contexts", type_=ARRAY(String)))
)


class PostgresTokenRepository(Repository):
    """Tokens, stored by the SHA-256 of their secret (``token`` column, ``token_hash`` attribute)."""

    __slots__ = ()

    def add(self, token: UserToken) -> None:
        params: dict[str, Any] = {
            _TOKEN_RENAMED.get(name, name): getattr(token, name) for name in _TOKEN_FIELDS
        }
        self._execute(_INSERT_TOKEN, params, user_tokens)

    def get_by_hash(self, context: str, token_hash: bytes) -> UserToken | None:
        row = self._execute(_GET_TOKEN_BY_HASH, {"context": context, "token": token_hash}).first()
        return None if row is None else UserToken(*row)

    def get_with_user(self, context: str, token_hash: bytes) -> tuple[UserToken, User] | None:
        row = self._execute(_GET_TOKEN_WITH_USER, {"context": context, "token": token_hash}).first()
        if row is None:
            return None
        split = len(_TOKEN_COLUMNS)
        return UserToken(*row[:split]), User(*row[split:])

    def delete(self, token_id: uuid.UUID) -> bool:
        return self._execute(_DELETE_TOKEN, {"id": token_id}).rowcount > 0

    def delete_for_user(self, user_id: uuid.UUID, contexts: Collection[str] | None = None) -> int:
        if contexts is None:
            return self._execute(_DELETE_USER_TOKENS, {"user_id": user_id}).rowcount
        params = {"user_id": user_id, "contexts": list(contexts)}
        return self._execute(_DELETE_USER_TOKENS_OF_CONTEXTS, params).rowcount


_PROVIDER_COLUMNS: Final = columns_for(AuthProvider, auth_providers)
_PROVIDER_FIELDS: Final = attribute_names(AuthProvider)
_PROVIDER_MUTABLE: Final = tuple(name for name in _PROVIDER_FIELDS if name not in ("id", "user_id"))
_OWNED_PROVIDER: Final = (
    auth_providers.c.id == bindparam("b_id"),
    auth_providers.c.user_id == bindparam("b_user_id"),
)

_INSERT_PROVIDER: Final = insert(auth_providers)
_GET_PROVIDER: Final = Prepared(select(*_PROVIDER_COLUMNS).where(*_OWNED_PROVIDER))
_GET_PROVIDER_BY_UID: Final = Prepared(select(*_PROVIDER_COLUMNS).where(
    auth_providers.c.provider == bindparam("provider"),
    auth_providers.c.provider_uid == bindparam("provider_uid"),
))
_LIST_PROVIDERS: Final = (
    Prepared(select(*_PROVIDER_COLUMNS)
    .where(auth_providers.c.user_id == bindparam("user_id"))
    .order_by(auth_providers.c.inserted_at, auth_providers.c.id))
)
_UPDATE_PROVIDER: Final = (
    update(auth_providers)
    .where(*_OWNED_PROVIDER)
    .values({name: bindparam(name) for name in _PROVIDER_MUTABLE})
)
_DELETE_PROVIDER: Final = delete(auth_providers).where(*_OWNED_PROVIDER)


class PostgresAuthProviderRepository(Repository):
    """Linked sign-in providers; one ``(provider, provider_uid)`` links to one user only."""

    __slots__ = ()

    def add(self, provider: AuthProvider) -> None:
        self._execute(_INSERT_PROVIDER, owned_values(_PROVIDER_FIELDS, provider), auth_providers)

    def get(self, user_id: uuid.UUID, provider_id: uuid.UUID) -> AuthProvider | None:
        row = self._execute(_GET_PROVIDER, {"b_id": provider_id, "b_user_id": user_id}).first()
        return None if row is None else AuthProvider(*row)

    def get_by_uid(self, provider: str, provider_uid: str) -> AuthProvider | None:
        params = {"provider": provider, "provider_uid": provider_uid}
        row = self._execute(_GET_PROVIDER_BY_UID, params).first()
        return None if row is None else AuthProvider(*row)

    def list_for_user(self, user_id: uuid.UUID) -> Sequence[AuthProvider]:
        return [AuthProvider(*row) for row in self._execute(_LIST_PROVIDERS, {"user_id": user_id}).all()]

    def update(self, provider: AuthProvider) -> None:
        params = owned_values(_PROVIDER_MUTABLE, provider)
        params["b_id"] = provider.id
        params["b_user_id"] = provider.user_id
        if self._execute(_UPDATE_PROVIDER, params, auth_providers).rowcount == 0:
            raise NotFoundError("auth provider")

    def delete(self, user_id: uuid.UUID, provider_id: uuid.UUID) -> bool:
        params = {"b_id": provider_id, "b_user_id": user_id}
        return self._execute(_DELETE_PROVIDER, params).rowcount > 0
