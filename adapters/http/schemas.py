"""Response bodies: msgspec structs that are both the OpenAPI schema and the serializer.

A handler converts the domain object it got from the core into one of these
(:func:`out`, :func:`out_list`, :func:`out_page`: ``msgspec.convert(obj, Out,
from_attributes=True)``) and returns it; Litestar writes it with msgspec, in C,
and documents the same class. So what the document says is what goes out:

- only the fields declared here leave the server (a field added to the domain
  later, say another secret, stays private until it is listed here), and no
  struct declares ``bytes``: ciphertexts and token hashes have no way out;
- timestamps must be aware (a naive one fails the conversion: a bug, not a guess
  to make); the core keeps every instant in UTC, which msgspec writes as ``"...Z"``
  (an instant with another offset would keep it: same instant, no hook per field,
  which cost a third of a page's serialization);
- a sensitive identifier's ``value`` is null (the reveal endpoint returns it).

The field order is the JSON key order, kept as it was when a converter built dicts.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, TypeAlias, TypeVar

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from conezia.core.accounts import AUTH_PROVIDER, USER, AuthProvider
from conezia.core.activity import ACTIVITY_LOG
from conezia.core.entities import ENTITY, RELATIONSHIP
from conezia.core.identifiers import IDENTIFIER
from conezia.core.organizing import TAG
from conezia.core.pagination import Page
from conezia.core.reminders import CHANNELS, REMINDER

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "RESPONSES",
    "Accepted",
    "ActivityOut",
    "ActivityPage",
    "AttentionItemOut",
    "AttentionList",
    "AuthProviderList",
    "AuthProviderOut",
    "EntityOut",
    "EntityPage",
    "GroupList",
    "GroupOut",
    "Health",
    "IdentifierList",
    "IdentifierOut",
    "LoginOut",
    "Out",
    "Problem",
    "ProviderTokens",
    "RelationshipOut",
    "RelationshipPage",
    "ReminderOut",
    "ReminderPage",
    "RevealedValue",
    "TagList",
    "TagOut",
    "UserOut",
    "out",
    "out_list",
    "out_page",
    "provider_out",
]

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
OutT = TypeVar("OutT", bound="Out")

# The allowed values, as the core declares them (plain strings to the type checker,
# which cannot read a Literal built at run time).
if TYPE_CHECKING:
    EntityType: TypeAlias = str
    RelationshipType: TypeAlias = str
    RelationshipStrength: TypeAlias = str
    RelationshipStatus: TypeAlias = str
    IdentifierType: TypeAlias = str
    TagColor: TypeAlias = str
    Provider: TypeAlias = str
    Tier: TypeAlias = str
    ActivityAction: TypeAlias = str
    ActivityResource: TypeAlias = str
    ReminderType: TypeAlias = str
    Channel: TypeAlias = str
else:
    EntityType = Literal[ENTITY["type"].choices]
    RelationshipType = Literal[RELATIONSHIP["type"].choices]
    RelationshipStrength = Literal[RELATIONSHIP["strength"].choices]
    RelationshipStatus = Literal[RELATIONSHIP["status"].choices]
    IdentifierType = Literal[IDENTIFIER["type"].choices]
    TagColor = Literal[TAG["color"].choices]
    Provider = Literal[AUTH_PROVIDER["provider"].choices]
    Tier = Literal[USER["tier"].choices]
    ActivityAction = Literal[ACTIVITY_LOG["action"].choices]
    ActivityResource = Literal[ACTIVITY_LOG["resource_type"].choices]
    ReminderType = Literal[REMINDER["type"].choices]
    Channel = Literal[CHANNELS]

Timestamp = Annotated[dt.datetime, Meta(tz=True)]
JsonObject = dict[str, Any]


class Out(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """A response body. Unknown fields are refused when decoding one (the tests do)."""


class UserOut(Out):
    id: uuid.UUID
    email: str
    inserted_at: Timestamp
    updated_at: Timestamp
    name: str | None
    avatar_url: str | None
    timezone: str
    confirmed_at: Timestamp | None
    tier: Tier
    settings: JsonObject
    onboarding_completed_at: Timestamp | None
    notification_preferences: JsonObject


class LoginOut(Out, kw_only=True):
    token: Annotated[str, Meta(description="Send as `Authorization: Bearer <token>`. Shown only once.")]
    token_type: Literal["bearer"] = "bearer"
    expires_at: Timestamp
    user: UserOut


class Accepted(Out):
    status: Literal["accepted"] = "accepted"


class AuthProviderOut(Out):
    id: uuid.UUID
    provider: Provider
    provider_uid: str
    provider_meta: JsonObject
    has_token: bool
    has_refresh_token: bool
    inserted_at: Timestamp
    updated_at: Timestamp


class AuthProviderList(Out):
    data: list[AuthProviderOut]


class ProviderTokens(Out):
    provider_token: str | None
    provider_refresh_token: str | None


class EntityOut(Out):
    id: uuid.UUID
    type: EntityType
    name: str
    inserted_at: Timestamp
    updated_at: Timestamp
    description: str | None
    avatar_url: str | None
    metadata: JsonObject
    last_interaction_at: Timestamp | None
    archived_at: Timestamp | None


class EntityPage(Out):
    data: list[EntityOut]
    next_cursor: Annotated[str, Meta(description="Pass as `cursor` for the next page.")] | None


class RelationshipOut(Out):
    id: uuid.UUID
    entity_id: uuid.UUID
    inserted_at: Timestamp
    updated_at: Timestamp
    type: RelationshipType | None
    strength: RelationshipStrength
    status: RelationshipStatus
    started_at: dt.date | None
    health_threshold_days: int
    notes: str | None


class RelationshipPage(Out):
    data: list[RelationshipOut]
    next_cursor: Annotated[str, Meta(description="Pass as `cursor` for the next page.")] | None


class AttentionItemOut(Out):
    entity: EntityOut
    relationship: RelationshipOut
    due_at: Timestamp
    days_overdue: int


class AttentionList(Out):
    data: list[AttentionItemOut]


class IdentifierOut(Out):
    id: uuid.UUID
    entity_id: uuid.UUID
    type: IdentifierType
    value: Annotated[str, Meta(description="null for sensitive types; see the reveal endpoint.")] | None
    is_sensitive: bool
    label: str | None
    is_primary: bool
    verified_at: Timestamp | None
    inserted_at: Timestamp
    updated_at: Timestamp

    def __post_init__(self) -> None:
        if self.is_sensitive:
            self.value = None


class IdentifierList(Out):
    data: list[IdentifierOut]


class RevealedValue(Out):
    value: str


class TagOut(Out):
    id: uuid.UUID
    name: str
    inserted_at: Timestamp
    updated_at: Timestamp
    color: TagColor
    description: str | None


class TagList(Out):
    data: list[TagOut]


class GroupOut(Out):
    id: uuid.UUID
    name: str
    inserted_at: Timestamp
    updated_at: Timestamp
    description: str | None
    is_smart: bool
    rules: JsonObject | None


class GroupList(Out):
    data: list[GroupOut]


class ActivityOut(Out):
    id: uuid.UUID
    action: ActivityAction
    resource_type: ActivityResource
    resource_id: uuid.UUID | None
    metadata: Annotated[JsonObject, Meta(description=ACTIVITY_LOG["metadata"].description)]
    ip_address: str | None
    user_agent: str | None
    inserted_at: Timestamp


class ActivityPage(Out):
    data: list[ActivityOut]
    next_cursor: Annotated[str, Meta(description="Pass as `cursor` for the next (older) page.")] | None


class ReminderOut(Out):
    id: uuid.UUID
    entity_id: uuid.UUID | None
    type: ReminderType
    title: str
    description: str | None
    due_at: Annotated[Timestamp, Meta(description="The current occurrence; a recurring reminder's moves on when completed.")]
    recurrence_rule: JsonObject | None
    notification_channels: list[Channel]
    snoozed_until: Timestamp | None
    completed_at: Timestamp | None
    inserted_at: Timestamp
    updated_at: Timestamp


class ReminderPage(Out):
    data: list[ReminderOut]
    next_cursor: Annotated[str, Meta(description="Pass as `cursor` for the next page.")] | None


class Health(Out):
    status: Literal["ok"] = "ok"


class Problem(Out, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem."""

    type: str
    title: str
    status: int
    detail: str | UnsetType = UNSET
    errors: Annotated[
        dict[str, list[str]], Meta(description="Field name -> messages (422 and 409 only).")
    ] | UnsetType = UNSET
    request_id: str | UnsetType = UNSET


