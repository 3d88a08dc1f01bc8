"""The embedding API: Conezia's use-cases for other Python programs, without HTTP.

Example::

    import conezia

    with conezia.open("memory") as crm:
        crm.register(email="ada@example.com", password="Analytical-Engine-1")
        me = crm.log_in("ada@example.com", "Analytical-Engine-1").user
        scope = crm.as_user(me.id)
        grace = scope.create_entity(type="person", name="Grace Hopper")
        scope.add_identifier(grace.id, type="phone", value="+12025551234")
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conezia.adapters.mail import MemoryOutbox
from conezia.core import services
from conezia.core.accounts import AuthProvider, User
from conezia.core.deps import Deps, Mailer
from conezia.core.entities import Entity, Relationship
from conezia.core.identifiers import Identifier
from conezia.core.organizing import EntityFilter, Group, Tag
from conezia.core.pagination import Page, PageRequest

from .bootstrap import Backend, build_deps, open_backend
from .keys import KeyRing, load_keys
from .settings import Settings

__all__ = ["Conezia", "UserScope", "open"]


def open(  # noqa: A001 - the natural name for "open a Conezia store"
    target: str = "memory",
    *,
    keys: KeyRing | None = None,
    key_file: str | Path | None = None,
    migrate: bool = True,
    mailer: Mailer | None = None,
    settings: Settings | None = None,
) -> Conezia:
    """Open Conezia over the in-memory store or a PostgreSQL database.

    Args:
        target: ``"memory"`` or a PostgreSQL URL (``postgresql://...``).
        keys: encryption and blind-index keys. Default: for ``"memory"`` fresh
            random keys; for PostgreSQL ``CONEZIA_KEYS`` or the key file.
        key_file: where to read keys from (default ``CONEZIA_KEY_FILE`` or ``var/keys.json``).
        migrate: apply pending migrations first (PostgreSQL only).
        mailer: where confirmation and reset tokens go (default: an in-memory outbox,
            readable as ``crm.outbox``).
        settings: everything else; default :meth:`Settings.from_env`.
    """
    settings = settings or Settings.from_env()
    if target != "memory" and migrate:
        from conezia.adapters.postgres.migrator import apply_migrations

        apply_migrations(target)
    if keys is None:
        if target == "memory":
            keys = KeyRing.generate("ephemeral")
        else:
            keys = load_keys(os.environ, Path(key_file) if key_file else settings.resolved_key_file)
    backend = open_backend(target, pool_size=settings.pool_size)
    outbox = mailer or MemoryOutbox()
    deps = build_deps(settings, keys=keys, backend=backend, mailer=outbox)
    return Conezia(deps, backend)


class Conezia:
    """Account-level operations, and :meth:`as_user` for everything a user owns."""

    def __init__(self, deps: Deps, backend: Backend) -> None:
        self.deps = deps
        self._backend = backend

    @property
    def outbox(self) -> Mailer:
        """The mailer holding confirmation and reset tokens (a MemoryOutbox unless you passed one)."""
        return self.deps.mailer

    def close(self) -> None:
        self._backend.close()

    def __enter__(self) -> Conezia:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def register(self, **params: Any) -> User:
        return services.register(self.deps, params)

    def log_in(self, email: str, password: str) -> services.Session:
        return services.log_in(self.deps, email, password)

    def log_out(self, token: str, *, everywhere: bool = False) -> None:
        services.log_out(self.deps, token, everywhere=everywhere)

    def authenticate(self, token: str) -> UserScope:
        """The user scope behind a session token (raises AuthenticationError)."""
        user, _ = services.verify_session(self.deps, token)
        return UserScope(self.deps, user.id)

    def confirm_email(self, token: str) -> User:
        return services.confirm_email(self.deps, token)

    def request_password_reset(self, email: str) -> None:
        services.request_password_reset(self.deps, email)

    def reset_password(self, token: str, password: str) -> User:
        return services.confirm_password_reset(self.deps, token, password)

    def change_tier(self, user_id: uuid.UUID, tier: str) -> User:
        """Administrator operation (errata D2)."""
        return services.change_tier(self.deps, user_id, tier)

    def as_user(self, user_id: uuid.UUID) -> UserScope:
        """Operations on one user's data; every call is scoped to that user."""
        return UserScope(self.deps, user_id)


class UserScope:
    """Everything one user owns. Ids of other users' rows raise NotFoundError."""

    def __init__(self, deps: Deps, user_id: uuid.UUID) -> None:
        self.deps = deps
        self.user_id = user_id

    # account
    def profile(self) -> User:
        return services.get_user(self.deps, self.user_id)

    def update_profile(self, **params: Any) -> User:
        return services.update_profile(self.deps, self.user_id, params)

    def update_preferences(self, **params: Any) -> User:
        return services.update_preferences(self.deps, self.user_id, params)

    def change_password(self, current_password: str, new_password: str) -> User:
        """Every session of the user ends; log in again with the new password."""
        return services.change_password(self.deps, self.user_id, current_password, new_password)

    def link_auth_provider(self, **params: Any) -> AuthProvider:
        return services.link_auth_provider(self.deps, self.user_id, params)

    def auth_providers(self) -> Sequence[AuthProvider]:
        return services.list_auth_providers(self.deps, self.user_id)

    def unlink_auth_provider(self, provider_id: uuid.UUID) -> None:
        services.unlink_auth_provider(self.deps, self.user_id, provider_id)

    def delete_account(self, password: str) -> None:
        services.delete_account(self.deps, self.user_id, password)

    # entities
    def create_entity(self, **params: Any) -> Entity:
        return services.create_entity(self.deps, self.user_id, params)

    def entity(self, entity_id: uuid.UUID) -> Entity:
        return services.get_entity(self.deps, self.user_id, entity_id)

    def entities(self, *, limit: int = 50, cursor: str | None = None, **filters: Any) -> Page[Entity]:
        """Filters as the HTTP API: type, tag, relationship_type, relationship_status, archived, q."""
        criteria: EntityFilter = services.parse_entity_filter(filters)
        return services.list_entities(self.deps, self.user_id, criteria, PageRequest.parse(limit, cursor))

    def update_entity(self, entity_id: uuid.UUID, **params: Any) -> Entity:
        return services.update_entity(self.deps, self.user_id, entity_id, params)

    def archive_entity(self, entity_id: uuid.UUID) -> Entity:
        return services.archive_entity(self.deps, self.user_id, entity_id)

    def unarchive_entity(self, entity_id: uuid.UUID) -> Entity:
        return services.unarchive_entity(self.deps, self.user_id, entity_id)

    def record_interaction(self, entity_id: uuid.UUID, at: Any = None) -> Entity:
        return services.record_interaction(self.deps, self.user_id, entity_id, at)

    def delete_entity(self, entity_id: uuid.UUID) -> None:
        services.delete_entity(self.deps, self.user_id, entity_id)

    # relationships
    def set_relationship(self, entity_id: uuid.UUID, **params: Any) -> Relationship:
        return services.set_relationship(self.deps, self.user_id, entity_id, params)

    def update_relationship(self, relationship_id: uuid.UUID, **params: Any) -> Relationship:
        return services.update_relationship(self.deps, self.user_id, relationship_id, params)

    def end_relationship(self, relationship_id: uuid.UUID) -> Relationship:
        return services.end_relationship(self.deps, self.user_id, relationship_id)

    def relationships(self, *, status: str | None = None, limit: int = 50, cursor: str | None = None) -> Page[Relationship]:
        return services.list_relationships(self.deps, self.user_id, PageRequest.parse(limit, cursor), status)

    def needing_attention(self, limit: int = 50) -> list[services.AttentionItem]:
        return services.needing_attention(self.deps, self.user_id, limit)

    # identifiers
    def add_identifier(self, entity_id: uuid.UUID, **params: Any) -> Identifier:
        return services.add_identifier(self.deps, self.user_id, entity_id, params)

    def identifiers(self, entity_id: uuid.UUID) -> Sequence[Identifier]:
        return services.list_identifiers(self.deps, self.user_id, entity_id)

    def update_identifier(self, identifier_id: uuid.UUID, **params: Any) -> Identifier:
        return services.update_identifier(self.deps, self.user_id, identifier_id, params)

    def remove_identifier(self, identifier_id: uuid.UUID) -> None:
        services.remove_identifier(self.deps, self.user_id, identifier_id)

    def reveal_identifier(self, identifier_id: uuid.UUID) -> str:
        return services.reveal_identifier(self.deps, self.user_id, identifier_id)

    def find_duplicates(self, type: str, value: str) -> Sequence[Identifier]:  # noqa: A002
        return services.find_duplicates(self.deps, self.user_id, type, value)

    def duplicates_of(self, identifier_id: uuid.UUID) -> Sequence[Identifier]:
        return services.duplicates_of(self.deps, self.user_id, identifier_id)

    # tags
    def create_tag(self, **params: Any) -> Tag:
        return services.create_tag(self.deps, self.user_id, params)

    def tags(self) -> Sequence[Tag]:
        return services.list_tags(self.deps, self.user_id)

    def update_tag(self, tag_id: uuid.UUID, **params: Any) -> Tag:
        return services.update_tag(self.deps, self.user_id, tag_id, params)

    def delete_tag(self, tag_id: uuid.UUID) -> None:
        services.delete_tag(self.deps, self.user_id, tag_id)

    def tag(self, entity_id: uuid.UUID, tag_id: uuid.UUID) -> bool:
        return services.tag_entity(self.deps, self.user_id, entity_id, tag_id)

    def untag(self, entity_id: uuid.UUID, tag_id: uuid.UUID) -> None:
        services.untag_entity(self.deps, self.user_id, entity_id, tag_id)

    def entity_tags(self, entity_id: uuid.UUID) -> Sequence[Tag]:
        return services.entity_tags(self.deps, self.user_id, entity_id)

    # groups
    def create_group(self, **params: Any) -> Group:
        return services.create_group(self.deps, self.user_id, params)

    def groups(self) -> Sequence[Group]:
        return services.list_groups(self.deps, self.user_id)

    def update_group(self, group_id: uuid.UUID, **params: Any) -> Group:
        return services.update_group(self.deps, self.user_id, group_id, params)

    def delete_group(self, group_id: uuid.UUID) -> None:
        services.delete_group(self.deps, self.user_id, group_id)

    def add_to_group(self, group_id: uuid.UUID, entity_id: uuid.UUID) -> bool:
        return services.add_group_member(self.deps, self.user_id, group_id, entity_id)

    def remove_from_group(self, group_id: uuid.UUID, entity_id: uuid.UUID) -> None:
        services.remove_group_member(self.deps, self.user_id, group_id, entity_id)

    def group_members(self, group_id: uuid.UUID, *, limit: int = 50, cursor: str | None = None) -> Page[Entity]:
        return services.group_members(self.deps, self.user_id, group_id, PageRequest.parse(limit, cursor))
