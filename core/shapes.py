"""Each field's limits and allowed values, declared once.

The domain validates input against these declarations; the PostgreSQL tables
(``adapters/postgres/tables.py``), the memory store's CHECK rules and the HTTP
layer's OpenAPI schemas read them from here, and a test compares the migrated
database's varchar limits and CHECK lists with them. A limit changes in one place.

Example::

    TAG = Shape("tags", (
        Field("name", TEXT, required=True, nullable=False, min_length=1, max_length=50),
        Field("color", CHOICE, choices=TAG_COLORS, nullable=False, max_length=16),
    ))
    changes = Changes(params, TAG.inputs)
    values = TAG.cast(changes, creating=True)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

if TYPE_CHECKING:
    from .validation import Changes

__all__ = [
    "BOOLEAN",
    "BYTES",
    "CHOICE",
    "DATE",
    "DATETIME",
    "EMAIL",
    "INTEGER",
    "KINDS",
    "MAX_EMAIL_LENGTH",
    "MAX_TIMEZONE_LENGTH",
    "MAX_URL_LENGTH",
    "OBJECT",
    "SHAPES",
    "TEXT",
    "TIMEZONE",
    "URL",
    "UUID",
    "Field",
    "Shape",
    "declared",
]

TEXT: Final = "text"
CHOICE: Final = "choice"
EMAIL: Final = "email"
URL: Final = "url"
TIMEZONE: Final = "timezone"
INTEGER: Final = "integer"
BOOLEAN: Final = "boolean"
DATE: Final = "date"
DATETIME: Final = "datetime"
OBJECT: Final = "object"
UUID: Final = "uuid"
BYTES: Final = "bytes"
KINDS: Final = frozenset({TEXT, CHOICE, EMAIL, URL, TIMEZONE, INTEGER, BOOLEAN, DATE, DATETIME, OBJECT, UUID, BYTES})

MAX_EMAIL_LENGTH: Final = 254
MAX_URL_LENGTH: Final = 2048
MAX_TIMEZONE_LENGTH: Final = 64
# the inherent limits of some kinds, which their fields take unless they say otherwise
_KIND_MAX_LENGTH: Final = {EMAIL: MAX_EMAIL_LENGTH, URL: MAX_URL_LENGTH, TIMEZONE: MAX_TIMEZONE_LENGTH}


@attrs.frozen
class Field:
    """One field of a stored shape, and the rules its values obey.

    Attributes:
        name: the attribute name, which is also the column name.
        kind: one of :data:`KINDS`; decides how input is read (see :meth:`Changes.field`).
        required: must be given when the row is created.
        nullable: may be null (an explicit null for a non-nullable field is an error).
        max_length: longest text, in code points; for a choice, the column's width.
        min_length: shortest text, after stripping.
        choices: allowed values of a choice (the CHECK constraint's list).
        minimum: smallest integer allowed (inclusive).
        maximum: largest integer allowed (inclusive).
        pattern: a regular expression the stored value matches (documentation and OpenAPI).
        strip: trim surrounding whitespace from text.
        blank_to_none: store blank text as null.
        writable: whether callers may set it (False for ids, timestamps set by the core, hashes).
        description: what the field means, for API readers.
    """

    name: str
    kind: str = attrs.field(validator=attrs.validators.in_(KINDS))
    required: bool = False
    nullable: bool = True
    max_length: int | None = None
    min_length: int | None = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    strip: bool = True
    blank_to_none: bool = False
    writable: bool = True
    description: str = ""

    def __attrs_post_init__(self) -> None:
        if self.max_length is None and self.kind in _KIND_MAX_LENGTH:
            object.__setattr__(self, "max_length", _KIND_MAX_LENGTH[self.kind])
        if (self.kind == CHOICE) != bool(self.choices):
            raise ValueError(f"{self.name}: choices are given exactly for choice fields")
        if self.choices and self.max_length is not None and max(map(len, self.choices)) > self.max_length:
            raise ValueError(f"{self.name}: a choice is longer than the column")


@attrs.frozen
class Shape:
    """The fields of one table, as the core knows them.

    Attributes:
        table: the table's name in the database.
        fields: every field the core declares limits or allowed values for.
    """

    table: str
    fields: tuple[Field, ...]
    _by_name: Mapping[str, Field] = attrs.field(init=False, repr=False, eq=False)
    _inputs: tuple[Field, ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})
        object.__setattr__(self, "_inputs", tuple(f for f in self.fields if f.writable))
        SHAPES[self.table] = self

    def __getitem__(self, name: str) -> Field:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    @property
    def inputs(self) -> tuple[str, ...]:
        """The names callers may set."""
        return tuple(f.name for f in self._inputs)

    def cast(self, changes: Changes, *, creating: bool, names: tuple[str, ...] | None = None) -> dict[str, Any]:
        """Read each writable field (or those in ``names``) from ``changes``; errors are collected there.

        Returns:
            name -> value, with :data:`~conezia.core.validation.UNSET` for fields not given.
        """
        return changes.fields(self._inputs if names is None else [self[name] for name in names], creating=creating)


SHAPES: Final[dict[str, Shape]] = {}
"""Every declared shape by table name, filled as the domain modules are imported (see :func:`declared`)."""


def declared() -> Mapping[str, Shape]:
    """Every shape the domain declares, by table name."""
    from . import accounts, attachments, entities, identifiers, inbox, organizing, reminders, timeline  # noqa: F401  (they register their shapes)

    return SHAPES
