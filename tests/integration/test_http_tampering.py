"""A ciphertext changed in the database answers a 409 problem, logged once as a security event.

Each case changes the real rows with SQL (a flipped byte in each region of the
layout, a truncation, an appended byte, a value swapped between rows, users or
the two token columns), then reveals through the real HTTP stack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import psycopg
import psycopg.sql
import pytest

from tests.integration.http_fixtures import API, Api, api, http_database, libpq_url

__all__ = ["api", "http_database"]

SSN_A, SSN_B, GOV_ID = "123-45-6789", "987-65-4321", "X1234567"
TOKEN, REFRESH = "ya29.provider-token-of-ada", "1//refresh-token-of-ada"
OTHER_TOKEN = "ya29.provider-token-of-bob"
SECRETS = (SSN_A, SSN_B, GOV_ID, TOKEN, REFRESH, OTHER_TOKEN)
NONCE, TAG = 12, 16


@attrs.frozen
class Planted:
    """Ada's and Bob's sealed values, as stored, and where to reveal each."""

    ada_token: str
    bob_token: str
    ada_id: str
    bob_id: str
    entity: str
    ssn: str  # Ada's SSN identifier
    gov_id: str  # Ada's government id, on another entity
    bob_ssn: str
    link: str  # Ada's google link, with both tokens
    bob_link: str


@pytest.fixture
def planted(api: Api) -> Planted:
    if api.database.target == "memory":
        pytest.skip("tampers with PostgreSQL rows")
    ada, bob = api.new_user("ada@example.com"), api.new_user("bob@example.com")
    entity = api.create("/entities", ada, {"type": "person", "name": "Grace"})
    other = api.create("/entities", ada, {"type": "person", "name": "Alan"})
    bobs = api.create("/entities", bob, {"type": "person", "name": "Carol"})
    ssn = api.create(f"/entities/{entity['id']}/identifiers", ada, {"type": "ssn", "value": SSN_A})
    gov = api.create(f"/entities/{other['id']}/identifiers", ada, {"type": "government_id", "value": GOV_ID})
    bob_ssn = api.create(f"/entities/{bobs['id']}/identifiers", bob, {"type": "ssn", "value": SSN_B})
    link = api.create("/me/auth-providers", ada, {
        "provider": "google", "provider_uid": "ada-uid", "provider_token": TOKEN, "provider_refresh_token": REFRESH,
    })
    bob_link = api.create("/me/auth-providers", bob, {
        "provider": "google", "provider_uid": "bob-uid", "provider_token": OTHER_TOKEN,
    })
    return Planted(
        ada_token=ada, bob_token=bob,
        ada_id=api.get(f"{API}/me", token=ada).json()["id"], bob_id=api.get(f"{API}/me", token=bob).json()["id"],
        entity=entity["id"], ssn=ssn["id"], gov_id=gov["id"], bob_ssn=bob_ssn["id"],
        link=link["id"], bob_link=bob_link["id"],
    )


@pytest.fixture
def sql(api: Api) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(libpq_url(api.database.target), autocommit=True) as connection:
        yield connection


def _read(sql: psycopg.Connection[Any], table: str, column: str, row: str) -> bytes:
    query = psycopg.sql.SQL("SELECT {} FROM {} WHERE id = %s").format(
        psycopg.sql.Identifier(column), psycopg.sql.Identifier(table))
    found = sql.execute(query, (row,)).fetchone()
    assert found is not None and found[0] is not None
    return bytes(found[0])


def _write(sql: psycopg.Connection[Any], table: str, column: str, row: str, value: bytes) -> None:
    query = psycopg.sql.SQL("UPDATE {} SET {} = %s WHERE id = %s").format(
        psycopg.sql.Identifier(table), psycopg.sql.Identifier(column))
    sql.execute(query, (value, row))


def _flip(offset: Callable[[bytes], int]) -> Callable[[bytes], bytes]:
    def change(blob: bytes) -> bytes:
        at = offset(blob)
        return blob[:at] + bytes([blob[at] ^ 0x01]) + blob[at + 1 :]

    return change


def _header(blob: bytes) -> int:
    return 2 + blob[1]


# where each region of "version | key id length | key id | nonce | ciphertext | tag" starts or ends
BYTE_CHANGES: dict[str, Callable[[bytes], bytes]] = {
    "the version byte flipped": _flip(lambda b: 0),
    "the key id length flipped": _flip(lambda b: 1),
    "the key id length zeroed": lambda b: b[:1] + b"\x00" + b[2:],
    "the first key id byte flipped": _flip(lambda b: 2),
    "the last key id byte flipped": _flip(lambda b: _header(b) - 1),
    "the first nonce byte flipped": _flip(_header),
    "the last nonce byte flipped": _flip(lambda b: _header(b) + NONCE - 1),
    "the first ciphertext byte flipped": _flip(lambda b: _header(b) + NONCE),
    "the last ciphertext byte flipped": _flip(lambda b: len(b) - TAG - 1),
    "the first tag byte flipped": _flip(lambda b: len(b) - TAG),
    "the last tag byte flipped": _flip(lambda b: len(b) - 1),
    "the last byte cut off": lambda b: b[:-1],
    "cut to its header": lambda b: b[: _header(b)],
    "cut to one byte": lambda b: b[:1],
    "emptied": lambda b: b"",
    "a byte appended": lambda b: b + b"\x00",
}


@attrs.frozen
class Case:
    """What is changed, and which reveal must then fail."""

    change: Callable[[psycopg.Connection[Any], Planted], None]
    table: str
    row: Callable[[Planted], str]
    owner: str  # "ada" or "bob"

    def path(self, planted: Planted) -> str:
        kind = "identifiers" if self.table == "identifiers" else "me/auth-providers"
        return f"{API}/{kind}/{self.row(planted)}/reveal"


def _changed(table: str, column: str, row: Callable[[Planted], str], how: Callable[[bytes], bytes]) -> Case:
    def change(sql: psycopg.Connection[Any], planted: Planted) -> None:
        _write(sql, table, column, row(planted), how(_read(sql, table, column, row(planted))))

    return Case(change, table, row, "ada")


def _swapped(table: str, first: tuple[str, Callable[[Planted], str]], second: tuple[str, Callable[[Planted], str]],
             reveal: Callable[[Planted], str], owner: str = "ada") -> Case:
    def change(sql: psycopg.Connection[Any], planted: Planted) -> None:
        (col_a, row_a), (col_b, row_b) = first, second
        a, b = _read(sql, table, col_a, row_a(planted)), _read(sql, table, col_b, row_b(planted))
        _write(sql, table, col_a, row_a(planted), b)
        _write(sql, table, col_b, row_b(planted), a)

    return Case(change, table, reveal, owner)


def _ssn(p: Planted) -> str:
    return p.ssn


def _link(p: Planted) -> str:
    return p.link


CASES: dict[str, Case] = {
    **{f"an identifier's value with {name}": _changed("identifiers", "value_encrypted", _ssn, how)
       for name, how in BYTE_CHANGES.items()},
    "an identifier's value swapped with another row's of the same user": _swapped(
        "identifiers", ("value_encrypted", _ssn), ("value_encrypted", lambda p: p.gov_id), _ssn),
    "an identifier's value swapped with another user's (revealed by its first owner)": _swapped(
        "identifiers", ("value_encrypted", _ssn), ("value_encrypted", lambda p: p.bob_ssn), _ssn),
    "an identifier's value swapped with another user's (revealed by the other)": _swapped(
        "identifiers", ("value_encrypted", _ssn), ("value_encrypted", lambda p: p.bob_ssn), lambda p: p.bob_ssn,
        owner="bob"),
    "a provider's two token columns swapped": _swapped(
        "auth_providers", ("provider_token", _link), ("provider_refresh_token", _link), _link),
    "a provider token swapped with another user's": _swapped(
        "auth_providers", ("provider_token", _link), ("provider_token", lambda p: p.bob_link), _link),
    "a provider token with its last tag byte flipped": _changed(
        "auth_providers", "provider_token", _link, BYTE_CHANGES["the last tag byte flipped"]),
    "a refresh token with its version byte flipped": _changed(
        "auth_providers", "provider_refresh_token", _link, BYTE_CHANGES["the version byte flipped"]),
    "a refresh token with its last byte cut off": _changed(
        "auth_providers", "provider_refresh_token", _link, BYTE_CHANGES["the last byte cut off"]),
    "a provider token with a byte appended": _changed(
        "auth_providers", "provider_token", _link, BYTE_CHANGES["a byte appended"]),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_tampered_ciphertext_answers_409_is_logged_once_as_a_security_event_and_listing_still_works(
    api: Api, planted: Planted, sql: psycopg.Connection[Any], caplog: pytest.LogCaptureFixture, case: Case
) -> None:
    token, user_id = (planted.ada_token, planted.ada_id) if case.owner == "ada" else (planted.bob_token, planted.bob_id)
    blobs_before = _all_blobs(sql)
    case.change(sql, planted)
    assert _all_blobs(sql) != blobs_before, "the case changed nothing"

    with caplog.at_level(logging.INFO):
        response = api.post(case.path(planted), token=token)

    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 409 and problem["title"] == "Conflict"
    assert problem["detail"] == "The stored value failed its integrity check; it cannot be revealed."
    for secret in SECRETS:
        assert secret not in response.text
    security = [r for r in caplog.records if r.name == "conezia.security"]
    assert len(security) == 1, [r.getMessage() for r in caplog.records]
    record = security[0]
    assert record.levelno == logging.WARNING and record.exc_info is None
    message = record.getMessage()
    assert case.table in message and case.row(planted) in message and user_id in message
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in SECRETS:
        assert secret not in logged
    for blob in [*blobs_before.values(), *_all_blobs(sql).values()]:
        if len(blob) >= 8:  # a shorter one is no secret, and any text holds its hex
            assert blob.hex() not in logged and repr(blob) not in logged
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    # the rest keeps working: lists, duplicate detection, the untouched values
    assert api.get(f"{API}/entities/{planted.entity}/identifiers", token=planted.ada_token).status_code == 200
    assert api.get(f"{API}/me/auth-providers", token=planted.ada_token).status_code == 200
    duplicates = api.post(f"{API}/identifiers/duplicates", token=planted.ada_token,
                          json={"type": "ssn", "value": SSN_A})
    assert duplicates.status_code == 200 and [i["id"] for i in duplicates.json()["data"]] == [planted.ssn]
    assert api.get(f"{API}/identifiers/{planted.ssn}/duplicates", token=planted.ada_token).status_code == 200
    if case.table == "auth_providers":
        assert api.post(f"{API}/identifiers/{planted.ssn}/reveal", token=planted.ada_token).json() == {"value": SSN_A}


def test_untampered_values_reveal_as_stored(api: Api, planted: Planted) -> None:
    assert api.post(f"{API}/identifiers/{planted.ssn}/reveal", token=planted.ada_token).json() == {"value": SSN_A}
    assert api.post(f"{API}/identifiers/{planted.gov_id}/reveal", token=planted.ada_token).json() == {"value": GOV_ID}
    tokens = api.post(f"{API}/me/auth-providers/{planted.link}/reveal", token=planted.ada_token).json()
    assert (tokens["provider_token"], tokens["provider_refresh_token"]) == (TOKEN, REFRESH)


def _all_blobs(sql: psycopg.Connection[Any]) -> dict[tuple[str, str], bytes]:
    """Every stored ciphertext by (column, row)."""
    rows = sql.execute(
        "SELECT 'value_encrypted', id, value_encrypted FROM identifiers WHERE value_encrypted IS NOT NULL"
        " UNION ALL SELECT 'provider_token', id, provider_token FROM auth_providers"
        " UNION ALL SELECT 'provider_refresh_token', id, provider_refresh_token FROM auth_providers"
    ).fetchall()
    return {(column, str(row)): bytes(value) for column, row, value in rows if value is not None}
