"""Attachments: upload a file as the raw request body, read its metadata, download it (with ``Range``), delete it."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Final

from litestar import Request, delete, get, post
from litestar.exceptions import ClientException, InternalServerException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import FromPath
from litestar.response import Response, Stream

from conezia.core import services
from conezia.core.attachments import ALLOWED_MIME_TYPES, MAX_SIZE, Attachment, Parents
from conezia.core.errors import TooLargeError
from conezia.core.pagination import PageRequest

from ..downloads import Unsatisfiable, content_disposition, requested_range
from ..head import HEAD_MARK
from ..openapi import errors
from ..problems import problem
from ..schemas import out, out_page
from ..schemas_attachments import AttachmentPage, StoredAttachmentOut
from ._common import AUTHENTICATED, Core, CurrentUser, Cursor, Limit, query

__all__ = ["ROUTES"]

TAGS: Final = ["attachments"]
ID = FromPath[uuid.UUID]
_ParentId = Annotated[str | None, query("Attach it to this one of your entities, interactions or communications.",
                                        max_length=64)]
_UPLOAD_HELP: Final = (
    f"The file itself, at most {MAX_SIZE} bytes, as the raw body (not multipart); `Content-Type` is its "
    "declared type, which the content must agree with."
)


@dataclasses.dataclass
class _UploadOperation(Operation):
    """The upload's body: raw bytes of any allowed type (Litestar documents no body for a raw stream)."""

    def __post_init__(self) -> None:
        binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY, max_length=MAX_SIZE)
        self.request_body = RequestBody(
            content={mime: OpenAPIMediaType(schema=binary) for mime in ALLOWED_MIME_TYPES},
            description=_UPLOAD_HELP, required=True,
        )


@dataclasses.dataclass
class _DownloadOperation(Operation):
    """The download's 200 and 206: the file's bytes in its own type (Litestar would say JSON)."""

    def __post_init__(self) -> None:
        binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        for status, description in (("200", "The file"), ("206", "The range asked for")):
            response = (self.responses or {}).get(status)
            if isinstance(response, OpenAPIResponse):
                response.description = description
                response.content = {mime: OpenAPIMediaType(schema=binary) for mime in ALLOWED_MIME_TYPES}


async def _body(request: Request[Any, Any, Any]) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
    except InternalServerException as exc:
        # Litestar's word for a client that went away mid-upload: the client's doing, not a fault here
        raise ClientException("The request body ended before it was complete.") from exc


@post(
    "/attachments", status_code=201, tags=TAGS, summary="Upload an attachment",
    responses=errors(*AUTHENTICATED, 404, 413, 422), operation_class=_UploadOperation,
    request_max_body_size=MAX_SIZE,
)
async def upload_attachment(
    deps: Core,
    user: CurrentUser,
    request: Request[Any, Any, Any],
    filename: Annotated[str | None, query("The file's name, 1 to 255 characters (shown, never used to store it).",
                                          max_length=1024)] = None,
    entity_id: _ParentId = None,
    interaction_id: _ParentId = None,
    communication_id: _ParentId = None,
) -> StoredAttachmentOut:
    """Stream a file in the request body, e.g.
    `curl --data-binary @report.pdf -H 'Content-Type: application/pdf' "$API/attachments?filename=report.pdf&interaction_id=..."`.
    At least one parent. Its type is recognized from the content (the magic bytes; text is UTF-8 without
    NULs) and must be the declared `Content-Type`, one of the allowed types: an .exe sent as
    `application/pdf` is a 422 on `mime_type`. Larger than 50 MB: 413, and nothing is kept."""
    if (request.content_length or 0) > MAX_SIZE:
        raise TooLargeError(MAX_SIZE)
    attachment = await services.upload_attachment(
        deps, user.id, _body(request), filename=filename, mime_type=request.headers.get("content-type"),
        entity_id=entity_id, interaction_id=interaction_id, communication_id=communication_id,
    )
    return out(StoredAttachmentOut, attachment)


@get(
    "/attachments/{attachment_id:uuid}", tags=TAGS, summary="Show an attachment",
    responses=errors(*AUTHENTICATED, 404),
)
async def show_attachment(deps: Core, user: CurrentUser, attachment_id: ID) -> StoredAttachmentOut:
    """What the file is; its content is at `.../content`."""
    return out(StoredAttachmentOut, await services.get_attachment(deps, user.id, attachment_id))


