"""PostgreSQL adapter: the schema, its migrations, and the repositories on one async psycopg pool."""

from __future__ import annotations

from .accounts import PostgresAuthProviderRepository, PostgresTokenRepository, PostgresUserRepository
from .contacts import PostgresEntityRepository, PostgresRelationshipRepository
from .database import PostgresDatabase
from .identifiers import PostgresIdentifierRepository
from .organizing import PostgresGroupRepository, PostgresTagRepository
from .unit_of_work import PostgresUnitOfWork

__all__ = [
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
