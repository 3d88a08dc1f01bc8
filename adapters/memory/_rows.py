"""Helpers shared by the in-memory repositories."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from conezia.core.entities import Entity
from conezia.core.errors import NotFoundError
from conezia.core.pagination import Page, PageRequest, page_of

from .store import Tables

__all__ = ["TablesAccess", "by_insertion", "clone", "keyset_page", "owned_entity", "require_user"]


def owned_entity(tables: Tables, owner_id: uuid.UUID, entity_id: uuid.UUID) -> Entity | None:
    """The entity, if it exists and is the owner's (as the composite foreign keys demand)."""
    entity = tables.entities.get(entity_id)
    return entity if entity is not None and entity.owner_id == owner_id else None


def require_user(tables: Tables, user_id: uuid.UUID) -> None:
    """The foreign key to ``users``: raises NotFoundError("user") unless the user exists."""
    if user_id not in tables.users:
        raise NotFoundError("user")

TablesAccess = Callable[[], Tables]

T = TypeVar("T")


class _Inserted(Protocol):
    @property
    def inserted_at(self) -> dt.datetime: ...

    @property
    def id(self) -> uuid.UUID: ...


R = TypeVar("R", bound=_Inserted)


def clone(row: T) -> T:
    """A copy sharing nothing mutable with ``row`` (jsonb maps included)."""
    return copy.deepcopy(row)


def by_insertion(row: _Inserted) -> tuple[dt.datetime, uuid.UUID]:
    return (row.inserted_at, row.id)


def keyset_page(rows: Iterable[R], page: PageRequest) -> Page[R]:
    """Copies of the rows after ``page.after`` in (inserted_at, id) order, cut into a page."""
    ordered = sorted(rows, key=by_insertion)
    if page.after is not None:
        after = page.after
        ordered = [row for row in ordered if by_insertion(row) > after]
    return page_of([clone(row) for row in ordered[: page.limit + 1]], page.limit, by_insertion)
