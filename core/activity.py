"""The activity log: one row per thing a user did, written in the transaction that did it (spec 6.2)."""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import uuid
from typing import Any, Final

import attrs

from .errors import INVALID
from .events import Event, Origin
from .shapes import CHOICE, DATETIME, OBJECT, TEXT, UUID, Field, Shape
from .validation import Changes

__all__ = [
    "ACTIONS",
    "ACTIVITY_LOG",
    "MAX_IP_ADDRESS_LENGTH",
    "MAX_USER_AGENT_LENGTH",
    "RESOURCE_TYPES",
    "ActivityFilter",
    "ActivityLog",
    "parse_activity_filter",
]

ACTIONS: Final = ("create", "update", "delete", "view", "export", "login", "logout", "import")
RESOURCE_TYPES: Final = (
    "entity", "relationship", "communication", "interaction", "reminder", "tag", "group", "attachment", "user",
)
MAX_IP_ADDRESS_LENGTH: Final = 45
MAX_USER_AGENT_LENGTH: Final = 512
ACTIVITY_LOG: Final = Shape("activity_logs", (
    Field("action", CHOICE, choices=ACTIONS, required=True, nullable=False, max_length=32, writable=False),
    Field("resource_type", CHOICE, choices=RESOURCE_TYPES, required=True, nullable=False, max_length=32,
          writable=False),
    Field("resource_id", UUID, writable=False),
    Field("metadata", OBJECT, nullable=False, writable=False,
          description="Names of the changed fields and ids of related rows; never values."),
    Field("ip_address", TEXT, max_length=MAX_IP_ADDRESS_LENGTH, writable=False),
    Field("user_agent", TEXT, max_length=MAX_USER_AGENT_LENGTH, writable=False,
          description="The client's User-Agent, cut to 512 characters."),
    Field("inserted_at", DATETIME, nullable=False, writable=False),
))


@functools.lru_cache(maxsize=1024)
def _address(value: str | None) -> str | None:
    """A textual IP address, or None for anything that is not one (it then never reaches the column).

    Remembered: a client sends many requests, and parsing an address costs more than the rest of a log row.
    """
    if not value:
        return None
    try:
        text = str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None
    return text if len(text) <= MAX_IP_ADDRESS_LENGTH else None


def _agent(value: str | None) -> str | None:
    if not value:
        return None
    cut = "".join(ch for ch in value[: MAX_USER_AGENT_LENGTH * 2] if ch.isprintable())
    return cut[:MAX_USER_AGENT_LENGTH] or None


@attrs.frozen
class ActivityLog:
    """One recorded action. Built from an event by the core, never from a caller's input."""

    id: uuid.UUID
    user_id: uuid.UUID
    action: str
    resource_type: str
    resource_id: uuid.UUID | None
    metadata: dict[str, Any]
    ip_address: str | None
    user_agent: str | None
    inserted_at: dt.datetime

    @classmethod
    def of(cls, event: Event, *, id: uuid.UUID, now: dt.datetime, origin: Origin | None) -> ActivityLog:
        """The row recording ``event``.

        Raises:
            ValueError: the event names an action or resource type the log does not know
                (a programming error: every event class and resource is declared in the core).
        """
        if event.ACTION not in ACTIONS:
            raise ValueError(f"unknown activity action {event.ACTION!r}")
        if event.resource_type not in RESOURCE_TYPES:
            raise ValueError(f"unknown activity resource type {event.resource_type!r}")
        return cls(
            id=id, user_id=event.user_id, action=event.ACTION, resource_type=event.resource_type,
            resource_id=event.resource_id, metadata=event.metadata(),
            ip_address=_address(origin.ip_address) if origin else None,
            user_agent=_agent(origin.user_agent) if origin else None,
            inserted_at=now,
        )


@attrs.frozen
class ActivityFilter:
    """Which of a user's log rows to read; every given criterion must hold."""

    resource_type: str | None = None
    resource_id: uuid.UUID | None = None
    action: str | None = None


def parse_activity_filter(params: object) -> ActivityFilter:
    """Read ``resource_type``, ``resource_id`` and ``action`` from untrusted query values (None: no filter).

    Raises:
        ValidationError: every failing field.
    """
    changes = Changes(params, ("resource_type", "resource_id", "action"))
    resource_type = changes.choice("resource_type", RESOURCE_TYPES)
    action = changes.choice("action", ACTIONS)
    raw_id = changes.string("resource_id", max_length=36, blank_to_none=True)
    resource_id = None
    if isinstance(raw_id, str):
        try:
            resource_id = uuid.UUID(raw_id)
        except ValueError:
            changes.add_error("resource_id", INVALID)
    changes.raise_if_invalid()
    return ActivityFilter(
        resource_type=resource_type if isinstance(resource_type, str) else None,
        resource_id=resource_id,
        action=action if isinstance(action, str) else None,
    )
