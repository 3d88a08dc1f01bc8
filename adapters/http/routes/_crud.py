"""The plain routes of an owned resource, made from its description: list, create, show, change, delete.

A table whose rows are listed, created, shown, changed with ``PATCH`` and deleted
by id, each by one use-case, declares these handlers with one :func:`plain_routes`
call; what else it answers (tagging, memberships, previews) stays hand-written
beside it. The handlers made are the ones that would be written by hand: the same
names (so operation ids), signatures, summaries, docstrings and responses, so the
OpenAPI document cannot tell them apart.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

import attrs
from litestar import delete as delete_route
from litestar import get, patch, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from msgspec import Struct

from conezia.core.accounts import User
from conezia.core.deps import Deps

from ..openapi import body, errors
from ..schemas import Out, out, out_list
from ._common import AUTHENTICATED, NO_BODY, Core, CurrentUser, raw

__all__ = ["Op", "plain_routes"]

# The problems a body may cause besides its own (too large, invalid); 409 joins them for a unique key.
_BODY_PROBLEMS = (413, 422)


@attrs.frozen
class Op:
    """One plain operation: the use-case it calls and how it is documented.

    Attributes:
        service: the use-case, called as ``service(deps, user_id, [id,] [params])``.
        doc: the handler's docstring, which becomes the operation's description.
        summary: the operation's summary; by default "List tags", "Create a tag",
            "Show a tag", "Change a tag" or "Delete a tag" for a resource named ``tag``.
        body: the documented request body of a create or an update.
    """

    service: Callable[..., Awaitable[Any]]
    doc: str
    summary: str | None = None
    body: type[Struct] | None = None


def _param(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=annotation, default=default)


def _handler(
    fn: Callable[..., Awaitable[Any]], name: str, op: Op, params: Sequence[inspect.Parameter], returns: Any
) -> Callable[..., Awaitable[Any]]:
    """``fn`` as the handler ``async def name(params) -> returns`` would be, for Litestar to inspect."""
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = op.doc
    # Litestar reads the parameters from the signature and their types from the annotations.
    fn.__signature__ = inspect.Signature(list(params), return_annotation=returns)  # type: ignore[attr-defined]
    fn.__annotations__ = {param.name: param.annotation for param in params} | {"return": returns}
    return fn


def plain_routes(
    path: str,
    name: str,
    *,
    plural: str,
    tags: Sequence[str],
    out_struct: type[Out],
    list_struct: type[Out],
    unique: bool,
    list: Op,
    create: Op,
    show: Op,
    update: Op,
    delete: Op,
) -> tuple[HTTPRouteHandler, ...]:
    """The five handlers ``list_<plural>``, ``create_<name>``, ``show_<name>``, ``update_<name>``, ``delete_<name>``.

    Args:
        path: the collection's path (``"/tags"``); a row is at ``{path}/{<name>_id:uuid}``.
        name: the resource in the singular (``"tag"``), which names the handlers and the id parameter.
        plural: the resource in the plural (``"tags"``).
        tags: the operations' OpenAPI tags.
        out_struct: the reply of a create, show or update (``TagOut``).
        list_struct: the reply of the list, ``{"data": [...]}`` (``TagList``).
        unique: whether the rows have a unique key, so that a create or update may answer 409.
        list: lists the caller's rows: ``service(deps, user_id)``.
        create: ``service(deps, user_id, params)``, answering 201; ``create.body`` is required.
        show: ``service(deps, user_id, id)``.
        update: ``service(deps, user_id, id, params)``; ``update.body`` is required.
        delete: ``service(deps, user_id, id)``, answering 204.

    Returns:
        The handlers, in that order, for the module's ``ROUTES``.
    """
    if create.body is None or update.body is None:
        raise ValueError("a create and an update document their body")
    item, key = f"{path}/{{{name}_id:uuid}}", f"{name}_id"
    article = "an" if name[0] in "aeiou" else "a"
    conflict = (409,) if unique else ()
    deps, user, row_id = _param("deps", Core), _param("user", CurrentUser), _param(key, FromPath[uuid.UUID])
    create_data = _param("data", Annotated[Any, body(create.body)], NO_BODY)
    update_data = _param("data", Annotated[Any, body(update.body)], NO_BODY)

    async def list_rows(deps: Deps, user: User) -> Any:
        return out_list(list_struct, await list.service(deps, user.id))

    async def create_row(deps: Deps, user: User, data: Any = NO_BODY) -> Any:
        return out(out_struct, await create.service(deps, user.id, raw(data)))

    async def show_row(deps: Deps, user: User, **ids: uuid.UUID) -> Any:
        return out(out_struct, await show.service(deps, user.id, ids[key]))

    async def update_row(deps: Deps, user: User, data: Any = NO_BODY, **ids: uuid.UUID) -> Any:
        return out(out_struct, await update.service(deps, user.id, ids[key], raw(data)))

    async def delete_row(deps: Deps, user: User, **ids: uuid.UUID) -> None:
        await delete.service(deps, user.id, ids[key])

    return (
        get(
            path, tags=tags, summary=list.summary or f"List {plural}",
            responses=errors(*AUTHENTICATED),
        )(_handler(list_rows, f"list_{plural}", list, [deps, user], list_struct)),
        post(
            path, status_code=201, tags=tags, summary=create.summary or f"Create {article} {name}",
            responses=errors(*AUTHENTICATED, *conflict, *_BODY_PROBLEMS),
        )(_handler(create_row, f"create_{name}", create, [deps, user, create_data], out_struct)),
        get(
            item, tags=tags, summary=show.summary or f"Show {article} {name}",
            responses=errors(*AUTHENTICATED, 404),
        )(_handler(show_row, f"show_{name}", show, [deps, user, row_id], out_struct)),
        patch(
            item, status_code=200, tags=tags, summary=update.summary or f"Change {article} {name}",
            responses=errors(*AUTHENTICATED, 404, *conflict, *_BODY_PROBLEMS),
        )(_handler(update_row, f"update_{name}", update, [deps, user, row_id, update_data], out_struct)),
        delete_route(
            item, status_code=204, tags=tags, summary=delete.summary or f"Delete {article} {name}",
            responses=errors(*AUTHENTICATED, 404),
        )(_handler(delete_row, f"delete_{name}", delete, [deps, user, row_id], None)),
    )
