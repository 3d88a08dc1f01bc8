"""SQLAlchemy Core description of the schema created by ``conezia.migrations``.

The yoyo SQL migrations are the source of truth for the database; these
``Table`` objects mirror them (names of every constraint and index included)
so that queries can be built with SQLAlchemy Core and so that database errors
can be mapped back to fields (``_errors.CONSTRAINT_ERRORS``). The
integration tests check that both descriptions stay identical. Never create
the schema from this metadata: run the migrations.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects import postgresql

from conezia.core.accounts import AUTH_PROVIDER, USER, USER_TOKEN
from conezia.core.activity import ACTIVITY_LOG
from conezia.core.entities import ENTITY, RELATIONSHIP
from conezia.core.identifiers import IDENTIFIER
from conezia.core.organizing import GROUP, TAG

from ._columns import (
    _EMPTY_OBJECT,
    _NOW,
    TIMESTAMPTZ,
    UUID_TYPE,
    _at_most,
    _between,
    _cascade_to_user,
    _id,
    _inserted_at,
    _not_blank,
    _one_of,
    _owned_row,
    _updated_at,
    _varchar,
)

__all__ = [
    "TIMESTAMPTZ",
    "UUID_TYPE",
    "activity_logs",
    "auth_providers",
    "entities",
    "entity_groups",
    "entity_tags",
    "groups",
    "identifiers",
    "metadata",
    "relationships",
    "tags",
    "user_tokens",
    "users",
]

metadata = MetaData()

_DEFAULT_NOTIFICATION_PREFERENCES = text(
    "'{\"email\": true, \"push\": true, \"in_app\": true, "
    "\"quiet_hours_start\": null, \"quiet_hours_end\": null}'::jsonb"
)

users = Table(
    "users",
    metadata,
    _id(),
    Column("email", postgresql.CITEXT(), nullable=False),
    Column("name", _varchar(USER, "name")),
    Column("avatar_url", _varchar(USER, "avatar_url")),
    Column("timezone", _varchar(USER, "timezone"), nullable=False, server_default="UTC"),
    Column("hashed_password", _varchar(USER, "hashed_password")),
    Column("confirmed_at", TIMESTAMPTZ),
    Column("tier", _varchar(USER, "tier"), nullable=False, server_default="free"),
    Column("settings", postgresql.JSONB(), nullable=False, server_default=_EMPTY_OBJECT),
    Column("onboarding_completed_at", TIMESTAMPTZ),
    Column(
        "notification_preferences",
        postgresql.JSONB(),
        nullable=False,
        server_default=_DEFAULT_NOTIFICATION_PREFERENCES,
    ),
    _inserted_at(),
    _updated_at(),
    PrimaryKeyConstraint("id", name="users_pkey"),
    _at_most(USER, "email"),
    _one_of(USER, "tier"),
    CheckConstraint("jsonb_typeof(settings) = 'object'", name="users_settings_check"),
    CheckConstraint(
        "jsonb_typeof(notification_preferences) = 'object'",
        name="users_notification_preferences_check",
    ),
    Index("users_email_index", "email", unique=True),
    Index("users_inserted_at_index", "inserted_at"),
    Index("users_tier_index", "tier"),
)

auth_providers = Table(
    "auth_providers",
    metadata,
    *_owned_row("auth_providers"),
    Column("provider", _varchar(AUTH_PROVIDER, "provider"), nullable=False),
    Column("provider_uid", _varchar(AUTH_PROVIDER, "provider_uid"), nullable=False),
    Column("provider_token", postgresql.BYTEA()),
    Column("provider_refresh_token", postgresql.BYTEA()),
    Column("provider_meta", postgresql.JSONB(), nullable=False, server_default=_EMPTY_OBJECT),
    _inserted_at(),
    _updated_at(),
    _one_of(AUTH_PROVIDER, "provider"),
    Index("auth_providers_provider_provider_uid_index", "provider", "provider_uid", unique=True),
    Index("auth_providers_user_id_index", "user_id"),
)

user_tokens = Table(
    "user_tokens",
    metadata,
    *_owned_row("user_tokens"),
    Column(
        "token",
        postgresql.BYTEA(),
        nullable=False,
        comment="SHA-256 digest of the token; the token itself is never stored",
    ),
    Column("context", _varchar(USER_TOKEN, "context"), nullable=False),
    Column("sent_to", _varchar(USER_TOKEN, "sent_to")),
    _inserted_at(),
    CheckConstraint("octet_length(token) = 32", name="user_tokens_token_check"),
    _one_of(USER_TOKEN, "context"),
    Index("user_tokens_user_id_index", "user_id"),
    Index("user_tokens_context_token_index", "context", "token", unique=True),
)

entities = Table(
    "entities",
    metadata,
    _id(),
    Column("owner_id", UUID_TYPE, nullable=False),
    Column("type", _varchar(ENTITY, "type"), nullable=False),
    Column("name", _varchar(ENTITY, "name"), nullable=False),
    Column("description", Text()),
    Column("avatar_url", _varchar(ENTITY, "avatar_url")),
    Column("metadata", postgresql.JSONB(), nullable=False, server_default=_EMPTY_OBJECT),
    Column("last_interaction_at", TIMESTAMPTZ),
    Column("archived_at", TIMESTAMPTZ),
    _inserted_at(),
    _updated_at(),
    PrimaryKeyConstraint("id", name="entities_pkey"),
    _cascade_to_user("entities", "owner_id"),
    UniqueConstraint("id", "owner_id", name="entities_id_owner_id_index"),
    _one_of(ENTITY, "type"),
    _not_blank(ENTITY, "name", trimmed=True),
    _at_most(ENTITY, "description"),
    Index("entities_owner_id_index", "owner_id"),
    Index("entities_owner_id_type_index", "owner_id", "type"),
    Index("entities_owner_id_archived_at_index", "owner_id", "archived_at"),
    Index("entities_last_interaction_at_index", "last_interaction_at"),
    # the keyset order of every page of an owner's entities (errata E1)
    Index("entities_owner_id_inserted_at_id_index", "owner_id", "inserted_at", "id"),
    Index(
        "entities_archived_owner_id_inserted_at_id_index",
        "owner_id",
        "inserted_at",
        "id",
        postgresql_where=text("archived_at IS NOT NULL"),
    ),
    Index(
        "entities_name_trgm_idx",
        "name",
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    ),
)

relationships = Table(
    "relationships",
    metadata,
    *_owned_row("relationships"),
    Column("entity_id", UUID_TYPE, nullable=False),
    Column("type", _varchar(RELATIONSHIP, "type")),
    Column("strength", _varchar(RELATIONSHIP, "strength"), nullable=False, server_default="regular"),
    Column("status", _varchar(RELATIONSHIP, "status"), nullable=False, server_default="active"),
    Column("started_at", Date()),
    Column("health_threshold_days", Integer(), nullable=False, server_default=text("30")),
    Column("notes", Text()),
    _inserted_at(),
    _updated_at(),
    ForeignKeyConstraint(
        ["entity_id", "user_id"],
        ["entities.id", "entities.owner_id"],
        name="relationships_entity_id_user_id_fkey",
        ondelete="CASCADE",
    ),
    _one_of(RELATIONSHIP, "type"),
    _one_of(RELATIONSHIP, "strength"),
    _one_of(RELATIONSHIP, "status"),
    _between(RELATIONSHIP, "health_threshold_days"),
    _at_most(RELATIONSHIP, "notes"),
    Index("relationships_user_id_entity_id_index", "user_id", "entity_id", unique=True),
    Index("relationships_user_id_status_index", "user_id", "status"),
    Index("relationships_entity_id_index", "entity_id"),
    Index("relationships_user_id_inserted_at_id_index", "user_id", "inserted_at", "id"),
)

identifiers = Table(
    "identifiers",
    metadata,
    _id(),
    Column("entity_id", UUID_TYPE, nullable=False),
    Column("type", _varchar(IDENTIFIER, "type"), nullable=False),
    # null when the value is stored encrypted instead
    Column("value", _varchar(IDENTIFIER, "value")),
    Column("value_encrypted", postgresql.BYTEA()),
    Column("value_hash", _varchar(IDENTIFIER, "value_hash")),
    Column("label", _varchar(IDENTIFIER, "label")),
    Column("is_primary", Boolean(), nullable=False, server_default=text("false")),
    Column("verified_at", TIMESTAMPTZ),
    _inserted_at(),
    _updated_at(),
    PrimaryKeyConstraint("id", name="identifiers_pkey"),
    ForeignKeyConstraint(
        ["entity_id"], ["entities.id"], name="identifiers_entity_id_fkey", ondelete="CASCADE"
    ),
    _one_of(IDENTIFIER, "type"),
    CheckConstraint(
        "(value IS NULL) <> (value_encrypted IS NULL)", name="identifiers_value_check"
    ),
    Index("identifiers_entity_id_index", "entity_id"),
    Index("identifiers_type_value_hash_index", "type", "value_hash"),
    Index("identifiers_entity_id_is_primary_index", "entity_id", "is_primary"),
    Index("identifiers_entity_id_inserted_at_id_index", "entity_id", "inserted_at", "id"),
    Index(
        "identifiers_entity_type_primary_idx",
        "entity_id",
        "type",
        unique=True,
        postgresql_where=text("is_primary"),
    ),
)

tags = Table(
    "tags",
    metadata,
    *_owned_row("tags"),
    Column("name", _varchar(TAG, "name"), nullable=False),
    Column("color", _varchar(TAG, "color"), nullable=False, server_default="blue"),
    Column("description", _varchar(TAG, "description")),
    _inserted_at(),
    _updated_at(),
    UniqueConstraint("id", "user_id", name="tags_id_user_id_index"),
    _not_blank(TAG, "name"),
    _one_of(TAG, "color"),
    Index("tags_user_id_name_index", "user_id", "name", unique=True),
    Index("tags_user_id_index", "user_id"),
)

# names in code-point order, as the lists read them (see organizing.py)
Index("tags_user_id_name_id_index", tags.c.user_id, tags.c.name.collate("C"), tags.c.id)

entity_tags = Table(
    "entity_tags",
    metadata,
    Column("entity_id", UUID_TYPE, nullable=False),
    Column("tag_id", UUID_TYPE, nullable=False),
    Column("user_id", UUID_TYPE, nullable=False),
    _inserted_at(),
    ForeignKeyConstraint(
        ["entity_id", "user_id"],
        ["entities.id", "entities.owner_id"],
        name="entity_tags_entity_id_user_id_fkey",
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["tag_id", "user_id"],
        ["tags.id", "tags.user_id"],
        name="entity_tags_tag_id_user_id_fkey",
        ondelete="CASCADE",
    ),
    Index("entity_tags_entity_id_tag_id_index", "entity_id", "tag_id", unique=True),
    Index("entity_tags_tag_id_index", "tag_id"),
    Index("entity_tags_user_id_index", "user_id"),
)

groups = Table(
    "groups",
    metadata,
    *_owned_row("groups"),
    Column("name", _varchar(GROUP, "name"), nullable=False),
    Column("description", _varchar(GROUP, "description")),
    Column("is_smart", Boolean(), nullable=False, server_default=text("false")),
    Column("rules", postgresql.JSONB()),
    _inserted_at(),
    _updated_at(),
    UniqueConstraint("id", "user_id", name="groups_id_user_id_index"),
    _not_blank(GROUP, "name"),
    CheckConstraint(
        "NOT is_smart OR (rules IS NOT NULL AND jsonb_typeof(rules) = 'object' "
        "AND rules <> '{}'::jsonb)",
        name="groups_rules_check",
    ),
    Index("groups_user_id_name_index", "user_id", "name", unique=True),
    Index("groups_user_id_index", "user_id"),
)

Index("groups_user_id_name_id_index", groups.c.user_id, groups.c.name.collate("C"), groups.c.id)

entity_groups = Table(
    "entity_groups",
    metadata,
    Column("entity_id", UUID_TYPE, nullable=False),
    Column("group_id", UUID_TYPE, nullable=False),
    Column("user_id", UUID_TYPE, nullable=False),
    Column("added_at", TIMESTAMPTZ, nullable=False, server_default=_NOW),
    ForeignKeyConstraint(
        ["entity_id", "user_id"],
        ["entities.id", "entities.owner_id"],
        name="entity_groups_entity_id_user_id_fkey",
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["group_id", "user_id"],
        ["groups.id", "groups.user_id"],
        name="entity_groups_group_id_user_id_fkey",
        ondelete="CASCADE",
    ),
    Index("entity_groups_entity_id_group_id_index", "entity_id", "group_id", unique=True),
    Index("entity_groups_group_id_index", "group_id"),
    Index("entity_groups_user_id_index", "user_id"),
)

activity_logs = Table(
    "activity_logs",
    metadata,
    *_owned_row("activity_logs"),
    Column("action", _varchar(ACTIVITY_LOG, "action"), nullable=False),
    Column("resource_type", _varchar(ACTIVITY_LOG, "resource_type"), nullable=False),
    Column("resource_id", UUID_TYPE),
    Column("metadata", postgresql.JSONB(), nullable=False, server_default=_EMPTY_OBJECT),
    Column("ip_address", _varchar(ACTIVITY_LOG, "ip_address")),
    Column("user_agent", _varchar(ACTIVITY_LOG, "user_agent")),
    _inserted_at(),
    _one_of(ACTIVITY_LOG, "action"),
    _one_of(ACTIVITY_LOG, "resource_type"),
    CheckConstraint("jsonb_typeof(metadata) = 'object'", name="activity_logs_metadata_check"),
    # a user's log newest first (backwards), and one resource's history
    Index("activity_logs_user_id_inserted_at_index", "user_id", "inserted_at", "id"),
    Index(
        "activity_logs_resource_id_inserted_at_index", "resource_id", "inserted_at", "id",
        postgresql_where=text("resource_id IS NOT NULL"),
    ),
)

# tables of later steps live in modules of their own, on the same metadata (this one is near its size limit)
from . import tables_attachments, tables_inbox, tables_reminders, tables_timeline  # noqa: E402, F401
