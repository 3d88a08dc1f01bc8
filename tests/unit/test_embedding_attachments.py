"""The embedding API's attachments: upload from bytes, a path or a file object, download to a path or a stream."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import conezia
from conezia.core.errors import NotFoundError, ValidationError
from conezia.settings import Settings

PASSWORD = "Analytical-Engine-1"
PDF = b"%PDF-1.4\n" + os.urandom(600_000) + b"\n%%EOF\n"


@pytest.fixture
def crm() -> Iterator[conezia.Conezia]:
    with conezia.open("memory", settings=Settings(password_profile="test")) as store:
        yield store


def _user(crm: conezia.Conezia, email: str) -> conezia.UserScope:
    crm.register(email=email, password=PASSWORD)
    return crm.authenticate(crm.log_in(email, PASSWORD).token)


def test_a_pdf_attached_to_a_meeting_note_from_a_path_downloads_to_a_path_byte_for_byte(
    crm: conezia.Conezia, tmp_path: Path
) -> None:
    me = _user(crm, "ada@example.com")
    grace = me.create_entity(type="person", name="Grace Hopper")
    note = me.log_interaction(grace.id, type="meeting", content="COBOL")
    (tmp_path / "minutes.pdf").write_bytes(PDF)

    stored = me.upload_attachment(tmp_path / "minutes.pdf", mime_type="application/pdf", interaction_id=note.id)
    copy = me.download_attachment(stored.id, tmp_path / "copy.pdf")

    assert (stored.filename, stored.size_bytes, copy.id) == ("minutes.pdf", len(PDF), stored.id)
    assert (tmp_path / "copy.pdf").read_bytes() == PDF
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.pdf", "minutes.pdf"]
    assert [a.id for a in me.attachments(interaction_id=note.id).items] == [stored.id]


def test_bytes_and_file_objects_go_both_ways_and_a_deleted_attachment_is_gone(crm: conezia.Conezia) -> None:
    me = _user(crm, "ada@example.com")
    grace = me.create_entity(type="person", name="Grace Hopper")

    from_bytes = me.upload_attachment(b"a,b\n1,2\n", filename="t.csv", mime_type="text/csv", entity_id=grace.id)
    from_file = me.upload_attachment(io.BytesIO(PDF), filename="f.pdf", mime_type="application/pdf",
                                     entity_id=grace.id)
    sink = io.BytesIO()
    me.download_attachment(from_file.id, sink)

    assert sink.getvalue() == PDF
    assert me.attachment_content(from_bytes.id) == b"a,b\n1,2\n"
    me.delete_attachment(from_bytes.id)
    with pytest.raises(NotFoundError):
        me.attachment(from_bytes.id)


def test_a_lying_file_and_another_users_parent_are_refused(crm: conezia.Conezia) -> None:
    me = _user(crm, "ada@example.com")
    mallory = _user(crm, "mallory@example.com")
    grace = me.create_entity(type="person", name="Grace Hopper")

    with pytest.raises(ValidationError) as raised:
        me.upload_attachment(b"MZ\x90\x00" + b"\x00" * 300, filename="x.pdf", mime_type="application/pdf",
                             entity_id=grace.id)
    assert list(raised.value.errors) == ["mime_type"]
    with pytest.raises(NotFoundError):
        mallory.upload_attachment(PDF, filename="x.pdf", mime_type="application/pdf", entity_id=grace.id)
