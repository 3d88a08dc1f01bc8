"""Turning psycopg's errors into the core's errors, so that none surfaces as a 500.

:data:`CONSTRAINT_ERRORS` is the one mapping from the schema's constraint names
to fields and messages; the kind of rule that was broken decides which core
error carries it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, NoReturn

import psycopg
from psycopg import errors as pg
from sqlalchemy import String, Table

from conezia.core.entities import ONE_RELATIONSHIP
from conezia.core.errors import (
    INVALID,
    TAKEN,
    ConeziaError,
    ConflictError,
    NotFoundError,
    UnavailableError,
    ValidationError,
)
from conezia.core.identifiers import SECOND_PRIMARY

__all__ = ["CONSTRAINT_ERRORS", "is_unavailable", "reraise", "reraise_write", "translatable", "translate"]

_MISSING: Final = "does not exist"


#: Constraint (or unique index) name -> (field, message): the field a broken rule is reported on.
#: Every constraint of the migrated schema is here (tests/integration/test_schema.py checks).
CONSTRAINT_ERRORS: Final[Mapping[str, tuple[str, str]]] = {
    # primary keys: ids may come from the application (errata A1)
    "users_pkey": ("id", TAKEN),
    "auth_providers_pkey": ("id", TAKEN),
    "user_tokens_pkey": ("id", TAKEN),
    "entities_pkey": ("id", TAKEN),
    "relationships_pkey": ("id", TAKEN),
    "identifiers_pkey": ("id", TAKEN),
    "tags_pkey": ("id", TAKEN),
    "groups_pkey": ("id", TAKEN),
    "activity_logs_pkey": ("id", TAKEN),
    "reminders_pkey": ("id", TAKEN),
    # unique constraints and unique indexes
    "users_email_index": ("email", TAKEN),
    "auth_providers_provider_provider_uid_index": ("provider_uid", TAKEN),
    "user_tokens_context_token_index": ("token", TAKEN),
    "entities_id_owner_id_index": ("id", TAKEN),
    "relationships_user_id_entity_id_index": ("entity_id", ONE_RELATIONSHIP),
    "identifiers_entity_type_primary_idx": (
        "is_primary",
        SECOND_PRIMARY,
    ),
    "tags_id_user_id_index": ("id", TAKEN),
    "tags_user_id_name_index": ("name", TAKEN),
    "entity_tags_entity_id_tag_id_index": ("tag_id", TAKEN),
    "groups_id_user_id_index": ("id", TAKEN),
    "groups_user_id_name_index": ("name", TAKEN),
    "entity_groups_entity_id_group_id_index": ("group_id", TAKEN),
    # foreign keys
    "auth_providers_user_id_fkey": ("user_id", _MISSING),
    "user_tokens_user_id_fkey": ("user_id", _MISSING),
    "entities_owner_id_fkey": ("owner_id", _MISSING),
    "relationships_user_id_fkey": ("user_id", _MISSING),
    "relationships_entity_id_user_id_fkey": ("entity_id", _MISSING),
    "identifiers_entity_id_fkey": ("entity_id", _MISSING),
    "tags_user_id_fkey": ("user_id", _MISSING),
    "entity_tags_entity_id_user_id_fkey": ("entity_id", _MISSING),
    "entity_tags_tag_id_user_id_fkey": ("tag_id", _MISSING),
    "groups_user_id_fkey": ("user_id", _MISSING),
    "entity_groups_entity_id_user_id_fkey": ("entity_id", _MISSING),
    "entity_groups_group_id_user_id_fkey": ("group_id", _MISSING),
    "activity_logs_user_id_fkey": ("user_id", _MISSING),
    "reminders_user_id_fkey": ("user_id", _MISSING),
    "reminders_entity_id_user_id_fkey": ("entity_id", _MISSING),
    # check constraints
    "users_email_check": ("email", INVALID),
    "users_tier_check": ("tier", INVALID),
    "users_settings_check": ("settings", INVALID),
    "users_notification_preferences_check": ("notification_preferences", INVALID),
    "auth_providers_provider_check": ("provider", INVALID),
    "user_tokens_token_check": ("token", INVALID),
    "user_tokens_context_check": ("context", INVALID),
    "entities_type_check": ("type", INVALID),
    "entities_name_check": ("name", INVALID),
    "entities_description_check": ("description", INVALID),
    "relationships_type_check": ("type", INVALID),
    "relationships_strength_check": ("strength", INVALID),
    "relationships_status_check": ("status", INVALID),
    "relationships_health_threshold_days_check": ("health_threshold_days", INVALID),
    "relationships_notes_check": ("notes", INVALID),
    "identifiers_type_check": ("type", INVALID),
    "identifiers_value_check": ("value", INVALID),
    "tags_name_check": ("name", INVALID),
    "tags_color_check": ("color", INVALID),
    "groups_name_check": ("name", INVALID),
    "groups_rules_check": ("rules", INVALID),
    "activity_logs_action_check": ("action", INVALID),
    "activity_logs_resource_type_check": ("resource_type", INVALID),
    "activity_logs_metadata_check": ("metadata", INVALID),
    # the timeline (steps 12-14)
    "conversations_pkey": ("id", TAKEN),
    "conversations_id_user_id_index": ("id", TAKEN),
    "conversations_user_id_fkey": ("user_id", _MISSING),
    "conversations_entity_id_user_id_fkey": ("entity_id", _MISSING),
    "conversations_channel_check": ("channel", INVALID),
    "communications_pkey": ("id", TAKEN),
    "communications_user_id_fkey": ("user_id", _MISSING),
    "communications_entity_id_user_id_fkey": ("entity_id", _MISSING),
    "communications_conversation_id_user_id_fkey": ("conversation_id", _MISSING),
    "communications_channel_check": ("channel", INVALID),
    "communications_direction_check": ("direction", INVALID),
    "communications_content_check": ("content", INVALID),
    "communications_attachments_check": ("attachments", INVALID),
    "interactions_pkey": ("id", TAKEN),
    "interactions_user_id_fkey": ("user_id", _MISSING),
    "interactions_entity_id_user_id_fkey": ("entity_id", _MISSING),
    "interactions_type_check": ("type", INVALID),
    "interactions_content_check": ("content", INVALID),
    "reminders_type_check": ("type", INVALID),
    "reminders_title_check": ("title", INVALID),
    "reminders_description_check": ("description", INVALID),
    "reminders_recurrence_rule_check": ("recurrence_rule", INVALID),
    "reminders_notification_channels_check": ("notification_channels", INVALID),
    # the worker's tables (beyond the spec; migration 0015a)
    "reminders_id_user_id_index": ("id", TAKEN),
    "notifications_pkey": ("id", TAKEN),
    "notifications_user_id_fkey": ("user_id", _MISSING),
    "notifications_reminder_id_user_id_fkey": ("reminder_id", _MISSING),
    "notifications_kind_check": ("kind", INVALID),
    "notifications_title_check": ("title", INVALID),
    "notification_deliveries_pkey": ("channel", TAKEN),
    "notification_deliveries_user_id_fkey": ("user_id", _MISSING),
    "notification_deliveries_reminder_id_user_id_fkey": ("reminder_id", _MISSING),
    "notification_deliveries_channel_check": ("channel", INVALID),
    # attachments (step 17)
    "interactions_id_user_id_index": ("id", TAKEN),
    "communications_id_user_id_index": ("id", TAKEN),
    "attachments_pkey": ("id", TAKEN),
    "attachments_storage_key_index": ("storage_key", TAKEN),
    "attachments_user_id_fkey": ("user_id", _MISSING),
    "attachments_entity_id_user_id_fkey": ("entity_id", _MISSING),
    "attachments_interaction_id_user_id_fkey": ("interaction_id", _MISSING),
    "attachments_communication_id_user_id_fkey": ("communication_id", _MISSING),
    "attachments_parent_check": ("entity_id", INVALID),
    "attachments_filename_check": ("filename", INVALID),
    "attachments_mime_type_check": ("mime_type", INVALID),
    "attachments_size_bytes_check": ("size_bytes", INVALID),
    "attachments_sha256_check": ("sha256", INVALID),
}

# A unique index whose violation is a validation problem rather than a clash
# with other data: it is the entity's own other identifier that holds the flag.
_VALIDATION_UNIQUES: Final = frozenset({"identifiers_entity_type_primary_idx"})
_RESOURCES: Final[Mapping[str, str]] = {
    "user_id": "user",
    "owner_id": "user",
    "entity_id": "entity",
    "tag_id": "tag",
    "group_id": "group",
    "conversation_id": "conversation",
    "reminder_id": "reminder",
    "interaction_id": "interaction",
    "communication_id": "communication",
}


def translatable(error: psycopg.Error) -> bool:
    """Whether the error is about the data sent (a broken rule, a bad value), not the database."""
    return isinstance(error, (psycopg.IntegrityError, psycopg.DataError))


def is_unavailable(error: psycopg.Error) -> bool:
    """Whether the database could not do it now: unreachable, connection lost, shut down, pool exhausted.

    Every ``OperationalError`` is one: psycopg raises it for a lost or refused
    connection, the server for an administrator's shutdown or termination
    (``AdminShutdown``), a server starting up or out of resources, and the pool
    for a checkout that timed out (``PoolTimeout``) or a closed pool.
    """
    return isinstance(error, psycopg.OperationalError)


def reraise(
    error: psycopg.Error, table: Table | None = None, params: Mapping[str, Any] | None = None
) -> NoReturn:
    """Raise the core error for ``error`` from it, or ``error`` itself if it is a bug (a 500).

    Args:
        error: What psycopg (or its pool) raised.
        table: The table written to, if any (see :func:`translate`).
        params: The values written, if any.

    Raises:
        ConeziaError: :func:`translate`'s error for the data, or
            :class:`~conezia.core.errors.UnavailableError` (see :func:`is_unavailable`).
        psycopg.Error: Anything else, unchanged.
    """
    if translatable(error):
        raise translate(error, table, params) from error
    if is_unavailable(error):
        raise UnavailableError(type(error).__name__) from error
    raise error


def reraise_write(
    error: psycopg.Error, writes: Sequence[tuple[Table | None, Mapping[str, Any]]]
) -> NoReturn:
    """:func:`reraise` for a statement that carries several writes (a table and its values each).

    An over-long value is reported on the field of the first write that has one.
    """
    for table, params in writes:
        if _overlong_field(table, params) is not None:
            reraise(error, table, params)
    reraise(error)


def translate(
    error: psycopg.Error,
    table: Table | None = None,
    params: Mapping[str, Any] | None = None,
) -> ConeziaError:
    """The core error telling the caller what was wrong with their data.

    Args:
        error: What psycopg raised (see :func:`translatable`).
        table: The table written to; names the field of an over-long string.
        params: The values written; idem.
    """
    diag = error.diag
    constraint = diag.constraint_name or ""
    column = diag.column_name
    field, message = CONSTRAINT_ERRORS.get(constraint, (None, None))
    if isinstance(error, pg.UniqueViolation):
        if constraint in _VALIDATION_UNIQUES:
            return ValidationError({field or "base": [message or INVALID]})
        return ConflictError({field or "base": [message or TAKEN]})
    if isinstance(error, pg.ForeignKeyViolation):
        return NotFoundError(_RESOURCES.get(field or "", "row"))
    if isinstance(error, pg.NotNullViolation):
        return ValidationError({column or "base": ["can't be blank"]})
    if isinstance(error, pg.CheckViolation):
        return ValidationError({field or "base": [message or INVALID]})
    if isinstance(error, pg.StringDataRightTruncation):
        return ValidationError({_overlong_field(table, params) or column or "base": ["is too long"]})
    # InvalidTextRepresentation, NUL bytes in text, out-of-range numbers, ...
    return ValidationError({column or "base": [INVALID]})


def _overlong_field(table: Table | None, params: Mapping[str, Any] | None) -> str | None:
    # PostgreSQL does not say which column overflowed; the lengths do.
    if table is None or not params:
        return None
    for name, value in params.items():
        column = table.c.get(name)
        if (
            column is not None
            and isinstance(column.type, String)
            and column.type.length is not None
            and isinstance(value, str)
            and len(value) > column.type.length
        ):
            return name
    return None
