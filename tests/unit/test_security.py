"""Encryption, blind index, password hashing, key files and throttles."""

from __future__ import annotations

import json
import os
import stat
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conezia.adapters.security import AesGcmCipher, Argon2Hasher, HmacBlindIndex
from conezia.adapters.throttle import FixedWindowLimiter, MemoryLoginThrottle
from conezia.keys import KeyConfigError, create_key_file, load_key_file, load_keys, rotate_key_file

K1, K2 = os.urandom(32), os.urandom(32)


@given(st.binary(max_size=2048), st.binary(max_size=64))
def test_encrypted_values_round_trip_with_their_context(plaintext: bytes, context: bytes) -> None:
    cipher = AesGcmCipher({"k1": K1}, "k1")
    sealed = cipher.encrypt(plaintext, context=context)
    assert len(plaintext) < 8 or plaintext not in sealed
    assert cipher.decrypt(sealed, context=context) == plaintext


def test_a_value_moved_to_another_row_does_not_decrypt() -> None:
    cipher = AesGcmCipher({"k1": K1}, "k1")
    sealed = cipher.encrypt(b"123-45-6789", context=b"identifiers.value_encrypted.row-1")
    with pytest.raises(ValueError, match="tampered"):
        cipher.decrypt(sealed, context=b"identifiers.value_encrypted.row-2")


def test_a_flipped_bit_is_detected() -> None:
    cipher = AesGcmCipher({"k1": K1}, "k1")
    sealed = bytearray(cipher.encrypt(b"secret", context=b"c"))
    sealed[-1] ^= 1
    with pytest.raises(ValueError):
        cipher.decrypt(bytes(sealed), context=b"c")


def test_after_rotation_old_values_still_decrypt_and_new_ones_use_the_new_key() -> None:
    old = AesGcmCipher({"k1": K1}, "k1")
    sealed_old = old.encrypt(b"old", context=b"c")
    rotated = AesGcmCipher({"k1": K1, "k2": K2}, "k2")
    sealed_new = rotated.encrypt(b"new", context=b"c")
    assert rotated.key_id_of(sealed_old) == "k1" and rotated.key_id_of(sealed_new) == "k2"
    assert rotated.decrypt(sealed_old, context=b"c") == b"old"
    with pytest.raises(ValueError, match="k2"):
        old.decrypt(sealed_new, context=b"c")


def test_the_blind_index_is_keyed_and_scoped_to_the_owner() -> None:
    index = HmacBlindIndex(K1)
    a, b = uuid.uuid4(), uuid.uuid4()
    digest = index.digest(scope=a, kind="ssn", value="123456789")
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert digest == index.digest(scope=a, kind="ssn", value="123456789")
    assert digest != index.digest(scope=b, kind="ssn", value="123456789")
    assert digest != HmacBlindIndex(K2).digest(scope=a, kind="ssn", value="123456789")
    import hashlib

    assert digest != hashlib.sha256(b"123456789").hexdigest()


@pytest.mark.anyio
async def test_password_hashes_are_argon2id_and_verify_only_the_right_password() -> None:
    hasher = Argon2Hasher(profile="test")
    hashed = await hasher.hash("Correct-Horse-1")
    assert hashed.startswith("$argon2id$")
    assert await hasher.verify(hashed, "Correct-Horse-1")
    assert not await hasher.verify(hashed, "correct-horse-1")
    assert not await hasher.verify(None, "Correct-Horse-1")
    assert not await hasher.verify("not a hash", "x")


@pytest.mark.anyio
async def test_the_production_profile_uses_64_mib_per_hash() -> None:
    assert "m=65536" in await Argon2Hasher().hash("Correct-Horse-1")


def test_a_key_file_is_created_owner_only_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    assert create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_text()
    assert not create_key_file(path)
    assert path.read_text() == before
    ring = load_key_file(path)
    assert len(ring.encryption_keys[ring.active_key_id]) == 32
    assert "blind" not in repr(ring) and before not in repr(ring)


def test_rotating_keys_adds_a_new_active_key_and_keeps_the_old(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    create_key_file(path)
    first = load_key_file(path)
    new_id = rotate_key_file(path)
    second = load_key_file(path)
    assert second.active_key_id == new_id != first.active_key_id
    assert second.encryption_keys[first.active_key_id] == first.encryption_keys[first.active_key_id]
    assert second.blind_index_key == first.blind_index_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_missing_or_broken_key_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(KeyConfigError, match="conezia keys init"):
        load_key_file(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"active_key_id": "x", "encryption_keys": {"x": "c2hvcnQ="}, "blind_index_key": "x"}))
    with pytest.raises(KeyConfigError, match="32 bytes"):
        load_key_file(bad)


def test_keys_can_come_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    create_key_file(path)
    ring = load_keys({"CONEZIA_KEYS": path.read_text()}, tmp_path / "absent.json")
    assert ring == load_key_file(path)


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_fixed_window_allows_the_limit_then_refuses_until_the_window_turns() -> None:
    clock = FakeMonotonic()
    limiter = FixedWindowLimiter(monotonic=clock)
    decisions = [limiter.hit("u", 3, 60) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert limiter.hit("other", 3, 60).allowed
    clock.t += 60
    assert limiter.hit("u", 3, 60).allowed


def test_failed_logins_block_the_account_then_expire() -> None:
    clock = FakeMonotonic()
    throttle = MemoryLoginThrottle(max_failures=3, window=900, monotonic=clock)
    keys = ["account:a@b.co", "client:1.2.3.4"]
    for _ in range(3):
        assert throttle.retry_after(keys) is None
        throttle.failed(keys)
    wait = throttle.retry_after(keys)
    assert wait is not None and 0 < wait <= 900
    assert throttle.retry_after(["account:other@b.co", "client:5.6.7.8"]) is None
    clock.t += 901
    assert throttle.retry_after(keys) is None


def test_a_client_address_is_blocked_after_many_accounts_fail() -> None:
    throttle = MemoryLoginThrottle(max_failures=2, window=900, client_factor=3, monotonic=FakeMonotonic())
    for n in range(6):
        throttle.failed([f"account:{n}@x.io", "client:9.9.9.9"])
    assert throttle.retry_after(["account:fresh@x.io", "client:9.9.9.9"]) is not None
    assert throttle.retry_after(["account:fresh@x.io", "client:1.1.1.1"]) is None


def test_the_session_memory_is_off_by_default_with_several_workers() -> None:
    from conezia.settings import Settings

    assert Settings.from_env({}).session_cache_seconds == 5
    assert Settings.from_env({"CONEZIA_WORKERS": "2"}).session_cache_seconds == 0
    assert Settings.from_env({"CONEZIA_WORKERS": "2", "CONEZIA_SESSION_CACHE_SECONDS": "3"}).session_cache_seconds == 3
