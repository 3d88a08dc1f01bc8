"""The asyncio embedding API for one user's data: every call is scoped to that user.

Optional fields default to :data:`~conezia.core.validation.UNSET` ("not given"):
only given fields reach the use-case. Allowed values are checked by the core.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from conezia.core import services
from conezia.core.accounts import AuthProvider, User
from conezia.core.activity import ActivityLog, parse_activity_filter
from conezia.core.deps import Deps
from conezia.core.entities import Entity, Relationship
from conezia.core.identifiers import Identifier
from conezia.core.pagination import Page, PageRequest
from conezia.core.services import AttentionItem
from conezia.core.validation import UNSET, Unset

from .aio_attachments import AsyncAttachments
from .aio_notifications import AsyncNotifications
from .aio_organizing import AsyncOrganizing
from .aio_reminders import AsyncReminders
from .aio_timeline import AsyncTimeline
from .fields import given, listed

__all__ = ["AsyncUserScope"]


class AsyncUserScope(AsyncOrganizing, AsyncTimeline, AsyncReminders, AsyncNotifications, AsyncAttachments):
    """Everything one user owns. Ids of other users' rows raise NotFoundError."""

    def __init__(self, deps: Deps, user_id: uuid.UUID) -> None:
        self._deps = deps
        self._user_id = user_id

    @property
    def user_id(self) -> uuid.UUID:
        """The user every call is scoped to."""
        return self._user_id

    # -- account -------------------------------------------------------------

    async def profile(self) -> User:
        """The user's account."""
        return await services.get_user(self._deps, self._user_id)

    async def update_profile(
        self,
        *,
        email: str | Unset = UNSET,
        name: str | None | Unset = UNSET,
        avatar_url: str | None | Unset = UNSET,
        timezone: str | Unset = UNSET,
        onboarding_completed_at: dt.datetime | str | None | Unset = UNSET,
    ) -> User:
        """Change the given fields; a new email must be confirmed again (a token goes to the outbox)."""
        params = given(
            email=email, name=name, avatar_url=avatar_url, timezone=timezone,
            onboarding_completed_at=onboarding_completed_at,
        )
        return await services.update_profile(self._deps, self._user_id, params)

    async def update_preferences(
        self,
        *,
        settings: Mapping[str, Any] | Unset = UNSET,
        notification_preferences: Mapping[str, Any] | Unset = UNSET,
    ) -> User:
        """Replace ``settings`` and/or merge ``notification_preferences`` (quiet hours HH:MM)."""
        params = given(settings=settings, notification_preferences=notification_preferences)
        return await services.update_preferences(self._deps, self._user_id, params)

    async def change_password(self, current_password: str, new_password: str, *, keep_token: str | None = None) -> User:
        """Set a new password; every session ends but ``keep_token``'s, if given."""
        return await services.change_password(
            self._deps, self._user_id, current_password, new_password, keep_token=keep_token
        )

    async def request_email_confirmation(self) -> None:
        """Send a fresh confirmation token for the current address."""
        await services.request_email_confirmation(self._deps, self._user_id)

    async def link_auth_provider(
        self,
        *,
        provider: str,
        provider_uid: str,
        provider_token: str | None | Unset = UNSET,
        provider_refresh_token: str | None | Unset = UNSET,
        provider_meta: Mapping[str, Any] | Unset = UNSET,
    ) -> AuthProvider:
        """Link an external sign-in; its tokens are stored encrypted. Linking again updates them."""
        params = given(
            provider=provider, provider_uid=provider_uid, provider_token=provider_token,
            provider_refresh_token=provider_refresh_token, provider_meta=provider_meta,
        )
        return await services.link_auth_provider(self._deps, self._user_id, params)

    async def auth_providers(self) -> Sequence[AuthProvider]:
        """The linked sign-ins."""
        return await services.list_auth_providers(self._deps, self._user_id)

    async def reveal_provider_tokens(self, provider_id: uuid.UUID) -> dict[str, Any]:
        """The decrypted ``provider_token`` and ``provider_refresh_token`` of a linked sign-in."""
        return await services.reveal_provider_tokens(self._deps, self._user_id, provider_id)

    async def unlink_auth_provider(self, provider_id: uuid.UUID) -> None:
        """Unlink a sign-in; refused when it is the only way left to sign in."""
        await services.unlink_auth_provider(self._deps, self._user_id, provider_id)

    async def activity(
        self,
        *,
        resource_type: str | None = None,
        resource_id: uuid.UUID | str | None = None,
        action: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[ActivityLog]:
        """The user's activity log, newest first, one page; pass ``next_cursor`` for the next (older) one.

        Raises:
            ValidationError: on an unknown ``resource_type`` or ``action``, a malformed ``resource_id``,
                ``limit`` or ``cursor``.
        """
        criteria = parse_activity_filter({
            "resource_type": resource_type, "action": action,
            "resource_id": None if resource_id is None else str(resource_id),
        })
        page = PageRequest.parse(limit=limit, cursor=cursor)
        return await services.list_activity(self._deps, self._user_id, criteria, page)

    async def delete_account(self, password: str) -> None:
        """Delete the account and everything it owns, after re-checking the password."""
        await services.delete_account(self._deps, self._user_id, password)

    # -- entities ------------------------------------------------------------

    async def create_entity(
        self,
        *,
        type: str,
        name: str,
        description: str | None | Unset = UNSET,
        avatar_url: str | None | Unset = UNSET,
        metadata: Mapping[str, Any] | Unset = UNSET,
        last_interaction_at: dt.datetime | str | None | Unset = UNSET,
    ) -> Entity:
        """Create a person, organization, ... (``type`` as the core allows)."""
        params = given(
            type=type, name=name, description=description, avatar_url=avatar_url, metadata=metadata,
            last_interaction_at=last_interaction_at,
        )
        return await services.create_entity(self._deps, self._user_id, params)

    async def entity(self, entity_id: uuid.UUID) -> Entity:
        """One entity."""
        return await services.get_entity(self._deps, self._user_id, entity_id)

    async def entities(
        self,
        *,
        limit: int = 50,
        cursor: str | None = None,
        type: str | Sequence[str] | None = None,
        tag: str | Sequence[str] | None = None,
        relationship_type: str | Sequence[str] | None = None,
        relationship_status: str | Sequence[str] | None = None,
        archived: bool | Literal["all"] = False,
        q: str | None = None,
    ) -> Page[Entity]:
        """One page of entities, oldest first: of any of ``type``, with all of ``tag``, name containing ``q``."""
        criteria = services.parse_entity_filter(given(
            type=listed(type), tag=listed(tag), relationship_type=listed(relationship_type),
            relationship_status=listed(relationship_status),
            archived=archived if isinstance(archived, str) else str(archived).lower(), q=q,
        ))
        page = PageRequest.parse(limit, cursor)
        return await services.list_entities(self._deps, self._user_id, criteria, page)

    async def update_entity(
        self,
        entity_id: uuid.UUID,
        *,
        type: str | Unset = UNSET,
        name: str | Unset = UNSET,
        description: str | None | Unset = UNSET,
        avatar_url: str | None | Unset = UNSET,
        metadata: Mapping[str, Any] | Unset = UNSET,
        last_interaction_at: dt.datetime | str | None | Unset = UNSET,
    ) -> Entity:
        """Change the given fields."""
        params = given(
            type=type, name=name, description=description, avatar_url=avatar_url, metadata=metadata,
            last_interaction_at=last_interaction_at,
        )
        return await services.update_entity(self._deps, self._user_id, entity_id, params)

    async def archive_entity(self, entity_id: uuid.UUID) -> Entity:
        """Hide an entity from lists and health without deleting anything."""
        return await services.archive_entity(self._deps, self._user_id, entity_id)

    async def unarchive_entity(self, entity_id: uuid.UUID) -> Entity:
        """Bring an archived entity back."""
        return await services.unarchive_entity(self._deps, self._user_id, entity_id)

    async def delete_entity(self, entity_id: uuid.UUID) -> None:
        """Delete for good, with its relationship, identifiers and memberships."""
        await services.delete_entity(self._deps, self._user_id, entity_id)

    # -- relationships -------------------------------------------------------

    async def set_relationship(
        self,
        entity_id: uuid.UUID,
        *,
        type: str | None | Unset = UNSET,
        strength: str | Unset = UNSET,
        status: str | Unset = UNSET,
        started_at: dt.date | str | None | Unset = UNSET,
        health_threshold_days: int | Unset = UNSET,
        notes: str | None | Unset = UNSET,
    ) -> Relationship:
        """Record the user's relationship to one of their entities (one per entity)."""
        params = given(
            type=type, strength=strength, status=status, started_at=started_at,
            health_threshold_days=health_threshold_days, notes=notes,
        )
        return await services.set_relationship(self._deps, self._user_id, entity_id, params)

    async def relationship(self, relationship_id: uuid.UUID) -> Relationship:
        """One relationship."""
        return await services.get_relationship(self._deps, self._user_id, relationship_id)

    async def entity_relationship(self, entity_id: uuid.UUID) -> Relationship:
        """The user's relationship to one of their entities."""
        return await services.get_entity_relationship(self._deps, self._user_id, entity_id)

    async def update_relationship(
        self,
        relationship_id: uuid.UUID,
        *,
        type: str | None | Unset = UNSET,
        strength: str | Unset = UNSET,
        status: str | Unset = UNSET,
        started_at: dt.date | str | None | Unset = UNSET,
        health_threshold_days: int | Unset = UNSET,
        notes: str | None | Unset = UNSET,
    ) -> Relationship:
        """Change the given fields."""
        params = given(
            type=type, strength=strength, status=status, started_at=started_at,
            health_threshold_days=health_threshold_days, notes=notes,
        )
        return await services.update_relationship(self._deps, self._user_id, relationship_id, params)

    async def end_relationship(self, relationship_id: uuid.UUID) -> Relationship:
        """Mark a relationship inactive; it stays on record but needs no attention."""
        return await services.end_relationship(self._deps, self._user_id, relationship_id)

    async def delete_relationship(self, relationship_id: uuid.UUID) -> None:
        """Delete a relationship for good."""
        await services.delete_relationship(self._deps, self._user_id, relationship_id)

    async def relationships(
        self, *, status: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page[Relationship]:
        """One page of relationships, oldest first, of one ``status`` if given."""
        page = PageRequest.parse(limit, cursor)
        return await services.list_relationships(self._deps, self._user_id, page, status)

    async def needing_attention(self, limit: int = 50) -> list[AttentionItem]:
        """Relationship health: who is overdue for contact, most overdue first."""
        return await services.needing_attention(self._deps, self._user_id, limit)

    # -- identifiers ---------------------------------------------------------

    async def add_identifier(
        self,
        entity_id: uuid.UUID,
        *,
        type: str,
        value: str,
        label: str | None | Unset = UNSET,
        is_primary: bool | Unset = UNSET,
        verified_at: dt.datetime | str | None | Unset = UNSET,
    ) -> Identifier:
        """Attach a phone, email, SSN, ...; sensitive values are stored encrypted (``value`` is None)."""
        params = given(type=type, value=value, label=label, is_primary=is_primary, verified_at=verified_at)
        return await services.add_identifier(self._deps, self._user_id, entity_id, params)

    async def identifiers(self, entity_id: uuid.UUID) -> Sequence[Identifier]:
        """An entity's identifiers."""
        return await services.list_identifiers(self._deps, self._user_id, entity_id)

    async def update_identifier(
        self,
        identifier_id: uuid.UUID,
        *,
        value: str | Unset = UNSET,
        label: str | None | Unset = UNSET,
        is_primary: bool | Unset = UNSET,
        verified_at: dt.datetime | str | None | Unset = UNSET,
    ) -> Identifier:
        """Change the given fields; a new value is validated and is no longer verified."""
        params = given(value=value, label=label, is_primary=is_primary, verified_at=verified_at)
        return await services.update_identifier(self._deps, self._user_id, identifier_id, params)

    async def remove_identifier(self, identifier_id: uuid.UUID) -> None:
        """Delete an identifier."""
        await services.remove_identifier(self._deps, self._user_id, identifier_id)

    async def reveal_identifier(self, identifier_id: uuid.UUID) -> str:
        """The plaintext value (decrypted for sensitive types)."""
        return await services.reveal_identifier(self._deps, self._user_id, identifier_id)

    async def find_duplicates(self, type: str, value: str) -> Sequence[Identifier]:
        """The user's identifiers carrying this value, compared by blind index."""
        return await services.find_duplicates(self._deps, self._user_id, type, value)

    async def duplicates_of(self, identifier_id: uuid.UUID) -> Sequence[Identifier]:
        """The user's other identifiers with the same value as this one."""
        return await services.duplicates_of(self._deps, self._user_id, identifier_id)
