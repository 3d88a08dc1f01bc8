"""Encryption and blind-index keys: from the environment, or from a key file in the data folder."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

__all__ = ["KeyConfigError", "KeyRing", "create_key_file", "load_key_file", "load_keys", "rotate_key_file"]


class KeyConfigError(Exception):
    """The keys are missing or malformed; the message says what to do."""


@attrs.frozen(repr=False)
class KeyRing:
    """Every encryption key by id, the one new data uses, and the blind-index key."""

    encryption_keys: Mapping[str, bytes]
    active_key_id: str
    blind_index_key: bytes

    def __repr__(self) -> str:
        return f"KeyRing(key_ids={sorted(self.encryption_keys)}, active_key_id={self.active_key_id!r})"

    @classmethod
    def generate(cls, key_id: str = "k1") -> KeyRing:
        """Fresh random keys: one AES-256 key and a blind-index key."""
        return cls(
            encryption_keys={key_id: secrets.token_bytes(32)},
            active_key_id=key_id,
            blind_index_key=secrets.token_bytes(32),
        )

    def to_json(self) -> dict[str, object]:
        """The key file's JSON form (base64 keys); secret, so only for writing the file."""
        return {
            "active_key_id": self.active_key_id,
            "encryption_keys": {k: base64.b64encode(v).decode() for k, v in self.encryption_keys.items()},
            "blind_index_key": base64.b64encode(self.blind_index_key).decode(),
        }


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyConfigError(f"{what} is not valid base64") from exc


def _new_key_id(existing: Mapping[str, object]) -> str:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d")
    n = 1
    while f"k{stamp}-{n}" in existing:
        n += 1
    return f"k{stamp}-{n}"


def _write_private(path: Path, data: dict[str, Any], *, exclusive: bool = False) -> bool:
    """Write JSON readable by the owner only; returns whether it was written.

    Args:
        exclusive: create the file, or write nothing if it exists; otherwise replace it atomically.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    target = path if exclusive else path.with_suffix(".tmp")
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC), 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    if not exclusive:
        os.replace(target, path)
    return True


def create_key_file(path: Path) -> bool:
    """Create a key file with fresh keys, owner-only; never overwrites. Returns whether it was created."""
    if path.exists():
        return False
    return _write_private(path, KeyRing.generate(_new_key_id({})).to_json(), exclusive=True)


def _parse(data: object, source: str) -> KeyRing:
    if not isinstance(data, dict):
        raise KeyConfigError(f"{source}: expected a JSON object")
    keys_raw = data.get("encryption_keys")
    active = data.get("active_key_id")
    blind = data.get("blind_index_key")
    if not isinstance(keys_raw, dict) or not keys_raw or not isinstance(active, str) or not isinstance(blind, str):
        raise KeyConfigError(f"{source}: needs encryption_keys (object), active_key_id and blind_index_key")
    keys = {str(k): _b64(v, f"{source}: encryption key {k!r}") for k, v in keys_raw.items()}
    if active not in keys:
        raise KeyConfigError(f"{source}: active_key_id {active!r} is not among encryption_keys")
    if any(len(k) != 32 for k in keys.values()):
        raise KeyConfigError(f"{source}: every encryption key must be 32 bytes (base64 of 32 random bytes)")
    blind_key = _b64(blind, f"{source}: blind_index_key")
    if len(blind_key) < 32:
        raise KeyConfigError(f"{source}: blind_index_key must be at least 32 bytes")
    return KeyRing(encryption_keys=keys, active_key_id=active, blind_index_key=blind_key)


def _read_key_file(path: Path) -> tuple[dict[str, Any], KeyRing]:
    """The key file's JSON and the keys it holds, checked."""
    try:
        text = path.read_text()
    except FileNotFoundError as exc:
        raise KeyConfigError(
            f"no key file at {path}: run `conezia keys init` (or `make run`, which creates one), "
            "or restore your backup of it; without it encrypted values cannot be read"
        ) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KeyConfigError(f"{path} is not valid JSON: {exc}") from exc
    return data, _parse(data, str(path))


def load_key_file(path: Path) -> KeyRing:
    return _read_key_file(path)[1]


def load_keys(env: Mapping[str, str], key_file: Path) -> KeyRing:
    """Keys from ``CONEZIA_KEYS`` (the key file's JSON, inline) if set, else from ``key_file``."""
    inline = env.get("CONEZIA_KEYS")
    if inline:
        try:
            return _parse(json.loads(inline), "CONEZIA_KEYS")
        except json.JSONDecodeError as exc:
            raise KeyConfigError(f"CONEZIA_KEYS is not valid JSON: {exc}") from exc
    return load_key_file(key_file)


def rotate_key_file(path: Path) -> str:
    """Add a new encryption key and make it the active one; older keys stay for reading. Returns its id."""
    data, ring = _read_key_file(path)
    key_id = _new_key_id(ring.encryption_keys)
    data["encryption_keys"][key_id] = base64.b64encode(secrets.token_bytes(32)).decode()
    data["active_key_id"] = key_id
    _write_private(path, data)
    return key_id
