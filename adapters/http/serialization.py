"""Domain objects to JSON: one cattrs converter for the HTTP boundary.

Every domain class is unstructured through an allow-list of its fields, so a
field added to the domain later (say, another secret) stays private until it is
listed here. ``bytes`` has no JSON form at all: ciphertexts and token hashes can
never slip into a response by accident.

UUIDs and timestamps stay objects here, checked (aware, in UTC) but not
formatted: Litestar's msgspec encoder writes them in C (``"...Z"`` RFC 3339),
several times faster than ``str()`` and ``isoformat()``; for a page of 50
entities formatting in Python cost more than the query.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.fns import identity
from cattrs.gen import make_dict_unstructure_fn, override

from conezia.core.accounts import AuthProvider, User
from conezia.core.entities import Entity, Relationship
from conezia.core.identifiers import Identifier
from conezia.core.organizing import Group, Tag
from conezia.core.pagination import Page
from conezia.core.services import AttentionItem

__all__ = ["converter", "dump", "dump_list", "dump_page"]

T = TypeVar("T")


def _datetime(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is dt.timezone.utc:
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        # The core keeps every instant aware; a naive one here is a bug, not a guess to make.
        raise ValueError("refusing to serialize a naive datetime")
    return value.astimezone(dt.timezone.utc)


# cattrs writes identity-hooked fields as plain attribute reads in its generated code
_as_is: Final = identity


def _optional_datetime(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else _datetime(value)


_PLAIN_TYPES: Final = frozenset({
    str, int, bool, uuid.UUID, str | None, int | None, bool | None, uuid.UUID | None,
})


def _no_bytes(value: bytes) -> Any:
    raise TypeError("bytes have no JSON form at the HTTP boundary")


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter()
    conv.register_unstructure_hook(uuid.UUID, _as_is)
    conv.register_unstructure_hook(dt.datetime, _datetime)
    # datetime is a subclass of date: the more specific hook above wins for it.
    conv.register_unstructure_hook(dt.date, _as_is)
    conv.register_unstructure_hook(bytes, _no_bytes)
    return conv


converter: Final = _make_converter()


def _expose(
    cls: type[T],
    fields: Iterable[str],
    extra: Callable[[T, dict[str, Any]], None] | None = None,
) -> None:
    """Unstructure ``cls`` to a dict of exactly ``fields`` (then ``extra`` may adjust it)."""
    wanted = tuple(fields)
    names = {a.name for a in attrs.fields(cls)}  # type: ignore[arg-type]
    unknown = set(wanted) - names
    if unknown:
        raise ValueError(f"{cls.__name__} has no fields {sorted(unknown)}")
    overrides = {name: override(omit=True) for name in names - set(wanted)}
    # JSON objects the core validated on the way in (metadata, settings, rules...)
    # go out as they are: copying them key by key cost a third of a list's time.
    overrides.update({name: override(unstruct_hook=_as_is) for name in wanted if name in _JSON_OBJECTS})
    # Scalars msgspec writes as they are need no hook call per field and row.
    types = {a.name: a.type for a in attrs.fields(attrs.resolve_types(cls))}  # type: ignore[arg-type]
    for name in wanted:
        if types[name] in _PLAIN_TYPES:
            overrides[name] = override(unstruct_hook=_as_is)
        elif types[name] == dt.datetime | None:
            overrides[name] = override(unstruct_hook=_optional_datetime)
    base = make_dict_unstructure_fn(cls, converter, **overrides)  # type: ignore[arg-type]
    if extra is None:
        converter.register_unstructure_hook(cls, base)
        return

    def hook(obj: T) -> dict[str, Any]:
        out = base(obj)
        ordered = {name: out[name] for name in wanted}
        extra(obj, ordered)
        return ordered

    converter.register_unstructure_hook(cls, hook)


_JSON_OBJECTS: Final = frozenset({"metadata", "settings", "notification_preferences", "rules", "provider_meta"})



def _identifier_extra(identifier: Identifier, out: dict[str, Any]) -> None:
    sensitive = identifier.is_sensitive
    out["value"] = None if sensitive else out["value"]
    # keep the documented key order: id, entity_id, type, value, is_sensitive, ...
    rest = {k: out.pop(k) for k in ("label", "is_primary", "verified_at", "inserted_at", "updated_at")}
    out["is_sensitive"] = sensitive
    out.update(rest)


def _provider_extra(provider: AuthProvider, out: dict[str, Any]) -> None:
    stamps = {k: out.pop(k) for k in ("inserted_at", "updated_at")}
    out["has_token"] = provider.provider_token is not None
    out["has_refresh_token"] = provider.provider_refresh_token is not None
    out.update(stamps)


_expose(
    User,
    (
        "id", "email", "name", "avatar_url", "timezone", "confirmed_at", "tier", "settings",
        "notification_preferences", "onboarding_completed_at", "inserted_at", "updated_at",
    ),
)
_expose(
    Entity,
    (
        "id", "type", "name", "description", "avatar_url", "metadata", "last_interaction_at",
        "archived_at", "inserted_at", "updated_at",
    ),
)
_expose(
    Relationship,
    (
        "id", "entity_id", "type", "strength", "status", "started_at", "health_threshold_days",
        "notes", "inserted_at", "updated_at",
    ),
)
_expose(
    Identifier,
    ("id", "entity_id", "type", "value", "label", "is_primary", "verified_at", "inserted_at", "updated_at"),
    _identifier_extra,
)
_expose(Tag, ("id", "name", "color", "description", "inserted_at", "updated_at"))
_expose(Group, ("id", "name", "description", "is_smart", "rules", "inserted_at", "updated_at"))
_expose(
    AuthProvider,
    ("id", "provider", "provider_uid", "provider_meta", "inserted_at", "updated_at"),
    _provider_extra,
)
_expose(AttentionItem, ("entity", "relationship", "due_at", "days_overdue"))


def dump(obj: Any) -> Any:
    """The JSON form of a domain object (or of plain JSON-able data holding some).

    Args:
        obj: a domain object, a mapping or a sequence of them.

    Returns:
        Plain dicts, lists, strings, numbers, booleans and ``None`` (UUIDs and
        timestamps are left for msgspec to write).
    """
    return converter.unstructure(obj)


def _dump_all(items: Iterable[Any]) -> list[Any]:
    # one hook lookup per class rather than per item: lists hold one kind of object
    hooks: dict[type, Callable[[Any], Any]] = {}
    out = []
    for item in items:
        kind = type(item)
        hook = hooks.get(kind)
        if hook is None:
            hook = hooks[kind] = converter.get_unstructure_hook(kind)
        out.append(hook(item))
    return out


def dump_list(items: Iterable[Any]) -> dict[str, Any]:
    """A non-paginated list: ``{"data": [...]}``."""
    return {"data": _dump_all(items)}


def dump_page(page: Page[Any]) -> dict[str, Any]:
    """One page of a list: ``{"data": [...], "next_cursor": str | None}``."""
    return {"data": _dump_all(page.items), "next_cursor": page.next_cursor}