def _headers(attachment: Attachment) -> dict[str, str]:
    return {
        "Content-Disposition": content_disposition(attachment.filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-cache",
        "Accept-Ranges": "bytes",
        "ETag": f'"{attachment.sha256}"',
    }


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover  (makes this an async generator)


@get(
    "/attachments/{attachment_id:uuid}/content", tags=TAGS, summary="Download an attachment",
    operation_class=_DownloadOperation,
    responses={
        206: ResponseSpec(data_container=bytes, description="The range asked for", generate_examples=False,
                          media_type="application/octet-stream"),
        **errors(*AUTHENTICATED, 404, 416),
    },
)
async def download_attachment(
    deps: Core, user: CurrentUser, attachment_id: ID, request: Request[Any, Any, Any]
) -> Response[Any]:
    """The file as an attachment (`Content-Disposition`, with its name in UTF-8 as RFC 6266 says),
    never to be sniffed (`X-Content-Type-Options: nosniff`). One `Range: bytes=...` is served as 206
    (`If-Range` with the `ETag` is honored); a range beyond the end is 416; HEAD answers the headers."""
    attachment = await services.get_attachment(deps, user.id, attachment_id)
    size = attachment.size_bytes
    headers = _headers(attachment)
    if_range = request.headers.get("if-range")
    wanted = None
    try:
        if if_range is None or if_range.strip() == headers["ETag"]:
            wanted = requested_range(request.headers.get("range"), size)
    except Unsatisfiable:
        return problem(416, "The range lies beyond the end of the file.", headers={"Content-Range": f"bytes */{size}"})
    start, end = wanted or (0, size)
    headers["Content-Length"] = str(end - start)
    status = 200
    if wanted is not None:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    if request.scope.get(HEAD_MARK):
        chunks = _nothing()
    else:
        chunks = await services.attachment_bytes(deps, attachment, start, end)
    return Stream(chunks, media_type=attachment.mime_type, headers=headers, status_code=status)


@get(
    "/entities/{entity_id:uuid}/attachments", tags=TAGS, summary="An entity's attachments",
    responses=errors(*AUTHENTICATED, 404, 422),
)
async def list_entity_attachments(
    deps: Core, user: CurrentUser, entity_id: ID, limit: Limit = None, cursor: Cursor = None
) -> AttachmentPage:
    """The entity's live attachments, oldest first."""
    page = PageRequest.parse(limit=limit, cursor=cursor)
    return out_page(AttachmentPage, await services.list_attachments(deps, user.id, Parents(entity_id=entity_id), page))


@get(
    "/interactions/{interaction_id:uuid}/attachments", tags=TAGS, summary="An interaction's attachments",
    responses=errors(*AUTHENTICATED, 404, 422),
)
async def list_interaction_attachments(
    deps: Core, user: CurrentUser, interaction_id: ID, limit: Limit = None, cursor: Cursor = None
) -> AttachmentPage:
    """The interaction's live attachments, oldest first."""
    page = PageRequest.parse(limit=limit, cursor=cursor)
    parent = Parents(interaction_id=interaction_id)
    return out_page(AttachmentPage, await services.list_attachments(deps, user.id, parent, page))


@get(
    "/communications/{communication_id:uuid}/attachments", tags=TAGS, summary="A message's attachments",
    responses=errors(*AUTHENTICATED, 404, 422),
)
async def list_communication_attachments(
    deps: Core, user: CurrentUser, communication_id: ID, limit: Limit = None, cursor: Cursor = None
) -> AttachmentPage:
    """The message's live attachments, oldest first."""
    page = PageRequest.parse(limit=limit, cursor=cursor)
    parent = Parents(communication_id=communication_id)
    return out_page(AttachmentPage, await services.list_attachments(deps, user.id, parent, page))


@delete(
    "/attachments/{attachment_id:uuid}", status_code=204, tags=TAGS, summary="Delete an attachment",
    responses=errors(*AUTHENTICATED, 404),
)
async def delete_attachment(deps: Core, user: CurrentUser, attachment_id: ID) -> None:
    """Marks it deleted and removes its file."""
    await services.delete_attachment(deps, user.id, attachment_id)


ROUTES = [
    upload_attachment, show_attachment, download_attachment, list_entity_attachments, list_interaction_attachments,
    list_communication_attachments, delete_attachment,
]
