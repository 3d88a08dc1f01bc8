"""Account use-cases: registration, sessions, email confirmation, password reset, profile, providers."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import uuid

import attrs

from ..accounts import User, UserToken, check_password
from ..deps import Deps, RateLimitedError
from ..errors import TAKEN, AuthenticationError, ConflictError, NotFoundError, ValidationError
from ..events import AccountDeleted, Created, Event, LoggedIn, LoggedOut, LoginFailed, Updated, changed_fields
from ..ports import UnitOfWork
from ..validation import Changes
from .attachments import remove_files
from .owned import Subject

__all__ = [
    "Session",
    "change_password",
    "change_tier",
    "change_tier_by_email",
    "confirm_email",
    "confirm_password_reset",
    "delete_account",
    "get_user",
    "log_in",
    "log_out",
    "register",
    "request_email_confirmation",
    "request_password_reset",
    "update_preferences",
    "update_profile",
    "verify_session",
]

TOKEN_BYTES = 32


@attrs.frozen
class Session:
    """A fresh session: the bearer ``token`` is shown once; only its hash is stored."""

    token: str = attrs.field(repr=False)
    user: User
    token_id: uuid.UUID
    expires_at: dt.datetime


def _hash_token(token: str) -> bytes | None:
    """SHA-256 of the raw token bytes, or None for something that is not one of our tokens."""
    if not isinstance(token, str) or not 40 <= len(token) <= 64:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != TOKEN_BYTES:
        return None
    return hashlib.sha256(raw).digest()


def _new_token(deps: Deps, user_id: uuid.UUID, context: str, sent_to: str | None = None) -> tuple[str, UserToken]:
    raw = deps.secrets.token_bytes(TOKEN_BYTES)
    token = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    row = UserToken(
        id=deps.ids.new_id(),
        user_id=user_id,
        token_hash=hashlib.sha256(raw).digest(),
        context=context,
        inserted_at=deps.clock.now(),
        sent_to=sent_to,
    )
    return token, row


def _record(
    uow: UnitOfWork, event: type[Event], user: User, *, operation: str | None = None, **fields: object
) -> None:
    """Record an event of the user's own account."""
    uow.record(Subject("user", user.id).event(event, user.id, operation=operation, **fields))


async def register(deps: Deps, params: object) -> User:
    """Create an account and send an email-confirmation token.

    Args:
        params: ``email`` and ``password`` (required); ``name``, ``avatar_url``,
            ``timezone``, ``settings``, ``notification_preferences``.

    Raises:
        ValidationError: every failing field; ``email`` "has already been taken" for a taken address.
    """
    now = deps.clock.now()
    user, password = User.register(params, id=deps.ids.new_id(), now=now)
    async with deps.uow() as uow:
        # The unique index decides (add raises too); asking first spares a 64 MiB hash.
        if await uow.users.get_by_email(user.email) is not None:
            raise ConflictError(email=TAKEN)
        user.hashed_password = await deps.hasher.hash(password)
        await uow.users.add(user)
        token, row = _new_token(deps, user.id, "confirm_email", user.email)
        await uow.tokens.add(row)
        _record(uow, Created, user)
        await uow.commit()
    deps.mailer.send_email_confirmation(user.email, token)
    return user


async def log_in(deps: Deps, email: object, password: object, *, client: str | None = None) -> Session:
    """Check a password and open a 60-day session.

    Args:
        client: the caller's address, throttled alongside the account.

    A wrong password for a known account is recorded (a failed "login" in the
    user's activity log); an unknown address has nobody to record it for.

    Raises:
        RateLimitedError: too many recent failures for this account or client.
        AuthenticationError: unknown email or wrong password (indistinguishable).
    """
    account_key = f"account:{str(email).strip().lower()[:254]}"
    keys = [account_key] + ([f"client:{client}"] if client else [])
    wait = deps.login_throttle.retry_after(keys)
    if wait is not None:
        raise RateLimitedError(wait)
    if not isinstance(email, str) or not isinstance(password, str) or len(password) > 1024:
        deps.login_throttle.failed(keys)
        raise AuthenticationError("invalid email or password")
    async with deps.uow() as uow:
        user = await uow.users.get_by_email(email.strip())
        ok = await deps.hasher.verify(user.hashed_password if user else None, password)
        if user is None or not ok:
            deps.login_throttle.failed(keys)
            if user is not None:
                _record(uow, LoginFailed, user)
                await uow.commit()
            raise AuthenticationError("invalid email or password")
        if user.hashed_password and deps.hasher.needs_rehash(user.hashed_password):
            user.hashed_password = await deps.hasher.hash(password)
            await uow.users.update(user)
        token, row = _new_token(deps, user.id, "session")
        await uow.tokens.add(row)
        _record(uow, LoggedIn, user)
        await uow.commit()
    deps.login_throttle.succeeded(keys)
    return Session(token=token, user=user, token_id=row.id, expires_at=row.expires_at())


