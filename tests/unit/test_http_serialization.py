"""The HTTP boundary's converter: allow-listed fields only, aware UTC timestamps, no bytes."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec
import pytest

from conezia.adapters.http.serialization import dump
from conezia.core.accounts import User
from conezia.core.entities import Entity
from conezia.core.identifiers import Identifier

PARIS = dt.timezone(dt.timedelta(hours=1))
NOW = dt.datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=dt.timezone.utc)


def test_an_entity_goes_out_without_its_owner_and_with_utc_timestamps() -> None:
    entity = Entity(id=uuid.UUID(int=7), owner_id=uuid.UUID(int=8), type="person", name="Ada",
                    inserted_at=NOW.astimezone(PARIS), updated_at=NOW, metadata={"k": [1, 2]})
    out = msgspec.json.decode(msgspec.json.encode(dump(entity)))
    assert "owner_id" not in out
    assert out["id"] == "00000000-0000-0000-0000-000000000007"
    assert out["inserted_at"] == out["updated_at"] == "2026-03-01T09:30:00.123456Z"
    assert out["metadata"] == {"k": [1, 2]}


def test_a_user_never_shows_the_password_hash() -> None:
    user = User(id=uuid.uuid4(), email="a@b.co", inserted_at=NOW, updated_at=NOW, hashed_password="$argon2id$secret")
    assert "hashed_password" not in dump(user)
    assert "argon2" not in msgspec.json.encode(dump(user)).decode()


def test_a_sensitive_identifier_shows_no_value_and_no_ciphertext() -> None:
    ident = Identifier(id=uuid.uuid4(), entity_id=uuid.uuid4(), type="ssn", value_hash="ab" * 32,
                       inserted_at=NOW, updated_at=NOW, value_encrypted=b"\x01\x02sealed")
    out = dump(ident)
    assert out["value"] is None and out["is_sensitive"] is True
    assert "value_encrypted" not in out and "value_hash" not in out


def test_a_naive_timestamp_is_refused_rather_than_guessed() -> None:
    entity = Entity(id=uuid.uuid4(), owner_id=uuid.uuid4(), type="person", name="Ada",
                    inserted_at=dt.datetime(2026, 1, 1), updated_at=NOW)
    with pytest.raises(ValueError, match="naive"):
        dump(entity)


def test_bytes_have_no_json_form() -> None:
    with pytest.raises(TypeError):
        dump({"secret": b"\x00\x01"})
