"""The asyncio embedding API: account operations, and :meth:`AsyncConezia.as_user` for a user's data.

Written by hand, typed; ``tools/generate_sync_api.py`` derives the synchronous
:class:`conezia.Conezia` from this module, so a method added here appears there
after regenerating.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Self

from conezia.core import services
from conezia.core.accounts import User
from conezia.core.deps import Deps, Mailer
from conezia.core.services import DeliveryReport, Session
from conezia.core.validation import UNSET, Unset

from ..bootstrap import Backend
from .aio_scope import AsyncUserScope
from .fields import given

__all__ = ["AsyncConezia"]


class AsyncConezia:
    """Account-level operations, and :meth:`as_user` for everything a user owns.

    Build it with :func:`conezia.open_async`; close it with ``await crm.aclose()``
    (or ``async with``) on the event loop that used it.
    """

    def __init__(self, deps: Deps, backend: Backend) -> None:
        self._deps = deps
        self._backend = backend

    @property
    def deps(self) -> Deps:
        """The ports the use-cases run over, for calling :mod:`conezia.core.services` directly."""
        return self._deps

    @property
    def outbox(self) -> Mailer:
        """The mailer holding confirmation and reset tokens (a MemoryOutbox unless you passed one)."""
        return self._deps.mailer

    async def aclose(self) -> None:
        """Close the connection pool (PostgreSQL); call it on the loop that used it."""
        await self._backend.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def register(
        self,
        *,
        email: str,
        password: str,
        name: str | None | Unset = UNSET,
        avatar_url: str | None | Unset = UNSET,
        timezone: str | Unset = UNSET,
        settings: Mapping[str, Any] | Unset = UNSET,
        notification_preferences: Mapping[str, Any] | Unset = UNSET,
    ) -> User:
        """Create an account; an email-confirmation token goes to the outbox.

        Raises:
            ValidationError: every failing field.
            ConflictError: on ``email`` when the address is taken.
        """
        params = given(
            email=email, password=password, name=name, avatar_url=avatar_url, timezone=timezone,
            settings=settings, notification_preferences=notification_preferences,
        )
        return await services.register(self._deps, params)

    async def log_in(self, email: str, password: str, *, client: str | None = None) -> Session:
        """Open a 60-day session; ``session.token`` is shown once.

        Raises:
            AuthenticationError: unknown email or wrong password.
            RateLimitedError: too many recent failures for this account or ``client``.
        """
        return await services.log_in(self._deps, email, password, client=client)

    async def log_out(self, token: str, *, everywhere: bool = False) -> None:
        """End this session, or every session of its user."""
        await services.log_out(self._deps, token, everywhere=everywhere)

    async def authenticate(self, token: str) -> AsyncUserScope:
        """The user scope behind a session token.

        Raises:
            AuthenticationError: unknown, malformed or expired token.
        """
        user, _ = await services.verify_session(self._deps, token)
        return AsyncUserScope(self._deps, user.id)

    async def confirm_email(self, token: str) -> User:
        """Confirm the address a confirmation token was sent to."""
        return await services.confirm_email(self._deps, token)

    async def request_password_reset(self, email: str) -> None:
        """Send a one-hour reset token, saying nothing about whether the address has an account."""
        await services.request_password_reset(self._deps, email)

    async def reset_password(self, token: str, password: str) -> User:
        """Set a new password with a reset token; every session of the user ends."""
        return await services.confirm_password_reset(self._deps, token, password)

    async def change_tier(self, user_id: uuid.UUID, tier: str) -> User:
        """Administrator operation (errata D2): never offered to a user's own requests."""
        return await services.change_tier(self._deps, user_id, tier)

    async def change_tier_by_email(self, email: str, tier: str) -> User:
        """:meth:`change_tier` for the account with this email.

        Raises:
            NotFoundError: no account has this email.
        """
        return await services.change_tier_by_email(self._deps, email, tier)

    async def purge_activity(
        self, older_than_days: int, *, progress: Callable[[int], None] | None = None
    ) -> int:
        """Administrator operation: delete every user's activity log rows older than this many days.

        Runs in batches, each its own transaction; ``progress`` gets the running total.

        Returns:
            How many rows were deleted.
        """
        return await services.purge_activity(self._deps, dt.timedelta(days=older_than_days), progress=progress)

    async def deliver_notifications(self, now: dt.datetime | None = None) -> DeliveryReport:
        """What a background worker does at each tick: deliver every due reminder not delivered yet,
        once per occurrence and channel (for programs that run no ``conezia worker``).

        Returns:
            How many were delivered on each channel, held back by quiet hours, or failed.
        """
        return await services.deliver_notifications(self._deps, now)

    def as_user(self, user_id: uuid.UUID) -> AsyncUserScope:
        """Operations on one user's data; every call is scoped to that user."""
        return AsyncUserScope(self._deps, user_id)
