"""The caller's activity log: what they did, when and from where, newest first."""

from __future__ import annotations

from typing import Annotated

from litestar import get

from conezia.core import services
from conezia.core.activity import ACTIVITY_LOG, parse_activity_filter
from conezia.core.pagination import PageRequest

from ..openapi import errors
from ..schemas import ActivityPage, out_page
from ._common import AUTHENTICATED, Core, CurrentUser, Cursor, Limit, query

__all__ = ["ROUTES"]

TAGS = ["activity"]

_ACTION = ACTIVITY_LOG["action"]
_RESOURCE_TYPE = ACTIVITY_LOG["resource_type"]
ResourceTypeFilter = Annotated[
    str | None,
    query("Only this kind of resource.", max_length=_RESOURCE_TYPE.max_length, choices=_RESOURCE_TYPE.choices),
]
ResourceIdFilter = Annotated[str | None, query("Only this resource (its id).", max_length=36)]
ActionFilter = Annotated[
    str | None, query("Only this action.", max_length=_ACTION.max_length, choices=_ACTION.choices)
]


@get("/activity", tags=TAGS, summary="Your activity log", responses=errors(*AUTHENTICATED, 422))
async def list_activity(
    deps: Core,
    user: CurrentUser,
    resource_type: ResourceTypeFilter = None,
    resource_id: ResourceIdFilter = None,
    action: ActionFilter = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> ActivityPage:
    """What you did, newest first: each change, login, logout and reveal, with the address and
    user agent it came from. ``metadata`` names the changed fields, never their values."""
    criteria = parse_activity_filter({"resource_type": resource_type, "resource_id": resource_id, "action": action})
    page = await services.list_activity(deps, user.id, criteria, PageRequest.parse(limit=limit, cursor=cursor))
    return out_page(ActivityPage, page)


ROUTES = [list_activity]

