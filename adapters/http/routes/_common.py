"""What the route modules share: query parameters, paging and small body envelopes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Final

from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIType
from litestar.params import ParameterKwarg, QueryParameter

from conezia.core.accounts import User
from conezia.core.deps import Deps
from conezia.core.errors import ValidationError
from conezia.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

__all__ = [
    "AUTHENTICATED",
    "NO_BODY",
    "Core",
    "CurrentUser",
    "Cursor",
    "Limit",
    "SessionToken",
    "envelope",
    "query",
    "raw",
]

# Problems every protected route may answer with, besides its own.
AUTHENTICATED: Final = (401, 429)

# Injected by make_app: the core's dependencies (app-wide), and on protected routes
# the authenticated caller and their bearer token.
Core = NamedDependency[Deps]
CurrentUser = NamedDependency[User]
SessionToken = NamedDependency[str]


def query(
    description: str,
    *,
    name: str | None = None,
    max_length: int | None = None,
    ge: int | None = None,
    le: int | None = None,
    choices: Iterable[str] = (),
    listed: bool = False,
) -> ParameterKwarg:
    """An optional query parameter, documented as a plain value (a query string holds no nulls).

    ``max_length``, ``ge`` and ``le`` are checked by Litestar before the handler runs.
    ``choices`` are only documented (as an enum, or with ``listed`` as a pattern for a
    comma-separated list of them): the core checks them, naming every failing filter at once.
    """
    extra: dict[str, Any] = {"one_of": None}
    allowed = tuple(choices)
    if allowed and listed:
        one = "|".join(re.escape(choice) for choice in allowed)
        extra["pattern"] = f"^({one})(,({one}))*$"
    elif allowed:
        extra["enum"] = list(allowed)
    extra["type"] = OpenAPIType.INTEGER if ge is not None or le is not None else OpenAPIType.STRING
    return QueryParameter(
        name=name, description=description, max_length=max_length, ge=ge, le=le, required=False,
        schema_extra=extra,
    )


Limit = Annotated[
    int | None, query(f"Page size, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).", ge=1, le=MAX_PAGE_SIZE)
]
Cursor = Annotated[str | None, query("The `next_cursor` of the previous page.", max_length=200)]


class _NoBody:
    def __repr__(self) -> str:
        return "NO_BODY"

    # Litestar deep-copies routers and their handlers when registering them: the
    # marker must stay one object, since it is recognized by identity.
    def __copy__(self) -> _NoBody:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _NoBody:
        return self


NO_BODY: Final = _NoBody()
"""The default of every ``data`` parameter: Litestar passes it when a request sends no body."""


def raw(data: object) -> object:
    """A request body for the core: a missing one is no fields (None), an explicit JSON ``null`` is refused.

    Raises:
        ValidationError: on ``body`` for a body of ``null``.
    """
    if data is NO_BODY:
        return None
    if data is None:
        raise ValidationError(body="must be an object")
    return data


def envelope(data: object, required: Iterable[str] = (), optional: Iterable[str] = ()) -> dict[str, Any]:
    """Check the outline of a body whose values a use-case takes one by one.

    Args:
        data: the decoded JSON body (:data:`NO_BODY` when there was none).
        required: fields that must be present and not null.
        optional: fields that may be present.

    Returns:
        Each permitted field's value (``None`` when absent).

    Raises:
        ValidationError: the body is not an object, a required field is missing, or
            an unknown field was sent (a typo must never silently do nothing).
    """
    required, optional = tuple(required), tuple(optional)
    data = raw(data)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ValidationError(body="must be an object")
    errors: dict[str, list[str]] = {}
    for key in data:
        if key not in required and key not in optional:
            errors.setdefault(str(key), []).append("is not a permitted field")
    for key in required:
        if data.get(key) is None:
            errors.setdefault(key, []).append("can't be blank")
    if errors:
        raise ValidationError(errors)
    return {key: data.get(key) for key in (*required, *optional)}
