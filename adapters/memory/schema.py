"""The in-memory database's schema: the migrations' keys and rules, described once.

Per table: its unique keys (the primary key first), its foreign keys with their
``ON DELETE`` action, its CHECK rules and its varchar limits. The store
(:class:`~conezia.adapters.memory.store.Tables`) applies them on every write, in
PostgreSQL's order (lengths, CHECKs by name, unique keys, foreign keys), and
raises the errors the PostgreSQL adapter translates the same violations into.

Allowed values, integer ranges and lengths come from the core's shapes
(:mod:`conezia.core.shapes`), never retyped here; the few rules a shape cannot
state are predicates below, each named after its constraint in the migration.

A new table adds one :class:`Table` to :data:`SCHEMA`.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from conezia.core.attachments import PARENTS
from conezia.core.entities import ONE_RELATIONSHIP
from conezia.core.errors import TAKEN, ConflictError, ValidationError
from conezia.core.identifiers import SECOND_PRIMARY
from conezia.core.reminders import CHANNELS
from conezia.core.shapes import CHOICE, INTEGER, Shape, declared

__all__ = [
    "CASCADE",
    "RESTRICT",
    "SCHEMA",
    "SET_NULL",
    "Check",
    "EntityGroup",
    "EntityTag",
    "ForeignKey",
    "Table",
    "Unique",
]

CASCADE: Final = "CASCADE"
SET_NULL: Final = "SET NULL"
RESTRICT: Final = "RESTRICT"


@attrs.frozen
class EntityTag:
    """A row of ``entity_tags``."""

    entity_id: uuid.UUID
    tag_id: uuid.UUID
    user_id: uuid.UUID
    inserted_at: dt.datetime


@attrs.frozen
class EntityGroup:
    """A row of ``entity_groups``."""

    entity_id: uuid.UUID
    group_id: uuid.UUID
    user_id: uuid.UUID
    added_at: dt.datetime


@attrs.frozen
class Unique:
    """A unique key (a primary key, unique constraint or unique index).

    Attributes:
        name: the constraint's name in the migration.
        columns: the row attributes it covers.
        field: the field the error names.
        error: ConflictError, or ValidationError where the clash is a rule about the row's siblings.
        message: the error's message.
        folded: columns compared case-insensitively (``citext``).
        where: a partial index's predicate; rows failing it take no part.
    """

    name: str
    columns: tuple[str, ...]
    field: str
    error: type[ValidationError] = ConflictError
    message: str = TAKEN
    folded: frozenset[str] = frozenset()
    where: Callable[[Any], bool] | None = None

    def value(self, row: Any) -> tuple[Any, ...] | None:
        """The row's key, or None when the row takes no part (a NULL column, or outside ``where``)."""
        if self.where is not None and not self.where(row):
            return None
        values = tuple(getattr(row, column) for column in self.columns)
        if any(value is None for value in values):
            return None
        return tuple(v.lower() if c in self.folded else v for c, v in zip(self.columns, values, strict=True))


@attrs.frozen
class ForeignKey:
    """``FOREIGN KEY (columns) REFERENCES table (references) ON DELETE on_delete`` (MATCH SIMPLE).

    Attributes:
        set_null: for SET NULL, the columns nulled (default: all of ``columns``).
    """

    name: str
    columns: tuple[str, ...]
    table: str
    references: tuple[str, ...] = ("id",)
    on_delete: str = CASCADE
    set_null: tuple[str, ...] = ()


@attrs.frozen
class Check:
    """A CHECK constraint over one field's value (None passes, as NULL does in SQL), or over the row."""

    name: str
    field: str
    holds: Callable[[Any], bool]
    whole_row: bool = False

    def broken_by(self, row: Any) -> bool:
        if self.whole_row:
            return not self.holds(row)
        value = getattr(row, self.field)
        return value is not None and not self.holds(value)


