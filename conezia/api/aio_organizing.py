"""The async embedding API's tags and groups, part of :class:`~conezia.api.aio_scope.AsyncUserScope`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from conezia.core import services
from conezia.core.deps import Deps
from conezia.core.entities import Entity
from conezia.core.organizing import Group, Tag
from conezia.core.pagination import Page, PageRequest
from conezia.core.validation import UNSET, Unset

from .fields import given

__all__ = ["AsyncOrganizing"]


class AsyncOrganizing:
    """Tags and groups of one user (mixed into the user scope, which sets ``_deps`` and ``_user_id``)."""

    _deps: Deps
    _user_id: uuid.UUID

    # -- tags ----------------------------------------------------------------

    async def create_tag(
        self, *, name: str, color: str | Unset = UNSET, description: str | None | Unset = UNSET
    ) -> Tag:
        """Create a tag; a second tag of the same name raises ConflictError."""
        params = given(name=name, color=color, description=description)
        return await services.create_tag(self._deps, self._user_id, params)

    async def tags(self) -> Sequence[Tag]:
        """The user's tags."""
        return await services.list_tags(self._deps, self._user_id)

    async def update_tag(
        self, tag_id: uuid.UUID, *, name: str | Unset = UNSET, color: str | Unset = UNSET,
        description: str | None | Unset = UNSET,
    ) -> Tag:
        """Change the given fields."""
        params = given(name=name, color=color, description=description)
        return await services.update_tag(self._deps, self._user_id, tag_id, params)

    async def delete_tag(self, tag_id: uuid.UUID) -> None:
        """Delete a tag (and take it off every entity)."""
        await services.delete_tag(self._deps, self._user_id, tag_id)

    async def tag(self, entity_id: uuid.UUID, tag_id: uuid.UUID) -> bool:
        """Tag an entity; False if it carried the tag already."""
        return await services.tag_entity(self._deps, self._user_id, entity_id, tag_id)

    async def untag(self, entity_id: uuid.UUID, tag_id: uuid.UUID) -> None:
        """Take a tag off an entity."""
        await services.untag_entity(self._deps, self._user_id, entity_id, tag_id)

    async def entity_tags(self, entity_id: uuid.UUID) -> Sequence[Tag]:
        """The tags an entity carries."""
        return await services.entity_tags(self._deps, self._user_id, entity_id)

    # -- groups --------------------------------------------------------------

    async def create_group(
        self, *, name: str, description: str | None | Unset = UNSET, is_smart: bool | Unset = UNSET,
        rules: Mapping[str, Any] | None | Unset = UNSET,
    ) -> Group:
        """Create a group; with ``is_smart`` its ``rules`` decide the members."""
        params = given(name=name, description=description, is_smart=is_smart, rules=rules)
        return await services.create_group(self._deps, self._user_id, params)

    async def group(self, group_id: uuid.UUID) -> Group:
        """One group."""
        return await services.get_group(self._deps, self._user_id, group_id)

    async def groups(self) -> Sequence[Group]:
        """The user's groups."""
        return await services.list_groups(self._deps, self._user_id)

    async def update_group(
        self, group_id: uuid.UUID, *, name: str | Unset = UNSET, description: str | None | Unset = UNSET,
        is_smart: bool | Unset = UNSET, rules: Mapping[str, Any] | None | Unset = UNSET,
    ) -> Group:
        """Change the given fields; turning a group smart drops its hand-picked members."""
        params = given(name=name, description=description, is_smart=is_smart, rules=rules)
        return await services.update_group(self._deps, self._user_id, group_id, params)

    async def delete_group(self, group_id: uuid.UUID) -> None:
        """Delete a group (its entities stay)."""
        await services.delete_group(self._deps, self._user_id, group_id)

    async def add_to_group(self, group_id: uuid.UUID, entity_id: uuid.UUID) -> bool:
        """Add an entity to a manual group; False if it was a member already."""
        return await services.add_group_member(self._deps, self._user_id, group_id, entity_id)

    async def remove_from_group(self, group_id: uuid.UUID, entity_id: uuid.UUID) -> None:
        """Take an entity out of a manual group."""
        await services.remove_group_member(self._deps, self._user_id, group_id, entity_id)

    async def group_members(
        self, group_id: uuid.UUID, *, limit: int = 50, cursor: str | None = None
    ) -> Page[Entity]:
        """One page of a group's members; a smart group's are the entities its rules match now."""
        page = PageRequest.parse(limit, cursor)
        return await services.group_members(self._deps, self._user_id, group_id, page)

    async def entity_groups(self, entity_id: uuid.UUID) -> Sequence[Group]:
        """The manual groups an entity belongs to."""
        return await services.entity_groups(self._deps, self._user_id, entity_id)
