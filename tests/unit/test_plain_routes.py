"""The route factory: the plain handlers it makes are documented and answer as hand-written ones do."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import pytest
from litestar import Litestar, delete, get, patch, post
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.params import FromPath
from litestar.testing import TestClient

from conezia.adapters.http.bodies import TagCreate, TagUpdate
from conezia.adapters.http.openapi import StructSchemas, body, document_bodies, errors, operation_id
from conezia.adapters.http.routes._common import AUTHENTICATED, NO_BODY, Core, CurrentUser, raw
from conezia.adapters.http.routes._crud import Op, plain_routes
from conezia.adapters.http.schemas import TagList, TagOut, out, out_list
from conezia.core.accounts import User
from conezia.core.deps import Deps
from conezia.core.organizing import Tag
from tests.contract.builders import T0, a_user

CALLER = a_user()
OWNER = CALLER.id
calls: list[tuple[str, tuple[Any, ...]]] = []


def _row(name: str = "vip") -> Tag:
    return Tag(id=uuid.UUID(int=1), user_id=OWNER, name=name, inserted_at=T0, updated_at=T0)


async def list_widgets(deps: object, user_id: uuid.UUID) -> list[Tag]:
    calls.append(("list", (user_id,)))
    return [_row()]


async def create_widget(deps: object, user_id: uuid.UUID, params: object) -> Tag:
    calls.append(("create", (user_id, params)))
    return _row()


async def get_widget(deps: object, user_id: uuid.UUID, widget_id: uuid.UUID) -> Tag:
    calls.append(("show", (user_id, widget_id)))
    return _row()


async def update_widget(deps: object, user_id: uuid.UUID, widget_id: uuid.UUID, params: object) -> Tag:
    calls.append(("update", (user_id, widget_id, params)))
    return _row("renamed")


async def delete_widget(deps: object, user_id: uuid.UUID, widget_id: uuid.UUID) -> None:
    calls.append(("delete", (user_id, widget_id)))


MADE = plain_routes(
    "/widgets", "widget", plural="widgets", tags=["widgets"], out_struct=TagOut, list_struct=TagList, unique=True,
    list=Op(list_widgets, "All of them."),
    create=Op(create_widget, "Make one.", body=TagCreate),
    show=Op(get_widget, "One of them.", summary="Look at a widget"),
    update=Op(update_widget, "Change the fields sent.", body=TagUpdate),
    delete=Op(delete_widget, "Drop one.", problems=(409,)),
)

CreateBody = Annotated[Any, body(TagCreate)]
UpdateBody = Annotated[Any, body(TagUpdate)]


@get("/widgets", tags=["widgets"], summary="List widgets", responses=errors(*AUTHENTICATED))
async def list_widgets_by_hand(deps: Core, user: CurrentUser) -> TagList:
    """All of them."""
    return out_list(TagList, await list_widgets(deps, user.id))


@post(
    "/widgets", status_code=201, tags=["widgets"], summary="Create a widget",
    responses=errors(*AUTHENTICATED, 409, 413, 422),
)
async def create_widget_by_hand(deps: Core, user: CurrentUser, data: CreateBody = NO_BODY) -> TagOut:
    """Make one."""
    return out(TagOut, await create_widget(deps, user.id, raw(data)))


@get("/widgets/{widget_id:uuid}", tags=["widgets"], summary="Look at a widget", responses=errors(*AUTHENTICATED, 404))
async def show_widget_by_hand(deps: Core, user: CurrentUser, widget_id: FromPath[uuid.UUID]) -> TagOut:
    """One of them."""
    return out(TagOut, await get_widget(deps, user.id, widget_id))


@patch(
    "/widgets/{widget_id:uuid}", status_code=200, tags=["widgets"], summary="Change a widget",
    responses=errors(*AUTHENTICATED, 404, 409, 413, 422),
)
async def update_widget_by_hand(
    deps: Core, user: CurrentUser, widget_id: FromPath[uuid.UUID], data: UpdateBody = NO_BODY
) -> TagOut:
    """Change the fields sent."""
    return out(TagOut, await update_widget(deps, user.id, widget_id, raw(data)))


@delete(
    "/widgets/{widget_id:uuid}", status_code=204, tags=["widgets"], summary="Delete a widget",
    responses=errors(*AUTHENTICATED, 404, 409),
)
async def delete_widget_by_hand(deps: Core, user: CurrentUser, widget_id: FromPath[uuid.UUID]) -> None:
    """Drop one."""
    await delete_widget(deps, user.id, widget_id)


BY_HAND = (
    list_widgets_by_hand, create_widget_by_hand, show_widget_by_hand, update_widget_by_hand, delete_widget_by_hand,
)


async def _deps() -> Deps:
    # the use-cases here are stand-ins that never look at the core's dependencies
    return object.__new__(Deps)


async def _user() -> User:
    return CALLER


def _app(handlers: Any) -> Litestar:
    document_bodies(handlers)
    return Litestar(
        route_handlers=list(handlers),
        dependencies={"deps": Provide(_deps), "user": Provide(_user)},
        plugins=[StructSchemas()],
        openapi_config=OpenAPIConfig(
            title="t", version="1", use_handler_docstrings=True, operation_id_creator=operation_id,
        ),
    )


def _operations(app: Litestar) -> dict[str, Any]:
    return app.openapi_schema.to_schema()["paths"]


def test_the_handlers_made_are_documented_exactly_as_the_same_handlers_written_by_hand() -> None:
    made, by_hand = _operations(_app(MADE)), _operations(_app(BY_HAND))
    for item in by_hand.values():
        for operation in item.values():
            operation["operationId"] = operation["operationId"].removesuffix("ByHand")

    assert [handler.handler_name for handler in MADE] == [
        "list_widgets", "create_widget", "show_widget", "update_widget", "delete_widget",
    ]
    assert made == by_hand


def test_the_handlers_made_call_their_use_case_with_the_caller_the_id_and_the_body() -> None:
    widget_id = uuid.uuid4()
    calls.clear()
    with TestClient(_app(MADE)) as client:
        assert client.get("/widgets").json()["data"][0]["name"] == "vip"
        assert client.post("/widgets", json={"name": "vip"}).status_code == 201
        assert client.post("/widgets").status_code == 201
        assert client.get(f"/widgets/{widget_id}").status_code == 200
        assert client.patch(f"/widgets/{widget_id}", json={"name": "renamed"}).json()["name"] == "renamed"
        assert client.delete(f"/widgets/{widget_id}").status_code == 204
        assert client.get("/widgets/not-an-id").status_code == 404

    assert calls == [
        ("list", (OWNER,)), ("create", (OWNER, {"name": "vip"})), ("create", (OWNER, None)),
        ("show", (OWNER, widget_id)), ("update", (OWNER, widget_id, {"name": "renamed"})),
        ("delete", (OWNER, widget_id)),
    ]


def test_only_the_operations_given_are_made() -> None:
    made = plain_routes("/widgets", "widget", plural="widgets", tags=[], out_struct=TagOut, show=Op(get_widget, "."))

    assert [handler.handler_name for handler in made] == ["show_widget"]


@pytest.mark.parametrize("missing", ["list struct", "create body", "update body"])
def test_a_list_without_its_struct_or_a_write_without_its_body_is_refused(missing: str) -> None:
    given: dict[str, Any] = {
        "list struct": {"list": Op(list_widgets, ".")},
        "create body": {"create": Op(create_widget, ".")},
        "update body": {"update": Op(update_widget, ".")},
    }[missing]

    with pytest.raises(ValueError, match="widgets"):
        plain_routes("/widgets", "widget", plural="widgets", tags=[], out_struct=TagOut, **given)
