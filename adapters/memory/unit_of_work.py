"""A unit of work over a :class:`~conezia.adapters.memory.store.MemoryStore`."""

from __future__ import annotations

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

from .accounts import MemoryAuthProviderRepository, MemoryTokenRepository, MemoryUserRepository
from .activity import MemoryActivityRepository
from .attachments import MemoryAttachmentRepository
from .contacts import MemoryEntityRepository, MemoryIdentifierRepository, MemoryRelationshipRepository
from .inbox import MemoryDeliveryRepository, MemoryNotificationRepository
from .organizing import MemoryGroupRepository, MemoryTagRepository
from .reminders import MemoryReminderRepository
from .store import MemoryStore, Tables
from .timeline import MemoryCommunicationRepository, MemoryConversationRepository, MemoryInteractionRepository

__all__ = ["MemoryUnitOfWork"]


class MemoryUnitOfWork(EventfulUnitOfWork):
    """One transaction over an in-memory store; implements :class:`conezia.core.ports.UnitOfWork`.

    Entering takes a private copy of the committed state; the repositories read
    and write that copy, and :meth:`commit` publishes its changes to the store.
    Leaving the ``with`` block without committing discards them. After a commit
    the unit of work stays usable: later writes need another commit. Events
    recorded on it are published through ``bus`` at commit (see
    :class:`~conezia.core.unit_of_work.EventfulUnitOfWork`).

    Example::

        store = MemoryStore()
        async with MemoryUnitOfWork(store) as uow:
            await uow.users.add(user)
            await uow.commit()
    """

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

    def __init__(self, store: MemoryStore, bus: MessageBus | None = None) -> None:
        super().__init__(bus)
        self._store = store
        self._base: Tables | None = None
        self._working: Tables | None = None
        self.users = MemoryUserRepository(self._tables)
        self.tokens = MemoryTokenRepository(self._tables)
        self.auth_providers = MemoryAuthProviderRepository(self._tables)
        self.entities = MemoryEntityRepository(self._tables)
        self.relationships = MemoryRelationshipRepository(self._tables)
        self.identifiers = MemoryIdentifierRepository(self._tables)
        self.tags = MemoryTagRepository(self._tables)
        self.groups = MemoryGroupRepository(self._tables)
        self.activity = MemoryActivityRepository(self._tables)
        self.interactions = MemoryInteractionRepository(self._tables)
        self.conversations = MemoryConversationRepository(self._tables)
        self.communications = MemoryCommunicationRepository(self._tables)
        self.reminders = MemoryReminderRepository(self._tables)
        self.notifications = MemoryNotificationRepository(self._tables)
        self.deliveries = MemoryDeliveryRepository(store, self._tables)
        self.attachments = MemoryAttachmentRepository(self._tables)

    async def __aenter__(self) -> MemoryUnitOfWork:
        if self._working is not None:
            raise RuntimeError("this unit of work is in use already")
        self._begin()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._base = None
        self._working = None
        self._forget_events()

    async def _commit(self) -> None:
        working = self._tables()
        assert self._base is not None
        self._store.publish(self._base, working)
        self._base = working
        self._working = working.copy()

    async def _rollback(self) -> None:
        self._tables()
        self._begin()

    def _begin(self) -> None:
        self._base = self._store.snapshot()
        self._working = self._base.copy()

    def _tables(self) -> Tables:
        if self._working is None:
            raise RuntimeError("use the unit of work inside its `async with` block")
        return self._working
