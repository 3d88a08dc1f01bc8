"""The caller's own account: profile, preferences, linked sign-ins, deletion."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import delete, get, patch, post
from litestar.params import FromPath

from conezia.core import services

from ..bodies import AccountDeletion, AuthProviderLink, PasswordChange, PreferencesUpdate, ProfileUpdate
from ..openapi import body, errors
from ..schemas import AuthProviderList, AuthProviderOut, ProviderTokens, UserOut, out, provider_out
from ._common import AUTHENTICATED, NO_BODY, Core, CurrentUser, SessionToken, envelope, raw

__all__ = ["ROUTES"]

TAGS = ["me"]

ProfileBody = Annotated[Any, body(ProfileUpdate)]
PreferencesBody = Annotated[Any, body(PreferencesUpdate)]
DeletionBody = Annotated[Any, body(AccountDeletion)]
PasswordBody = Annotated[Any, body(PasswordChange)]
LinkBody = Annotated[Any, body(AuthProviderLink)]


@get("/me", tags=TAGS, summary="Your account", responses=errors(*AUTHENTICATED))
async def show_me(user: CurrentUser) -> UserOut:
    """The authenticated user's account."""
    return out(UserOut, user)


@patch(
    "/me", status_code=200, tags=TAGS, summary="Change your profile",
    responses=errors(*AUTHENTICATED, 409, 413, 422),
)
async def update_me(deps: Core, user: CurrentUser, data: ProfileBody = NO_BODY) -> UserOut:
    """Change name, email, avatar, timezone or onboarding time. A new email must be confirmed again."""
    return out(UserOut, await services.update_profile(deps, user.id, raw(data)))


@patch(
    "/me/preferences", status_code=200, tags=TAGS, summary="Change your preferences",
    responses=errors(*AUTHENTICATED, 413, 422),
)
async def update_my_preferences(deps: Core, user: CurrentUser, data: PreferencesBody = NO_BODY) -> UserOut:
    """Replace `settings` and/or merge `notification_preferences`."""
    return out(UserOut, await services.update_preferences(deps, user.id, raw(data)))


@delete(
    "/me", status_code=204, tags=TAGS, summary="Delete your account",
    responses=errors(*AUTHENTICATED, 413, 422),
)
async def delete_me(deps: Core, user: CurrentUser, data: DeletionBody = NO_BODY) -> None:
    """Delete the account and everything it holds, after checking the password."""
    fields = envelope(data, required=("password",))
    await services.delete_account(deps, user.id, fields["password"])


@get("/me/auth-providers", tags=TAGS, summary="Your linked sign-ins", responses=errors(*AUTHENTICATED))
async def list_auth_providers(deps: Core, user: CurrentUser) -> AuthProviderList:
    """The external sign-ins linked to the account; their tokens are never listed."""
    providers = await services.list_auth_providers(deps, user.id)
    return AuthProviderList(data=[provider_out(provider) for provider in providers])


@post(
    "/me/auth-providers", status_code=201, tags=TAGS, summary="Link a sign-in",
    responses=errors(*AUTHENTICATED, 409, 413, 422),
)
async def link_auth_provider(deps: Core, user: CurrentUser, data: LinkBody = NO_BODY) -> AuthProviderOut:
    """Link an external sign-in; linking the same provider account again updates it."""
    return provider_out(await services.link_auth_provider(deps, user.id, raw(data)))


@delete(
    "/me/auth-providers/{provider_id:uuid}", status_code=204, tags=TAGS, summary="Unlink a sign-in",
    responses=errors(*AUTHENTICATED, 404, 422),
)
async def unlink_auth_provider(deps: Core, user: CurrentUser, provider_id: FromPath[uuid.UUID]) -> None:
    """Unlink a sign-in; refused (422) if it is the only way left to sign in."""
    await services.unlink_auth_provider(deps, user.id, provider_id)


@post(
    "/me/auth-providers/{provider_id:uuid}/reveal", status_code=200, tags=TAGS,
    summary="Reveal a sign-in's tokens", responses=errors(*AUTHENTICATED, 404, 409),
)
async def reveal_auth_provider(deps: Core, user: CurrentUser, provider_id: FromPath[uuid.UUID]) -> ProviderTokens:
    """The decrypted provider tokens, for the owner's own sync code."""
    return ProviderTokens(**await services.reveal_provider_tokens(deps, user.id, provider_id))


@post(
    "/me/password", status_code=200, tags=TAGS, summary="Change your password",
    responses=errors(*AUTHENTICATED, 413, 422),
)
async def change_my_password(
    deps: Core, user: CurrentUser, token: SessionToken, data: PasswordBody = NO_BODY
) -> UserOut:
    """Set a new password after checking the current one. This session stays open; every other one ends."""
    fields = envelope(data, optional=("current_password", "new_password"))
    changed = await services.change_password(
        deps, user.id, fields["current_password"], fields["new_password"], keep_token=token
    )
    return out(UserOut, changed)


ROUTES = [
    show_me, update_me, update_my_preferences, change_my_password, delete_me,
    list_auth_providers, link_auth_provider, unlink_auth_provider, reveal_auth_provider,
]
