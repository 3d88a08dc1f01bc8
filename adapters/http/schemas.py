"""The JSON shapes of requests and responses, for the OpenAPI document only.

Handlers take raw JSON (the core validates it, so that every failing field comes
back in one 422) and answer with dicts made by :mod:`.serialization`. These
structs describe those shapes to API readers; the integration tests decode real
responses with them (unknown fields forbidden) so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Final, Literal

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, BodyKwarg
from msgspec import UNSET, Meta, Struct, UnsetType

from conezia.core.accounts import AUTH_PROVIDERS, TIERS
from conezia.core.entities import ENTITY_TYPES, RELATIONSHIP_STATUSES, RELATIONSHIP_STRENGTHS, RELATIONSHIP_TYPES
from conezia.core.identifiers import IDENTIFIER_TYPES
from conezia.core.organizing import TAG_COLORS

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "Accepted",
    "AccountDeletion",
    "PasswordChange",
    "AttentionItemOut",
    "AttentionList",
    "AuthProviderLink",
    "AuthProviderList",
    "AuthProviderOut",
    "DuplicateQuery",
    "EntityCreate",
    "EntityOut",
    "EntityPage",
    "EntityUpdate",
    "GroupCreate",
    "GroupList",
    "GroupOut",
    "GroupUpdate",
    "Health",
    "IdentifierCreate",
    "IdentifierList",
    "IdentifierOut",
    "IdentifierUpdate",
    "InteractionRecord",
    "LoginOut",
    "LoginRequest",
    "PasswordResetConfirm",
    "PasswordResetRequest",
    "PreferencesUpdate",
    "Problem",
    "ProfileUpdate",
    "ProviderTokens",
    "RegisterRequest",
    "RelationshipCreate",
    "RelationshipOut",
    "RelationshipPage",
    "RelationshipUpdate",
    "RevealedValue",
    "SmartRules",
    "TagCreate",
    "TagList",
    "TagOut",
    "TagUpdate",
    "TokenRequest",
    "UserOut",
    "body",
    "responses",
]

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"

# Built from the core's tuples so that the documented choices follow the rules.
EntityType = Literal[ENTITY_TYPES]  # type: ignore[valid-type]
RelationshipType = Literal[RELATIONSHIP_TYPES]  # type: ignore[valid-type]
RelationshipStrength = Literal[RELATIONSHIP_STRENGTHS]  # type: ignore[valid-type]
RelationshipStatus = Literal[RELATIONSHIP_STATUSES]  # type: ignore[valid-type]
IdentifierType = Literal[IDENTIFIER_TYPES]  # type: ignore[valid-type]
TagColor = Literal[TAG_COLORS]  # type: ignore[valid-type]
Provider = Literal[AUTH_PROVIDERS]  # type: ignore[valid-type]
Tier = Literal[TIERS]  # type: ignore[valid-type]

Email = Annotated[str, Meta(max_length=254, examples=["ada@example.com"])]
Password = Annotated[
    str,
    Meta(
        min_length=8,
        max_length=256,
        description="8 to 256 characters with a lowercase letter, an uppercase letter and a digit.",
        examples=["Analytical-Engine-1"],
    ),
]
Timezone = Annotated[str, Meta(max_length=64, description="IANA name such as Europe/Paris.", examples=["UTC"])]
Url = Annotated[str, Meta(max_length=2048, description="An http(s) URL.")]
Timestamp = Annotated[
    dt.datetime,
    Meta(
        description="ISO 8601 with a UTC offset; naive values are rejected.",
        extra_json_schema={"format": "date-time"},
    ),
]
JsonObject = dict[str, Any]


class _In(Struct, kw_only=True, omit_defaults=True):
    pass


class _Out(Struct, kw_only=True, forbid_unknown_fields=True):
    pass


# -- request bodies -------------------------------------------------------------


class NotificationPreferences(_In):
    """Merged over the current preferences; quiet hours as HH:MM or null."""

    email: bool | UnsetType = UNSET
    push: bool | UnsetType = UNSET
    in_app: bool | UnsetType = UNSET
    quiet_hours_start: Annotated[str, Meta(pattern=r"^\d{1,2}:\d{2}$")] | None | UnsetType = UNSET
    quiet_hours_end: Annotated[str, Meta(pattern=r"^\d{1,2}:\d{2}$")] | None | UnsetType = UNSET


class RegisterRequest(_In):
    """A new account. A confirmation token is mailed to the address."""

    email: Email
    password: Password
    name: Annotated[str, Meta(max_length=255)] | None | UnsetType = UNSET
    timezone: Timezone | UnsetType = UNSET
    avatar_url: Url | None | UnsetType = UNSET
    settings: JsonObject | UnsetType = UNSET
    notification_preferences: NotificationPreferences | UnsetType = UNSET


class LoginRequest(_In):
    """Credentials; repeated failures are throttled per account and per client address."""

    email: Email
    password: str


class TokenRequest(_In):
    """A one-time token from a message sent by Conezia."""

    token: str


class PasswordResetRequest(_In):
    """Where to send a reset token. The answer is the same whether or not the address has an account."""

    email: Email


class PasswordResetConfirm(_In):
    """A reset token and the new password. Every session of the account ends."""

    token: str
    password: Password


class ProfileUpdate(_In):
    """Only the fields sent change. A new email must be confirmed again."""

    email: Email | UnsetType = UNSET
    name: Annotated[str, Meta(max_length=255)] | None | UnsetType = UNSET
    avatar_url: Url | None | UnsetType = UNSET
    timezone: Timezone | UnsetType = UNSET
    onboarding_completed_at: Timestamp | None | UnsetType = UNSET


class PreferencesUpdate(_In):
    """``settings`` is replaced; ``notification_preferences`` is merged."""

    settings: JsonObject | UnsetType = UNSET
    notification_preferences: NotificationPreferences | UnsetType = UNSET


class AccountDeletion(_In):
    """The current password, to confirm deleting the account and everything it holds."""

    password: str


class PasswordChange(_In):
    """The current password and the new one (8 to 256 characters, with a lowercase and an
    uppercase letter and a digit). Every other session of the account ends."""

    current_password: str
    new_password: str


class AuthProviderLink(_In):
    """An external sign-in. Its tokens are stored encrypted; linking the same account again updates it."""

    provider: Provider
    provider_uid: Annotated[str, Meta(max_length=255)]
    provider_token: Annotated[str, Meta(max_length=8192)] | None | UnsetType = UNSET
    provider_refresh_token: Annotated[str, Meta(max_length=8192)] | None | UnsetType = UNSET
    provider_meta: JsonObject | UnsetType = UNSET


class EntityCreate(_In):
    """Someone or something to keep track of."""

    type: EntityType
    name: Annotated[str, Meta(min_length=1, max_length=255)]
    description: Annotated[str, Meta(max_length=10_000)] | None | UnsetType = UNSET
    avatar_url: Url | None | UnsetType = UNSET
    metadata: JsonObject | UnsetType = UNSET
    last_interaction_at: Timestamp | None | UnsetType = UNSET


class EntityUpdate(_In):
    """Only the fields sent change."""

    type: EntityType | UnsetType = UNSET
    name: Annotated[str, Meta(min_length=1, max_length=255)] | UnsetType = UNSET
    description: Annotated[str, Meta(max_length=10_000)] | None | UnsetType = UNSET
    avatar_url: Url | None | UnsetType = UNSET
    metadata: JsonObject | UnsetType = UNSET
    last_interaction_at: Timestamp | None | UnsetType = UNSET


class InteractionRecord(_In):
    """When the contact happened (default: now). An older date never moves the last interaction back."""

    at: Timestamp | UnsetType = UNSET


class RelationshipCreate(_In):
    """The caller's relationship to one of their entities (one per entity)."""

    type: RelationshipType | None | UnsetType = UNSET
    strength: RelationshipStrength | UnsetType = UNSET
    status: RelationshipStatus | UnsetType = UNSET
    started_at: dt.date | None | UnsetType = UNSET
    health_threshold_days: Annotated[
        int, Meta(ge=1, le=365, description="Days without contact before it needs attention (default 30).")
    ] | UnsetType = UNSET
    notes: Annotated[str, Meta(max_length=5000)] | None | UnsetType = UNSET


