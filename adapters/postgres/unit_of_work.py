"""One transaction on one pooled connection, shared by every repository."""

from __future__ import annotations

from typing import Final

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.exc import DataError, IntegrityError

from ._errors import translate
from .accounts import PostgresAuthProviderRepository, PostgresTokenRepository, PostgresUserRepository
from .contacts import PostgresEntityRepository, PostgresRelationshipRepository
from .identifiers import PostgresIdentifierRepository
from .organizing import PostgresGroupRepository, PostgresTagRepository

__all__ = ["PostgresUnitOfWork"]

_NOT_ENTERED: Final = "the unit of work is used outside its with block"


class PostgresUnitOfWork:
    """:class:`~conezia.core.ports.UnitOfWork` over PostgreSQL.

    Entering checks a connection out of the pool and begins a transaction;
    the repositories run on that connection. Leaving rolls back whatever was
    not committed and returns the connection to the pool.

    Args:
        engine: The engine whose pool lends the connection.
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
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None

    def __enter__(self) -> PostgresUnitOfWork:
        if self._connection is not None:
            raise RuntimeError("the unit of work is in use already")
        connection = self._engine.connect()
        try:
            self._transaction = connection.begin()
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        self.users = PostgresUserRepository(connection)
        self.tokens = PostgresTokenRepository(connection)
        self.auth_providers = PostgresAuthProviderRepository(connection)
        self.entities = PostgresEntityRepository(connection)
        self.relationships = PostgresRelationshipRepository(connection)
        self.identifiers = PostgresIdentifierRepository(connection)
        self.tags = PostgresTagRepository(connection)
        self.groups = PostgresGroupRepository(connection)
        return self

    def __exit__(self, *exc_info: object) -> None:
        connection = self._connection
        if connection is None:
            return
        self._connection = None
        self._transaction = None
        try:
            if connection.in_transaction():
                connection.rollback()
        finally:
            connection.close()

    def commit(self) -> None:
        """Make everything written so far durable. Later writes need another commit."""
        connection = self._require_connection()
        try:
            connection.commit()
        except (IntegrityError, DataError) as error:
            raise translate(error) from error

    def rollback(self) -> None:
        """Discard everything written since the last commit."""
        self._require_connection().rollback()

    def _require_connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError(_NOT_ENTERED)
        return self._connection
