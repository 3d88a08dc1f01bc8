"""The owned resources, each described once for the parametrized contract suite.

A resource is a table whose rows belong to one user. The suite in
``test_owned_resources.py`` checks every entry of :data:`RESOURCES` for owner
isolation, unknown ids, unique keys, CHECK rules and nothing-written-on-error;
a new owned table adds one entry here (and keeps its own rules in its port's suite).
:data:`LINKS` does the same for the tables linking an entity to a parent row, for
``test_links.py``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import attrs

from conezia.core.accounts import User
from conezia.core.attachments import Parents
from conezia.core.entities import ONE_RELATIONSHIP
from conezia.core.errors import ConflictError, ValidationError
from conezia.core.identifiers import SECOND_PRIMARY
from conezia.core.pagination import PageRequest
from conezia.core.ports import UnitOfWork

from .builders import (
    EVERYTHING,
    TAKEN,
    a_conversation,
    a_group,
    a_message,
    a_notification,
    a_provider,
    a_relationship,
    a_reminder,
    a_tag,
    an_attachment,
    an_entity,
    an_identifier,
    an_interaction,
    at,
    items,
)

__all__ = ["LINKS", "RESOURCES", "Link", "Owned", "Unique", "named"]

Row = Any
Read = Callable[[UnitOfWork, uuid.UUID, Row], Awaitable[Any]]


@attrs.frozen
class Unique:
    """A unique key other than the id, and how the backends refuse a second row with it.

    Attributes:
        collide: gives ``second`` the key of ``first`` (changes ``second`` only).
        error: the error class raised, exactly (a ConflictError, or a ValidationError
            where the clash is with the row's own siblings).
        errors: the error's ``errors``.
        updatable: whether an update can move a row onto the key (the suite then checks that too).
    """

    collide: Callable[[Row, Row], None]
    error: type[ValidationError]
    errors: dict[str, list[str]]
    updatable: bool = True


@attrs.frozen
class Owned:
    """How to make, fetch, list, change and delete one owned resource.

    Attributes:
        name: the test id.
        make: the ``n``-th row of a user, after the rows it needs (e.g. its entity): ``(needs, row)``.
        get: the row read back by its id, as the given user (None when absent).
        listing: as the given user, the rows listed where ``row`` would appear.
        change: a valid change to a row, in place.
        delete: delete the row by its id, as the given user; whether there was one.
        unique: the resource's unique key, if it has one besides the id.
        invalid: breaks a CHECK rule of the row in place; returns the field named by the error.
        table: the table's name, which is also its shape's (``conezia.core.shapes``).
        bounded: a text field whose length limit is a varchar's.
        by_name: for a resource listed by name, a row of that name (``by_name(user, name, **fields)``).
    """

    name: str
    table: str
    bounded: str
    make: Callable[[User, int], tuple[Sequence[object], Row]]
    get: Read
    listing: Read
    change: Callable[[Row], None]
    delete: Read
    unique: Unique | None
    invalid: Callable[[Row], str]
    by_name: Callable[..., Row] | None = None


def _set(**values: Any) -> Callable[[Row], str]:
    """Sets ``values``; the first one names the field."""

    def apply(row: Row) -> str:
        for field, value in values.items():
            setattr(row, field, value)
        return next(iter(values))

    return apply


def _changed(row: Row, **values: Any) -> None:
    for field, value in values.items():
        setattr(row, field, value)
    row.updated_at = at(days=7, microseconds=7)


def _same(*fields: str) -> Callable[[Row, Row], None]:
    def collide(first: Row, second: Row) -> None:
        for field in fields:
            setattr(second, field, getattr(first, field))

    return collide


def _entity(user: User, n: int) -> tuple[Sequence[object], Row]:
    return [], an_entity(user, f"entity {n}", inserted_at=at(seconds=n))


def _relationship(user: User, n: int) -> tuple[Sequence[object], Row]:
    entity = an_entity(user, f"related {n}")
    return [entity], a_relationship(entity, inserted_at=at(seconds=n))


def _identifier(user: User, n: int) -> tuple[Sequence[object], Row]:
    entity = an_entity(user, f"identified {n}")
    return [entity], an_identifier(entity, "email", is_primary=True, inserted_at=at(seconds=n))


def _interaction(user: User, n: int) -> tuple[Sequence[object], Row]:
    entity = an_entity(user, f"met {n}")
    return [entity], an_interaction(entity, inserted_at=at(seconds=n))


def _conversation(user: User, n: int) -> tuple[Sequence[object], Row]:
    entity = an_entity(user, f"talked to {n}")
    return [entity], a_conversation(entity, inserted_at=at(seconds=n))


def _message(user: User, n: int) -> tuple[Sequence[object], Row]:
    entity = an_entity(user, f"wrote to {n}")
    conversation = a_conversation(entity)
    return [entity, conversation], a_message(conversation, inserted_at=at(seconds=n), attachments=[
        {"id": str(uuid.uuid4()), "filename": f"notes {n}.pdf", "mime_type": "application/pdf"},
    ])
def _reminder(user: User, n: int) -> tuple[Sequence[object], Row]:
    entity = an_entity(user, f"reminded of {n}")
    return [entity], a_reminder(user, f"reminder {n}", entity_id=entity.id, inserted_at=at(seconds=n))


def _notification(user: User, n: int) -> tuple[Sequence[object], Row]:
    reminder = a_reminder(user, f"notified of {n}")
    return [reminder], a_notification(reminder, inserted_at=at(seconds=n))


def _read(row: Row) -> None:
    row.title = "Read"
    row.read_at = at(days=1, microseconds=1)
def _attachment(user: User, n: int) -> tuple[Sequence[object], Row]:
    entity = an_entity(user, f"filed {n}")
    interaction = an_interaction(entity)
    return [entity, interaction], an_attachment(
        user, entity_id=entity.id, interaction_id=interaction.id, filename=f"file {n}.pdf", inserted_at=at(seconds=n),
    )


RESOURCES: tuple[Owned, ...] = (
    Owned(
        name="entity",
        table="entities",
        bounded="name",
        make=_entity,
        get=lambda uow, user_id, row: uow.entities.get(user_id, row.id),
        listing=lambda uow, user_id, row: items(uow.entities.list(user_id, EVERYTHING, PageRequest(limit=200))),
        change=lambda row: _changed(row, name="Renamed", description="changed"),
        delete=lambda uow, user_id, row: uow.entities.delete(user_id, row.id),
        unique=None,
        invalid=_set(type="robot"),
    ),
    Owned(
        name="relationship",
        table="relationships",
        bounded="type",
        make=_relationship,
        get=lambda uow, user_id, row: uow.relationships.get(user_id, row.id),
        listing=lambda uow, user_id, row: items(uow.relationships.list(user_id, PageRequest(limit=200))),
        change=lambda row: _changed(row, status="inactive", notes="changed"),
        delete=lambda uow, user_id, row: uow.relationships.delete(user_id, row.id),
        unique=Unique(_same("entity_id"), ConflictError, {"entity_id": [ONE_RELATIONSHIP]}),
        invalid=_set(status="x"),
    ),
    Owned(
        name="identifier",
        table="identifiers",
        bounded="label",
        make=_identifier,
        get=lambda uow, user_id, row: uow.identifiers.get(user_id, row.id),
        listing=lambda uow, user_id, row: uow.identifiers.list_for_entity(user_id, row.entity_id),
        change=lambda row: _changed(row, label="work", value="changed@example.com"),
        delete=lambda uow, user_id, row: uow.identifiers.delete(user_id, row.id),
        # one primary per (entity, type): a rule about the entity's own rows, so not a conflict. An
        # identifier never moves to another entity; test_identifiers.py makes a sibling primary instead.
        unique=Unique(
            _same("entity_id", "type"), ValidationError, {"is_primary": [SECOND_PRIMARY]}, updatable=False
        ),
        invalid=_set(type="fax"),
    ),
    Owned(
        name="tag",
        table="tags",
        bounded="name",
        make=lambda user, n: ([], a_tag(
            user, f"tag {n} ✓", color="purple", description="People I call weekly",
            inserted_at=at(seconds=n, microseconds=5), updated_at=at(days=1, microseconds=6),
        )),
        get=lambda uow, user_id, row: uow.tags.get(user_id, row.id),
        listing=lambda uow, user_id, row: uow.tags.list(user_id),
        change=lambda row: _changed(row, name="renamed", color="red", description="changed"),
        delete=lambda uow, user_id, row: uow.tags.delete(user_id, row.id),
        unique=Unique(_same("name"), ConflictError, {"name": TAKEN}),
        invalid=_set(color="mauve"),
        by_name=a_tag,
    ),
    Owned(
        name="group",
        table="groups",
        bounded="name",
        # a smart group, so that its rules make the round trip; the change makes it a manual one
        make=lambda user, n: ([], a_group(
            user, f"group {n} ✓", description="Rule based ✓", is_smart=True,
            rules={"type": ["person"], "relationship_status": ["active"], "last_interaction_days": 30},
            inserted_at=at(seconds=n, microseconds=8), updated_at=at(days=1, microseconds=9),
        )),
        get=lambda uow, user_id, row: uow.groups.get(user_id, row.id),
        listing=lambda uow, user_id, row: uow.groups.list(user_id),
        change=lambda row: _changed(row, name="renamed", description="changed", is_smart=False, rules=None),
        delete=lambda uow, user_id, row: uow.groups.delete(user_id, row.id),
        unique=Unique(_same("name"), ConflictError, {"name": TAKEN}),
        invalid=_set(rules=None, is_smart=True),
        by_name=a_group,
    ),
    Owned(
        name="auth provider",
        table="auth_providers",
        bounded="provider_uid",
        make=lambda user, n: ([], a_provider(user, "google", f"uid-{n}-{uuid.uuid4().hex}", inserted_at=at(seconds=n))),
        get=lambda uow, user_id, row: uow.auth_providers.get(user_id, row.id),
        listing=lambda uow, user_id, row: uow.auth_providers.list_for_user(user_id),
        change=lambda row: _changed(row, provider_token=b"rotated", provider_meta={"rotated": True}),
        delete=lambda uow, user_id, row: uow.auth_providers.delete(user_id, row.id),
        unique=Unique(_same("provider", "provider_uid"), ConflictError, {"provider_uid": TAKEN}),
        invalid=_set(provider="myspace"),
    ),
    Owned(
        name="interaction",
        table="interactions",
        bounded="title",
        make=_interaction,
        get=lambda uow, user_id, row: uow.interactions.get(user_id, row.id),
        listing=lambda uow, user_id, row: items(uow.interactions.list(user_id, None, PageRequest(limit=200))),
        change=lambda row: _changed(row, type="meeting", content="changed", title="Lunch", occurred_at=at(days=1)),
        delete=lambda uow, user_id, row: uow.interactions.delete(user_id, row.id),
        unique=None,
        invalid=_set(type="telepathy"),
    ),
    Owned(
        name="conversation",
        table="conversations",
        bounded="subject",
        make=_conversation,
        get=lambda uow, user_id, row: uow.conversations.get(user_id, row.id),
        listing=lambda uow, user_id, row: items(uow.conversations.list(user_id, None, None, PageRequest(limit=200))),
        change=lambda row: _changed(row, subject="changed", is_archived=True, last_message_at=at(days=2)),
        delete=lambda uow, user_id, row: uow.conversations.delete(user_id, row.id),
        unique=None,
        invalid=_set(channel="pigeon"),
    ),
    Owned(
        name="communication",
        table="communications",
        bounded="external_id",
        make=_message,
        get=lambda uow, user_id, row: uow.communications.get(user_id, row.id),
        listing=lambda uow, user_id, row: items(
            uow.communications.list_for_conversation(user_id, row.conversation_id, PageRequest(limit=200))
        ),
        change=lambda row: _changed(row, read_at=at(days=1), content="changed", attachments=[]),
        delete=lambda uow, user_id, row: uow.communications.delete(user_id, row.id),
        unique=None,
        invalid=_set(direction="sideways"),
    ),
    Owned(
        name="reminder",
        table="reminders",
        bounded="title",
        make=_reminder,
        get=lambda uow, user_id, row: uow.reminders.get(user_id, row.id),
        listing=lambda uow, user_id, row: items(uow.reminders.list(user_id, PageRequest(limit=200))),
        change=lambda row: _changed(row, title="Call back later", snoozed_until=at(days=2), notification_channels=["email"]),
        delete=lambda uow, user_id, row: uow.reminders.delete(user_id, row.id),
        unique=None,
        invalid=_set(notification_channels=["in_app", "fax"]),
    ),
    Owned(
        name="notification",
        table="notifications",
        bounded="title",
        make=_notification,
        get=lambda uow, user_id, row: uow.notifications.get(user_id, row.id),
        listing=lambda uow, user_id, row: items(uow.notifications.list(user_id, None, PageRequest(limit=200))),
        change=_read,
        delete=lambda uow, user_id, row: uow.notifications.delete(user_id, row.id),
        unique=None,
        invalid=_set(kind="telegram"),
    ),
    Owned(
        name="attachment",
        table="attachments",
        bounded="filename",
        make=_attachment,
        get=lambda uow, user_id, row: uow.attachments.get(user_id, row.id),
        listing=lambda uow, user_id, row: items(
            uow.attachments.list(user_id, Parents(entity_id=row.entity_id), PageRequest(limit=200))
        ),
        change=lambda row: _changed(row, filename="renamed.pdf", deleted_at=None, interaction_id=None),
        delete=lambda uow, user_id, row: uow.attachments.delete(user_id, row.id),
        unique=Unique(collide=_same("storage_key"), error=ConflictError, errors={"storage_key": TAKEN}),
        invalid=_set(mime_type="application/x-msdownload"),
    ),
)


@attrs.frozen
class Link:
    """A link table between an entity and a parent row (a tag, a group), and how to use it.

    Attributes:
        name: the test id, which is also the link table's name.
        parent: the user's parent row of that name (``parent(user, name, **fields)``).
        link: links the entity to the parent, as the given user, at a time; whether the link is new.
        unlink: as the given user; whether there was a link.
        of_entity: the parents linked to the entity, as the given user (by name).
    """

    name: str
    parent: Callable[..., Row]
    link: Callable[[UnitOfWork, uuid.UUID, uuid.UUID, uuid.UUID, dt.datetime], Awaitable[bool]]
    unlink: Callable[[UnitOfWork, uuid.UUID, uuid.UUID, uuid.UUID], Awaitable[bool]]
    of_entity: Callable[[UnitOfWork, uuid.UUID, uuid.UUID], Awaitable[Sequence[Row]]]


LINKS: tuple[Link, ...] = (
    Link(
        "entity_tags",
        parent=a_tag,
        link=lambda uow, user_id, entity_id, tag_id, when: uow.tags.attach(user_id, entity_id, tag_id, when),
        unlink=lambda uow, user_id, entity_id, tag_id: uow.tags.detach(user_id, entity_id, tag_id),
        of_entity=lambda uow, user_id, entity_id: uow.tags.for_entity(user_id, entity_id),
    ),
    Link(
        "entity_groups",
        parent=a_group,
        link=lambda uow, user_id, entity_id, group_id, when: uow.groups.add_member(user_id, group_id, entity_id, when),
        unlink=lambda uow, user_id, entity_id, group_id: uow.groups.remove_member(user_id, group_id, entity_id),
        of_entity=lambda uow, user_id, entity_id: uow.groups.for_entity(user_id, entity_id),
    ),
)


def named(suite_entry: Owned | Link) -> str:
    """The test id of a resource or link the shared suites are parametrized over."""
    return suite_entry.name