class RelationshipUpdate(RelationshipCreate):
    """Only the fields sent change."""


class IdentifierCreate(_In):
    """A phone (stored in E.164), email, handle, website or ID number (ssn, government_id and
    account_number are encrypted and only come back through the reveal endpoint)."""

    type: IdentifierType
    value: Annotated[str, Meta(max_length=512, examples=["+12025551234"])]
    label: Annotated[str, Meta(max_length=64)] | None | UnsetType = UNSET
    is_primary: bool | UnsetType = UNSET
    verified_at: Timestamp | None | UnsetType = UNSET


class IdentifierUpdate(_In):
    """Only the fields sent change; a new value is validated for the identifier's type."""

    value: Annotated[str, Meta(max_length=512)] | UnsetType = UNSET
    label: Annotated[str, Meta(max_length=64)] | None | UnsetType = UNSET
    is_primary: bool | UnsetType = UNSET
    verified_at: Timestamp | None | UnsetType = UNSET


class DuplicateQuery(_In):
    """A value to look for among the caller's identifiers (compared by blind index, never in clear)."""

    type: IdentifierType
    value: Annotated[str, Meta(max_length=512)]


class TagCreate(_In):
    """A label for entities; names are unique per user."""

    name: Annotated[str, Meta(min_length=1, max_length=50)]
    color: TagColor | UnsetType = UNSET
    description: Annotated[str, Meta(max_length=255)] | None | UnsetType = UNSET


