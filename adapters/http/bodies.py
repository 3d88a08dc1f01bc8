"""The request bodies, as the OpenAPI document describes them, built from the core's declarations.

Handlers take raw JSON: the core validates it, so that one 422 names every
failing field (typed decoding would stop at the first with a 400). These structs
only describe what the core accepts. They are generated from the core's
:mod:`~conezia.core.shapes` (kinds, lengths, allowed values, bounds), so a limit
changed in the core changes here too. What a shape cannot say (the password
rule, a URL's form, which value suits which identifier type) is added as JSON
Schema from the core's own patterns where it has them.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Final, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from conezia.core import shapes
from conezia.core.accounts import (
    AUTH_PROVIDER,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    PREFERENCE_FIELDS,
    PROFILE_FIELDS,
    USER,
    USER_FIELDS,
)
from conezia.core.entities import ENTITY, RELATIONSHIP
from conezia.core.identifiers import E164_RE, IDENTIFIER, SSN_RE
from conezia.core.organizing import GROUP, MAX_LAST_INTERACTION_DAYS, MIN_LAST_INTERACTION_DAYS, SMART_RULE_KEYS, TAG
from conezia.core.validation import EMAIL_RE, TIME_RE, valid_timezones

__all__ = [
    "BODIES",
    "JSON_VALUE",
    "AccountDeletion",
    "AuthProviderLink",
    "DuplicateQuery",
    "EntityCreate",
    "EntityUpdate",
    "GroupCreate",
    "GroupUpdate",
    "IdentifierCreate",
    "IdentifierUpdate",
    "JsonValue",
    "LoginRequest",
    "NotificationPreferences",
    "PasswordChange",
    "PasswordResetConfirm",
    "PasswordResetRequest",
    "PreferencesUpdate",
    "ProfileUpdate",
    "RegisterRequest",
    "RelationshipCreate",
    "RelationshipUpdate",
    "SmartRules",
    "TagCreate",
    "TagUpdate",
    "TokenRequest",
]

# Every string the core reads refuses NUL; a required or non-empty one also refuses
# blank text (the core strips it first).
NO_NUL: Final = r"^[^\u0000]*$"
NOT_BLANK: Final = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
# The form core.validation.is_valid_url accepts (http(s), a host, an optional port,
# no whitespace or control characters), a little stricter: the core has no pattern to share.
URL_PATTERN: Final = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#@:\[\]\u0000-\u001f]+(:[0-9]{1,4})?([/?#][^\s\u0000-\u001f]*)?$"
# check_password's rules: a lowercase and an uppercase letter and a digit, anywhere.
PASSWORD_PATTERN: Final = r"^(?=[\s\S]*[a-z])(?=[\s\S]*[A-Z])(?=[\s\S]*[0-9])[^\u0000]*$"



class JsonValue:
    """Any JSON value without NUL characters (stored as jsonb), as ``core.validation`` accepts it."""


JSON_VALUE: Final[dict[str, Any]] = {
    "title": "JsonValue",
    "description": JsonValue.__doc__,
    "anyOf": [
        {"type": "null"}, {"type": "boolean"}, {"type": "number"}, {"type": "string", "pattern": NO_NUL},
        {"type": "array", "items": {"$ref": "#/components/schemas/JsonValue"}},
        {
            "type": "object", "propertyNames": {"pattern": NO_NUL},
            "additionalProperties": {"$ref": "#/components/schemas/JsonValue"},
        },
    ],
}
JsonObject = Annotated[
    dict[str, Any],
    Meta(extra_json_schema={
        "propertyNames": {"pattern": NO_NUL}, "additionalProperties": {"$ref": "#/components/schemas/JsonValue"},
    }),
]

Timezone = enum.Enum("Timezone", {name: name for name in sorted(valid_timezones())})  # type: ignore[misc]
Timezone.__doc__ = "An IANA time zone name, such as Europe/Paris."

Timestamp = Annotated[
    dt.datetime, Meta(tz=True, description="RFC 3339 with a UTC offset; naive values are refused.")
]
TimeOfDay = Annotated[str, Meta(pattern=TIME_RE.pattern, description="HH:MM, 24-hour.")]
Password = Annotated[
    str,
    Meta(
        min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH, pattern=PASSWORD_PATTERN,
        description=f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters with a lowercase letter, "
        "an uppercase letter and a digit.",
        examples=["Analytical-Engine-1"],
    ),
]
AnyText = Annotated[str, Meta(pattern=NOT_BLANK)]


def _text(spec: shapes.Field, *, not_blank: bool) -> Any:
    meta = Meta(
        min_length=spec.min_length, max_length=spec.max_length,
        pattern=NOT_BLANK if not_blank else NO_NUL, description=spec.description or None,
    )
    return Annotated[str, meta]


def _pattern_and_no_nul(pattern: str, **meta: Any) -> Any:
    # one "pattern" per schema: the NUL rule joins through allOf
    extra = {"allOf": [{"pattern": NO_NUL}], **meta.pop("extra_json_schema", {})}
    return Annotated[str, Meta(pattern=pattern, extra_json_schema=extra, **meta)]


def email_type(max_length: int | None = shapes.MAX_EMAIL_LENGTH) -> Any:
    """An email address as the core accepts it."""
    return _pattern_and_no_nul(EMAIL_RE.pattern, max_length=max_length, extra_json_schema={"format": "email"})


def url_type(max_length: int | None = shapes.MAX_URL_LENGTH) -> Any:
    """An http(s) URL as the core accepts it."""
    return _pattern_and_no_nul(URL_PATTERN, max_length=max_length, extra_json_schema={"format": "uri"})


def field_type(spec: shapes.Field, *, creating: bool, objects: Mapping[str, Any] | None = None) -> Any:
    """The JSON Schema type of one declared field, as a msgspec annotation."""
    kind = spec.kind
    annotation: Any
    if kind == shapes.TEXT:
        required_text = (spec.required and creating) or bool(spec.min_length)
        annotation = _text(spec, not_blank=spec.strip and required_text)
    elif kind == shapes.CHOICE:
        annotation = Literal[spec.choices]
    elif kind == shapes.EMAIL:
        annotation = email_type(spec.max_length)
    elif kind == shapes.URL:
        annotation = url_type(spec.max_length)
    elif kind == shapes.TIMEZONE:
        annotation = Timezone
    elif kind == shapes.INTEGER:
        annotation = Annotated[int, Meta(ge=spec.minimum, le=spec.maximum)]
    elif kind == shapes.BOOLEAN:
        annotation = bool
    elif kind == shapes.DATE:
        annotation = dt.date
    elif kind == shapes.DATETIME:
        annotation = Timestamp
    elif kind == shapes.OBJECT:
        annotation = (objects or {}).get(spec.name, JsonObject)
    else:
        raise TypeError(f"{spec.name}: {kind} fields are not read from request bodies")
    return annotation | None if spec.nullable else annotation


def body_struct(
    name: str,
    doc: str,
    fields: Iterable[shapes.Field | tuple[str, Any, bool]],
    *,
    creating: bool,
    objects: Mapping[str, Any] | None = None,
    schema_extra: Mapping[str, Any] | None = None,
) -> type[Struct]:
    """A request body struct made of declared fields (and ``(name, type, required)`` extras).

    On creation a field the core requires is required here; on an update none is.
    ``schema_extra`` joins the component's JSON Schema (rules across fields).
    """
    members: list[tuple[str, Any, Any]] = []
    for item in fields:
        if isinstance(item, shapes.Field):
            annotation = field_type(item, creating=creating, objects=objects)
            required = item.required and creating
            field_name = item.name
        else:
            field_name, annotation, required = item
        if required:
            members.append((field_name, annotation, msgspec.NODEFAULT))
        else:
            members.append((field_name, annotation | UnsetType, UNSET))
    namespace: dict[str, Any] = {"__doc__": doc}
    if schema_extra:
        namespace["__schema_extra__"] = dict(schema_extra)
    return msgspec.defstruct(
        name, members, kw_only=True, forbid_unknown_fields=True, omit_defaults=True,
        module=__name__, namespace=namespace,
    )


def _choose(shape: shapes.Shape, names: Iterable[str]) -> list[shapes.Field]:
    return [shape[name] for name in names]


def _one_or_many(values: tuple[str, ...]) -> Any:
    choice: Any = Literal[values]
    return choice | Annotated[list[choice], Meta(min_length=1)]


# -- accounts ---------------------------------------------------------------------

NotificationPreferences = body_struct(
    "NotificationPreferences", "Merged over the current preferences; quiet hours as HH:MM or null.",
    [("email", bool, False), ("push", bool, False), ("in_app", bool, False),
     ("quiet_hours_start", TimeOfDay | None, False), ("quiet_hours_end", TimeOfDay | None, False)],
    creating=False,
)
_ACCOUNT_OBJECTS: Final = {"notification_preferences": NotificationPreferences}

RegisterRequest = body_struct(
    "RegisterRequest", "A new account. A confirmation token is mailed to the address.",
    [*_choose(USER, USER_FIELDS), ("password", Password, True)], creating=True, objects=_ACCOUNT_OBJECTS,
)
LoginRequest = body_struct(
    "LoginRequest", "Credentials; repeated failures are throttled per account and per client address.",
    [("email", Annotated[str, Meta(pattern=NOT_BLANK)], True), ("password", AnyText, True)], creating=True,
)
TokenRequest = body_struct(
    "TokenRequest", "A one-time token from a message sent by Conezia.", [("token", AnyText, True)], creating=True,
)
PasswordResetRequest = body_struct(
    "PasswordResetRequest",
    "Where to send a reset token. The answer is the same whether or not the address has an account.",
    [USER["email"]], creating=True,
)
PasswordResetConfirm = body_struct(
    "PasswordResetConfirm", "A reset token and the new password. Every session of the account ends.",
    [("token", AnyText, True), ("password", Password, True)], creating=True,
)
ProfileUpdate = body_struct(
    "ProfileUpdate", "Only the fields sent change. A new email must be confirmed again.",
    _choose(USER, PROFILE_FIELDS), creating=False,
)
PreferencesUpdate = body_struct(
    "PreferencesUpdate", "`settings` is replaced; `notification_preferences` is merged.",
    _choose(USER, PREFERENCE_FIELDS), creating=False, objects=_ACCOUNT_OBJECTS,
)
AccountDeletion = body_struct(
    "AccountDeletion", "The current password, to confirm deleting the account and everything it holds.",
    [("password", AnyText, True)], creating=True,
)
PasswordChange = body_struct(
    "PasswordChange", "The current password and the new one. Every other session of the account ends.",
    [("current_password", AnyText, True), ("new_password", Password, True)], creating=True,
)
AuthProviderLink = body_struct(
    "AuthProviderLink",
    "An external sign-in. Its tokens are stored encrypted; linking the same account again updates it.",
    AUTH_PROVIDER.fields, creating=True,
)

# -- entities and relationships -----------------------------------------------------

_ENTITY_INPUTS: Final = _choose(ENTITY, ENTITY.inputs)
EntityCreate = body_struct("EntityCreate", "Someone or something to keep track of.", _ENTITY_INPUTS, creating=True)
EntityUpdate = body_struct("EntityUpdate", "Only the fields sent change.", _ENTITY_INPUTS, creating=False)
_RELATIONSHIP_INPUTS: Final = _choose(RELATIONSHIP, RELATIONSHIP.inputs)
RelationshipCreate = body_struct(
    "RelationshipCreate", "The caller's relationship to one of their entities (one per entity).",
    _RELATIONSHIP_INPUTS, creating=True,
)
RelationshipUpdate = body_struct(
    "RelationshipUpdate", "Only the fields sent change.", _RELATIONSHIP_INPUTS, creating=False,
)

# -- identifiers --------------------------------------------------------------------

# What each type's value must look like (core.identifiers.normalize_value); a phone
# must also be a number that can exist, which no pattern says.
_VALUE_SCHEMAS: Final[Mapping[str, Mapping[str, Any]]] = {
    "phone": {"pattern": E164_RE.pattern},
    "email": {"pattern": EMAIL_RE.pattern, "format": "email", "maxLength": shapes.MAX_EMAIL_LENGTH},
    "ssn": {"pattern": SSN_RE.pattern},
    "website": {"pattern": URL_PATTERN, "format": "uri"},
}
_VALUE_BY_TYPE: Final = {
    "allOf": [
        {"if": {"properties": {"type": {"const": kind}}}, "then": {"properties": {"value": dict(rule)}}}
        for kind, rule in _VALUE_SCHEMAS.items()
    ]
}
IdentifierCreate = body_struct(
    "IdentifierCreate",
    "A phone (stored in E.164), email, handle, website or ID number. ssn, government_id and "
    "account_number are encrypted and come back only through the reveal endpoint.",
    _choose(IDENTIFIER, IDENTIFIER.inputs), creating=True, schema_extra=_VALUE_BY_TYPE,
)
IdentifierUpdate = body_struct(
    "IdentifierUpdate", "Only the fields sent change; a new value is checked against the identifier's type.",
    _choose(IDENTIFIER, [n for n in IDENTIFIER.inputs if n != "type"]), creating=False,
)
DuplicateQuery = body_struct(
    "DuplicateQuery", "A value to look for among the caller's identifiers (compared by blind index, never in clear).",
    _choose(IDENTIFIER, ("type", "value")), creating=True, schema_extra=_VALUE_BY_TYPE,
)

# -- tags and groups ------------------------------------------------------------------

_TAG_INPUTS: Final = _choose(TAG, TAG.inputs)
TagCreate = body_struct("TagCreate", "A label for entities; names are unique per user.", _TAG_INPUTS, creating=True)
TagUpdate = body_struct("TagUpdate", "Only the fields sent change.", _TAG_INPUTS, creating=False)

_TAG_NAME: Final = TAG["name"]
_RULE_TYPES: Final[Mapping[str, Any]] = {
    "type": _one_or_many(ENTITY["type"].choices),
    "tags": Annotated[
        list[Annotated[str, Meta(min_length=_TAG_NAME.min_length, max_length=_TAG_NAME.max_length, pattern=NOT_BLANK)]],
        Meta(min_length=1),
    ],
    "relationship_type": _one_or_many(RELATIONSHIP["type"].choices),
    "relationship_status": _one_or_many(RELATIONSHIP["status"].choices),
    "last_interaction_days": Annotated[int, Meta(ge=MIN_LAST_INTERACTION_DAYS, le=MAX_LAST_INTERACTION_DAYS)],
}
SmartRules = body_struct(
    "SmartRules", "Every rule given must hold. Lists match any of their values, except `tags` (all of them).",
    [(key, _RULE_TYPES[key], False) for key in SMART_RULE_KEYS], creating=False,
)
_GROUP_INPUTS: Final = _choose(GROUP, GROUP.inputs)
# a smart group needs at least one rule; a manual one takes none
_SMART_NEEDS_RULES: Final = {
    "if": {"properties": {"is_smart": {"const": True}}, "required": ["is_smart"]},
    "then": {"required": ["rules"], "properties": {"rules": {"type": "object", "minProperties": 1}}},
    "else": {"properties": {"rules": {"anyOf": [{"type": "null"}, {"type": "object", "maxProperties": 0}]}}},
}
GroupCreate = body_struct(
    "GroupCreate", "A named set of entities; with `is_smart` its `rules` decide the members.",
    _GROUP_INPUTS, creating=True, objects={"rules": SmartRules}, schema_extra=_SMART_NEEDS_RULES,
)
GroupUpdate = body_struct(
    "GroupUpdate", "Only the fields sent change. Turning a group smart drops its hand-picked members.",
    _GROUP_INPUTS, creating=False, objects={"rules": SmartRules},
)

# the timeline's bodies are built with the functions above, in a module of their own
from .bodies_reminders import REMINDER_BODIES  # noqa: E402
from .bodies_timeline import TIMELINE_BODIES  # noqa: E402

BODIES: Final[tuple[type[Struct], ...]] = (
    *TIMELINE_BODIES,
    RegisterRequest, LoginRequest, TokenRequest, PasswordResetRequest, PasswordResetConfirm, ProfileUpdate,
    PreferencesUpdate, AccountDeletion, PasswordChange, AuthProviderLink, EntityCreate, EntityUpdate,
    RelationshipCreate, RelationshipUpdate, IdentifierCreate, IdentifierUpdate, DuplicateQuery,
    TagCreate, TagUpdate, GroupCreate, GroupUpdate, *REMINDER_BODIES,
)
