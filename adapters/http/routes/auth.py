"""Accounts and sessions: register, log in and out, confirm the address, reset the password."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, post
from litestar.params import QueryParameter

from conezia.core import services

from ..bodies import LoginRequest, PasswordResetConfirm, PasswordResetRequest, RegisterRequest, TokenRequest
from ..context import client_address
from ..openapi import body, errors
from ..schemas import Accepted, LoginOut, UserOut, out
from ._common import AUTHENTICATED, NO_BODY, Core, CurrentUser, SessionToken, envelope, raw

__all__ = ["PROTECTED", "PUBLIC"]

TAGS = ["auth"]
ACCEPTED = Accepted()

RegisterBody = Annotated[Any, body(RegisterRequest)]
LoginBody = Annotated[Any, body(LoginRequest)]
TokenBody = Annotated[Any, body(TokenRequest)]
ResetRequestBody = Annotated[Any, body(PasswordResetRequest)]
ResetConfirmBody = Annotated[Any, body(PasswordResetConfirm)]


@post(
    "/auth/register", status_code=201, tags=TAGS, summary="Create an account",
    responses=errors(409, 413, 422, 429),
)
async def register(deps: Core, data: RegisterBody = NO_BODY) -> UserOut:
    """Create an account. A confirmation token is sent to the address; the account works before it is confirmed."""
    return out(UserOut, await services.register(deps, raw(data)))


@post("/auth/login", status_code=200, tags=TAGS, summary="Log in", responses=errors(401, 413, 422, 429))
async def log_in(deps: Core, request: Request[Any, Any, Any], data: LoginBody = NO_BODY) -> LoginOut:
    """Open a 60-day session. After repeated failures for an account or from an address, answers 429."""
    fields = envelope(data, required=("email", "password"))
    session = await services.log_in(deps, fields["email"], fields["password"], client=client_address(request.scope))
    return out(LoginOut, session)


@post(
    "/auth/confirm-email", status_code=200, tags=TAGS, summary="Confirm the email address",
    responses=errors(413, 422, 429),
)
async def confirm_email(deps: Core, data: TokenBody = NO_BODY) -> UserOut:
    """Confirm the address a confirmation token was sent to. The token is used up."""
    fields = envelope(data, required=("token",))
    return out(UserOut, await services.confirm_email(deps, fields["token"]))


@post(
    "/auth/password-reset/request", status_code=202, tags=TAGS, summary="Ask for a password reset token",
    responses=errors(413, 422, 429),
)
async def request_password_reset(deps: Core, data: ResetRequestBody = NO_BODY) -> Accepted:
    """Send a one-hour reset token. The answer is the same whether or not the address has an account."""
    fields = envelope(data, optional=("email",))
    await services.request_password_reset(deps, fields["email"])
    return ACCEPTED


@post(
    "/auth/password-reset/confirm", status_code=200, tags=TAGS, summary="Set a new password with a reset token",
    responses=errors(413, 422, 429),
)
async def confirm_password_reset(deps: Core, data: ResetConfirmBody = NO_BODY) -> UserOut:
    """Set a new password. Every session of the account ends; log in again."""
    fields = envelope(data, optional=("token", "password"))
    return out(UserOut, await services.confirm_password_reset(deps, fields["token"], fields["password"]))


@post("/auth/logout", status_code=204, tags=TAGS, summary="Log out", responses=errors(*AUTHENTICATED, 422))
async def log_out(
    deps: Core,
    token: SessionToken,
    everywhere: Annotated[bool, QueryParameter(description="End every session of the account.")] = False,
) -> None:
    """End this session, or with `everywhere=true` every session of the account."""
    await services.log_out(deps, token, everywhere=everywhere)


@post(
    "/auth/confirm-email/resend", status_code=202, tags=TAGS, summary="Send a new confirmation token",
    responses=errors(*AUTHENTICATED, 422),
)
async def resend_confirmation(deps: Core, user: CurrentUser) -> Accepted:
    """Send a new 24-hour confirmation token to the current address (422 if it is confirmed already)."""
    await services.request_email_confirmation(deps, user.id)
    return ACCEPTED


PUBLIC = [register, log_in, confirm_email, request_password_reset, confirm_password_reset]
PROTECTED = [log_out, resend_confirmation]
