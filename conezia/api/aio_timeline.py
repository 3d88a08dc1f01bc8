"""The async embedding API's timeline (interactions, conversations, messages), part of
:class:`~conezia.api.aio_scope.AsyncUserScope`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Literal

from conezia.core import services
from conezia.core.deps import Deps
from conezia.core.pagination import Page, PageRequest
from conezia.core.timeline import Communication, Conversation, Interaction
from conezia.core.validation import UNSET, Unset

from .fields import given

__all__ = ["AsyncTimeline"]


class AsyncTimeline:
    """Interactions, conversations and messages of one user (mixed into the user scope)."""

    _deps: Deps
    _user_id: uuid.UUID

    # -- interactions ----------------------------------------------------------

    async def log_interaction(
        self,
        entity_id: uuid.UUID,
        *,
        type: str,
        content: str,
        title: str | None | Unset = UNSET,
        occurred_at: dt.datetime | str | Unset = UNSET,
    ) -> Interaction:
        """Log a note, call, meeting, ... with an entity (``occurred_at`` defaults to now); it moves the
        entity's ``last_interaction_at`` forward, which relationship health reads."""
        params = given(type=type, content=content, title=title, occurred_at=occurred_at)
        return await services.create_interaction(self._deps, self._user_id, entity_id, params)

    async def interaction(self, interaction_id: uuid.UUID) -> Interaction:
        """One interaction."""
        return await services.get_interaction(self._deps, self._user_id, interaction_id)

    async def interactions(
        self, entity_id: uuid.UUID | None = None, *, limit: int = 50, cursor: str | None = None
    ) -> Page[Interaction]:
        """One page of the user's interactions (with one entity, or all), newest first."""
        page = PageRequest.parse(limit, cursor)
        return await services.list_interactions(self._deps, self._user_id, entity_id, page)

    async def update_interaction(
        self,
        interaction_id: uuid.UUID,
        *,
        type: str | Unset = UNSET,
        content: str | Unset = UNSET,
        title: str | None | Unset = UNSET,
        occurred_at: dt.datetime | str | Unset = UNSET,
        entity_id: uuid.UUID | Unset = UNSET,
    ) -> Interaction:
        """Change the given fields; a new ``occurred_at`` or entity recomputes ``last_interaction_at``."""
        params = given(type=type, content=content, title=title, occurred_at=occurred_at, entity_id=entity_id)
        return await services.update_interaction(self._deps, self._user_id, interaction_id, params)

    async def delete_interaction(self, interaction_id: uuid.UUID) -> None:
        """Delete an interaction; its entity's ``last_interaction_at`` is recomputed."""
        await services.delete_interaction(self._deps, self._user_id, interaction_id)

    # -- conversations ---------------------------------------------------------

    async def start_conversation(
        self, entity_id: uuid.UUID, *, channel: str, subject: str | None | Unset = UNSET
    ) -> Conversation:
        """Open a conversation with an entity on a channel (internal, email, sms, whatsapp, telegram, phone)."""
        params = given(channel=channel, subject=subject)
        return await services.create_conversation(self._deps, self._user_id, entity_id, params)

    async def conversation(self, conversation_id: uuid.UUID) -> Conversation:
        """One conversation."""
        return await services.get_conversation(self._deps, self._user_id, conversation_id)

    async def conversations(
        self,
        entity_id: uuid.UUID | None = None,
        *,
        archived: bool | Literal["all"] = False,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Conversation]:
        """One page of the user's conversations (with one entity, or all), oldest first."""
        page = PageRequest.parse(limit, cursor)
        which = None if archived == "all" else bool(archived)
        return await services.list_conversations(self._deps, self._user_id, entity_id, which, page)

    async def update_conversation(
        self, conversation_id: uuid.UUID, *, subject: str | None | Unset = UNSET
    ) -> Conversation:
        """Change the subject."""
        return await services.update_conversation(self._deps, self._user_id, conversation_id, given(subject=subject))

    async def archive_conversation(self, conversation_id: uuid.UUID) -> Conversation:
        """Hide a conversation from the default lists."""
        return await services.archive_conversation(self._deps, self._user_id, conversation_id)

    async def unarchive_conversation(self, conversation_id: uuid.UUID) -> Conversation:
        """Bring an archived conversation back."""
        return await services.unarchive_conversation(self._deps, self._user_id, conversation_id)

    async def delete_conversation(self, conversation_id: uuid.UUID) -> None:
        """Delete a conversation; its messages stay, without one."""
        await services.delete_conversation(self._deps, self._user_id, conversation_id)

    # -- messages --------------------------------------------------------------

    async def record_message(
        self,
        conversation_id: uuid.UUID,
        *,
        direction: str,
        content: str,
        channel: str | Unset = UNSET,
        sent_at: dt.datetime | str | Unset = UNSET,
        read_at: dt.datetime | str | None | Unset = UNSET,
        external_id: str | None | Unset = UNSET,
        attachments: Sequence[Mapping[str, str]] | Unset = UNSET,
    ) -> Communication:
        """Record a message sent (outbound) or received (inbound) in a conversation; it keeps the
        conversation's ``last_message_at`` and the entity's ``last_interaction_at`` current."""
        params = given(
            direction=direction, content=content, channel=channel, sent_at=sent_at, read_at=read_at,
            external_id=external_id, attachments=attachments if isinstance(attachments, Unset) else list(attachments),
        )
        return await services.create_communication(self._deps, self._user_id, conversation_id, params)

    async def message(self, communication_id: uuid.UUID) -> Communication:
        """One message."""
        return await services.get_communication(self._deps, self._user_id, communication_id)

    async def messages(
        self, conversation_id: uuid.UUID, *, limit: int = 50, cursor: str | None = None
    ) -> Page[Communication]:
        """One page of a conversation's messages, in the order they were sent."""
        page = PageRequest.parse(limit, cursor)
        return await services.list_messages(self._deps, self._user_id, conversation_id, page)

    async def mark_read(self, communication_id: uuid.UUID) -> Communication:
        """Mark a message read (it keeps the first ``read_at``)."""
        return await services.mark_communication_read(self._deps, self._user_id, communication_id)

    async def mark_unread(self, communication_id: uuid.UUID) -> Communication:
        """Mark a message unread."""
        return await services.mark_communication_unread(self._deps, self._user_id, communication_id)

    async def delete_message(self, communication_id: uuid.UUID) -> None:
        """Delete a message; the conversation's and entity's latest times are recomputed."""
        await services.delete_communication(self._deps, self._user_id, communication_id)
