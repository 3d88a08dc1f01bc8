"""Linked sign-in providers (google, apple, facebook, linkedin) and their encrypted tokens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from ..accounts import AUTH_PROVIDER, AuthProvider
from ..deps import Deps
from ..errors import TAKEN, ConflictError, NotFoundError, ValidationError
from ..events import Event, Updated, Viewed
from ..ports import UnitOfWork
from ..sealing import open_sealed
from ..validation import UNSET, Changes
from .owned import Subject

__all__ = ["link_auth_provider", "list_auth_providers", "reveal_provider_tokens", "unlink_auth_provider"]


def _record(uow: UnitOfWork, event: type[Event], link: AuthProvider, operation: str, **extra: object) -> None:
    """Sign-in providers are part of their user's account, and recorded as such."""
    subject = Subject("user", link.user_id, {"auth_provider_id": link.id, "provider": link.provider})
    uow.record(subject.event(event, link.user_id, operation=operation, **extra))


def _provider_context(provider_id: uuid.UUID, column: str) -> bytes:
    return f"auth_providers.{column}.{provider_id}".encode()


async def link_auth_provider(deps: Deps, user_id: uuid.UUID, params: object) -> AuthProvider:
    """Link an external sign-in (google, apple, facebook, linkedin); its tokens are encrypted.

    Linking the same provider account again updates its tokens and metadata.

    Raises:
        ValidationError: bad fields; ``provider_uid`` "has already been taken" when
            another user linked that account.
    """
    changes = Changes(params, AUTH_PROVIDER.inputs)
    provider, uid, token, refresh, meta = AUTH_PROVIDER.cast(changes, creating=True).values()
    changes.raise_if_invalid()
    now = deps.clock.now()
    async with deps.uow() as uow:
        existing = await uow.auth_providers.get_by_uid(provider, uid)
        if existing is not None and existing.user_id != user_id:
            raise ConflictError(provider_uid=TAKEN)
        link = existing or AuthProvider(
            id=deps.ids.new_id(), user_id=user_id, provider=provider, provider_uid=uid,
            inserted_at=now, updated_at=now,
        )
        for column, plain in (("provider_token", token), ("provider_refresh_token", refresh)):
            if plain is not UNSET:
                sealed = None if plain is None else deps.cipher.encrypt(
                    plain.encode(), context=_provider_context(link.id, column)
                )
                setattr(link, column, sealed)
        if meta is not UNSET:
            link.provider_meta = meta
        link.updated_at = now
        if existing is None:
            await uow.auth_providers.add(link)
        else:
            await uow.auth_providers.update(link)
        changed = tuple(name for name, value in (
            ("provider_token", token), ("provider_refresh_token", refresh), ("provider_meta", meta),
        ) if value is not UNSET)
        _record(uow, Updated, link, "link_provider" if existing is None else "relink_provider",
                fields=("auth_providers",) if existing is None else changed)
        await uow.commit()
    return link


async def list_auth_providers(deps: Deps, user_id: uuid.UUID) -> Sequence[AuthProvider]:
    async with deps.uow() as uow:
        return await uow.auth_providers.list_for_user(user_id)


async def reveal_provider_tokens(deps: Deps, user_id: uuid.UUID, provider_id: uuid.UUID) -> dict[str, Any]:
    """The decrypted provider tokens, for the owner's own sync code (recorded as a "view")."""
    async with deps.uow() as uow:
        link = await uow.auth_providers.get(user_id, provider_id)
        if link is None:
            raise NotFoundError("auth provider")
        out: dict[str, Any] = {}
        for column in ("provider_token", "provider_refresh_token"):
            blob = getattr(link, column)
            out[column] = (
                None if blob is None else open_sealed(deps.cipher, blob, context=_provider_context(link.id, column),
                                                      table="auth_providers", row_id=link.id, user_id=user_id)
            )
        _record(uow, Viewed, link, "reveal")
        await uow.commit()
    return out


async def unlink_auth_provider(deps: Deps, user_id: uuid.UUID, provider_id: uuid.UUID) -> None:
    """Unlink a provider. Refused if it is the only way left to sign in."""
    async with deps.uow() as uow:
        links = await uow.auth_providers.list_for_user(user_id)
        if not any(p.id == provider_id for p in links):
            raise NotFoundError("auth provider")
        user = await uow.users.get(user_id)
        others = [p for p in links if p.id != provider_id]
        if user is not None and user.hashed_password is None and not others:
            raise ValidationError(provider="is the only way to sign in; set a password first")
        await uow.auth_providers.delete(user_id, provider_id)
        _record(uow, Updated, next(p for p in links if p.id == provider_id), "unlink_provider",
                fields=("auth_providers",))
        await uow.commit()
