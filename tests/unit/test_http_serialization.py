"""The HTTP boundary's response structs: allow-listed fields only, aware timestamps, no bytes, no secrets."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
import pytest

from conezia.adapters.http.schemas import (
    RESPONSES,
    EntityOut,
    EntityPage,
    IdentifierList,
    IdentifierOut,
    UserOut,
    out,
    out_list,
    out_page,
    provider_out,
)
from conezia.core.accounts import AuthProvider, User
from conezia.core.entities import Entity
from conezia.core.identifiers import Identifier
from conezia.core.pagination import Page

PARIS = dt.timezone(dt.timedelta(hours=1))
NOW = dt.datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=dt.timezone.utc)
ENTITY_KEYS = (
    "id", "type", "name", "inserted_at", "updated_at", "description", "avatar_url", "metadata",
    "last_interaction_at", "archived_at",
)


def encode(obj: object) -> Any:
    return msgspec.json.decode(msgspec.json.encode(obj))


def fifty_entities() -> Page[Entity]:
    items = [
        Entity(
            id=uuid.UUID(int=n + 1), owner_id=uuid.UUID(int=999), type=("person", "organization")[n % 2],
            name=f"Person {n} \u00e9\u2603", inserted_at=NOW + dt.timedelta(seconds=n),
            updated_at=NOW + dt.timedelta(minutes=n),
            description=None if n % 3 else f"about {n}", avatar_url=None if n % 4 else "https://x.io/a.png",
            metadata={} if n % 5 else {"k": [n, "v", None, True, 1.5], "nested": {"a": n}},
            last_interaction_at=None if n % 2 else NOW - dt.timedelta(days=n),
            archived_at=None if n % 7 else NOW,
        )
        for n in range(50)
    ]
    return Page(items=items, next_cursor="abc.def")


def test_a_page_of_fifty_entities_is_written_byte_for_byte_as_before() -> None:
    page = fifty_entities()
    # what the former converter produced: these keys in this order, written by msgspec
    before = msgspec.json.encode(
        {"data": [{key: getattr(e, key) for key in ENTITY_KEYS} for e in page.items], "next_cursor": "abc.def"}
    )
    assert msgspec.json.encode(out_page(EntityPage, page)) == before


def test_an_entity_goes_out_without_its_owner_and_with_utc_timestamps() -> None:
    entity = Entity(id=uuid.UUID(int=7), owner_id=uuid.UUID(int=8), type="person", name="Ada",
                    inserted_at=NOW, updated_at=NOW, metadata={"k": [1, 2]})
    body = encode(out(EntityOut, entity))
    assert "owner_id" not in body and list(body) == list(ENTITY_KEYS)
    assert body["id"] == "00000000-0000-0000-0000-000000000007"
    assert body["inserted_at"] == body["updated_at"] == "2026-03-01T09:30:00.123456Z"
    assert body["metadata"] == {"k": [1, 2]}


def test_an_instant_with_another_offset_is_written_as_the_same_instant() -> None:
    entity = Entity(id=uuid.uuid4(), owner_id=uuid.uuid4(), type="person", name="Ada",
                    inserted_at=NOW.astimezone(PARIS), updated_at=NOW)
    written = encode(out(EntityOut, entity))["inserted_at"]
    assert dt.datetime.fromisoformat(written) == NOW


def test_a_user_never_shows_the_password_hash() -> None:
    user = User(id=uuid.uuid4(), email="a@b.co", inserted_at=NOW, updated_at=NOW, hashed_password="$argon2id$secret")
    body = msgspec.json.encode(out(UserOut, user)).decode()
    assert "hashed_password" not in body and "argon2" not in body


def test_a_sensitive_identifier_shows_no_value_and_no_ciphertext() -> None:
    sealed = Identifier(id=uuid.uuid4(), entity_id=uuid.uuid4(), type="ssn", value_hash="ab" * 32,
                        inserted_at=NOW, updated_at=NOW, value="078-05-1120", value_encrypted=b"\x01\x02sealed")
    phone = Identifier(id=uuid.uuid4(), entity_id=uuid.uuid4(), type="phone", value_hash="cd" * 32,
                       inserted_at=NOW, updated_at=NOW, value="+12025551234")
    listed = encode(out_list(IdentifierList, [sealed, phone]))["data"]
    assert [(i["value"], i["is_sensitive"]) for i in listed] == [(None, True), ("+12025551234", False)]
    assert not {"value_encrypted", "value_hash"} & set(listed[0])
    assert "078-05-1120" not in msgspec.json.encode(out(IdentifierOut, sealed)).decode()


def test_a_linked_sign_in_says_whether_it_has_tokens_without_showing_them() -> None:
    provider = AuthProvider(id=uuid.uuid4(), user_id=uuid.uuid4(), provider="google", provider_uid="g-1",
                            inserted_at=NOW, updated_at=NOW, provider_token=b"sealed-token")
    body = encode(provider_out(provider))
    assert (body["has_token"], body["has_refresh_token"]) == (True, False)
    assert "provider_token" not in body and "sealed" not in str(body)


def test_a_naive_timestamp_is_refused_rather_than_guessed() -> None:
    entity = Entity(id=uuid.uuid4(), owner_id=uuid.uuid4(), type="person", name="Ada",
                    inserted_at=dt.datetime(2026, 1, 1), updated_at=NOW)
    with pytest.raises(msgspec.ValidationError, match="timezone"):
        out(EntityOut, entity)


def _types(node: msgspec.inspect.Type) -> list[msgspec.inspect.Type]:
    found = [node]
    for attribute in ("type", "item_type", "key_type", "value_type"):
        child = getattr(node, attribute, None)
        if isinstance(child, msgspec.inspect.Type):
            found.extend(_types(child))
    for child in getattr(node, "types", ()) or ():
        found.extend(_types(child))
    return found


def test_no_response_body_declares_bytes_so_ciphertexts_and_hashes_have_no_way_out() -> None:
    assert len(RESPONSES) >= 20
    for shape in RESPONSES:
        info = msgspec.inspect.type_info(shape)
        assert isinstance(info, msgspec.inspect.StructType)
        for field in info.fields:
            kinds = _types(field.type)
            assert not any(isinstance(k, (msgspec.inspect.BytesType, msgspec.inspect.ByteArrayType)) for k in kinds)
            assert "hash" not in field.name and "encrypted" not in field.name, (shape, field.name)