class TagUpdate(_In):
    """Only the fields sent change."""

    name: Annotated[str, Meta(min_length=1, max_length=50)] | UnsetType = UNSET
    color: TagColor | UnsetType = UNSET
    description: Annotated[str, Meta(max_length=255)] | None | UnsetType = UNSET


class SmartRules(_In):
    """Every rule given must hold. Lists match any of their values, except ``tags`` (all of them)."""

    type: EntityType | list[EntityType] | UnsetType = UNSET
    tags: list[Annotated[str, Meta(min_length=1, max_length=50)]] | UnsetType = UNSET
    relationship_type: RelationshipType | list[RelationshipType] | UnsetType = UNSET
    relationship_status: RelationshipStatus | list[RelationshipStatus] | UnsetType = UNSET
    last_interaction_days: Annotated[int, Meta(ge=1, le=3650)] | UnsetType = UNSET


class GroupCreate(_In):
    """A named set of entities; with ``is_smart`` its ``rules`` decide the members."""

    name: Annotated[str, Meta(min_length=1, max_length=100)]
    description: Annotated[str, Meta(max_length=500)] | None | UnsetType = UNSET
    is_smart: bool | UnsetType = UNSET
    rules: SmartRules | None | UnsetType = UNSET


class GroupUpdate(_In):
    """Only the fields sent change. Turning a group smart drops its hand-picked members."""

    name: Annotated[str, Meta(min_length=1, max_length=100)] | UnsetType = UNSET
    description: Annotated[str, Meta(max_length=500)] | None | UnsetType = UNSET
    is_smart: bool | UnsetType = UNSET
    rules: SmartRules | None | UnsetType = UNSET


# -- responses --------------------------------------------------------------------


class UserOut(_Out):
    id: uuid.UUID
    email: str
    name: str | None
    avatar_url: str | None
    timezone: str
    confirmed_at: dt.datetime | None
    tier: Tier
    settings: JsonObject
    notification_preferences: JsonObject
    onboarding_completed_at: dt.datetime | None
    inserted_at: dt.datetime
    updated_at: dt.datetime


class LoginOut(_Out):
    token: Annotated[str, Meta(description="Send as `Authorization: Bearer <token>`. Shown only once.")]
    token_type: Literal["bearer"]
    expires_at: dt.datetime
    user: UserOut


class Accepted(_Out):
    status: Literal["accepted"]


class AuthProviderOut(_Out):
    id: uuid.UUID
    provider: Provider
    provider_uid: str
    provider_meta: JsonObject
    has_token: bool
    has_refresh_token: bool
    inserted_at: dt.datetime
    updated_at: dt.datetime


class AuthProviderList(_Out):
    data: list[AuthProviderOut]


class ProviderTokens(_Out):
    provider_token: str | None
    provider_refresh_token: str | None


class EntityOut(_Out):
    id: uuid.UUID
    type: EntityType
    name: str
    description: str | None
    avatar_url: str | None
    metadata: JsonObject
    last_interaction_at: dt.datetime | None
    archived_at: dt.datetime | None
    inserted_at: dt.datetime
    updated_at: dt.datetime


class EntityPage(_Out):
    data: list[EntityOut]
    next_cursor: Annotated[str, Meta(description="Pass as `cursor` for the next page.")] | None


