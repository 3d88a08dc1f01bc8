"""Rows, and the reading and writing helpers, shared by the contract suites.

Every builder returns a valid row with fresh ids; keyword arguments override fields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from conezia.core.accounts import AuthProvider, User, UserToken
from conezia.core.activity import ActivityLog
from conezia.core.attachments import Attachment
from conezia.core.entities import Entity, Relationship
from conezia.core.identifiers import Identifier
from conezia.core.inbox import Notification
from conezia.core.organizing import EntityFilter, Group, Tag
from conezia.core.pagination import Page, PageRequest
from conezia.core.ports import UnitOfWork
from conezia.core.reminders import Reminder
from conezia.core.timeline import Communication, Conversation, Interaction

__all__ = [
    "EVERYTHING",
    "IST",
    "T0",
    "TAKEN",
    "Factory",
    "World",
    "a_conversation",
    "a_group",
    "a_message",
    "a_provider",
    "a_relationship",
    "a_reminder",
    "a_tag",
    "a_token",
    "a_user",
    "a_user_added",
    "add_all",
    "an_attachment",
    "an_entity",
    "an_entity_with_every_field",
    "an_identifier",
    "an_interaction",
    "at",
    "build_world",
    "insertion_order",
    "items",
    "listed",
    "names",
    "read",
    "repository_of",
    "walk",
    "write",
]

T = TypeVar("T")
Factory = Callable[[], UnitOfWork]

T0 = dt.datetime(2025, 3, 14, 15, 9, 26, 535_897, tzinfo=dt.UTC)
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
EVERYTHING = EntityFilter(archived=None)
TAKEN = ["has already been taken"]


def at(**delta: float) -> dt.datetime:
    return T0 + dt.timedelta(**delta)


# --- builders --------------------------------------------------------------


def a_user(email: str | None = None, **fields: Any) -> User:
    return User(
        id=uuid.uuid4(),
        email=email or f"{uuid.uuid4().hex[:12]}@example.com",
        inserted_at=fields.pop("inserted_at", T0),
        updated_at=fields.pop("updated_at", T0),
        **fields,
    )


def a_token(user: User, context: str = "session", **fields: Any) -> UserToken:
    return UserToken(
        id=uuid.uuid4(),
        user_id=user.id,
        token_hash=fields.pop("token_hash", os.urandom(32)),
        context=context,
        inserted_at=fields.pop("inserted_at", T0),
        **fields,
    )


def _owned(kind: Callable[..., T], user: User, **fields: Any) -> T:
    """A new row of ``kind`` of the user's, with a fresh id, at T0 unless ``fields`` say otherwise."""
    return kind(
        id=uuid.uuid4(),
        user_id=user.id,
        inserted_at=fields.pop("inserted_at", T0),
        updated_at=fields.pop("updated_at", T0),
        **fields,
    )


def a_provider(user: User, provider: str = "google", provider_uid: str | None = None, **fields: Any) -> AuthProvider:
    return _owned(AuthProvider, user, provider=provider, provider_uid=provider_uid or uuid.uuid4().hex, **fields)


def an_entity(owner: User, name: str = "Ada Lovelace", type: str = "person", **fields: Any) -> Entity:
    inserted_at = fields.pop("inserted_at", T0)
    return Entity(
        id=fields.pop("id", uuid.uuid4()),
        owner_id=owner.id,
        type=type,
        name=name,
        inserted_at=inserted_at,
        updated_at=fields.pop("updated_at", inserted_at),
        **fields,
    )


def an_entity_with_every_field(owner: User) -> Entity:
    """An entity whose every optional field is set, with values that are easy to get wrong."""
    return an_entity(
        owner,
        "Acme Ltd.",
        "organization",
        description="Line one\nLine two — with unicode ✓",
        avatar_url="https://example.com/acme.svg",
        metadata={"industry": "anvils", "employees": 42, "tags": ["b2b", None], "nested": {"ok": True}},
        last_interaction_at=dt.datetime(2025, 2, 1, 23, 59, 59, 999_999, tzinfo=IST),
        archived_at=at(days=3, microseconds=3),
        inserted_at=at(microseconds=1),
        updated_at=at(days=4, microseconds=4),
    )


def a_relationship(entity: Entity, **fields: Any) -> Relationship:
    inserted_at = fields.pop("inserted_at", T0)
    return Relationship(
        id=fields.pop("id", uuid.uuid4()),
        user_id=entity.owner_id,
        entity_id=entity.id,
        inserted_at=inserted_at,
        updated_at=fields.pop("updated_at", inserted_at),
        **fields,
    )


def an_identifier(entity: Entity, type: str = "email", **fields: Any) -> Identifier:
    if "value_encrypted" not in fields:
        fields.setdefault("value", f"{uuid.uuid4().hex[:8]}@example.com")
    inserted_at = fields.pop("inserted_at", T0)
    return Identifier(
        id=uuid.uuid4(),
        entity_id=entity.id,
        type=type,
        value_hash=fields.pop("value_hash", os.urandom(32).hex()),
        inserted_at=inserted_at,
        updated_at=fields.pop("updated_at", inserted_at),
        **fields,
    )


