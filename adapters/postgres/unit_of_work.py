"""One transaction on one pooled connection, shared by every repository."""

from __future__ import annotations

from sqlalchemy import Engine

from ._base import LazyTransaction
from .accounts import PostgresAuthProviderRepository, PostgresTokenRepository, PostgresUserRepository
from .contacts import PostgresEntityRepository, PostgresRelationshipRepository
from .identifiers import PostgresIdentifierRepository
from .organizing import PostgresGroupRepository, PostgresTagRepository

__all__ = ["PostgresUnitOfWork"]


class PostgresUnitOfWork:
    """:class:`~conezia.core.ports.UnitOfWork` over PostgreSQL.

    Entering checks a connection out of the pool; the repositories run on
    that connection. The transaction begins with the first write (see
    :class:`~conezia.adapters.postgres._base.LazyTransaction`), so a unit of
    work that only reads costs no more than its queries. Leaving rolls back
    whatever was not committed and returns the connection to the pool. After
    a commit the unit of work stays usable: later writes need another commit.

    Args:
        engine: An engine in autocommit mode, whose pool lends the connection.
    """

    users: PostgresUserRepository
    tokens: PostgresTokenRepository
    auth_providers: PostgresAuthProviderRepository
    entities: PostgresEntityRepository
    relationships: PostgresRelationshipRepository
    identifiers: PostgresIdentifierRepository
    tags: PostgresTagRepository
    groups: PostgresGroupRepository

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._transaction: LazyTransaction | None = None

    def __enter__(self) -> PostgresUnitOfWork:
        if self._transaction is not None:
            raise RuntimeError("this unit of work is in use already")
        transaction = self._transaction = LazyTransaction(self._engine.connect())
        self.users = PostgresUserRepository(transaction)
        self.tokens = PostgresTokenRepository(transaction)
        self.auth_providers = PostgresAuthProviderRepository(transaction)
        self.entities = PostgresEntityRepository(transaction)
        self.relationships = PostgresRelationshipRepository(transaction)
        self.identifiers = PostgresIdentifierRepository(transaction)
        self.tags = PostgresTagRepository(transaction)
        self.groups = PostgresGroupRepository(transaction)
        return self

    def __exit__(self, *exc_info: object) -> None:
        transaction = self._transaction
        if transaction is None:
            return
        self._transaction = None
        try:
            transaction.end(commit=False)
        finally:
            transaction.connection.close()

    def commit(self) -> None:
        """Make everything written so far durable."""
        # no constraint is deferred, so every broken rule was reported by its statement
        self._require_transaction().end(commit=True)

    def rollback(self) -> None:
        """Discard everything written since the last commit."""
        self._require_transaction().end(commit=False)

    def _require_transaction(self) -> LazyTransaction:
        if self._transaction is None:
            raise RuntimeError("use the unit of work inside its `with` block")
        return self._transaction
