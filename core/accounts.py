"""Users, their tokens and their linked sign-in providers."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from typing import Any, Final

import attrs

from .shapes import CHOICE, DATETIME, EMAIL, OBJECT, TEXT, TIMEZONE, URL, Field, Shape
from .validation import UNSET, Changes, apply_set, ascii_digits, is_valid_time_of_day

__all__ = [
    "AUTH_PROVIDER",
    "AUTH_PROVIDERS",
    "DEFAULT_NOTIFICATION_PREFERENCES",
    "MAX_PASSWORD_LENGTH",
    "TIERS",
    "TOKEN_CONTEXTS",
    "TOKEN_VALIDITY",
    "USER",
    "USER_TOKEN",
    "AuthProvider",
    "User",
    "UserToken",
    "cast_notification_preferences",
    "check_password",
]

TIERS: Final = ("free", "personal", "professional", "enterprise")
AUTH_PROVIDERS: Final = ("google", "apple", "facebook", "linkedin")
TOKEN_CONTEXTS: Final = ("session", "confirm_email", "reset_password")
TOKEN_VALIDITY: Final[Mapping[str, dt.timedelta]] = {
    "session": dt.timedelta(days=60),
    "confirm_email": dt.timedelta(hours=24),
    "reset_password": dt.timedelta(hours=1),
}
MIN_PASSWORD_LENGTH: Final = 8
# errata C4: argon2id has no 72-byte limit; the cap only bounds hashing cost.
MAX_PASSWORD_LENGTH: Final = 256

DEFAULT_NOTIFICATION_PREFERENCES: Final[Mapping[str, Any]] = {
    "email": True,
    "push": True,
    "in_app": True,
    "quiet_hours_start": None,
    "quiet_hours_end": None,
}
_BOOLEAN_PREFS: Final = ("email", "push", "in_app")
_TIME_PREFS: Final = ("quiet_hours_start", "quiet_hours_end")

USER: Final = Shape("users", (
    Field("email", EMAIL, required=True, nullable=False),
    Field("name", TEXT, max_length=255, blank_to_none=True),
    Field("avatar_url", URL),
    Field("timezone", TIMEZONE, nullable=False),
    Field("settings", OBJECT, nullable=False),
    Field("notification_preferences", OBJECT, nullable=False),
    Field("onboarding_completed_at", DATETIME),
    Field("tier", CHOICE, choices=TIERS, nullable=False, max_length=16, writable=False),
    Field("hashed_password", TEXT, max_length=255, writable=False),
    Field("confirmed_at", DATETIME, writable=False),
))
AUTH_PROVIDER: Final = Shape("auth_providers", (
    Field("provider", CHOICE, choices=AUTH_PROVIDERS, required=True, nullable=False, max_length=32),
    Field("provider_uid", TEXT, required=True, nullable=False, max_length=255),
    # stored encrypted (bytea): the limit bounds the plaintext
    Field("provider_token", TEXT, max_length=8192, strip=False),
    Field("provider_refresh_token", TEXT, max_length=8192, strip=False),
    Field("provider_meta", OBJECT, nullable=False),
))
USER_TOKEN: Final = Shape("user_tokens", (
    Field("context", CHOICE, choices=TOKEN_CONTEXTS, nullable=False, max_length=32, writable=False),
    Field("sent_to", EMAIL, writable=False),
))
USER_FIELDS: Final = ("email", "name", "avatar_url", "timezone", "settings", "notification_preferences")
PROFILE_FIELDS: Final = ("email", "name", "avatar_url", "timezone", "onboarding_completed_at")
PREFERENCE_FIELDS: Final = ("settings", "notification_preferences")


def check_password(changes: Changes, field: str = "password") -> str | None:
    """Validate a new password; returns it, or None after recording errors."""
    value = changes.string(field, required=True, strip=False)
    if not isinstance(value, str):
        return None
    ok = True
    if len(value) < MIN_PASSWORD_LENGTH:
        changes.add_error(field, f"should be at least {MIN_PASSWORD_LENGTH} character(s)")
        ok = False
    if len(value) > MAX_PASSWORD_LENGTH:
        changes.add_error(field, f"should be at most {MAX_PASSWORD_LENGTH} character(s)")
        ok = False
    for pattern, message in (
        (r"[a-z]", "must contain a lowercase letter"),
        (r"[A-Z]", "must contain an uppercase letter"),
        (r"[0-9]", "must contain a number"),
    ):
        if not re.search(pattern, value):
            changes.add_error(field, message)
            ok = False
    return value if ok else None


def cast_notification_preferences(
    changes: Changes, current: Mapping[str, Any] | None = None, field: str = "notification_preferences"
) -> Any:
    """Merge the given preferences over ``current`` (or the defaults) and validate them (errata D7)."""
    raw = changes.mapping(field)
    if raw is UNSET:
        return UNSET
    merged = dict(current if current is not None else DEFAULT_NOTIFICATION_PREFERENCES)
    problems: list[str] = []
    for key, value in raw.items():
        if key in _BOOLEAN_PREFS:
            if not isinstance(value, bool):
                problems.append(f"{key} must be a boolean")
        elif key in _TIME_PREFS:
            value = ascii_digits(value) if isinstance(value, str) else value  # "０８:００" is "08:00"
            if value is not None and not is_valid_time_of_day(value):
                problems.append(f"{key} must be HH:MM format")
        else:
            problems.append(f"{key} is not a known preference")
        merged[key] = value
    for problem in problems:
        changes.add_error(field, problem)
    return UNSET if problems else merged


@attrs.define
class User:
    """A person with an account. ``hashed_password`` is never serialized outward."""

    id: uuid.UUID
    email: str
    inserted_at: dt.datetime
    updated_at: dt.datetime
    name: str | None = None
    avatar_url: str | None = None
    timezone: str = "UTC"
    hashed_password: str | None = attrs.field(default=None, repr=False)
    confirmed_at: dt.datetime | None = None
    tier: str = "free"
    settings: dict[str, Any] = attrs.Factory(dict)
    onboarding_completed_at: dt.datetime | None = None
    notification_preferences: dict[str, Any] = attrs.Factory(lambda: dict(DEFAULT_NOTIFICATION_PREFERENCES))

    @classmethod
    def register(cls, params: object, *, id: uuid.UUID, now: dt.datetime) -> tuple[User, str]:
        """Validate registration input; returns the user (without a hash yet) and the password.

        Raises:
            ValidationError: naming every failing field.
        """
        changes = Changes(params, (*USER_FIELDS, "password"))
        email, name, avatar_url, timezone, settings = USER.cast(
            changes, creating=True, names=("email", "name", "avatar_url", "timezone", "settings")
        ).values()
        prefs = cast_notification_preferences(changes)
        password = check_password(changes)
        changes.raise_if_invalid()
        user = cls(
            id=id,
            email=email,
            inserted_at=now,
            updated_at=now,
            name=name or None,
            avatar_url=avatar_url or None,
            timezone=timezone or "UTC",
            settings=settings or {},
        )
        if prefs is not UNSET:
            user.notification_preferences = prefs
        assert password is not None
        return user, password

    def update_profile(self, params: object, *, now: dt.datetime) -> bool:
        """Apply a profile change; returns whether the email changed (it then needs confirming)."""
        changes = Changes(params, PROFILE_FIELDS)
        values = USER.cast(changes, creating=False, names=PROFILE_FIELDS)
        changes.raise_if_invalid()
        email_changed = values["email"] is not UNSET and values["email"] != self.email
        apply_set(self, values)
        if email_changed:
            self.confirmed_at = None
        self.updated_at = now
        return email_changed

    def update_preferences(self, params: object, *, now: dt.datetime) -> None:
        changes = Changes(params, PREFERENCE_FIELDS)
        settings = changes.field(USER["settings"], creating=False)
        prefs = cast_notification_preferences(changes, self.notification_preferences)
        changes.raise_if_invalid()
        apply_set(self, {"settings": settings, "notification_preferences": prefs})
        self.updated_at = now

    def change_tier(self, tier: object, *, now: dt.datetime) -> None:
        """Administrators only (errata D2)."""
        changes = Changes({"tier": tier}, ("tier",))
        value = changes.choice("tier", USER["tier"].choices, required=True)
        changes.raise_if_invalid()
        self.tier = value
        self.updated_at = now

    def confirm(self, now: dt.datetime) -> None:
        self.confirmed_at = now
        self.updated_at = now

    def set_password_hash(self, hashed: str, now: dt.datetime) -> None:
        self.hashed_password = hashed
        self.updated_at = now


@attrs.define
class UserToken:
    """A session, email-confirmation or password-reset token. Only its SHA-256 is kept."""

    id: uuid.UUID
    user_id: uuid.UUID
    token_hash: bytes = attrs.field(repr=False)
    context: str
    inserted_at: dt.datetime
    sent_to: str | None = None

    def expires_at(self) -> dt.datetime:
        return self.inserted_at + TOKEN_VALIDITY[self.context]

    def is_valid_at(self, now: dt.datetime) -> bool:
        return now < self.expires_at()

    def is_valid_for(self, user: User, now: dt.datetime) -> bool:
        """Unexpired and sent to the user's current address: a token mailed to an old one is void."""
        return self.is_valid_at(now) and self.sent_to is not None and self.sent_to.lower() == user.email.lower()


@attrs.define
class AuthProvider:
    """A linked external sign-in. Provider tokens are held encrypted (ciphertext bytes)."""

    id: uuid.UUID
    user_id: uuid.UUID
    provider: str
    provider_uid: str
    inserted_at: dt.datetime
    updated_at: dt.datetime
    provider_token: bytes | None = attrs.field(default=None, repr=False)
    provider_refresh_token: bytes | None = attrs.field(default=None, repr=False)
    provider_meta: dict[str, Any] = attrs.Factory(dict)
