"""Password hashing (argon2id), authenticated encryption (AES-256-GCM) and the blind index."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import struct
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import argon2
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from conezia.core.errors import CipherError

__all__ = ["AesGcmCipher", "Argon2Hasher", "HmacBlindIndex"]

T = TypeVar("T")

_FORMAT_VERSION = 1
_NONCE_BYTES = 12
_TAG_BYTES = 16


class Argon2Hasher:
    """Argon2id with argon2-cffi's defaults (64 MiB per hash), in its own few threads.

    Each hash takes 64 MiB and about 90 ms of a core. It runs in a small thread
    pool of its own, awaited by the caller: a burst of logins queues there,
    holding no event-loop time and no thread of anyone else's.

    Args:
        max_concurrent: how many hashes may run at once (the pool's threads).
        profile: ``"default"`` (production) or ``"test"`` (argon2's cheap test profile).
    """

    def __init__(self, *, max_concurrent: int = 2, profile: str = "default") -> None:
        if profile not in ("default", "test"):
            raise ValueError("profile must be 'default' or 'test'")
        self._hasher = (
            argon2.PasswordHasher()
            if profile == "default"
            else argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
        )
        self._threads = ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="conezia-argon2")
        self.max_concurrent = max_concurrent
        # Verifying against this when the account does not exist keeps timing uniform.
        self._dummy = self._hasher.hash(os.urandom(16).hex())

    async def _run(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, fn)

    async def hash(self, password: str) -> str:
        return await self._run(lambda: self._hasher.hash(password))

    async def verify(self, hashed: str | None, password: str) -> bool:
        return await self._run(lambda: self._verify(hashed, password))

    def _verify(self, hashed: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(hashed or self._dummy, password) and hashed is not None
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False

    def needs_rehash(self, hashed: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(hashed)
        except argon2.exceptions.InvalidHashError:
            return True


class AesGcmCipher:
    """AES-256-GCM. Ciphertext layout: version (1 byte) | key id length (1) | key id | nonce (12) | sealed.

    The key id in the header names the key to decrypt with, so keys rotate
    without downtime: new data is sealed with the active key, old data still opens
    with the retired keys until it is re-encrypted.

    Args:
        keys: key id -> 32-byte key.
        active_key_id: the key new data is encrypted with.
    """

    def __init__(self, keys: Mapping[str, bytes], active_key_id: str) -> None:
        if active_key_id not in keys:
            raise ValueError(f"active key {active_key_id!r} is not among the configured keys")
        for key_id, key in keys.items():
            if len(key) != 32:
                raise ValueError(f"encryption key {key_id!r} must be 32 bytes (AES-256)")
            if not 1 <= len(key_id.encode()) <= 255:
                raise ValueError("key ids must be 1 to 255 bytes")
        self._aeads = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.active_key_id = active_key_id

    def encrypt(self, plaintext: bytes, *, context: bytes) -> bytes:
        key_id = self.active_key_id.encode()
        header = struct.pack("BB", _FORMAT_VERSION, len(key_id)) + key_id
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aeads[self.active_key_id].encrypt(nonce, plaintext, header + context)
        return header + nonce + sealed

    def key_id_of(self, ciphertext: bytes) -> str:
        """The id of the key a ciphertext was sealed with, read from its header.

        Raises:
            CipherError: the header is malformed (``reason`` ``"malformed"``).
        """
        if len(ciphertext) < 3 or ciphertext[0] != _FORMAT_VERSION or ciphertext[1] == 0:
            raise CipherError("malformed", "not a Conezia ciphertext")
        raw = ciphertext[2 : 2 + ciphertext[1]]
        if len(raw) != ciphertext[1]:
            raise CipherError("malformed", "the ciphertext is truncated")
        try:
            return raw.decode()
        except UnicodeDecodeError:
            raise CipherError("malformed", "the ciphertext's key id is not text") from None

    def decrypt(self, ciphertext: bytes, *, context: bytes) -> bytes:
        """Open a value sealed by :meth:`encrypt` with the same ``context``.

        Raises:
            CipherError: for every value that does not open: malformed or truncated,
                changed, sealed under another context (moved from another row or
                column), or under a key that is not configured.
        """
        key_id = self.key_id_of(ciphertext)
        aead = self._aeads.get(key_id)
        if aead is None:
            raise CipherError("unknown key", f"no key with id {key_id!r} is configured; restore it to read this value")
        header_len = 2 + ciphertext[1]
        if len(ciphertext) < header_len + _NONCE_BYTES + _TAG_BYTES:
            raise CipherError("malformed", "the ciphertext is truncated")
        nonce = ciphertext[header_len : header_len + _NONCE_BYTES]
        try:
            return aead.decrypt(nonce, ciphertext[header_len + _NONCE_BYTES :], ciphertext[:header_len] + context)
        except InvalidTag:  # raised without a message
            raise CipherError("not authentic", "ciphertext or its context was tampered with") from None


class HmacBlindIndex:
    """HMAC-SHA256 under a key separate from the encryption keys, scoped to the owner (errata C2)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the blind index key must be at least 32 bytes")
        self._key = key

    def digest(self, *, scope: uuid.UUID, kind: str, value: str) -> str:
        message = b"\x1f".join((scope.bytes, kind.encode(), value.encode()))
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
