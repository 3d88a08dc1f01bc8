"""The timeline: interactions with entities, conversations, and their messages (communications)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import delete, get, patch, post
from litestar.params import FromPath

from conezia.core import services
from conezia.core.pagination import PageRequest

from ..bodies_timeline import (
    CommunicationCreate,
    ConversationCreate,
    ConversationUpdate,
    InteractionCreate,
    InteractionUpdate,
)
from ..openapi import body, errors
from ..schemas import out, out_page
from ..schemas_timeline import (
    CommunicationOut,
    CommunicationPage,
    ConversationOut,
    ConversationPage,
    InteractionOut,
    InteractionPage,
)
from ._common import AUTHENTICATED, NO_BODY, Core, CurrentUser, Cursor, Limit, query, raw

__all__ = ["ROUTES"]

INTERACTION_TAGS = ["interactions"]
CONVERSATION_TAGS = ["conversations"]

InteractionCreateBody = Annotated[Any, body(InteractionCreate)]
InteractionUpdateBody = Annotated[Any, body(InteractionUpdate)]
ConversationCreateBody = Annotated[Any, body(ConversationCreate)]
ConversationUpdateBody = Annotated[Any, body(ConversationUpdate)]
CommunicationCreateBody = Annotated[Any, body(CommunicationCreate)]
Archived = Annotated[
    str | None,
    query("`false` (default): live conversations; `true`: archived ones; `all`: both.",
          choices=services.CONVERSATION_ARCHIVED_CHOICES, max_length=5),
]
ID = FromPath[uuid.UUID]

# -- interactions ---------------------------------------------------------------------


@post(
    "/entities/{entity_id:uuid}/interactions", status_code=201, tags=INTERACTION_TAGS, summary="Log an interaction",
    responses=errors(*AUTHENTICATED, 404, 413, 422),
)
async def create_interaction(
    deps: Core, user: CurrentUser, entity_id: ID, data: InteractionCreateBody = NO_BODY
) -> InteractionOut:
    """Log a note, call, meeting, ... with the entity. A later `occurred_at` than its last
    interaction moves the entity's `last_interaction_at`, which resets its relationship's health clock."""
    return out(InteractionOut, await services.create_interaction(deps, user.id, entity_id, raw(data)))


@get(
    "/entities/{entity_id:uuid}/interactions", tags=INTERACTION_TAGS, summary="An entity's interactions",
    responses=errors(*AUTHENTICATED, 404, 422),
)
async def list_entity_interactions(
    deps: Core, user: CurrentUser, entity_id: ID, limit: Limit = None, cursor: Cursor = None
) -> InteractionPage:
    """The entity's interactions, newest first (by `occurred_at`)."""
    page = PageRequest.parse(limit=limit, cursor=cursor)
    return out_page(InteractionPage, await services.list_interactions(deps, user.id, entity_id, page))


@get("/interactions", tags=INTERACTION_TAGS, summary="List interactions", responses=errors(*AUTHENTICATED, 422))
async def list_interactions(deps: Core, user: CurrentUser, limit: Limit = None, cursor: Cursor = None) -> InteractionPage:
    """All your interactions, newest first (by `occurred_at`)."""
    page = PageRequest.parse(limit=limit, cursor=cursor)
    return out_page(InteractionPage, await services.list_interactions(deps, user.id, None, page))


@get(
    "/interactions/{interaction_id:uuid}", tags=INTERACTION_TAGS, summary="Show an interaction",
    responses=errors(*AUTHENTICATED, 404),
)
async def show_interaction(deps: Core, user: CurrentUser, interaction_id: ID) -> InteractionOut:
    """One of your interactions."""
    return out(InteractionOut, await services.get_interaction(deps, user.id, interaction_id))


@patch(
    "/interactions/{interaction_id:uuid}", status_code=200, tags=INTERACTION_TAGS, summary="Change an interaction",
    responses=errors(*AUTHENTICATED, 404, 413, 422),
)
async def update_interaction(
    deps: Core, user: CurrentUser, interaction_id: ID, data: InteractionUpdateBody = NO_BODY
) -> InteractionOut:
    """Change the fields sent; a new `occurred_at` or `entity_id` recomputes `last_interaction_at`."""
    return out(InteractionOut, await services.update_interaction(deps, user.id, interaction_id, raw(data)))


