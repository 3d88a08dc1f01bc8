"""Tags and groups: how a user organizes their entities, including rule-based smart groups."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, Final

import attrs

from .entities import ENTITY_TYPES, RELATIONSHIP_STATUSES, RELATIONSHIP_TYPES
from .errors import ConflictError
from .shapes import BOOLEAN, CHOICE, OBJECT, TEXT, Field, Shape
from .validation import UNSET, Changes, apply_set, as_integer

__all__ = [
    "GROUP",
    "MAX_LAST_INTERACTION_DAYS",
    "MIN_LAST_INTERACTION_DAYS",
    "SMART_RULE_KEYS",
    "TAG",
    "TAG_COLORS",
    "EntityFilter",
    "Group",
    "Tag",
    "cast_rules",
]

TAG_COLORS: Final = ("red", "orange", "yellow", "green", "blue", "purple", "pink", "gray")
SMART_RULE_KEYS: Final = ("type", "tags", "relationship_type", "relationship_status", "last_interaction_days")
TAG: Final = Shape("tags", (
    Field("name", TEXT, required=True, nullable=False, min_length=1, max_length=50),
    Field("color", CHOICE, choices=TAG_COLORS, nullable=False, max_length=16),
    Field("description", TEXT, max_length=255, blank_to_none=True),
))
GROUP: Final = Shape("groups", (
    Field("name", TEXT, required=True, nullable=False, min_length=1, max_length=100),
    Field("description", TEXT, max_length=500, blank_to_none=True),
    Field("is_smart", BOOLEAN, nullable=False),
    Field("rules", OBJECT, description="Smart-group rules; see cast_rules."),
))
# smart-group rule bounds (errata D3)
MIN_LAST_INTERACTION_DAYS: Final = 1
MAX_LAST_INTERACTION_DAYS: Final = 3650
TAG_FIELDS: Final = TAG.inputs
GROUP_FIELDS: Final = GROUP.inputs


@attrs.frozen
class EntityFilter:
    """Criteria over a user's entities; every given criterion must hold (errata D3: AND).

    Attributes:
        types: any of these entity types.
        tag_names: the entity carries all of these tags.
        relationship_types / relationship_statuses: the user's relationship is any of these.
        interacted_since: the last interaction lies at or after this instant.
        archived: None for both, False for live entities only, True for archived only.
        name_contains: case-insensitive substring of the name.
    """

    types: tuple[str, ...] = ()
    tag_names: tuple[str, ...] = ()
    relationship_types: tuple[str, ...] = ()
    relationship_statuses: tuple[str, ...] = ()
    interacted_since: dt.datetime | None = None
    archived: bool | None = False
    name_contains: str | None = None


@attrs.define
class Tag:
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    inserted_at: dt.datetime
    updated_at: dt.datetime
    color: str = "blue"
    description: str | None = None

    @classmethod
    def create(cls, params: object, *, id: uuid.UUID, user_id: uuid.UUID, now: dt.datetime) -> Tag:
        changes = Changes(params, TAG_FIELDS)
        values = TAG.cast(changes, creating=True)
        changes.raise_if_invalid()
        tag = cls(id=id, user_id=user_id, name=values["name"], inserted_at=now, updated_at=now)
        apply_set(tag, values)
        return tag

    def update(self, params: object, *, now: dt.datetime) -> None:
        changes = Changes(params, TAG_FIELDS)
        values = TAG.cast(changes, creating=False)
        changes.raise_if_invalid()
        apply_set(self, values)
        self.updated_at = now


_TAG_NAME_MIN: Final = TAG["name"].min_length or 1
_TAG_NAME_MAX: Final = TAG["name"].max_length or 50


def _one_or_many(changes: Changes, key: str, value: Any, allowed: tuple[str, ...]) -> list[str] | None:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) for v in items):
        changes.add_error("rules", f"{key} must be one value or a non-empty list of values")
        return None
    bad = [v for v in items if v not in allowed]
    if bad:
        changes.add_error("rules", f"{key} has invalid values {bad}; allowed values: {', '.join(allowed)}")
        return None
    return sorted(set(items))


def cast_rules(changes: Changes, raw: Any) -> dict[str, Any] | None:
    """Validate smart group rules (errata D3); returns the normalized rules or None on error."""
    if not isinstance(raw, Mapping) or not raw:
        changes.add_error("rules", "is required for smart groups")
        return None
    invalid = sorted(k for k in raw if k not in SMART_RULE_KEYS)
    if invalid:
        changes.add_error("rules", f"contains invalid fields: {invalid}")
        return None
    rules: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "type":
            rules[key] = _one_or_many(changes, key, value, ENTITY_TYPES)
        elif key == "relationship_type":
            rules[key] = _one_or_many(changes, key, value, RELATIONSHIP_TYPES)
        elif key == "relationship_status":
            rules[key] = _one_or_many(changes, key, value, RELATIONSHIP_STATUSES)
        elif key == "tags":
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(v, str) and _TAG_NAME_MIN <= len(v.strip()) <= _TAG_NAME_MAX for v in value)
            ):
                changes.add_error("rules", "tags must be a non-empty list of tag names")
                rules[key] = None
            else:
                rules[key] = sorted({v.strip() for v in value})
        elif key == "last_interaction_days":
            days = as_integer(value)
            if days is None or not MIN_LAST_INTERACTION_DAYS <= days <= MAX_LAST_INTERACTION_DAYS:
                changes.add_error(
                    "rules",
                    f"last_interaction_days must be an integer from {MIN_LAST_INTERACTION_DAYS}"
                    f" to {MAX_LAST_INTERACTION_DAYS}",
                )
                rules[key] = None
            else:
                rules[key] = days
    if any(v is None for v in rules.values()):
        return None
    return rules


@attrs.define
class Group:
    """A named set of entities; a smart group's members are computed from its rules."""

    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    inserted_at: dt.datetime
    updated_at: dt.datetime
    description: str | None = None
    is_smart: bool = False
    rules: dict[str, Any] | None = None

    @classmethod
    def create(cls, params: object, *, id: uuid.UUID, user_id: uuid.UUID, now: dt.datetime) -> Group:
        group = cls(id=id, user_id=user_id, name="", inserted_at=now, updated_at=now)
        group._change(params, creating=True)
        return group

    def update(self, params: object, *, now: dt.datetime) -> None:
        self._change(params, creating=False)
        self.updated_at = now

    def _change(self, params: object, *, creating: bool) -> None:
        changes = Changes(params, GROUP_FIELDS)
        name, description, is_smart = GROUP.cast(changes, creating=creating, names=("name", "description", "is_smart")).values()
        raw_rules = changes.params.get("rules", UNSET)
        smart = self.is_smart if is_smart is UNSET else is_smart
        rules: Any = UNSET
        if smart:
            source = raw_rules if raw_rules is not UNSET else self.rules
            rules = cast_rules(changes, source)
        elif raw_rules not in (UNSET, None) and raw_rules != {}:
            changes.add_error("rules", "can only be set on smart groups (is_smart: true)")
        else:
            rules = None
        changes.raise_if_invalid()
        apply_set(self, {"name": name, "description": description, "is_smart": is_smart, "rules": rules})

    def require_manual(self) -> None:
        """Members are picked by hand only in manual groups.

        Raises:
            ConflictError: on ``group_id`` for a smart group (its members follow its rules).
        """
        if self.is_smart:
            raise ConflictError(group_id="is a smart group; its members follow its rules")

    def member_filter(self, now: dt.datetime) -> EntityFilter:
        """The criteria a smart group's members meet right now."""
        if not self.is_smart or not self.rules:
            raise ValueError("only smart groups have a member filter")
        rules = self.rules
        days = rules.get("last_interaction_days")
        return EntityFilter(
            types=tuple(rules.get("type", ())),
            tag_names=tuple(rules.get("tags", ())),
            relationship_types=tuple(rules.get("relationship_type", ())),
            relationship_statuses=tuple(rules.get("relationship_status", ())),
            interacted_since=now - dt.timedelta(days=days) if days else None,
            archived=False,
        )