class RelationshipOut(_Out):
    id: uuid.UUID
    entity_id: uuid.UUID
    type: RelationshipType | None
    strength: RelationshipStrength
    status: RelationshipStatus
    started_at: dt.date | None
    health_threshold_days: int
    notes: str | None
    inserted_at: dt.datetime
    updated_at: dt.datetime


class RelationshipPage(_Out):
    data: list[RelationshipOut]
    next_cursor: str | None


class AttentionItemOut(_Out):
    entity: EntityOut
    relationship: RelationshipOut
    due_at: dt.datetime
    days_overdue: int


class AttentionList(_Out):
    data: list[AttentionItemOut]


class IdentifierOut(_Out):
    id: uuid.UUID
    entity_id: uuid.UUID
    type: IdentifierType
    value: Annotated[str, Meta(description="null for sensitive types; see the reveal endpoint.")] | None
    is_sensitive: bool
    label: str | None
    is_primary: bool
    verified_at: dt.datetime | None
    inserted_at: dt.datetime
    updated_at: dt.datetime


class IdentifierList(_Out):
    data: list[IdentifierOut]


class RevealedValue(_Out):
    value: str


class TagOut(_Out):
    id: uuid.UUID
    name: str
    color: TagColor
    description: str | None
    inserted_at: dt.datetime
    updated_at: dt.datetime


class TagList(_Out):
    data: list[TagOut]


class GroupOut(_Out):
    id: uuid.UUID
    name: str
    description: str | None
    is_smart: bool
    rules: JsonObject | None
    inserted_at: dt.datetime
    updated_at: dt.datetime


class GroupList(_Out):
    data: list[GroupOut]


class Health(_Out):
    status: Literal["ok"]


class Problem(Struct, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem."""

    type: str
    title: str
    status: int
    detail: str | UnsetType = UNSET
    errors: Annotated[
        dict[str, list[str]], Meta(description="Field name -> messages (422 and 409 only).")
    ] | UnsetType = UNSET
    request_id: str | UnsetType = UNSET


# -- helpers for the route decorators --------------------------------------------

_ERROR_DESCRIPTIONS: Final[Mapping[int, str]] = {
    400: "Malformed request, such as invalid JSON or a body that is not JSON",
    401: "Missing, invalid or expired bearer token",
    404: "No such resource among the caller's",
    409: "Conflicts with existing data; `errors` names the field",
    413: "Request body too large",
    422: "Invalid input; `errors` names every failing field",
    429: "Too many requests; see Retry-After",
    503: "A dependency (the database) is unavailable",
}


def body(schema: type[Struct]) -> BodyKwarg:
    """Document a raw JSON request body with the fields of ``schema``.

    The body still arrives untyped: the core validates it and answers 422 with every
    failing field, where typed decoding would stop at the first error with a 400.

    Args:
        schema: a request struct from this module.

    Returns:
        A ``Body`` marker for ``Annotated[Any, ...]``.
    """
    _, components = msgspec.json.schema_components([schema], ref_template="#/components/schemas/{name}")
    definition = dict(components[schema.__name__])
    # nested structs are inlined so the request body stands alone in the document
    properties = {name: _inline(prop, components) for name, prop in definition.get("properties", {}).items()}
    description = definition.get("description")
    return Body(
        title=definition.get("title"),
        description=" ".join(description.split()) if description else None,
        schema_extra={
            "type": "object",
            "properties": properties,
            "required": definition.get("required", []),
            "additional_properties": False,
        },
    )


def _inline(node: Any, components: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            return _inline(dict(components[ref.rsplit("/", 1)[-1]]), components)
        return {key: _inline(value, components) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, components) for item in node]
    return node


def responses(
    ok: type[Struct] | None, status: int = 200, *, errors: Iterable[int] = ()
) -> dict[int, ResponseSpec]:
    """The documented responses of one operation.

    Args:
        ok: the success body (None for an empty one).
        status: the success status code.
        errors: the problem statuses the operation may answer with; 400 is always
            listed, replacing the one Litestar documents with its own error shape.

    Returns:
        A mapping for the route decorator's ``responses`` argument.
    """
    specs: dict[int, ResponseSpec] = {
        status: ResponseSpec(data_container=ok, generate_examples=False, description="Success"),
    }
    for code in sorted({400, *errors}):
        specs[code] = ResponseSpec(
            data_container=Problem,
            generate_examples=False,
            description=_ERROR_DESCRIPTIONS[code],
            media_type=PROBLEM_MEDIA_TYPE,
        )
    return specs