def a_tag(user: User, name: str, **fields: Any) -> Tag:
    return _owned(Tag, user, name=name, **fields)


def a_group(user: User, name: str, **fields: Any) -> Group:
    return _owned(Group, user, name=name, **fields)


def an_interaction(entity: Entity, **fields: Any) -> Interaction:
    inserted_at = fields.pop("inserted_at", T0)
    return Interaction(
        id=fields.pop("id", uuid.uuid4()),
        user_id=entity.owner_id,
        entity_id=entity.id,
        type=fields.pop("type", "call"),
        content=fields.pop("content", "We talked"),
        occurred_at=fields.pop("occurred_at", inserted_at),
        inserted_at=inserted_at,
        updated_at=fields.pop("updated_at", inserted_at),
        **fields,
    )


def a_reminder(user: User, title: str = "Call back", **fields: Any) -> Reminder:
    inserted_at = fields.pop("inserted_at", T0)
    return Reminder(
        id=fields.pop("id", uuid.uuid4()),
        user_id=user.id,
        type=fields.pop("type", "follow_up"),
        title=title,
        due_at=fields.pop("due_at", inserted_at + dt.timedelta(days=1)),
        inserted_at=inserted_at,
        updated_at=fields.pop("updated_at", inserted_at),
        **fields,
    )


def a_notification(reminder: Reminder, **fields: Any) -> Notification:
    """An entry of the reminder's user's in-app feed, for the reminder's current occurrence."""
    return Notification(
        id=fields.pop("id", uuid.uuid4()),
        user_id=reminder.user_id,
        reminder_id=reminder.id,
        kind=fields.pop("kind", "reminder"),
        title=fields.pop("title", reminder.title),
        due_at=fields.pop("due_at", reminder.due_at),
        inserted_at=fields.pop("inserted_at", T0),
        **fields,
    )


def a_conversation(entity: Entity, **fields: Any) -> Conversation:
    inserted_at = fields.pop("inserted_at", T0)
    return Conversation(
        id=fields.pop("id", uuid.uuid4()),
        user_id=entity.owner_id,
        entity_id=entity.id,
        channel=fields.pop("channel", "email"),
        inserted_at=inserted_at,
        updated_at=fields.pop("updated_at", inserted_at),
        **fields,
    )


def a_message(conversation: Conversation, **fields: Any) -> Communication:
    inserted_at = fields.pop("inserted_at", T0)
    return Communication(
        id=fields.pop("id", uuid.uuid4()),
        user_id=conversation.user_id,
        entity_id=conversation.entity_id,
        channel=fields.pop("channel", conversation.channel),
        direction=fields.pop("direction", "inbound"),
        content=fields.pop("content", "Hello"),
        sent_at=fields.pop("sent_at", inserted_at),
        inserted_at=inserted_at,
        updated_at=fields.pop("updated_at", inserted_at),
        conversation_id=fields.pop("conversation_id", conversation.id),
        **fields,
    )


def an_attachment(user: User, **fields: Any) -> Attachment:
    """A stored file's row (one parent at least, given as ``entity_id=...`` and the like)."""
    inserted_at = fields.pop("inserted_at", T0)
    content = fields.pop("content", b"%PDF-1.4\n")
    return Attachment(
        id=fields.pop("id", uuid.uuid4()),
        user_id=user.id,
        filename=fields.pop("filename", "minutes.pdf"),
        mime_type=fields.pop("mime_type", "application/pdf"),
        size_bytes=fields.pop("size_bytes", len(content)),
        storage_key=fields.pop("storage_key", f"{user.id}/{uuid.uuid4().hex}"),
        sha256=fields.pop("sha256", hashlib.sha256(content).hexdigest()),
        inserted_at=inserted_at,
        updated_at=fields.pop("updated_at", inserted_at),
        **fields,
    )


# --- reading and writing in committed units of work ------------------------


def repository_of(uow: UnitOfWork, row: object) -> Any:
    for kind, repository in (
        (User, uow.users),
        (UserToken, uow.tokens),
        (AuthProvider, uow.auth_providers),
        (Entity, uow.entities),
        (Relationship, uow.relationships),
        (Identifier, uow.identifiers),
        (Tag, uow.tags),
        (Group, uow.groups),
        (ActivityLog, uow.activity),
        (Interaction, uow.interactions),
        (Conversation, uow.conversations),
        (Communication, uow.communications),
        (Reminder, uow.reminders),
        (Notification, uow.notifications),
        (Attachment, uow.attachments),
    ):
        if isinstance(row, kind):
            return repository
    raise TypeError(f"no repository for {row!r}")


