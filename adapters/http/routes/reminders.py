"""Reminders: create, list by due date, change, snooze, complete (a recurring one rolls forward), reschedule."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import get, post
from litestar.params import FromPath

from conezia.core import services
from conezia.core.pagination import PageRequest

from ..bodies_reminders import ReminderCreate, ReminderReschedule, ReminderSnooze, ReminderUpdate
from ..openapi import body, errors
from ..schemas import ReminderOut, ReminderPage, out, out_page
from ._common import AUTHENTICATED, NO_BODY, Core, CurrentUser, Cursor, Limit, envelope, query
from ._crud import Op, plain_routes

__all__ = ["ROUTES"]

TAGS = ["reminders"]

SnoozeBody = Annotated[Any, body(ReminderSnooze)]
RescheduleBody = Annotated[Any, body(ReminderReschedule)]
StatusFilter = Annotated[
    str | None,
    query(
        "pending (not completed; the default), completed, or all.",
        max_length=16, choices=services.REMINDER_STATUSES,
    ),
]
ReminderId = FromPath[uuid.UUID]


@get("/reminders", tags=TAGS, summary="List reminders", responses=errors(*AUTHENTICATED, 422))
async def list_reminders(
    deps: Core, user: CurrentUser, status: StatusFilter = None, limit: Limit = None, cursor: Cursor = None
) -> ReminderPage:
    """The caller's reminders by due date, soonest first."""
    page = await services.list_reminders(deps, user.id, PageRequest.parse(limit=limit, cursor=cursor), status)
    return out_page(ReminderPage, page)


REMINDER_ROUTES = plain_routes(
    "/reminders", "reminder", plural="reminders", tags=TAGS, out_struct=ReminderOut,
    create=Op(
        services.create_reminder, "A reminder due in the future; 404 if `entity_id` is not one of your entities.",
        body=ReminderCreate, problems=(404,),
    ),
    show=Op(services.get_reminder, "One of the caller's reminders."),
    update=Op(services.update_reminder, "Change the fields sent (reschedule to change the due date).", body=ReminderUpdate),
    delete=Op(services.delete_reminder, "Delete a reminder for good."),
)


@post(
    "/reminders/{reminder_id:uuid}/snooze", status_code=200, tags=TAGS, summary="Snooze a reminder",
    responses=errors(*AUTHENTICATED, 404, 409, 413, 422),
)
async def snooze_reminder(deps: Core, user: CurrentUser, reminder_id: ReminderId, data: SnoozeBody = NO_BODY) -> ReminderOut:
    """Not due again until `snoozed_until`, which must be in the future; 409 if it is completed."""
    until = envelope(data, optional=("snoozed_until",))["snoozed_until"]
    return out(ReminderOut, await services.snooze_reminder(deps, user.id, reminder_id, until))


@post(
    "/reminders/{reminder_id:uuid}/unsnooze", status_code=200, tags=TAGS, summary="End a reminder's snooze",
    responses=errors(*AUTHENTICATED, 404),
)
async def unsnooze_reminder(deps: Core, user: CurrentUser, reminder_id: ReminderId) -> ReminderOut:
    """Due again at its due date."""
    return out(ReminderOut, await services.unsnooze_reminder(deps, user.id, reminder_id))


@post(
    "/reminders/{reminder_id:uuid}/complete", status_code=200, tags=TAGS, summary="Complete a reminder",
    responses=errors(*AUTHENTICATED, 404, 409),
)
async def complete_reminder(deps: Core, user: CurrentUser, reminder_id: ReminderId) -> ReminderOut:
    """Done: a recurring reminder moves on to its next occurrence (in your timezone), any other is completed."""
    return out(ReminderOut, await services.complete_reminder(deps, user.id, reminder_id))


@post(
    "/reminders/{reminder_id:uuid}/reschedule", status_code=200, tags=TAGS, summary="Reschedule a reminder",
    responses=errors(*AUTHENTICATED, 404, 413, 422),
)
async def reschedule_reminder(
    deps: Core, user: CurrentUser, reminder_id: ReminderId, data: RescheduleBody = NO_BODY
) -> ReminderOut:
    """A new due date, in the future; a recurring reminder's series starts again from it."""
    due_at = envelope(data, optional=("due_at",))["due_at"]
    return out(ReminderOut, await services.reschedule_reminder(deps, user.id, reminder_id, due_at))


ROUTES = [
    list_reminders, *REMINDER_ROUTES, snooze_reminder, unsnooze_reminder, complete_reminder, reschedule_reminder,
]
