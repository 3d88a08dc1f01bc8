"""Attachments over HTTP: a file streamed up, downloaded byte for byte (ranges, HEAD), refused when it lies
about its type or belongs elsewhere, and gone, file and all, when it or its last parent is deleted."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from conezia.adapters.http.schemas_attachments import AttachmentPage, StoredAttachmentOut
from conezia.core.attachments import MAX_SIZE
from tests.integration.http_fixtures import API, Api, api, database_rows, decoded, http_database

__all__ = ["api", "http_database"]

PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    + os.urandom(300_000)
    + b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + b"\x00" * 500 + b"This program cannot be run"


def _upload(api: Api, token: str, content: bytes, mime: str | None = "application/pdf", **params: Any) -> Any:
    headers = {} if mime is None else {"Content-Type": mime}
    return api.post(f"{API}/attachments", token=token, content=content, params=params, headers=headers)


def _meeting_note(api: Api, token: str) -> tuple[str, str]:
    grace = api.create("/entities", token, {"type": "person", "name": "Grace Hopper"})
    note = api.create(f"/entities/{grace['id']}/interactions", token, {"type": "meeting", "content": "COBOL"})
    return str(grace["id"]), str(note["id"])


def _files(api: Api) -> list[Path]:
    root = api.deps.blobs.root if hasattr(api.deps.blobs, "root") else None
    if root is None:
        return [Path(key) for key in api.deps.blobs._blobs]  # type: ignore[attr-defined]
    return sorted(path for path in Path(root).rglob("*") if path.is_file())


def test_a_pdf_attached_to_a_meeting_note_downloads_byte_for_byte(api: Api) -> None:
    token = api.new_user("ada@example.com")
    _, note = _meeting_note(api, token)

    response = _upload(api, token, PDF, filename="Minutes of the meeting.pdf", interaction_id=note)

    assert response.status_code == 201, response.text
    attachment = decoded(response, StoredAttachmentOut)
    assert (attachment.filename, attachment.mime_type, attachment.size_bytes) == (
        "Minutes of the meeting.pdf", "application/pdf", len(PDF))
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert str(attachment.interaction_id) == note and attachment.entity_id is None
    download = api.get(f"{API}/attachments/{attachment.id}/content", token=token)
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-length"] == str(len(PDF))
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"Minutes of the meeting.pdf\"; filename*=UTF-8''Minutes%20of%20the%20meeting.pdf")
    listed = decoded(api.get(f"{API}/interactions/{note}/attachments", token=token), AttachmentPage)
    assert [item.id for item in listed.data] == [attachment.id]
    assert len(_files(api)) == 1


def test_the_stored_file_is_named_by_a_random_key_never_by_the_clients_name(api: Api) -> None:
    token = api.new_user("ada@example.com")
    grace, _ = _meeting_note(api, token)

    response = _upload(api, token, b"just text\n", "text/plain", filename="../../etc/passwd", entity_id=grace)

    assert response.status_code == 201, response.text
    (stored,) = _files(api)
    assert "passwd" not in str(stored) and ".." not in str(stored)
    assert "filename=\"_.._etc_passwd\"" in api.get(
        f"{API}/attachments/{response.json()['id']}/content", token=token).headers["content-disposition"]


def test_a_name_outside_ascii_is_offered_in_utf8_with_an_ascii_fallback(api: Api) -> None:
    token = api.new_user("ada@example.com")
    grace, _ = _meeting_note(api, token)
    created = _upload(api, token, b"a,b\n1,2\n", "text/csv", filename='Résumé "final".csv', entity_id=grace)

    headers = api.get(f"{API}/attachments/{created.json()['id']}/content", token=token).headers

    assert headers["content-disposition"] == (
        "attachment; filename=\"Resume _final_.csv\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.csv")


def test_an_exe_renamed_pdf_is_refused_and_nothing_is_kept(api: Api) -> None:
    token = api.new_user("ada@example.com")
    grace, _ = _meeting_note(api, token)
    rows = database_rows(api)

    response = _upload(api, token, EXE, filename="invoice.pdf", entity_id=grace)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == {"mime_type": ["does not match the content (application/x-msdownload)"]}
    assert database_rows(api) == rows
    assert _files(api) == []


@pytest.mark.parametrize(
    ("content", "mime", "field"),
    [
        (b"\xff\xfe\x00binary\x00", "text/plain", "mime_type"),  # not UTF-8 text
        (PDF, "application/zip", "mime_type"),  # not an allowed type
        (PDF, None, "mime_type"),  # no declared type
        (b"", "text/plain", "file"),  # empty
    ],
)
def test_content_that_is_not_what_it_says_or_not_allowed_is_a_422(
    api: Api, content: bytes, mime: str | None, field: str
) -> None:
    token = api.new_user("ada@example.com")
    grace, _ = _meeting_note(api, token)

    response = _upload(api, token, content, mime, filename="x", entity_id=grace)

    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]
    assert _files(api) == []


def test_a_name_and_a_parent_are_required_and_every_missing_one_is_named(api: Api) -> None:
    token = api.new_user("ada@example.com")

    response = _upload(api, token, PDF, interaction_id="not-a-uuid")

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"filename", "interaction_id"}
    assert set(_upload(api, token, PDF, filename="a.pdf").json()["errors"]) == {"entity_id"}


def test_another_users_entity_as_parent_is_a_404_and_nothing_is_kept(api: Api) -> None:
    ada = api.new_user("ada@example.com")
    mallory = api.new_user("mallory@example.com")
    grace, note = _meeting_note(api, ada)
    mine, _ = _meeting_note(api, mallory)

    for params in ({"entity_id": grace}, {"interaction_id": note}, {"entity_id": mine, "interaction_id": note}):
        response = _upload(api, mallory, PDF, filename="x.pdf", **params)
        assert response.status_code == 404, (params, response.text)
    assert _files(api) == []


def test_a_file_over_50_mb_is_a_413(api: Api) -> None:
    token = api.new_user("ada@example.com")
    grace, _ = _meeting_note(api, token)

    response = _upload(api, token, b"%PDF-1.4\n" + b"\x00" * MAX_SIZE, filename="big.pdf", entity_id=grace)

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert _files(api) == []


def test_a_range_is_served_as_206_and_a_range_beyond_the_end_as_416(api: Api) -> None:
    token = api.new_user("ada@example.com")
    _, note = _meeting_note(api, token)
    attachment = _upload(api, token, PDF, filename="m.pdf", interaction_id=note).json()
    url = f"{API}/attachments/{attachment['id']}/content"

    part = api.get(url, token=token, headers={"Range": "bytes=100-199"})
    tail = api.get(url, token=token, headers={"Range": "bytes=-10"})
    rest = api.get(url, token=token, headers={"Range": f"bytes={len(PDF) - 5}-"})
    beyond = api.get(url, token=token, headers={"Range": f"bytes={len(PDF)}-"})
    stale = api.get(url, token=token, headers={"Range": "bytes=0-9", "If-Range": '"something-else"'})
    fresh = api.get(url, token=token, headers={"Range": "bytes=0-9", "If-Range": f'"{attachment["sha256"]}"'})

    assert (part.status_code, part.content, part.headers["content-range"]) == (
        206, PDF[100:200], f"bytes 100-199/{len(PDF)}")
    assert (tail.status_code, tail.content) == (206, PDF[-10:])
    assert (rest.status_code, rest.content) == (206, PDF[-5:])
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(PDF)}"
    assert beyond.headers["content-type"] == "application/problem+json"
    assert (stale.status_code, len(stale.content)) == (200, len(PDF))
    assert (fresh.status_code, fresh.content) == (206, PDF[:10])


def test_head_answers_the_downloads_headers_without_the_body(api: Api) -> None:
    token = api.new_user("ada@example.com")
    _, note = _meeting_note(api, token)
    attachment = _upload(api, token, PDF, filename="m.pdf", interaction_id=note).json()

    response = api.request("HEAD", f"{API}/attachments/{attachment['id']}/content", token=token)

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(PDF))
    assert response.headers["x-content-type-options"] == "nosniff"


def test_deleting_an_attachment_removes_its_file_and_it_is_gone_for_its_owner(api: Api) -> None:
    token = api.new_user("ada@example.com")
    _, note = _meeting_note(api, token)
    attachment = _upload(api, token, PDF, filename="m.pdf", interaction_id=note).json()

    assert api.delete(f"{API}/attachments/{attachment['id']}", token=token).status_code == 204

    assert api.get(f"{API}/attachments/{attachment['id']}", token=token).status_code == 404
    assert api.get(f"{API}/attachments/{attachment['id']}/content", token=token).status_code == 404
    assert api.delete(f"{API}/attachments/{attachment['id']}", token=token).status_code == 404
    assert api.get(f"{API}/interactions/{note}/attachments", token=token).json()["data"] == []
    assert _files(api) == []


def test_deleting_the_only_parent_removes_the_attachment_and_another_parent_keeps_it_unlinked(api: Api) -> None:
    token = api.new_user("ada@example.com")
    grace, note = _meeting_note(api, token)
    only = _upload(api, token, PDF, filename="only.pdf", interaction_id=note).json()
    both = _upload(api, token, b"notes\n", "text/plain", filename="both.txt", interaction_id=note, entity_id=grace)

    assert api.delete(f"{API}/interactions/{note}", token=token).status_code == 204

    assert api.get(f"{API}/attachments/{only['id']}", token=token).status_code == 404
    kept = api.get(f"{API}/attachments/{both.json()['id']}", token=token).json()
    assert (kept["entity_id"], kept["interaction_id"]) == (grace, None)
    assert len(_files(api)) == 1
    assert api.delete(f"{API}/entities/{grace}", token=token).status_code == 204
    assert _files(api) == []
    activity = api.get(f"{API}/activity?resource_type=attachment", token=token).json()["data"]
    assert sorted(row["action"] for row in activity) == ["create", "create", "delete", "delete"]

