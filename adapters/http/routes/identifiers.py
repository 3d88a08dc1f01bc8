"""Identifiers: phones, emails, handles and ID numbers; sensitive ones stay encrypted."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import delete, get, patch, post
from litestar.params import FromPath

from conezia.core import services

from ..bodies import DuplicateQuery, IdentifierCreate, IdentifierUpdate
from ..openapi import body, errors
from ..schemas import IdentifierList, IdentifierOut, RevealedValue, out, out_list
from ._common import AUTHENTICATED, NO_BODY, Core, CurrentUser, envelope, raw

__all__ = ["ROUTES"]

TAGS = ["identifiers"]

CreateBody = Annotated[Any, body(IdentifierCreate)]
UpdateBody = Annotated[Any, body(IdentifierUpdate)]
DuplicateBody = Annotated[Any, body(DuplicateQuery)]


@get(
    "/entities/{entity_id:uuid}/identifiers", tags=TAGS, summary="An entity's identifiers",
    responses=errors(*AUTHENTICATED, 404),
)
async def list_identifiers(deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID]) -> IdentifierList:
    """The entity's identifiers, oldest first; sensitive values are null."""
    return out_list(IdentifierList, await services.list_identifiers(deps, user.id, entity_id))


@post(
    "/entities/{entity_id:uuid}/identifiers", status_code=201, tags=TAGS, summary="Add an identifier",
    responses=errors(*AUTHENTICATED, 404, 413, 422),
)
async def add_identifier(
    deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID], data: CreateBody = NO_BODY
) -> IdentifierOut:
    """Phones are stored in E.164, emails lower-cased; ssn, government_id and account_number are encrypted."""
    return out(IdentifierOut, await services.add_identifier(deps, user.id, entity_id, raw(data)))


@patch(
    "/identifiers/{identifier_id:uuid}", status_code=200, tags=TAGS, summary="Change an identifier",
    responses=errors(*AUTHENTICATED, 404, 413, 422),
)
async def update_identifier(
    deps: Core, user: CurrentUser, identifier_id: FromPath[uuid.UUID], data: UpdateBody = NO_BODY
) -> IdentifierOut:
    """Change the fields sent; a new value is unverified unless `verified_at` comes with it."""
    return out(IdentifierOut, await services.update_identifier(deps, user.id, identifier_id, raw(data)))


@delete(
    "/identifiers/{identifier_id:uuid}", status_code=204, tags=TAGS, summary="Remove an identifier",
    responses=errors(*AUTHENTICATED, 404),
)
async def remove_identifier(deps: Core, user: CurrentUser, identifier_id: FromPath[uuid.UUID]) -> None:
    """Remove an identifier."""
    await services.remove_identifier(deps, user.id, identifier_id)


@post(
    "/identifiers/{identifier_id:uuid}/reveal", status_code=200, tags=TAGS, summary="Reveal an identifier's value",
    responses=errors(*AUTHENTICATED, 404, 409),
)
async def reveal_identifier(deps: Core, user: CurrentUser, identifier_id: FromPath[uuid.UUID]) -> RevealedValue:
    """The plain value, decrypted for sensitive types. A POST, so that it is never cached or prefetched."""
    return RevealedValue(value=await services.reveal_identifier(deps, user.id, identifier_id))


@get(
    "/identifiers/{identifier_id:uuid}/duplicates", tags=TAGS, summary="Other identifiers with the same value",
    responses=errors(*AUTHENTICATED, 404),
)
async def list_duplicates(deps: Core, user: CurrentUser, identifier_id: FromPath[uuid.UUID]) -> IdentifierList:
    """Your other identifiers carrying this one's value (for example one phone on two people),
    compared by blind index: a sensitive value is never decrypted for this."""
    return out_list(IdentifierList, await services.duplicates_of(deps, user.id, identifier_id))


@post(
    "/identifiers/duplicates", status_code=200, tags=TAGS, summary="Find identifiers with a value",
    responses=errors(*AUTHENTICATED, 413, 422),
)
async def find_duplicates(deps: Core, user: CurrentUser, data: DuplicateBody = NO_BODY) -> IdentifierList:
    """Which of your identifiers carry this value, compared by blind index.

    A POST, so that an SSN never sits in a URL or an access log.
    """
    fields = envelope(data, optional=("type", "value"))
    return out_list(IdentifierList, await services.find_duplicates(deps, user.id, fields["type"], fields["value"]))


ROUTES = [
    list_identifiers, add_identifier, update_identifier, remove_identifier, reveal_identifier, list_duplicates,
    find_duplicates,
]
