"""What the use-cases of every owned resource share: load, change and save in one unit of work.

A use-case of a resource a user owns (an entity, a tag, ...) is almost always
one of four shapes: add a row the domain built, read one of the owner's rows,
load one for update, let the domain object change itself and write it back,
or delete one. :class:`Resource` is those four shapes once, over the part of a
repository port they need (:class:`OwnedRows`); a use-case names its resource
and passes the domain call. Rows of another user are absent: every read is
scoped by owner, and a missing row is a :class:`~conezia.core.errors.NotFoundError`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, Generic, TypeVar

import attrs

from ..attachments import Attachment
from ..deps import Deps
from ..entities import Entity, Relationship
from ..errors import NotFoundError, RowChangedError
from ..events import BOOKKEEPING, Created, Deleted, Event, Updated, changed_fields
from ..identifiers import Identifier
from ..inbox import Notification
from ..organizing import Group, Tag
from ..pagination import Page
from ..ports import UnitOfWork
from ..ports_owned import OwnedRepositoryPort
from ..reminders import Reminder
from ..rows import MUTABLE_VALUES, own_copy
from ..timeline import Communication, Conversation, Interaction

__all__ = [
    "ATTACHMENTS", "COMMUNICATIONS", "CONVERSATIONS", "ENTITIES", "GROUPS", "IDENTIFIERS", "INTERACTIONS", "NOTIFICATIONS",
    "RELATIONSHIPS",
    "REMINDERS", "TAGS", "OwnedRows", "Resource", "Subject", "optimistically",
]

T = TypeVar("T")
E = TypeVar("E", bound=Event)
P = TypeVar("P", bound=Page[Any])

# How often a change is tried on a row read without a lock before it takes the row lock instead.
_UNLOCKED_ATTEMPTS: Final = 3


async def optimistically(attempt: Callable[[bool, bool], Awaitable[T]]) -> T:
    """Run a read-modify-write unit of work, ``attempt(locked, recent)``, so that no concurrent change is lost.

    ``attempt(False, recent)`` reads its rows without a lock (the first time ``recent``: it
    may start from a row as the process last read or wrote it, see the ports' ``get``) and
    writes them back with ``update(row, if_unchanged=True)``; should one have changed
    meanwhile, its commit raises :class:`~conezia.core.errors.RowChangedError`, nothing of it
    is kept, and it runs again on the rows as they now are. After a few collisions
    ``attempt(True, False)`` reads them ``for_update`` (row locks, a plain ``update``), which
    always succeeds. Either way the attempt's own errors (ValidationError, NotFoundError)
    pass through.
    """
    for tried in range(_UNLOCKED_ATTEMPTS):
        try:
            return await attempt(False, tried == 0)
        except RowChangedError:
            continue  # nothing was written: read the rows again, as they are now
    return await attempt(True, False)


@attrs.frozen
class Subject:
    """What a row's events are recorded against: a resource type of the activity log, and its id.

    Attributes:
        details: what else names the row (ids and categories, never values).
    """

    resource_type: str
    resource_id: uuid.UUID
    details: Mapping[str, Any] = attrs.Factory(dict)

    def event(self, kind: type[E], user_id: uuid.UUID, *, operation: str | None = None, **fields: Any) -> E:
        """The event of ``kind`` about this subject (with ``operation`` named in its details, if given)."""
        details = {**self.details, "operation": operation} if operation else self.details
        return kind(
            user_id=user_id, resource_type=self.resource_type, resource_id=self.resource_id, details=details,
            **fields,
        )


#: The owner-scoped part of a repository port (every owned resource's port has it).
OwnedRows = OwnedRepositoryPort


@attrs.frozen
class Resource(Generic[T]):
    """One owned resource, as its use-cases see it.

    Every add, change and delete records its event (:mod:`conezia.core.events`) on
    the unit of work, so the activity log and later subscribers learn of it
    without the use-case saying more.

    Attributes:
        name: what a :class:`NotFoundError` calls it (``"tag"``), and, unless ``subject``
            says otherwise, the resource type its events are recorded under.
        rows: its repository on a unit of work (``lambda uow: uow.tags``).
        subject: for a row that is part of another resource (an identifier of an entity),
            what its events are recorded against; a delete then reads the row first.
    """

    name: str
    rows: Callable[[UnitOfWork], OwnedRows[T]]
    subject: Callable[[T], Subject] | None = None

    def subject_of(self, row: T) -> Subject:
        """What the row's events name."""
        if self.subject is not None:
            return self.subject(row)
        return Subject(self.name, row.id)  # type: ignore[attr-defined]

    def record(self, uow: UnitOfWork, event: type[Created | Deleted], owner_id: uuid.UUID, row: T) -> None:
        """Record that ``row`` was created or deleted."""
        uow.record(self.subject_of(row).event(event, owner_id))

    def record_change(
        self, uow: UnitOfWork, owner_id: uuid.UUID, row: T, fields: tuple[str, ...], operation: str | None = None
    ) -> None:
        """Record that ``fields`` of ``row`` changed (by ``operation``, if it has a name of its own)."""
        uow.record(self.subject_of(row).event(Updated, owner_id, operation=operation, fields=fields))

    async def load(
        self, uow: UnitOfWork, owner_id: uuid.UUID, row_id: uuid.UUID, *, for_update: bool = False, recent: bool = False
    ) -> T:
        """The owner's row, inside a unit of work the caller holds (``recent``: see the port's ``get``).

        Raises:
            NotFoundError: unless the row exists and is the owner's.
        """
        row = await self.rows(uow).get(owner_id, row_id, for_update=for_update, recent=recent)
        if row is None:
            raise NotFoundError(self.name)
        return row

    async def check_page(self, uow: UnitOfWork, owner_id: uuid.UUID, row_id: uuid.UUID | None, page: P) -> P:
        """``page``, a list of this resource's children, once the parent ``row_id`` is known to be the owner's.

        A row on the page proves it (the child's composite foreign key names the owner's
        parent, errata C8), so only an empty page pays the lookup that tells an empty list
        from a parent that is not the owner's.

        Raises:
            NotFoundError: the page is empty and the parent is not the owner's.
        """
        if row_id is not None and not page.items:
            await self.load(uow, owner_id, row_id)
        return page

    async def add(self, deps: Deps, owner_id: uuid.UUID, row: T) -> T:
        """Store a row the domain built and validated; constraint violations raise the core's errors."""
        async with deps.uow() as uow:
            await self.rows(uow).add(row)
            self.record(uow, Created, owner_id, row)
            await uow.commit()
        return row

    async def get(self, deps: Deps, owner_id: uuid.UUID, row_id: uuid.UUID) -> T:
        """The owner's row (see :meth:`load`)."""
        async with deps.uow() as uow:
            return await self.load(uow, owner_id, row_id)

    async def change(
        self,
        deps: Deps,
        owner_id: uuid.UUID,
        row_id: uuid.UUID,
        change: Callable[[T, dt.datetime], object],
        *,
        operation: str | None = None,
    ) -> T:
        """Let ``change(row, now)`` apply the domain's rules to the owner's row, and write it back.

        No concurrent change is lost. The row is read without a lock and written back
        only if it is unchanged since (``update(row, if_unchanged=True)``): one read and
        one write, with no transaction held open in between. If another request changed
        the row meanwhile, the change is applied again to the row as it is now; after
        a few such collisions the row is read under its lock, which always succeeds.
        Whatever ``change`` raises (a ValidationError) leaves the row as it was. The
        event names the fields that changed (see :func:`~conezia.core.events.changed_fields`).

        An edit (no ``operation``) that changes no field writes nothing and records no
        event: the row comes back as it was, ``updated_at`` included.

        Args:
            operation: the name of the change when it is more than an edit (``"archive"``).

        Raises:
            NotFoundError: unless the row exists and is the owner's.
        """
        return await optimistically(
            lambda locked, recent: self._change_once(
                deps, owner_id, row_id, change, operation, locked=locked, recent=recent
            )
        )

    async def _change_once(
        self,
        deps: Deps,
        owner_id: uuid.UUID,
        row_id: uuid.UUID,
        change: Callable[[T, dt.datetime], object],
        operation: str | None,
        *,
        locked: bool,
        recent: bool,
    ) -> T:
        async with deps.uow() as uow:
            row = await self.load(uow, owner_id, row_id, for_update=locked, recent=recent)
            before = _state(row)
            change(row, deps.clock.now())
            fields = changed_fields(before, _state(row))
            if not fields and operation is None:
                # an edit that changes nothing (an empty PATCH) writes nothing, not even updated_at
                return _as_loaded(row, before)
            await self.rows(uow).update(row, if_unchanged=not locked)
            self.record_change(uow, owner_id, row, fields, operation)
            await uow.commit()
        return row

    async def delete(self, deps: Deps, owner_id: uuid.UUID, row_id: uuid.UUID) -> None:
        """Delete the owner's row (its dependents go as the schema's ON DELETE rules say).

        Raises:
            NotFoundError: unless the row exists and is the owner's.
        """
        async with deps.uow() as uow:
            # a row recorded against another resource is read first, for the event to name it
            row = None if self.subject is None else await self.load(uow, owner_id, row_id, for_update=True)
            if not await self.rows(uow).delete(owner_id, row_id):
                raise NotFoundError(self.name)
            subject = Subject(self.name, row_id) if row is None else self.subject_of(row)
            uow.record(subject.event(Deleted, owner_id))
            await uow.commit()


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(field.name for field in attrs.fields(cls))
    return names


def _as_loaded(row: T, before: Mapping[str, Any]) -> T:
    """``row`` as it was loaded (``before``: its :func:`_state` then), after a change that changed no field.

    Only bookkeeping (``updated_at``) can differ then, so only that is put back.
    """
    for name in BOOKKEEPING:
        if name in before:
            setattr(row, name, before[name])
    return row


def _state(row: object) -> dict[str, Any]:
    """The row's fields as they are now, dicts and lists copied so that a change made in place shows.

    A fraction of what ``attrs.asdict`` costs, which recurses into every value.
    """
    return {
        name: own_copy(value) if type(value) in MUTABLE_VALUES else value
        for name in _field_names(type(row))
        for value in (getattr(row, name),)
    }


ENTITIES: Final = Resource[Entity]("entity", lambda uow: uow.entities)
RELATIONSHIPS: Final = Resource[Relationship]("relationship", lambda uow: uow.relationships)
IDENTIFIERS: Final = Resource[Identifier](
    "identifier",
    lambda uow: uow.identifiers,
    # the activity log knows no identifiers (spec 6.2): they are recorded as changes of their entity
    subject=lambda identifier: Subject(
        "entity", identifier.entity_id, {"identifier_id": identifier.id, "identifier_type": identifier.type}
    ),
)
TAGS: Final = Resource[Tag]("tag", lambda uow: uow.tags)
GROUPS: Final = Resource[Group]("group", lambda uow: uow.groups)
INTERACTIONS: Final = Resource[Interaction]("interaction", lambda uow: uow.interactions)
COMMUNICATIONS: Final = Resource[Communication]("communication", lambda uow: uow.communications)
CONVERSATIONS: Final = Resource[Conversation](
    "conversation",
    lambda uow: uow.conversations,
    # the activity log knows no conversations (spec 6.2): they are recorded against their entity
    subject=lambda conversation: Subject(
        "entity", conversation.entity_id, {"conversation_id": conversation.id, "channel": conversation.channel}
    ),
)
REMINDERS: Final = Resource[Reminder]("reminder", lambda uow: uow.reminders)
NOTIFICATIONS: Final = Resource[Notification](
    "notification",
    lambda uow: uow.notifications,
    # the activity log knows no notifications (spec 6.2): reading one is recorded against its reminder,
    # or against the user once the reminder is gone
    subject=lambda n: Subject(
        "reminder" if n.reminder_id is not None else "user",
        n.reminder_id if n.reminder_id is not None else n.user_id,
        {"notification_id": n.id},
    ),
)
ATTACHMENTS: Final = Resource[Attachment]("attachment", lambda uow: uow.attachments)