@attrs.frozen
class Table:
    """One table.

    Attributes:
        resource: what a NotFoundError about one of its rows calls it.
        uniques: the primary key first, then the other unique keys in the migration's order.
        lengths: varchar limits by attribute (text over them is "too long").
        orphaned: rows that the SET NULL of a delete leaves meeting it are deleted instead
            (a trigger in the migration does the same).
    """

    name: str
    resource: str
    uniques: tuple[Unique, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[Check, ...] = ()
    lengths: Mapping[str, int] = attrs.field(factory=dict)
    orphaned: Callable[[Any], bool] | None = None

    @property
    def key(self) -> tuple[str, ...]:
        return self.uniques[0].columns

    def key_of(self, row: Any) -> Any:
        """The row's primary key: the value itself for a one-column key."""
        if len(self.key) == 1:
            return getattr(row, self.key[0])
        return tuple(getattr(row, column) for column in self.key)

    def key_from(self, values: Mapping[str, Any]) -> Any:
        """The primary key within ``values`` (column -> value), as :meth:`key_of` gives it."""
        if len(self.key) == 1:
            return values[self.key[0]]
        return tuple(values[column] for column in self.key)


def _table(
    name: str,
    resource: str,
    uniques: tuple[Unique, ...],
    foreign_keys: tuple[ForeignKey, ...] = (),
    checks: tuple[Check, ...] = (),
    *,
    text: tuple[str, ...] = (),
    shape: str | None = None,
    orphaned: Callable[[Any], bool] | None = None,
) -> Table:
    """A table whose value rules are read from its shape.

    Args:
        text: columns of type ``text`` (or ``citext``): their shape's length limit is a CHECK, not a varchar.
        shape: the shape's table name when it differs (join tables have none).
    """
    found: Shape | None = declared().get(shape or name)
    derived: list[Check] = []
    lengths: dict[str, int] = {}
    for field in found.fields if found is not None else ():
        check = f"{name}_{field.name}_check"
        if field.kind == CHOICE:
            derived.append(Check(check, field.name, field.choices.__contains__))
        if field.kind == INTEGER and (field.minimum is not None or field.maximum is not None):
            derived.append(Check(check, field.name, _between(field.minimum, field.maximum)))
        if field.min_length is not None and field.kind != CHOICE:
            derived.append(Check(check, field.name, _at_least(field.min_length)))
        if field.max_length is not None and field.name in text:
            derived.append(Check(check, field.name, _at_most(field.max_length)))
        elif field.max_length is not None:
            lengths[field.name] = field.max_length
    # PostgreSQL applies a table's CHECKs in the order of their names
    ordered = tuple(sorted((*derived, *checks), key=lambda c: c.name))
    return Table(name, resource, uniques, foreign_keys, ordered, lengths, orphaned)


def _between(low: int | None, high: int | None) -> Callable[[Any], bool]:
    return lambda value: (low is None or value >= low) and (high is None or value <= high)


def _at_least(n: int) -> Callable[[Any], bool]:
    return lambda value: not isinstance(value, str) or len(value) >= n


def _at_most(n: int) -> Callable[[Any], bool]:
    return lambda value: not isinstance(value, str) or len(value) <= n


def _pkey(table: str) -> Unique:
    return Unique(f"{table}_pkey", ("id",), "id")


def _to_user(table: str, column: str = "user_id") -> ForeignKey:
    return ForeignKey(f"{table}_{column}_fkey", (column,), "users")


def _to_owners(table: str, column: str, parent: str, owner: str = "user_id") -> ForeignKey:
    """The composite key that pins a row's user to its parent's owner (errata C8)."""
    parent_owner = "owner_id" if parent == "entities" else "user_id"
    return ForeignKey(f"{table}_{column}_{owner}_fkey", (column, owner), parent, ("id", parent_owner))


def _is_object(field: str) -> Check:
    return Check(f"users_{field}_check", field, lambda value: isinstance(value, dict))


def _channels(value: Any) -> bool:
    return isinstance(value, list) and len(value) >= 1 and all(channel in CHANNELS for channel in value)


def _parentless(attachment: Any) -> bool:
    return all(getattr(attachment, parent) is None for parent in PARENTS)


def _parent_set(table: str, column: str, parent: str) -> ForeignKey:
    # ON DELETE SET NULL (column): the attachment stays the user's, unlinked from that parent
    return attrs.evolve(_to_owners(table, column, parent), on_delete=SET_NULL, set_null=(column,))


def _smart_rules(group: Any) -> bool:
    return not group.is_smart or (isinstance(group.rules, dict) and group.rules != {})


# the worker's tables are described in a module of their own (this one is near its size limit)
from .schema_inbox import INBOX_TABLES  # noqa: E402

# a `(entity_id, user_id) -> entities (id, owner_id)` target is also unique; the primary key covers it
SCHEMA: Final[Mapping[str, Table]] = {
    table.name: table
    for table in (
        _table(
            "users", "user",
            (_pkey("users"), Unique("users_email_index", ("email",), "email", folded=frozenset({"email"}))),
            checks=(_is_object("settings"), _is_object("notification_preferences")),
            text=("email",),
        ),
        _table(
            "auth_providers", "auth provider",
            (_pkey("auth_providers"),
             Unique("auth_providers_provider_provider_uid_index", ("provider", "provider_uid"), "provider_uid")),
            (_to_user("auth_providers"),),
        ),
        _table(
            "user_tokens", "token",
            (_pkey("user_tokens"), Unique("user_tokens_context_token_index", ("context", "token_hash"), "token")),
            (_to_user("user_tokens"),),
            (Check("user_tokens_token_check", "token", lambda row: len(row.token_hash) == 32, whole_row=True),),
        ),
        _table(
            "entities", "entity",
            (_pkey("entities"),),
            (_to_user("entities", "owner_id"),),
            # btrim() with one argument trims spaces only
            (Check("entities_name_check", "name", lambda name: name.strip(" ") != ""),),
            text=("description",),
        ),
        _table(
            "relationships", "relationship",
            (_pkey("relationships"),
             Unique("relationships_user_id_entity_id_index", ("user_id", "entity_id"), "entity_id",
                    message=ONE_RELATIONSHIP)),
            (_to_user("relationships"), _to_owners("relationships", "entity_id", "entities")),
            text=("notes",),
        ),
        _table(
            "identifiers", "identifier",
            (_pkey("identifiers"),
             Unique("identifiers_entity_type_primary_idx", ("entity_id", "type"), "is_primary",
                    error=ValidationError, message=SECOND_PRIMARY, where=lambda row: row.is_primary)),
            (ForeignKey("identifiers_entity_id_fkey", ("entity_id",), "entities"),),
            (Check("identifiers_value_check", "value",
                   lambda row: (row.value is None) != (row.value_encrypted is None), whole_row=True),),
        ),
        _table(
            "tags", "tag",
            (_pkey("tags"), Unique("tags_user_id_name_index", ("user_id", "name"), "name")),
            (_to_user("tags"),),
        ),
        _table(
            "entity_tags", "tag link",
            (Unique("entity_tags_entity_id_tag_id_index", ("entity_id", "tag_id"), "tag_id"),),
            (_to_owners("entity_tags", "entity_id", "entities"), _to_owners("entity_tags", "tag_id", "tags")),
        ),
        _table(
            "groups", "group",
            (_pkey("groups"), Unique("groups_user_id_name_index", ("user_id", "name"), "name")),
            (_to_user("groups"),),
            (Check("groups_rules_check", "rules", _smart_rules, whole_row=True),),
        ),
        _table(
            "entity_groups", "membership",
            (Unique("entity_groups_entity_id_group_id_index", ("entity_id", "group_id"), "group_id"),),
            (_to_owners("entity_groups", "entity_id", "entities"),
             _to_owners("entity_groups", "group_id", "groups")),
        ),
        _table(
            "activity_logs", "activity",
            (_pkey("activity_logs"),),
            (_to_user("activity_logs"),),
            (Check("activity_logs_metadata_check", "metadata", lambda value: isinstance(value, dict)),),
        ),
        # the timeline (steps 12-14)
        _table(
            "conversations", "conversation",
            (_pkey("conversations"),),
            (_to_user("conversations"), _to_owners("conversations", "entity_id", "entities")),
        ),
        _table(
            "communications", "communication",
            (_pkey("communications"),),
            (_to_user("communications"), _to_owners("communications", "entity_id", "entities"),
             # deleting the conversation keeps the message: only conversation_id is nulled, never user_id
             ForeignKey("communications_conversation_id_user_id_fkey", ("conversation_id", "user_id"),
                        "conversations", ("id", "user_id"), on_delete=SET_NULL, set_null=("conversation_id",))),
            (Check("communications_attachments_check", "attachments", lambda value: isinstance(value, list)),),
            text=("content",),
        ),
        _table(
            "interactions", "interaction",
            (_pkey("interactions"),),
            (_to_user("interactions"), _to_owners("interactions", "entity_id", "entities")),
            text=("content",),
        ),
        # reminders (step 15)
        _table(
            "reminders", "reminder",
            (_pkey("reminders"),),
            (_to_user("reminders"),
             # ON DELETE SET NULL (entity_id): the reminder stays the user's, without its entity
             attrs.evolve(_to_owners("reminders", "entity_id", "entities"), on_delete=SET_NULL, set_null=("entity_id",))),
            (Check("reminders_recurrence_rule_check", "recurrence_rule", lambda value: isinstance(value, dict)),
             Check("reminders_notification_channels_check", "notification_channels", _channels)),
            text=("description",),
        ),
        *INBOX_TABLES,
        # attachments (step 17): deleting the last parent deletes the row (attachments_drop_orphans)
        _table(
            "attachments", "attachment",
            (_pkey("attachments"), Unique("attachments_storage_key_index", ("storage_key",), "storage_key")),
            (_to_user("attachments"), _parent_set("attachments", "entity_id", "entities"),
             _parent_set("attachments", "interaction_id", "interactions"),
             _parent_set("attachments", "communication_id", "communications")),
            (Check("attachments_parent_check", "entity_id", lambda row: not _parentless(row), whole_row=True),
             Check("attachments_filename_check", "filename", lambda name: name.strip(" ") != ""),
             Check("attachments_sha256_check", "sha256", lambda value: re.fullmatch("[0-9a-f]{64}", value) is not None)),
            orphaned=_parentless,
        ),
    )
}
