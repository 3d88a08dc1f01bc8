"""Tags and groups: how a user organizes their entities, including rule-based smart groups."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, ClassVar, Final

import attrs

from .entities import ENTITY_TYPES, RELATIONSHIP_STATUSES, RELATIONSHIP_TYPES
from .errors import ConflictError
from .rows import ShapedRow
from .shapes import BOOLEAN, CHOICE, OBJECT, TEXT, Field, Shape
from .validation import UNSET, Changes, as_integer

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
class Tag(ShapedRow):
    SHAPE: ClassVar = TAG

    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    inserted_at: dt.datetime
    updated_at: dt.datetime
    color: str = "blue"
    description: str | None = None

    @classmethod
    def create(cls, params: object, *, id: uuid.UUID, user_id: uuid.UUID, now: dt.datetime) -> Tag:
        return cls._new(params, now, id=id, user_id=user_id)


_TAG_NAME_MIN: Final = TAG["name"].min_length or 1
_TAG_NAME_MAX: Final = TAG["name"].max_length or 50


def _one_or_many(changes: Changes, key: str, value: Any, *, allowed: tuple[str, ...]) -> list[str] | None:
    """One of the ``allowed`` values or a non-empty list of them (any of them matches)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) for v in items):
        changes.add_error("rules", f"{key} must be one value or a non-empty list of values")
        return None
    bad = [v for v in items if v not in allowed]
    if bad:
        changes.add_error("rules", f"{key} has invalid values {bad}; allowed values: {', '.join(allowed)}")
        return None
    return sorted(set(items))


def _smart_tags(changes: Changes, key: str, value: Any) -> list[str] | None:
    """The ``tags`` rule: a non-empty list of tag names (all of them must match)."""
    if not isinstance(value, list) or not value or not all(
        isinstance(v, str) and _TAG_NAME_MIN <= len(v.strip()) <= _TAG_NAME_MAX for v in value
    ):
        changes.add_error("rules", f"{key} must be a non-empty list of tag names")
        return None
    return sorted({v.strip() for v in value})


def _days(changes: Changes, key: str, value: Any) -> int | None:
    """A whole number of days within the bounds."""
    days = as_integer(value)
    if days is None or not MIN_LAST_INTERACTION_DAYS <= days <= MAX_LAST_INTERACTION_DAYS:
        changes.add_error(
            "rules", f"{key} must be an integer from {MIN_LAST_INTERACTION_DAYS} to {MAX_LAST_INTERACTION_DAYS}"
        )
        return None
    return days


# how each smart-group rule is read (errata D3), in the order the API documents them
_RULES: Final[Mapping[str, Callable[[Changes, str, Any], Any]]] = {
    "type": partial(_one_or_many, allowed=ENTITY_TYPES),
    "tags": _smart_tags,
    "relationship_type": partial(_one_or_many, allowed=RELATIONSHIP_TYPES),
    "relationship_status": partial(_one_or_many, allowed=RELATIONSHIP_STATUSES),
    "last_interaction_days": _days,
}
SMART_RULE_KEYS: Final = tuple(_RULES)


def cast_rules(changes: Changes, raw: Any) -> dict[str, Any] | None:
    """Validate smart group rules (errata D3); returns the normalized rules or None on error."""
    if not isinstance(raw, Mapping) or not raw:
        changes.add_error("rules", "is required for smart groups")
        return None
    invalid = sorted(k for k in raw if k not in _RULES)
    if invalid:
        changes.add_error("rules", f"contains invalid fields: {invalid}")
        return None
    rules = {key: _RULES[key](changes, key, value) for key, value in raw.items()}
    return None if None in rules.values() else rules


@attrs.define
class Group(ShapedRow):
    """A named set of entities; a smart group's members are computed from its rules."""

    SHAPE: ClassVar = GROUP

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
        return cls._new(params, now, id=id, user_id=user_id)

    @classmethod
    def _values(cls, changes: Changes, row: Group | None) -> dict[str, Any]:
        """A smart group needs valid rules (the ones given, else its own); a manual group takes none."""
        values = GROUP.cast(changes, creating=row is None, names=("name", "description", "is_smart"))
        given = changes.params.get("rules", UNSET)
        smart = values["is_smart"] if values["is_smart"] is not UNSET else row is not None and row.is_smart
        if smart:
            values["rules"] = cast_rules(changes, given if given is not UNSET or row is None else row.rules)
        elif given in (UNSET, None) or given == {}:
            values["rules"] = None
        else:
            changes.add_error("rules", "can only be set on smart groups (is_smart: true)")
        return values

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