async def add_all(uow_factory: Factory, *rows: object) -> None:
    """Add the rows, in order, in one committed unit of work."""
    async with uow_factory() as uow:
        for row in rows:
            await repository_of(uow, row).add(row)
        await uow.commit()


async def written(uow: UnitOfWork, change: Awaitable[None]) -> None:
    """Make a change and commit it: a database adapter may send a write only with the commit,
    which then raises what the write broke (see :class:`~conezia.core.ports.UnitOfWork`)."""
    await change
    await uow.commit()


async def write(uow_factory: Factory, action: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run ``action`` in a unit of work and commit."""
    async with uow_factory() as uow:
        result = await action(uow)
        await uow.commit()
    return result


async def read(uow_factory: Factory, action: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run ``action`` in a unit of work that is not committed."""
    async with uow_factory() as uow:
        return await action(uow)


async def items(page: Awaitable[Page[T]]) -> list[T]:
    """The rows of a page, as a list."""
    return list((await page).items)


def names(rows: Page[Entity] | Any) -> list[str]:
    items = rows.items if isinstance(rows, Page) else rows
    return [row.name for row in items]


async def listed(uow_factory: Factory, owner: User, criteria: EntityFilter = EVERYTHING) -> list[str]:
    return names(await read(uow_factory, lambda uow: uow.entities.list(owner.id, criteria, PageRequest(limit=200))))


async def walk(fetch: Callable[[PageRequest], Awaitable[Page[T]]], limit: int) -> list[Page[T]]:
    """Every page, following ``next_cursor`` until there is none (failing on a cursor that repeats)."""
    pages: list[Page[T]] = []
    seen: set[str] = set()
    cursor: str | None = None
    while True:
        page = await fetch(PageRequest.parse(limit=limit, cursor=cursor))
        pages.append(page)
        if page.next_cursor is None:
            return pages
        assert page.next_cursor not in seen, "the cursor did not advance"
        seen.add(page.next_cursor)
        cursor = page.next_cursor


def insertion_order(rows: list[Entity]) -> list[str]:
    return [row.name for row in sorted(rows, key=lambda row: (row.inserted_at, row.id))]


async def a_user_added(uow_factory: Factory) -> User:
    user = a_user()
    await add_all(uow_factory, user)
    return user


class World:
    """One user with a row in every table, to check what a cascade leaves."""

    NOTHING: dict[str, Any] = {
        "user": None, "tokens": [None, None], "providers": [], "entities": [], "relationship": None,
        "identifiers": [], "tags": [], "groups": [], "entity_tags": [], "members": [],
    }

    def __init__(self, user: User) -> None:
        self.user = user
        self.tokens = [a_token(user, "session"), a_token(user, "confirm_email", sent_to=user.email)]
        self.provider = a_provider(user, provider_meta={"name": "A"})
        self.entity = an_entity(user, "Friend")
        self.relationship = a_relationship(self.entity, type="friend")
        self.identifier = an_identifier(self.entity)
        self.tag = a_tag(user, "close")
        self.group = a_group(user, "book club")

    def rows(self) -> list[object]:
        return [
            self.user, *self.tokens, self.provider, self.entity, self.relationship,
            self.identifier, self.tag, self.group,
        ]

    def everything(self) -> dict[str, Any]:
        return {
            "user": self.user, "tokens": self.tokens, "providers": [self.provider], "entities": [self.entity],
            "relationship": self.relationship, "identifiers": [self.identifier], "tags": [self.tag],
            "groups": [self.group], "entity_tags": [self.tag], "members": [self.entity],
        }

    async def visible(self, uow_factory: Factory) -> dict[str, Any]:
        user_id, entity_id = self.user.id, self.entity.id

        async def look(uow: UnitOfWork) -> dict[str, Any]:
            return {
                "user": await uow.users.get(user_id),
                "tokens": [await uow.tokens.get_by_hash(t.context, t.token_hash) for t in self.tokens],
                "providers": list(await uow.auth_providers.list_for_user(user_id)),
                "entities": list((await uow.entities.list(user_id, EVERYTHING, PageRequest())).items),
                "relationship": await uow.relationships.get_for_entity(user_id, entity_id),
                "identifiers": list(await uow.identifiers.find_by_hash(user_id, "email", self.identifier.value_hash)),
                "tags": list(await uow.tags.list(user_id)),
                "groups": list(await uow.groups.list(user_id)),
                "entity_tags": list(await uow.tags.for_entity(user_id, entity_id)),
                "members": list((await uow.groups.members(user_id, self.group.id, PageRequest())).items),
            }

        return await read(uow_factory, look)


async def build_world(uow_factory: Factory) -> World:
    world = World(a_user())
    await add_all(uow_factory, *world.rows())

    async def link(uow: UnitOfWork) -> None:
        await uow.tags.attach(world.user.id, world.entity.id, world.tag.id, T0)
        await uow.groups.add_member(world.user.id, world.group.id, world.entity.id, T0)

    await write(uow_factory, link)
    return world