async def verify_session(deps: Deps, token: object) -> tuple[User, UserToken]:
    """The user behind a bearer token.

    Raises:
        AuthenticationError: unknown, malformed or expired token.
    """
    async with deps.uow() as uow:
        return await _session(deps, uow, token)


async def _session(deps: Deps, uow: UnitOfWork, token: object) -> tuple[User, UserToken]:
    token_hash = _hash_token(token) if isinstance(token, str) else None
    found = None if token_hash is None else await uow.tokens.get_with_user("session", token_hash)
    if found is None or not found[0].is_valid_at(deps.clock.now()):
        raise AuthenticationError("invalid or expired session")
    row, user = found
    return user, row


async def log_out(deps: Deps, token: object, *, everywhere: bool = False) -> None:
    """End this session (or every session of its user)."""
    async with deps.uow() as uow:
        user, row = await _session(deps, uow, token)
        if everywhere:
            await uow.tokens.delete_for_user(user.id, ["session"])
        else:
            await uow.tokens.delete(row.id)
        _record(uow, LoggedOut, user, operation="log_out_everywhere" if everywhere else None)
        await uow.commit()


async def get_user(deps: Deps, user_id: uuid.UUID) -> User:
    async with deps.uow() as uow:
        user = await uow.users.get(user_id)
    if user is None:
        raise NotFoundError("user")
    return user


async def request_email_confirmation(deps: Deps, user_id: uuid.UUID) -> None:
    """Send a 24-hour confirmation token bound to the user's current address."""
    async with deps.uow() as uow:
        user = await uow.users.get(user_id)
        if user is None:
            raise NotFoundError("user")
        if user.confirmed_at is not None:
            raise ValidationError(email="is already confirmed")
        await uow.tokens.delete_for_user(user.id, ["confirm_email"])
        token, row = _new_token(deps, user.id, "confirm_email", user.email)
        await uow.tokens.add(row)
        _record(uow, Updated, user, operation="request_email_confirmation")
        await uow.commit()
    deps.mailer.send_email_confirmation(user.email, token)


async def confirm_email(deps: Deps, token: object) -> User:
    """Confirm the address a token was sent to; the token is used up.

    Raises:
        ValidationError: on ``token`` when it is unknown, expired or was sent to an old address.
    """
    token_hash = _hash_token(token) if isinstance(token, str) else None
    invalid = ValidationError(token="is invalid or has expired")
    if token_hash is None:
        raise invalid
    async with deps.uow() as uow:
        row = await uow.tokens.get_by_hash("confirm_email", token_hash)
        user = await uow.users.get(row.user_id, for_update=True) if row else None
        if row is None or user is None or not row.is_valid_for(user, deps.clock.now()):
            raise invalid
        user.confirm(deps.clock.now())
        await uow.users.update(user)
        await uow.tokens.delete_for_user(user.id, ["confirm_email"])
        _record(uow, Updated, user, operation="confirm_email", fields=("confirmed_at",))
        await uow.commit()
    return user


async def request_password_reset(deps: Deps, email: object) -> None:
    """Send a one-hour reset token. Says nothing about whether the address has an account."""
    changes = Changes({"email": email}, ("email",))
    address = changes.email("email", required=True)
    changes.raise_if_invalid()
    async with deps.uow() as uow:
        user = await uow.users.get_by_email(address)
        if user is None:
            return
        await uow.tokens.delete_for_user(user.id, ["reset_password"])
        token, row = _new_token(deps, user.id, "reset_password", user.email)
        await uow.tokens.add(row)
        _record(uow, Updated, user, operation="request_password_reset")
        await uow.commit()
    deps.mailer.send_password_reset(user.email, token)


async def confirm_password_reset(deps: Deps, token: object, password: object) -> User:
    """Set a new password with a reset token; every session of the user is ended.

    Raises:
        ValidationError: on ``token`` (unknown, expired, sent to an old address) and on ``password``.
    """
    changes = Changes({"password": password}, ("password",))
    new_password = check_password(changes)
    token_hash = _hash_token(token) if isinstance(token, str) else None
    if token_hash is None:
        changes.add_error("token", "is invalid or has expired")
    changes.raise_if_invalid()
    assert token_hash is not None and new_password is not None
    async with deps.uow() as uow:
        row = await uow.tokens.get_by_hash("reset_password", token_hash)
        user = await uow.users.get(row.user_id, for_update=True) if row else None
        if row is None or user is None or not row.is_valid_for(user, deps.clock.now()):
            raise ValidationError(token="is invalid or has expired")
        user.set_password_hash(await deps.hasher.hash(new_password), deps.clock.now())
        await uow.users.update(user)
        await uow.tokens.delete_for_user(user.id, ["reset_password", "session"])
        _record(uow, Updated, user, operation="reset_password", fields=("password",))
        await uow.commit()
    return user


