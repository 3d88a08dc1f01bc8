"""Any change to a ciphertext raises the cipher's one error, and revealing it is an integrity failure."""

from __future__ import annotations

import logging
import os

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from conezia.adapters.security import AesGcmCipher
from conezia.core import services
from conezia.core.deps import Deps
from conezia.core.errors import CipherError, IntegrityCheckError

CIPHER = AesGcmCipher({"k1": os.urandom(32), "key-two": os.urandom(32)}, "key-two")
CONTEXT = b"identifiers.value_encrypted.row-1"


def _flip(blob: bytes, at: int, mask: int) -> bytes:
    at %= len(blob)
    return blob[:at] + bytes([blob[at] ^ mask]) + blob[at + 1 :]


@st.composite
def mutations(draw: st.DrawFn, sealed: bytes) -> bytes:
    """``sealed`` flipped, cut, extended, spliced or replaced anywhere."""
    kind = draw(st.sampled_from(["flip", "truncate", "append", "insert", "delete", "replace"]))
    if kind == "flip":
        return _flip(sealed, draw(st.integers(0, len(sealed) - 1)), draw(st.integers(1, 255)))
    if kind == "truncate":
        return sealed[: draw(st.integers(0, len(sealed) - 1))]
    if kind == "append":
        return sealed + draw(st.binary(min_size=1, max_size=32))
    if kind == "insert":
        at = draw(st.integers(0, len(sealed)))
        return sealed[:at] + draw(st.binary(min_size=1, max_size=8)) + sealed[at:]
    if kind == "delete":
        at = draw(st.integers(0, len(sealed) - 1))
        return sealed[:at] + sealed[at + draw(st.integers(1, 8)) :]
    return draw(st.binary(max_size=len(sealed) + 8))


@given(st.binary(max_size=64), st.data())
def test_any_change_to_a_ciphertext_raises_the_one_cipher_error(plaintext: bytes, data: st.DataObject) -> None:
    sealed = CIPHER.encrypt(plaintext, context=CONTEXT)
    changed = data.draw(mutations(sealed))
    assume(changed != sealed)
    with pytest.raises(CipherError) as raised:
        CIPHER.decrypt(changed, context=CONTEXT)
    assert raised.value.reason in ("malformed", "unknown key", "not authentic")


@given(st.binary(max_size=64), st.binary(max_size=64))
def test_a_ciphertext_under_another_context_raises_the_one_cipher_error(plaintext: bytes, context: bytes) -> None:
    assume(context != CONTEXT)
    with pytest.raises(CipherError, match="tampered") as raised:
        CIPHER.decrypt(CIPHER.encrypt(plaintext, context=CONTEXT), context=context)
    assert raised.value.reason == "not authentic"


def test_a_key_that_is_not_configured_is_named_and_is_the_one_cipher_error() -> None:
    sealed = AesGcmCipher({"k9": os.urandom(32)}, "k9").encrypt(b"x", context=CONTEXT)
    with pytest.raises(CipherError, match="k9") as raised:
        CIPHER.decrypt(sealed, context=CONTEXT)
    assert raised.value.reason == "unknown key"


@pytest.mark.anyio
async def test_revealing_a_tampered_value_is_an_integrity_failure_logged_once_without_the_value(
    deps: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    owner = (await services.register(deps, {"email": "ada@example.com", "password": "Correct-Horse-1"})).id
    entity = await services.create_entity(deps, owner, {"type": "person", "name": "Grace"})
    stored = await services.add_identifier(deps, owner, entity.id, {"type": "ssn", "value": "123-45-6789"})
    async with deps.uow() as uow:
        row = await uow.identifiers.get(owner, stored.id)
        assert row is not None and row.value_encrypted is not None
        row.value_encrypted = _flip(row.value_encrypted, -1, 1)
        await uow.identifiers.update(row)
        await uow.commit()

    with caplog.at_level(logging.INFO), pytest.raises(IntegrityCheckError) as raised:
        await services.reveal_identifier(deps, owner, stored.id)

    assert (raised.value.table, raised.value.row_id) == ("identifiers", stored.id)
    assert raised.value.__cause__ is None and "123-45-6789" not in str(raised.value)
    [record] = [r for r in caplog.records if r.name == "conezia.security"]
    assert record.levelno == logging.WARNING
    assert str(stored.id) in record.getMessage() and str(owner) in record.getMessage()
    assert "123-45-6789" not in record.getMessage() and row.value_encrypted.hex() not in record.getMessage()
    assert [i.id for i in await services.list_identifiers(deps, owner, entity.id)] == [stored.id]
