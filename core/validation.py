"""Casting and validating untrusted input, field by field, collecting every error.

A :class:`Changes` wraps the raw mapping a caller sent (JSON body, keyword
arguments of the embedding API). Each ``cast_*`` call reads one field, checks
its type and rules, records an error message under the field's name if it is
wrong, and returns the clean value or :data:`UNSET` when the field was absent.
``Changes.finish()`` raises one :class:`~conezia.core.errors.ValidationError`
naming every failing field, or returns the clean values.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zoneinfo
from collections.abc import Collection, Iterable, Mapping
from functools import cache
from typing import Any, Final
from urllib.parse import urlsplit

import attrs

from . import shapes
from .errors import ValidationError

__all__ = [
    "UNSET",
    "Changes",
    "Unset",
    "apply_set",
    "as_integer",
    "ascii_digits",
    "is_valid_email",
    "is_valid_timezone",
    "is_valid_url",
    "valid_timezones",
]


@attrs.frozen
class Unset:
    """Marks a field the caller did not send (distinct from an explicit ``null``)."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset()

# Matched with fullmatch: "$" alone lets a trailing newline through (the anchors stay for the
# documented JSON Schema patterns). Unicode \s on purpose: it refuses no-break and other spaces too.
EMAIL_RE: Final = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
TIME_RE: Final = re.compile(r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$", re.ASCII)


@cache
def valid_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid_timezone(value: str) -> bool:
    return value in valid_timezones()


def is_valid_email(value: str) -> bool:
    # The spec's pattern, with a single "@" so that "a@b@c.d" is not an address; control
    # characters (which \s does not cover) never belong in one (schemathesis found them accepted).
    return value.isprintable() and bool(EMAIL_RE.fullmatch(value))


def ascii_digits(value: str) -> str:
    """``value`` with every decimal digit written in ASCII, for rules whose digits are ASCII (the spec's ``\\d``).

    NFKC first (full-width ``１２３－４５`` becomes ``123-45``), then any other
    decimal digit (Arabic-Indic, Devanagari, ...) becomes its ASCII digit, as
    phone numbers are read. Letters and punctuation NFKC leaves alone stay as they are.
    """
    value = unicodedata.normalize("NFKC", value)
    if value.isascii():
        return value
    return "".join(str(unicodedata.decimal(ch)) if unicodedata.category(ch) == "Nd" else ch for ch in value)


def is_valid_url(value: str) -> bool:
    """http(s) with a non-empty host (errata D5); no whitespace or control characters."""
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        return False
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises on a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def as_integer(value: object) -> int | None:
    """An integer read from JSON: ``30`` or ``30.0``, never ``true`` or ``2.5`` (then None)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def is_valid_time_of_day(value: object) -> bool:
    """``H:MM`` or ``HH:MM`` in ASCII digits (normalize with :func:`ascii_digits` first)."""
    return isinstance(value, str) and bool(TIME_RE.fullmatch(value))


class Changes:
    """Reads fields from untrusted input and collects errors for all of them.

    Args:
        params: the raw input. Anything not a mapping is itself an error.
        permitted: the field names this operation accepts; any other key is an error,
            so that a typo never silently does nothing.
    """

    def __init__(self, params: object, permitted: Collection[str]) -> None:
        self.errors: dict[str, list[str]] = {}
        self._body_ok = True
        if params is None:
            params = {}
        if not isinstance(params, Mapping):
            self.params: Mapping[str, Any] = {}
            self._body_ok = False  # one clear error, not one per missing field
            self.add_error("body", "must be an object")
            return
        self.params = params
        for key in params:
            if not isinstance(key, str) or key not in permitted:
                self.add_error(str(key), "is not a permitted field")

    # -- bookkeeping ---------------------------------------------------------

    def add_error(self, field: str, message: str) -> None:
        messages = self.errors.setdefault(field, [])
        if message not in messages:
            messages.append(message)

    @property
    def valid(self) -> bool:
        return not self.errors

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)

    def _raw(self, field: str, *, required: bool, nullable: bool) -> Any:
        if field not in self.params:
            if required and self._body_ok:
                self.add_error(field, "can't be blank")
            return UNSET
        value = self.params[field]
        if value is None:
            if required:
                self.add_error(field, "can't be blank")
                return UNSET
            if not nullable:
                # errata D6: an explicit null for a defaulted field is an error, not a DB crash
                self.add_error(field, "can't be null")
                return UNSET
        return value

    # -- casts ---------------------------------------------------------------

    def fields(self, specs: Iterable[shapes.Field], *, creating: bool) -> dict[str, Any]:
        """:meth:`field` of each of ``specs``, by name (:data:`UNSET` for those not given)."""
        given = self.params
        # one not given is UNSET, unless it is required (which field() reports)
        return {
            spec.name: self.field(spec, creating=creating) if spec.name in given or (creating and spec.required)
            else UNSET
            for spec in specs
        }

    def field(self, spec: shapes.Field, *, creating: bool) -> Any:
        """Read a declared field with the limits its declaration gives (see :mod:`.shapes`).

        ``spec.required`` applies when ``creating``; on an update every field is optional.
        """
        name, kind = spec.name, spec.kind
        required, nullable = spec.required and creating, spec.nullable
        if kind == shapes.CHOICE:
            return self.choice(name, spec.choices, required=required, nullable=nullable)
        if kind == shapes.TEXT:
            return self.string(
                name, required=required, nullable=nullable, max_length=spec.max_length,
                min_length=spec.min_length, strip=spec.strip, blank_to_none=spec.blank_to_none,
            )
        if kind == shapes.EMAIL:
            return self.email(name, required=required, nullable=nullable)
        if kind == shapes.URL:
            return self.url(name, required=required, nullable=nullable)
        if kind == shapes.TIMEZONE:
            return self.timezone(name, required=required, nullable=nullable)
        if kind == shapes.INTEGER:
            minimum = None if spec.minimum is None else spec.minimum - 1
            return self.integer(
                name, required=required, nullable=nullable, greater_than=minimum, less_than_or_equal_to=spec.maximum
            )
        if kind == shapes.BOOLEAN:
            return self.boolean(name, required=required, nullable=nullable)
        if kind == shapes.DATE:
            return self.date(name, required=required, nullable=nullable)
        if kind == shapes.DATETIME:
            return self.datetime(name, required=required, nullable=nullable)
        if kind == shapes.OBJECT:
            return self.mapping(name, required=required, nullable=nullable)
        raise TypeError(f"{name}: {kind} fields are not read from input")

    def string(
        self,
        field: str,
        *,
        required: bool = False,
        nullable: bool = True,
        max_length: int | None = None,
        min_length: int | None = None,
        strip: bool = True,
        blank_to_none: bool = False,
    ) -> Any:
        """A text field; lengths in code points (``len()``), errata B5."""
        value = self._raw(field, required=required, nullable=nullable)
        if value is UNSET or value is None:
            return value
        if not isinstance(value, str):
            self.add_error(field, "must be a string")
            return UNSET
        if "\x00" in value:
            self.add_error(field, "must not contain NUL characters")
            return UNSET
        if strip:
            value = value.strip()
        if value == "":
            if required:
                self.add_error(field, "can't be blank")
                return UNSET
            if blank_to_none and nullable:
                return None
        if min_length is not None and len(value) < min_length:
            self.add_error(field, f"should be at least {min_length} character(s)")
            return UNSET
        if max_length is not None and len(value) > max_length:
            self.add_error(field, f"should be at most {max_length} character(s)")
            return UNSET
        return value

    def choice(
        self, field: str, allowed: Collection[str], *, required: bool = False, nullable: bool = True
    ) -> Any:
        value = self._raw(field, required=required, nullable=nullable)
        if value is UNSET or value is None:
            return value
        if not isinstance(value, str) or value not in allowed:
            self.add_error(field, f"is invalid; allowed values: {', '.join(sorted(allowed))}")
            return UNSET
        return value

    def email(self, field: str, *, required: bool = False, nullable: bool = True) -> Any:
        value = self.string(field, required=required, nullable=nullable, max_length=shapes.MAX_EMAIL_LENGTH)
        if isinstance(value, str):
            if not is_valid_email(value):
                self.add_error(field, "must be a valid email")
                return UNSET
            return value.lower()
        return value

    def url(self, field: str, *, required: bool = False, nullable: bool = True) -> Any:
        value = self.string(
            field, required=required, nullable=nullable, max_length=shapes.MAX_URL_LENGTH, blank_to_none=True
        )
        if isinstance(value, str) and not is_valid_url(value):
            self.add_error(field, "must be a valid URL")
            return UNSET
        return value

    def timezone(self, field: str, *, required: bool = False, nullable: bool = False) -> Any:
        value = self.string(field, required=required, nullable=nullable, max_length=shapes.MAX_TIMEZONE_LENGTH)
        if isinstance(value, str) and not is_valid_timezone(value):
            self.add_error(field, "must be a valid IANA timezone")
            return UNSET
        return value

    def integer(
        self,
        field: str,
        *,
        required: bool = False,
        nullable: bool = True,
        greater_than: int | None = None,
        less_than_or_equal_to: int | None = None,
    ) -> Any:
        raw = self._raw(field, required=required, nullable=nullable)
        if raw is UNSET or raw is None:
            return raw
        value = as_integer(raw)
        if value is None:
            self.add_error(field, "must be an integer")
            return UNSET
        if greater_than is not None and value <= greater_than:
            self.add_error(field, f"must be greater than {greater_than}")
            return UNSET
        if less_than_or_equal_to is not None and value > less_than_or_equal_to:
            self.add_error(field, f"must be less than or equal to {less_than_or_equal_to}")
            return UNSET
        return value

    def boolean(self, field: str, *, required: bool = False, nullable: bool = False) -> Any:
        value = self._raw(field, required=required, nullable=nullable)
        if value is UNSET or value is None:
            return value
        if not isinstance(value, bool):
            self.add_error(field, "must be a boolean")
            return UNSET
        return value

    def date(self, field: str, *, required: bool = False, nullable: bool = True) -> Any:
        value = self._raw(field, required=required, nullable=nullable)
        if value is UNSET or value is None:
            return value
        if isinstance(value, dt.datetime):
            self.add_error(field, "must be a date (YYYY-MM-DD)")
            return UNSET
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.add_error(field, "must be a date (YYYY-MM-DD)")
        return UNSET

    def datetime(self, field: str, *, required: bool = False, nullable: bool = True) -> Any:
        """An aware timestamp, normalized to UTC; naive values are rejected, never guessed."""
        value = self._raw(field, required=required, nullable=nullable)
        if value is UNSET or value is None:
            return value
        parsed: dt.datetime | None = None
        if isinstance(value, dt.datetime):
            parsed = value
        elif isinstance(value, str):
            text = value.strip()
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            try:
                parsed = dt.datetime.fromisoformat(text)
            except ValueError:
                parsed = None
        if parsed is None:
            self.add_error(field, "must be an ISO 8601 timestamp")
            return UNSET
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            self.add_error(field, "must include a timezone offset")
            return UNSET
        return parsed.astimezone(dt.timezone.utc)

    def mapping(self, field: str, *, required: bool = False, nullable: bool = False) -> Any:
        """A JSON object with string keys (stored as jsonb)."""
        value = self._raw(field, required=required, nullable=nullable)
        if value is UNSET or value is None:
            return value
        if not isinstance(value, Mapping):
            self.add_error(field, "must be an object")
            return UNSET
        if not _is_json(value):
            self.add_error(field, "must contain only JSON values (strings, numbers, booleans, null, lists, objects)")
            return UNSET
        return dict(value)


_MAX_JSON_DEPTH: Final = 32


def _is_json(value: object, depth: int = 0) -> bool:
    if depth > _MAX_JSON_DEPTH:
        return False
    if value is None or isinstance(value, (bool, int, str)):
        return not isinstance(value, str) or "\x00" not in value
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and "\x00" not in k and _is_json(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_is_json(v, depth + 1) for v in value)
    return False


def apply_set(target: object, values: Mapping[str, Any]) -> None:
    """Set each attribute whose value is not :data:`UNSET` (a partial update)."""
    for key, value in values.items():
        if value is not UNSET:
            setattr(target, key, value)
