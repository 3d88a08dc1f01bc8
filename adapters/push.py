"""Push notifications: a logging adapter until a real provider exists, and a memory one for tests."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from typing import Final

import attrs

__all__ = ["LoggingPush", "MemoryPush", "PushMessage"]

_log: Final = logging.getLogger("conezia.push")


class LoggingPush:
    """Logs that a push would be sent, naming the user and the reminder by id only (never the title)."""

    async def send(self, user_id: uuid.UUID, *, reminder_id: uuid.UUID, title: str, due_at: dt.datetime) -> None:
        _log.info("push for user %s: reminder %s fell due at %s", user_id, reminder_id, due_at.isoformat())


@attrs.frozen
class PushMessage:
    user_id: uuid.UUID
    reminder_id: uuid.UUID
    title: str = attrs.field(repr=False)
    due_at: dt.datetime


class MemoryPush:
    """Keeps what it was asked to push, in order (tests, embedding)."""

    def __init__(self) -> None:
        self.messages: list[PushMessage] = []
        self._lock = threading.Lock()

    async def send(self, user_id: uuid.UUID, *, reminder_id: uuid.UUID, title: str, due_at: dt.datetime) -> None:
        with self._lock:
            self.messages.append(PushMessage(user_id, reminder_id, title, due_at))
