"""Identifiers: the phones, emails, handles and ID numbers attached to an entity."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any, Final

import attrs
import phonenumbers

from .shapes import BOOLEAN, CHOICE, DATETIME, TEXT, Field, Shape
from .validation import UNSET, Changes, ascii_digits, is_valid_email, is_valid_url

__all__ = [
    "DIGIT_TYPES",
    "IDENTIFIER",
    "IDENTIFIER_TYPES",
    "SECOND_PRIMARY",
    "SENSITIVE_TYPES",
    "Identifier",
    "IdentifierInput",
    "cast_identifier",
    "is_sensitive",
    "normalize_for_index",
    "normalize_value",
]

# The rule "at most one primary identifier per entity and type", as every path reports it; the
# partial unique index identifiers_entity_type_primary_idx enforces it, without a query first.
SECOND_PRIMARY: Final = "another identifier of this type is already primary"

IDENTIFIER_TYPES: Final = (
    "phone", "email", "ssn", "government_id", "account_number", "social_handle", "website",
)
SENSITIVE_TYPES: Final = frozenset({"ssn", "government_id", "account_number"})
MAX_VALUE_LENGTH: Final = 512
# ASCII digits only (the spec's \d); values are matched whole, after ascii_digits where typed by people.
E164_RE: Final = re.compile(r"^\+[1-9]\d{1,14}$", re.ASCII)
SSN_RE: Final = re.compile(r"^\d{3}-\d{2}-\d{4}$", re.ASCII)
#: Types whose values are numbers people type: their digits are stored in ASCII, whatever script they came in.
DIGIT_TYPES: Final = frozenset({"ssn", "government_id", "account_number"})

IDENTIFIER: Final = Shape("identifiers", (
    Field("type", CHOICE, choices=IDENTIFIER_TYPES, required=True, nullable=False, max_length=32),
    # errata D9: the 512 limit applies to the plaintext, sensitive or not
    Field("value", TEXT, required=True, nullable=False, max_length=MAX_VALUE_LENGTH),
    Field("label", TEXT, max_length=64, blank_to_none=True),
    Field("is_primary", BOOLEAN, nullable=False),
    Field("verified_at", DATETIME),
    Field("value_hash", TEXT, max_length=64, writable=False, description="HMAC-SHA256 blind index, hex"),
))
CREATE_FIELDS: Final = IDENTIFIER.inputs
UPDATE_FIELDS: Final = tuple(name for name in CREATE_FIELDS if name != "type")


def is_sensitive(type_: str) -> bool:
    return type_ in SENSITIVE_TYPES


def normalize_value(type_: str, value: str, *, region: str | None = None) -> tuple[str | None, str | None]:
    """Validate and normalize an identifier value for its type.

    The digits of ID numbers (SSN, government id, account number) are written in
    ASCII first (:func:`~conezia.core.validation.ascii_digits`: ``１２３-４５-６７８９`` is
    ``123-45-6789``), as phone numbers' are, so they validate, hash and encrypt as one value.

    Returns:
        ``(normalized, None)`` or ``(None, error message)``.
    """
    if type_ == "phone":
        return _normalize_phone(value, region)
    if type_ in DIGIT_TYPES:
        value = ascii_digits(value).strip()
        if len(value) > MAX_VALUE_LENGTH:  # NFKC may lengthen it
            return None, f"should be at most {MAX_VALUE_LENGTH} character(s)"
    if type_ == "email":
        if len(value) > 254 or not is_valid_email(value):
            return None, "must be a valid email address"
        return value.lower(), None
    if type_ == "ssn":
        if not SSN_RE.fullmatch(value):
            return None, "must be in format XXX-XX-XXXX"
        return value, None
    if type_ == "website":
        if not is_valid_url(value):
            return None, "must be a valid URL"
        return value, None
    return value, None


def _normalize_phone(value: str, region: str | None) -> tuple[str | None, str | None]:
    message = "must be in E.164 format (e.g., +12025551234)"
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None, message
    if not phonenumbers.is_valid_number(parsed):
        return None, "is not a phone number that can exist"
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not E164_RE.fullmatch(e164):
        return None, message
    return e164, None


def normalize_for_index(type_: str, value: str) -> str:
    """The canonical form hashed into the blind index, so that equal values collide."""
    if type_ in DIGIT_TYPES:
        return re.sub(r"[\s\-./]", "", ascii_digits(value)).upper()
    if type_ == "social_handle":
        return value.strip().lstrip("@").casefold()
    if type_ == "website":
        return value.strip().rstrip("/").casefold()
    return value.strip().casefold()


@attrs.frozen
class IdentifierInput:
    """A validated identifier value, not yet encrypted or hashed."""

    type: str | Any
    value: str | Any
    label: str | None | Any
    is_primary: bool | Any
    verified_at: dt.datetime | None | Any


def cast_identifier(
    params: object, *, creating: bool, current_type: str | None = None, region: str | None = None
) -> IdentifierInput:
    """Validate identifier input. On update the value is checked only when it is given (errata B4).

    Raises:
        ValidationError: naming every failing field.
    """
    changes = Changes(params, CREATE_FIELDS if creating else UPDATE_FIELDS)
    type_ = changes.field(IDENTIFIER["type"], creating=True) if creating else current_type
    raw = changes.field(IDENTIFIER["value"], creating=creating)
    value: Any = raw
    if isinstance(raw, str) and isinstance(type_, str):
        normalized, error = normalize_value(type_, raw, region=region)
        if error:
            changes.add_error("value", error)
            value = UNSET
        else:
            value = normalized
    label, is_primary, verified_at = IDENTIFIER.cast(
        changes, creating=creating, names=("label", "is_primary", "verified_at")
    ).values()
    changes.raise_if_invalid()
    return IdentifierInput(type=type_, value=value, label=label, is_primary=is_primary, verified_at=verified_at)


@attrs.define
class Identifier:
    """One identifier. For sensitive types only ``value_encrypted`` holds the value."""

    id: uuid.UUID
    entity_id: uuid.UUID
    type: str
    value_hash: str
    inserted_at: dt.datetime
    updated_at: dt.datetime
    value: str | None = None
    value_encrypted: bytes | None = attrs.field(default=None, repr=False)
    label: str | None = None
    is_primary: bool = False
    verified_at: dt.datetime | None = None

    @property
    def is_sensitive(self) -> bool:
        return is_sensitive(self.type)
