"""One transaction on one pooled connection, shared by every repository."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

import psycopg

from conezia.core.messagebus import MessageBus
from conezia.core.ports import (
    ActivityRepository,
    AttachmentRepository,
    AuthProviderRepository,
    CommunicationRepository,
    ConversationRepository,
    DeliveryRepository,
    EntityRepository,
    GroupRepository,
    IdentifierRepository,
    InteractionRepository,
    NotificationRepository,
    RelationshipRepository,
    ReminderRepository,
    TagRepository,
    TokenRepository,
    UserRepository,
)
from conezia.core.unit_of_work import EventfulUnitOfWork

from ._base import LazyTransaction, Repository
from ._errors import reraise
from ._lender import Lender
from ._recent import RecentRows
from .accounts import PostgresAuthProviderRepository, PostgresTokenRepository, PostgresUserRepository
from .activity import PostgresActivityRepository
from .attachments import PostgresAttachmentRepository
from .contacts import PostgresEntityRepository, PostgresRelationshipRepository
from .identifiers import PostgresIdentifierRepository
from .inbox import PostgresDeliveryRepository, PostgresNotificationRepository
from .organizing import PostgresGroupRepository, PostgresTagRepository
from .reminders import PostgresReminderRepository
from .timeline import PostgresCommunicationRepository, PostgresConversationRepository, PostgresInteractionRepository

__all__ = ["PostgresUnitOfWork"]

_REPOSITORIES: Final[dict[str, Callable[[LazyTransaction], Repository]]] = {
    "users": PostgresUserRepository,
    "tokens": PostgresTokenRepository,
    "auth_providers": PostgresAuthProviderRepository,
    "entities": PostgresEntityRepository,
    "relationships": PostgresRelationshipRepository,
    "identifiers": PostgresIdentifierRepository,
    "tags": PostgresTagRepository,
    "groups": PostgresGroupRepository,
    "activity": PostgresActivityRepository,
    "interactions": PostgresInteractionRepository,
    "conversations": PostgresConversationRepository,
    "communications": PostgresCommunicationRepository,
    "reminders": PostgresReminderRepository,
    "notifications": PostgresNotificationRepository,
    "deliveries": PostgresDeliveryRepository,
    "attachments": PostgresAttachmentRepository,
}


class PostgresUnitOfWork(EventfulUnitOfWork):
    """:class:`~conezia.core.ports.UnitOfWork` over PostgreSQL.

    The repositories run on one connection, checked out of the pool at the unit
    of work's first statement (see :class:`~conezia.adapters.postgres._base.LazyTransaction`). The transaction begins with the first
    write or locking read (see :class:`~conezia.adapters.postgres._base.LazyTransaction`),
    so a unit of work that only reads costs no more than its queries. Leaving
    rolls back whatever was not committed and returns the connection to the
    pool, or closes it if it was lost, so the pool never lends a dead one. After
    a commit the unit of work stays usable: later writes need another commit.

    Events recorded on it are published through ``bus`` at commit (see
    :class:`~conezia.core.unit_of_work.EventfulUnitOfWork`).

    Args:
        pool: Gives the :class:`Lender` of the open pool's connections.
        recent: The rows the process remembers for edits (see :class:`~._recent.RecentRows`).
        bus: Where the recorded events go.
    """

    # the ports' types: the protocol's attributes are mutable, so they must match exactly
    users: UserRepository
    tokens: TokenRepository
    auth_providers: AuthProviderRepository
    entities: EntityRepository
    relationships: RelationshipRepository
    identifiers: IdentifierRepository
    tags: TagRepository
    groups: GroupRepository
    activity: ActivityRepository
    interactions: InteractionRepository
    conversations: ConversationRepository
    communications: CommunicationRepository
    reminders: ReminderRepository
    notifications: NotificationRepository
    deliveries: DeliveryRepository
    attachments: AttachmentRepository

    def __init__(
        self, pool: Callable[[], Awaitable[Lender]], recent: RecentRows, bus: MessageBus | None = None
    ) -> None:
        super().__init__(bus)
        self._transaction = LazyTransaction(pool, recent)

    def __getattr__(self, name: str) -> Any:
        # A repository is made at its first use: a unit of work touches one or two of them.
        factory = _REPOSITORIES.get(name)
        if factory is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        repository = factory(self._transaction)
        setattr(self, name, repository)
        return repository

    async def __aenter__(self) -> PostgresUnitOfWork:
        transaction = self._transaction
        if transaction.entered:
            raise RuntimeError("this unit of work is in use already")
        transaction.entered = True
        transaction.replaced = False
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        transaction = self._transaction
        transaction.entered = False
        self._forget_events()
        transaction.pending.clear()
        if transaction.versions:
            transaction.versions.clear()
        pool, connection = transaction.pool, transaction.connection
        transaction.pool = None
        if pool is None or connection is None:
            return  # it ran no statement, so it never checked a connection out
        try:
            await transaction.end(commit=False)
        except psycopg.Error:
            # nothing is committed either way; a connection that cannot roll back is not lent again
            await connection.close()
        finally:
            transaction.connection = None
            transaction.begun = False
            if connection.broken and not connection.closed:
                await connection.close()  # a closed connection is discarded by the pool, never lent
            await pool.putconn(connection)

    async def _commit(self) -> None:
        """Make everything written so far durable.

        Raises:
            UnavailableError: The connection broke before or during COMMIT: never retried,
                since whether a COMMIT that was sent took effect is not known.
        """
        # no constraint is deferred, so every broken rule was reported by its statement
        try:
            await self._entered().end(commit=True)
        except psycopg.Error as error:
            reraise(error)

    async def _rollback(self) -> None:
        """Discard everything written since the last commit."""
        try:
            await self._entered().end(commit=False)
        except psycopg.Error as error:
            reraise(error)

    def _entered(self) -> LazyTransaction:
        if not self._transaction.entered:
            raise RuntimeError("use the unit of work inside its `async with` block")
        return self._transaction


if TYPE_CHECKING:

    def _each_repository_meets_its_port(uow: PostgresUnitOfWork, transaction: LazyTransaction) -> None:
        """For mypy only: the unit of work makes its repositories by name (``__getattr__``), unchecked;
        assigned to its attributes, typed as the ports, each is checked against its port here."""
        uow.users = PostgresUserRepository(transaction)
        uow.tokens = PostgresTokenRepository(transaction)
        uow.auth_providers = PostgresAuthProviderRepository(transaction)
        uow.entities = PostgresEntityRepository(transaction)
        uow.relationships = PostgresRelationshipRepository(transaction)
        uow.identifiers = PostgresIdentifierRepository(transaction)
        uow.tags = PostgresTagRepository(transaction)
        uow.groups = PostgresGroupRepository(transaction)
        uow.activity = PostgresActivityRepository(transaction)
        uow.interactions = PostgresInteractionRepository(transaction)
        uow.conversations = PostgresConversationRepository(transaction)
        uow.communications = PostgresCommunicationRepository(transaction)
        uow.reminders = PostgresReminderRepository(transaction)
        uow.notifications = PostgresNotificationRepository(transaction)
        uow.deliveries = PostgresDeliveryRepository(transaction)
        uow.attachments = PostgresAttachmentRepository(transaction)
