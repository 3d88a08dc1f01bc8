"""PostgreSQL adapter: the schema, its migrations, and the repositories over SQLAlchemy Core."""

from __future__ import annotations

from .async_entities import PostgresAsyncEntities
from .accounts import PostgresAuthProviderRepository, PostgresTokenRepository, PostgresUserRepository
from .contacts import PostgresEntityRepository, PostgresRelationshipRepository
from .database import PostgresDatabase
from .identifiers import PostgresIdentifierRepository
from .organizing import PostgresGroupRepository, PostgresTagRepository
from .unit_of_work import PostgresUnitOfWork

__all__ = [
    "PostgresAsyncEntities",
    "PostgresAuthProviderRepository",
    "PostgresDatabase",
    "PostgresEntityRepository",
    "PostgresGroupRepository",
    "PostgresIdentifierRepository",
    "PostgresRelationshipRepository",
    "PostgresTagRepository",
    "PostgresTokenRepository",
    "PostgresUnitOfWork",
    "PostgresUserRepository",
]
