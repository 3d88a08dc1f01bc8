"""Domain events: what happened to which resource of which user, recorded on the unit of work.

Use-cases record events (``uow.record(Updated(...))``); when the unit of work
commits, the :class:`~conezia.core.messagebus.MessageBus` hands them to the
handlers the composition root subscribed: the activity log inside the same
transaction, the forgetting of remembered sessions after it.

Events carry names and ids, never values: ``Updated.fields`` names the fields
that changed, and ``details`` may name related rows (``{"tag_id": ...}``) or
categories (``{"identifier_type": "ssn"}``), but never what a user typed.

Where a request came from (its address and user agent) is not the use-case's
business; the HTTP adapter sets it for the duration of a request with
:func:`origin`, and the activity log reads it with :func:`current_origin`.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar, Final

import attrs

__all__ = [
    "BOOKKEEPING",
    "AccountDeleted",
    "Created",
    "Deleted",
    "Event",
    "Exported",
    "Imported",
    "LoggedIn",
    "LoggedOut",
    "LoginFailed",
    "Origin",
    "Updated",
    "Viewed",
    "changed_fields",
    "current_origin",
    "origin",
]


def _frozen_details(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return dict(value or {})


@attrs.frozen(kw_only=True)
class Event:
    """Something that happened to one of a user's resources.

    Attributes:
        user_id: whose resource it is (and who did it: every request acts for its own user).
        resource_type: what kind of resource (one of ``core.activity.RESOURCE_TYPES``).
        resource_id: which one, if it has an id.
        details: ids and categories that say more, never values typed by a user.
    """

    ACTION: ClassVar[str]

    user_id: uuid.UUID
    resource_type: str
    resource_id: uuid.UUID | None = None
    details: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_details)

    def metadata(self) -> dict[str, Any]:
        """What the activity log stores about the event (JSON-ready)."""
        return {key: str(value) if isinstance(value, uuid.UUID) else value for key, value in self.details.items()}


@attrs.frozen(kw_only=True)
class Created(Event):
    ACTION: ClassVar[str] = "create"


@attrs.frozen(kw_only=True)
class Updated(Event):
    """A change; ``fields`` names what changed (for an explicit operation, ``details["operation"]`` too)."""

    ACTION: ClassVar[str] = "update"
    fields: tuple[str, ...] = ()

    def metadata(self) -> dict[str, Any]:
        return {**super().metadata(), "fields": list(self.fields)}


@attrs.frozen(kw_only=True)
class Deleted(Event):
    ACTION: ClassVar[str] = "delete"


@attrs.frozen(kw_only=True)
class AccountDeleted(Deleted):
    """The user deleted their account, and with it everything they owned (their log included)."""


@attrs.frozen(kw_only=True)
class Viewed(Event):
    """A sensitive value was revealed to its owner."""

    ACTION: ClassVar[str] = "view"


@attrs.frozen(kw_only=True)
class Exported(Event):
    ACTION: ClassVar[str] = "export"


@attrs.frozen(kw_only=True)
class Imported(Event):
    ACTION: ClassVar[str] = "import"


@attrs.frozen(kw_only=True)
class LoggedIn(Event):
    ACTION: ClassVar[str] = "login"

    def metadata(self) -> dict[str, Any]:
        return {**super().metadata(), "outcome": "succeeded"}


@attrs.frozen(kw_only=True)
class LoginFailed(Event):
    """A wrong password for a known account (an unknown address has no user to record it for)."""

    ACTION: ClassVar[str] = "login"

    def metadata(self) -> dict[str, Any]:
        return {**super().metadata(), "outcome": "failed"}


@attrs.frozen(kw_only=True)
class LoggedOut(Event):
    ACTION: ClassVar[str] = "logout"


# stored attributes that hold a field's value in another form: a change to one is a change of the field
_FIELD_OF: Final = {
    "value_hash": "value", "value_encrypted": "value", "hashed_password": "password",
    "provider_token": "provider_token", "provider_refresh_token": "provider_refresh_token",
}
BOOKKEEPING: Final = frozenset({"updated_at"})
"""Attributes a change sets whatever it changes: not changed fields of their own."""


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    """The names of the fields whose values differ, sorted; bookkeeping timestamps left out."""
    names = {
        _FIELD_OF.get(name, name)
        for name, value in after.items()
        # the same object is the same value, and most fields are left as they were: no comparison
        if name not in BOOKKEEPING and (old := before.get(name, _ABSENT)) is not value and old != value
    }
    return tuple(sorted(names))


_ABSENT: Final = object()


@attrs.frozen
class Origin:
    """Where the current call came from, as the adapter that received it saw it.

    Attributes:
        ip_address: the client's address (behind a trusted proxy, the address it forwarded).
        user_agent: the client's User-Agent header.
    """

    ip_address: str | None = None
    user_agent: str | None = None


_ORIGIN: Final = contextvars.ContextVar[Origin | None]("conezia_origin", default=None)


def current_origin() -> Origin | None:
    """The origin of the call being served, if an adapter set one."""
    return _ORIGIN.get()


class origin:  # a class named as the function it replaces: ``with origin(value): ...``
    """Serve the calls made inside the block as coming from ``value``.

    A class rather than a generator-based context manager: the HTTP guard enters
    one per request, and this costs a fraction of what ``contextlib`` does.
    """

    __slots__ = ("_token", "_value")
    _token: contextvars.Token[Origin | None]

    def __init__(self, value: Origin | None) -> None:
        self._value = value

    def __enter__(self) -> None:
        self._token = _ORIGIN.set(self._value)

    def __exit__(self, *exc_info: object) -> None:
        _ORIGIN.reset(self._token)