@delete(
    "/interactions/{interaction_id:uuid}", status_code=204, tags=INTERACTION_TAGS, summary="Delete an interaction",
    responses=errors(*AUTHENTICATED, 404),
)
async def delete_interaction(deps: Core, user: CurrentUser, interaction_id: ID) -> None:
    """Delete it; the entity's `last_interaction_at` is recomputed without it."""
    await services.delete_interaction(deps, user.id, interaction_id)


# -- conversations --------------------------------------------------------------------


@post(
    "/entities/{entity_id:uuid}/conversations", status_code=201, tags=CONVERSATION_TAGS,
    summary="Start a conversation", responses=errors(*AUTHENTICATED, 404, 413, 422),
)
async def create_conversation(
    deps: Core, user: CurrentUser, entity_id: ID, data: ConversationCreateBody = NO_BODY
) -> ConversationOut:
    """A thread of messages with the entity on one channel."""
    return out(ConversationOut, await services.create_conversation(deps, user.id, entity_id, raw(data)))


@get(
    "/entities/{entity_id:uuid}/conversations", tags=CONVERSATION_TAGS, summary="An entity's conversations",
    responses=errors(*AUTHENTICATED, 404, 422),
)
async def list_entity_conversations(
    deps: Core, user: CurrentUser, entity_id: ID, archived: Archived = None, limit: Limit = None,
    cursor: Cursor = None,
) -> ConversationPage:
    """The entity's conversations, oldest first."""
    page = PageRequest.parse(limit=limit, cursor=cursor)
    found = await services.list_conversations(deps, user.id, entity_id, services.parse_archived(archived), page)
    return out_page(ConversationPage, found)


@get(
    "/conversations", tags=CONVERSATION_TAGS, summary="List conversations", responses=errors(*AUTHENTICATED, 422),
)
async def list_conversations(
    deps: Core, user: CurrentUser, archived: Archived = None, limit: Limit = None, cursor: Cursor = None
) -> ConversationPage:
    """All your conversations, oldest first."""
    page = PageRequest.parse(limit=limit, cursor=cursor)
    found = await services.list_conversations(deps, user.id, None, services.parse_archived(archived), page)
    return out_page(ConversationPage, found)


@get(
    "/conversations/{conversation_id:uuid}", tags=CONVERSATION_TAGS, summary="Show a conversation",
    responses=errors(*AUTHENTICATED, 404),
)
async def show_conversation(deps: Core, user: CurrentUser, conversation_id: ID) -> ConversationOut:
    """One of your conversations."""
    return out(ConversationOut, await services.get_conversation(deps, user.id, conversation_id))


@patch(
    "/conversations/{conversation_id:uuid}", status_code=200, tags=CONVERSATION_TAGS,
    summary="Change a conversation", responses=errors(*AUTHENTICATED, 404, 413, 422),
)
async def update_conversation(
    deps: Core, user: CurrentUser, conversation_id: ID, data: ConversationUpdateBody = NO_BODY
) -> ConversationOut:
    """Change its subject."""
    return out(ConversationOut, await services.update_conversation(deps, user.id, conversation_id, raw(data)))


@post(
    "/conversations/{conversation_id:uuid}/archive", status_code=200, tags=CONVERSATION_TAGS,
    summary="Archive a conversation", responses=errors(*AUTHENTICATED, 404),
)
async def archive_conversation(deps: Core, user: CurrentUser, conversation_id: ID) -> ConversationOut:
    """Hide it from the default lists (idempotent)."""
    return out(ConversationOut, await services.archive_conversation(deps, user.id, conversation_id))