RESPONSES: Final[tuple[type[Out], ...]] = tuple(
    cls for cls in list(globals().values()) if isinstance(cls, type) and issubclass(cls, Out) and cls is not Out
)
"""Every response body."""


def out(shape: type[OutT], obj: object) -> OutT:
    """The response body ``shape`` made of a domain object's attributes."""
    return msgspec.convert(obj, shape, from_attributes=True)


def out_list(shape: type[OutT], items: Iterable[object]) -> OutT:
    """A non-paginated list, ``{"data": [...]}``, as ``shape``."""
    return msgspec.convert({"data": items}, shape, from_attributes=True)


def out_page(shape: type[OutT], page: Page[Any]) -> OutT:
    """One page of a list, ``{"data": [...], "next_cursor": ...}``, as ``shape``."""
    return msgspec.convert({"data": page.items, "next_cursor": page.next_cursor}, shape, from_attributes=True)


def provider_out(provider: AuthProvider) -> AuthProviderOut:
    """A linked sign-in, saying whether it has tokens without showing them."""
    return AuthProviderOut(
        id=provider.id, provider=provider.provider, provider_uid=provider.provider_uid,
        provider_meta=provider.provider_meta, has_token=provider.provider_token is not None,
        has_refresh_token=provider.provider_refresh_token is not None,
        inserted_at=provider.inserted_at, updated_at=provider.updated_at,
    )
