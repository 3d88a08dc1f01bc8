"""Conversation and communication (message) use-cases.

A message keeps its conversation's ``last_message_at`` and its entity's
``last_interaction_at`` current (see :mod:`.timeline`); deleting one recomputes both.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Final

from ..attachments import Parents
from ..deps import Deps
from ..events import Created, Deleted
from ..pagination import Page, PageRequest
from ..ports import UnitOfWork
from ..timeline import Communication, Conversation
from ..validation import Changes
from .attachments import forget_with_parent, remove_files
from .owned import COMMUNICATIONS, CONVERSATIONS, ENTITIES
from .timeline import refresh_last_interaction, touch_last_interaction

__all__ = [
    "CONVERSATION_ARCHIVED_CHOICES",
    "archive_conversation",
    "create_communication",
    "create_conversation",
    "delete_communication",
    "delete_conversation",
    "get_communication",
    "get_conversation",
    "list_conversations",
    "list_messages",
    "mark_communication_read",
    "mark_communication_unread",
    "parse_archived",
    "unarchive_conversation",
    "update_conversation",
]

CONVERSATION_ARCHIVED_CHOICES: Final = ("false", "true", "all")


def parse_archived(value: object) -> bool | None:
    """``archived``: ``false`` (the default, live only), ``true`` (archived only) or ``all`` (None).

    Raises:
        ValidationError: on ``archived`` for any other value.
    """
    changes = Changes({} if value is None else {"archived": value}, ("archived",))
    raw = changes.choice("archived", CONVERSATION_ARCHIVED_CHOICES)
    changes.raise_if_invalid()
    return {"true": True, "all": None}.get(raw, False) if isinstance(raw, str) else False


async def create_conversation(deps: Deps, user_id: uuid.UUID, entity_id: uuid.UUID, params: object) -> Conversation:
    """Open a conversation with one of the user's entities on a channel.

    Raises:
        ValidationError: every failing field.
        NotFoundError: the entity is not the user's.
    """
    conversation = Conversation.create(
        params, id=deps.ids.new_id(), user_id=user_id, entity_id=entity_id, now=deps.clock.now()
    )
    async with deps.uow() as uow:
        await ENTITIES.load(uow, user_id, entity_id)
        await uow.conversations.add(conversation)
        CONVERSATIONS.record(uow, Created, user_id, conversation)
        await uow.commit()
    return conversation


async def get_conversation(deps: Deps, user_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation:
    return await CONVERSATIONS.get(deps, user_id, conversation_id)


async def list_conversations(
    deps: Deps,
    user_id: uuid.UUID,
    entity_id: uuid.UUID | None = None,
    archived: bool | None = False,
    page: PageRequest | None = None,
) -> Page[Conversation]:
    """The user's conversations (with one entity, or all), oldest first.

    Raises:
        NotFoundError: ``entity_id`` is not the user's.
    """
    async with deps.uow() as uow:
        found = await uow.conversations.list(user_id, entity_id, archived, page or PageRequest())
        return await ENTITIES.check_page(uow, user_id, entity_id, found)


async def update_conversation(
    deps: Deps, user_id: uuid.UUID, conversation_id: uuid.UUID, params: object
) -> Conversation:
    return await CONVERSATIONS.change(deps, user_id, conversation_id, lambda c, now: c.update(params, now=now))


async def archive_conversation(deps: Deps, user_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation:
    """Idempotent; an archived conversation still takes messages."""
    return await CONVERSATIONS.change(deps, user_id, conversation_id, Conversation.archive, operation="archive")


async def unarchive_conversation(deps: Deps, user_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation:
    return await CONVERSATIONS.change(deps, user_id, conversation_id, Conversation.unarchive, operation="unarchive")


async def delete_conversation(deps: Deps, user_id: uuid.UUID, conversation_id: uuid.UUID) -> None:
    """Delete a conversation; its messages stay, without one (ON DELETE SET NULL)."""
    await CONVERSATIONS.delete(deps, user_id, conversation_id)


async def create_communication(
    deps: Deps, user_id: uuid.UUID, conversation_id: uuid.UUID, params: object
) -> Communication:
    """Record a message in one of the user's conversations (``sent_at`` defaults to now).

    It moves the conversation's ``last_message_at`` and the entity's
    ``last_interaction_at`` forward, in the same unit of work.

    Raises:
        ValidationError: every failing field.
        NotFoundError: the conversation is not the user's.
    """
    now = deps.clock.now()
    async with deps.uow() as uow:
        # the entity is locked before the conversation, in the order an entity's deletion locks them
        entity_id = (await CONVERSATIONS.load(uow, user_id, conversation_id)).entity_id
        entity = await ENTITIES.load(uow, user_id, entity_id, for_update=True)
        conversation = await CONVERSATIONS.load(uow, user_id, conversation_id, for_update=True)
        message = Communication.create(params, id=deps.ids.new_id(), conversation=conversation, now=now)
        await uow.communications.add(message)
        COMMUNICATIONS.record(uow, Created, user_id, message)
        if conversation.last_message_at is None or message.sent_at > conversation.last_message_at:
            await _set_last_message(uow, user_id, conversation, message.sent_at, now)
        await touch_last_interaction(uow, user_id, entity, message.sent_at, now, communication_id=message.id)
        await uow.commit()
    return message


async def _set_last_message(
    uow: UnitOfWork, user_id: uuid.UUID, conversation: Conversation, at: dt.datetime | None, now: dt.datetime
) -> None:
    conversation.last_message_at = at
    conversation.updated_at = now
    await uow.conversations.update(conversation)
    CONVERSATIONS.record_change(uow, user_id, conversation, ("last_message_at",))


async def get_communication(deps: Deps, user_id: uuid.UUID, communication_id: uuid.UUID) -> Communication:
    return await COMMUNICATIONS.get(deps, user_id, communication_id)


async def list_messages(
    deps: Deps, user_id: uuid.UUID, conversation_id: uuid.UUID, page: PageRequest | None = None
) -> Page[Communication]:
    """A conversation's messages in the order they were sent: (sent_at, id).

    Raises:
        NotFoundError: the conversation is not the user's.
    """
    async with deps.uow() as uow:
        found = await uow.communications.list_for_conversation(user_id, conversation_id, page or PageRequest())
        return await CONVERSATIONS.check_page(uow, user_id, conversation_id, found)


async def mark_communication_read(deps: Deps, user_id: uuid.UUID, communication_id: uuid.UUID) -> Communication:
    """Idempotent: a message read already keeps its ``read_at``."""
    return await COMMUNICATIONS.change(
        deps, user_id, communication_id, Communication.mark_read, operation="mark_read"
    )


async def mark_communication_unread(deps: Deps, user_id: uuid.UUID, communication_id: uuid.UUID) -> Communication:
    return await COMMUNICATIONS.change(
        deps, user_id, communication_id, Communication.mark_unread, operation="mark_unread"
    )


async def delete_communication(deps: Deps, user_id: uuid.UUID, communication_id: uuid.UUID) -> None:
    """Delete a message; its conversation's last message and its entity's last interaction are recomputed."""
    now = deps.clock.now()
    async with deps.uow() as uow:
        # entity, then conversation, then message: the order an entity's deletion locks them
        entity_id = (await COMMUNICATIONS.load(uow, user_id, communication_id)).entity_id
        await ENTITIES.load(uow, user_id, entity_id, for_update=True)
        message = await COMMUNICATIONS.load(uow, user_id, communication_id)
        conversation = None
        if message.conversation_id is not None:
            conversation = await uow.conversations.get(user_id, message.conversation_id, for_update=True)
        await COMMUNICATIONS.load(uow, user_id, communication_id, for_update=True)
        keys = await forget_with_parent(uow, user_id, Parents(communication_id=communication_id))
        await uow.communications.delete(user_id, communication_id)
        COMMUNICATIONS.record(uow, Deleted, user_id, message)
        if conversation is not None:
            latest = await uow.communications.latest_for_conversation(user_id, conversation.id)
            if latest != conversation.last_message_at:
                await _set_last_message(uow, user_id, conversation, latest, now)
        await refresh_last_interaction(uow, user_id, {message.entity_id}, now, communication_id=message.id)
        await uow.commit()
    await remove_files(deps, keys)