async def update_profile(deps: Deps, user_id: uuid.UUID, params: object) -> User:
    """Change name, email, avatar, timezone or onboarding; a new email must be confirmed again.

    Raises:
        ValidationError: every failing field; ``email`` "has already been taken".
    """
    async with deps.uow() as uow:
        user = await uow.users.get(user_id, for_update=True)
        if user is None:
            raise NotFoundError("user")
        before = attrs.asdict(user)
        email_changed = user.update_profile(params, now=deps.clock.now())
        await uow.users.update(user)  # a taken email raises ConflictError here (unique index)
        _record(uow, Updated, user, fields=changed_fields(before, attrs.asdict(user)))
        token = None
        if email_changed:
            await uow.tokens.delete_for_user(user.id, ["confirm_email", "reset_password"])
            token, row = _new_token(deps, user.id, "confirm_email", user.email)
            await uow.tokens.add(row)
        await uow.commit()
    if token is not None:
        deps.mailer.send_email_confirmation(user.email, token)
    return user


async def update_preferences(deps: Deps, user_id: uuid.UUID, params: object) -> User:
    """Replace ``settings`` and/or merge ``notification_preferences`` (quiet hours HH:MM)."""
    async with deps.uow() as uow:
        user = await uow.users.get(user_id, for_update=True)
        if user is None:
            raise NotFoundError("user")
        before = attrs.asdict(user)
        user.update_preferences(params, now=deps.clock.now())
        await uow.users.update(user)
        _record(uow, Updated, user, fields=changed_fields(before, attrs.asdict(user)))
        await uow.commit()
    return user


async def change_password(
    deps: Deps, user_id: uuid.UUID, current_password: object, new_password: object, *, keep_token: str | None = None
) -> User:
    """Set a new password after checking the current one; every other session ends.

    Args:
        keep_token: the bearer token of the session making the change, which stays open.

    Raises:
        ValidationError: ``current_password`` "is incorrect", and every rule ``new_password`` breaks.
    """
    changes = Changes({"new_password": new_password}, ("new_password",))
    password = check_password(changes, "new_password")
    if not isinstance(current_password, str) or not current_password:
        changes.add_error("current_password", "can't be blank")
    changes.raise_if_invalid()
    assert password is not None and isinstance(current_password, str)
    kept_hash = _hash_token(keep_token) if keep_token else None
    async with deps.uow() as uow:
        user = await uow.users.get(user_id, for_update=True)
        if user is None:
            raise NotFoundError("user")
        if not await deps.hasher.verify(user.hashed_password, current_password):
            raise ValidationError(current_password="is incorrect")
        user.set_password_hash(await deps.hasher.hash(password), deps.clock.now())
        await uow.users.update(user)
        kept = await uow.tokens.get_by_hash("session", kept_hash) if kept_hash else None
        await uow.tokens.delete_for_user(user.id, ["session", "reset_password"])
        if kept is not None and kept.user_id == user.id:
            await uow.tokens.add(kept)
        _record(uow, Updated, user, operation="change_password", fields=("password",))
        await uow.commit()
    return user


async def change_tier(deps: Deps, user_id: uuid.UUID, tier: object) -> User:
    """Administrators only (errata D2): never exposed to a user's own requests."""
    async with deps.uow() as uow:
        return await _change_tier(deps, uow, await uow.users.get(user_id, for_update=True), tier)


async def change_tier_by_email(deps: Deps, email: str, tier: object) -> User:
    """:func:`change_tier` for an administrator who knows the account by its email.

    Raises:
        NotFoundError: no account has this email.
    """
    async with deps.uow() as uow:
        found = await uow.users.get_by_email(email)
        user = None if found is None else await uow.users.get(found.id, for_update=True)
        return await _change_tier(deps, uow, user, tier)


async def _change_tier(deps: Deps, uow: UnitOfWork, user: User | None, tier: object) -> User:
    if user is None:
        raise NotFoundError("user")
    before = attrs.asdict(user)
    user.change_tier(tier, now=deps.clock.now())
    await uow.users.update(user)
    _record(uow, Updated, user, operation="change_tier", fields=changed_fields(before, attrs.asdict(user)))
    await uow.commit()
    return user


async def delete_account(deps: Deps, user_id: uuid.UUID, password: object) -> None:
    """Delete the account and everything it owns, after re-checking the password; its attachments'
    files are removed after the commit."""
    async with deps.uow() as uow:
        user = await uow.users.get(user_id)
        if user is None:
            raise NotFoundError("user")
        if not isinstance(password, str) or not await deps.hasher.verify(user.hashed_password, password):
            raise ValidationError(password="is incorrect")
        files = await uow.attachments.storage_keys(user_id)
        await uow.users.delete(user_id)
        _record(uow, AccountDeleted, user)
        await uow.commit()
    await remove_files(deps, files)
