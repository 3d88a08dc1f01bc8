"""The plain routes of an owned resource, made from its description: list, create, show, change, delete.

A table whose rows are listed, created, shown, changed with ``PATCH`` and deleted
by id, each by one use-case, declares these handlers with one :func:`plain_routes`
call; what else it answers (tagging, memberships, previews) stays hand-written
beside it. The handlers made are the ones that would be written by hand: the same
names (so operation ids), signatures, summaries, docstrings and responses, so the
OpenAPI document cannot tell them apart.
"""

from __future__ import annotations

import builtins
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
            "Show a tag", "Change a tag" or "Delete a tag" for a resource named ``tag``
            ("an" before a vowel: "Create an entity").
        body: the documented request body of a create or an update.
        problems: statuses it may answer with besides the plain operation's own (401, 429, and
            404 for an id, 409 for a unique key, 413 and 422 for a body), such as a 404 for a
            create whose body names a row of another table.
    """

    service: Callable[..., Awaitable[Any]]
    doc: str
    summary: str | None = None
    body: type[Struct] | None = None
    problems: tuple[int, ...] = ()


async def _caller(deps: Core, user: CurrentUser) -> None:
    """The parameters every handler made here starts with, as a hand-written handler declares them."""


_CALLER = tuple(inspect.signature(_caller, eval_str=True).parameters.values())


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
    list_struct: type[Out] | None = None,
    unique: bool = False,
    list: Op | None = None,
    create: Op | None = None,
    show: Op | None = None,
    update: Op | None = None,
    delete: Op | None = None,
) -> tuple[HTTPRouteHandler, ...]:
    """The handlers ``list_<plural>``, ``create_<name>``, ``show_<name>``, ``update_<name>``, ``delete_<name>``.

    Only the operations given are made; one that does more than call its use-case (a list
    with filters or pages, a create under a parent) is written by hand beside them.

    Args:
        path: the collection's path (``"/tags"``); a row is at ``{path}/{<name>_id:uuid}``.
        name: the resource in the singular (``"tag"``), which names the handlers and the id parameter.
        plural: the resource in the plural (``"tags"``).
        tags: the operations' OpenAPI tags.
        out_struct: the reply of a create, show or update (``TagOut``).
        list_struct: the reply of the list, ``{"data": [...]}`` (``TagList``); required with ``list``.
        unique: whether the rows have a unique key, so that a create or update may answer 409.
        list: ``service(deps, user_id)``, the caller's rows.
        create: ``service(deps, user_id, params)``, answering 201; ``create.body`` is required.
        show: ``service(deps, user_id, id)``.
        update: ``service(deps, user_id, id, params)``; ``update.body`` is required.
        delete: ``service(deps, user_id, id)``, answering 204.

    Returns:
        The handlers made, in that order, for the module's ``ROUTES``.

    Raises:
        ValueError: a list without ``list_struct``, or a create or update without a ``body``.
    """
    if (list is not None and list_struct is None) or any(op is not None and op.body is None for op in (create, update)):
        raise ValueError(f"{plural}: a list needs its list struct, a create or an update its body")
    item, key = f"{path}/{{{name}_id:uuid}}", f"{name}_id"
    article = "an" if name[0] in "aeiou" else "a"
    conflict = (409,) if unique else ()
    deps, user = _CALLER
    row_id = _param(key, FromPath[uuid.UUID])

    def body_of(op: Op) -> inspect.Parameter:
        assert op.body is not None
        return _param("data", Annotated[Any, body(op.body)], NO_BODY)

    async def list_rows(deps: Deps, user: User) -> Any:
        assert list is not None and list_struct is not None
        return out_list(list_struct, await list.service(deps, user.id))

    async def create_row(deps: Deps, user: User, data: Any = NO_BODY) -> Any:
        assert create is not None
        return out(out_struct, await create.service(deps, user.id, raw(data)))

    async def show_row(deps: Deps, user: User, **ids: uuid.UUID) -> Any:
        assert show is not None
        return out(out_struct, await show.service(deps, user.id, ids[key]))

    async def update_row(deps: Deps, user: User, data: Any = NO_BODY, **ids: uuid.UUID) -> Any:
        assert update is not None
        return out(out_struct, await update.service(deps, user.id, ids[key], raw(data)))

    async def delete_row(deps: Deps, user: User, **ids: uuid.UUID) -> None:
        assert delete is not None
        await delete.service(deps, user.id, ids[key])

    handlers: builtins.list[HTTPRouteHandler] = []
    if list is not None:
        handlers.append(get(
            path, tags=tags, summary=list.summary or f"List {plural}",
            responses=errors(*AUTHENTICATED, *list.problems),
        )(_handler(list_rows, f"list_{plural}", list, [deps, user], list_struct)))
    if create is not None:
        handlers.append(post(
            path, status_code=201, tags=tags, summary=create.summary or f"Create {article} {name}",
            responses=errors(*AUTHENTICATED, *conflict, *_BODY_PROBLEMS, *create.problems),
        )(_handler(create_row, f"create_{name}", create, [deps, user, body_of(create)], out_struct)))
    if show is not None:
        handlers.append(get(
            item, tags=tags, summary=show.summary or f"Show {article} {name}",
            responses=errors(*AUTHENTICATED, 404, *show.problems),
        )(_handler(show_row, f"show_{name}", show, [deps, user, row_id], out_struct)))
    if update is not None:
        handlers.append(patch(
            item, status_code=200, tags=tags, summary=update.summary or f"Change {article} {name}",
            responses=errors(*AUTHENTICATED, 404, *conflict, *_BODY_PROBLEMS, *update.problems),
        )(_handler(update_row, f"update_{name}", update, [deps, user, row_id, body_of(update)], out_struct)))
    if delete is not None:
        handlers.append(delete_route(
            item, status_code=204, tags=tags, summary=delete.summary or f"Delete {article} {name}",
            responses=errors(*AUTHENTICATED, 404, *delete.problems),
        )(_handler(delete_row, f"delete_{name}", delete, [deps, user, row_id], None)))
    return tuple(handlers)
