"""Mailers. Conezia sends no mail itself yet: messages (tokens, due reminders) go to an outbox for a relay to pick up."""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from email.message import EmailMessage
from pathlib import Path

import attrs

__all__ = ["FileOutbox", "MemoryOutbox", "OutboxMessage"]


@attrs.frozen
class OutboxMessage:
    """A message as the memory outbox keeps it: a token's, or a reminder's (``reminder_id``, ``title``, ``due_at``)."""

    kind: str
    to: str = attrs.field(repr=False)
    token: str = attrs.field(default="", repr=False)
    reminder_id: uuid.UUID | None = None
    title: str | None = attrs.field(default=None, repr=False)
    due_at: dt.datetime | None = None


class MemoryOutbox:
    """Keeps messages in a list (tests, embedding)."""

    def __init__(self) -> None:
        self.messages: list[OutboxMessage] = []
        self._lock = threading.Lock()

    def send_email_confirmation(self, to: str, token: str) -> None:
        with self._lock:
            self.messages.append(OutboxMessage("confirm_email", to, token))

    def send_password_reset(self, to: str, token: str) -> None:
        with self._lock:
            self.messages.append(OutboxMessage("reset_password", to, token))

    def send_reminder(self, to: str, *, reminder_id: uuid.UUID, title: str, due_at: dt.datetime) -> None:
        with self._lock:
            self.messages.append(OutboxMessage("reminder", to, reminder_id=reminder_id, title=title, due_at=due_at))

    def last(self, kind: str, to: str) -> OutboxMessage | None:
        with self._lock:
            for message in reversed(self.messages):
                if message.kind == kind and message.to == to:
                    return message
        return None


class FileOutbox:
    """Writes each message as an RFC 5322 ``.eml`` file, readable only by the owner.

    The tokens they carry are secrets: they go to these files, never to logs.
    """

    def __init__(self, directory: Path, *, sender: str = "Conezia <no-reply@localhost>") -> None:
        self.directory = directory
        self.sender = sender

    def _write(self, kind: str, to: str, subject: str, body: str, *, headers: dict[str, str] | None = None) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(body)
        name = f"{os.urandom(8).hex()}-{kind}.eml"
        fd = os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(bytes(message))

    def send_email_confirmation(self, to: str, token: str) -> None:
        self._write("confirm_email", to, "Confirm your email address",
                    f"Confirm your Conezia email address within 24 hours with this token:\n\n{token}\n\n"
                    "POST it to /api/v1/auth/confirm-email as {\"token\": \"...\"}.\n")

    def send_password_reset(self, to: str, token: str) -> None:
        self._write("reset_password", to, "Reset your password",
                    f"Reset your Conezia password within one hour with this token:\n\n{token}\n\n"
                    "POST it with a new password to /api/v1/auth/password-reset/confirm\n"
                    "If you did not ask for this, ignore this message.\n")

    def send_reminder(self, to: str, *, reminder_id: uuid.UUID, title: str, due_at: dt.datetime) -> None:
        # the title is the user's own text, mailed to them only: it goes in the body, never in a header
        self._write("reminder", to, "A reminder is due",
                    f"Your reminder is due ({due_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC):\n\n{title}\n\n"
                    f"See it at GET /api/v1/reminders/{reminder_id}\n",
                    headers={"X-Conezia-Reminder": str(reminder_id)})