@post(
    "/conversations/{conversation_id:uuid}/unarchive", status_code=200, tags=CONVERSATION_TAGS,
    summary="Unarchive a conversation", responses=errors(*AUTHENTICATED, 404),
)
async def unarchive_conversation(deps: Core, user: CurrentUser, conversation_id: ID) -> ConversationOut:
    """Bring it back to the default lists (idempotent)."""
    return out(ConversationOut, await services.unarchive_conversation(deps, user.id, conversation_id))


@delete(
    "/conversations/{conversation_id:uuid}", status_code=204, tags=CONVERSATION_TAGS,
    summary="Delete a conversation", responses=errors(*AUTHENTICATED, 404),
)
async def delete_conversation(deps: Core, user: CurrentUser, conversation_id: ID) -> None:
    """Delete it; its messages stay, with `conversation_id` null."""
    await services.delete_conversation(deps, user.id, conversation_id)


# -- communications -------------------------------------------------------------------


@post(
    "/conversations/{conversation_id:uuid}/communications", status_code=201, tags=CONVERSATION_TAGS,
    summary="Record a message", responses=errors(*AUTHENTICATED, 404, 413, 422),
)
async def create_communication(
    deps: Core, user: CurrentUser, conversation_id: ID, data: CommunicationCreateBody = NO_BODY
) -> CommunicationOut:
    """A message sent or received in the conversation; it keeps the conversation's `last_message_at`
    and the entity's `last_interaction_at` current."""
    return out(CommunicationOut, await services.create_communication(deps, user.id, conversation_id, raw(data)))


@get(
    "/conversations/{conversation_id:uuid}/communications", tags=CONVERSATION_TAGS,
    summary="A conversation's messages", responses=errors(*AUTHENTICATED, 404, 422),
)
async def list_communications(
    deps: Core, user: CurrentUser, conversation_id: ID, limit: Limit = None, cursor: Cursor = None
) -> CommunicationPage:
    """The messages in the order they were sent (`sent_at`, then id)."""
    page = PageRequest.parse(limit=limit, cursor=cursor)
    return out_page(CommunicationPage, await services.list_messages(deps, user.id, conversation_id, page))


@get(
    "/communications/{communication_id:uuid}", tags=CONVERSATION_TAGS, summary="Show a message",
    responses=errors(*AUTHENTICATED, 404),
)
async def show_communication(deps: Core, user: CurrentUser, communication_id: ID) -> CommunicationOut:
    """One of your messages."""
    return out(CommunicationOut, await services.get_communication(deps, user.id, communication_id))


@post(
    "/communications/{communication_id:uuid}/read", status_code=200, tags=CONVERSATION_TAGS,
    summary="Mark a message read", responses=errors(*AUTHENTICATED, 404),
)
async def mark_communication_read(deps: Core, user: CurrentUser, communication_id: ID) -> CommunicationOut:
    """Sets `read_at` (kept if it was read already)."""
    return out(CommunicationOut, await services.mark_communication_read(deps, user.id, communication_id))


@post(
    "/communications/{communication_id:uuid}/unread", status_code=200, tags=CONVERSATION_TAGS,
    summary="Mark a message unread", responses=errors(*AUTHENTICATED, 404),
)
async def mark_communication_unread(deps: Core, user: CurrentUser, communication_id: ID) -> CommunicationOut:
    """Clears `read_at`."""
    return out(CommunicationOut, await services.mark_communication_unread(deps, user.id, communication_id))


@delete(
    "/communications/{communication_id:uuid}", status_code=204, tags=CONVERSATION_TAGS,
    summary="Delete a message", responses=errors(*AUTHENTICATED, 404),
)
async def delete_communication(deps: Core, user: CurrentUser, communication_id: ID) -> None:
    """Delete it; the conversation's last message and the entity's last interaction are recomputed."""
    await services.delete_communication(deps, user.id, communication_id)


ROUTES = [
    create_interaction, list_entity_interactions, list_interactions, show_interaction, update_interaction,
    delete_interaction, create_conversation, list_entity_conversations, list_conversations, show_conversation,
    update_conversation, archive_conversation, unarchive_conversation, delete_conversation, create_communication,
    list_communications, show_communication, mark_communication_read, mark_communication_unread,
    delete_communication,
]
