"""The real clock, id generator and randomness."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
import uuid

__all__ = ["SystemClock", "SystemSecrets", "UUIDv7Generator"]


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)


class SystemSecrets:
    def token_bytes(self, n: int) -> bytes:
        return secrets.token_bytes(n)


class UUIDv7Generator:
    """Time-ordered UUIDs (RFC 9562 version 7): new rows land at the right edge of b-tree indexes."""

    def new_id(self) -> uuid.UUID:
        ms = time.time_ns() // 1_000_000
        rand = int.from_bytes(os.urandom(10), "big")
        value = (ms & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76
        value |= ((rand >> 62) & 0xFFF) << 64
        value |= 0b10 << 62
        value |= rand & ((1 << 62) - 1)
        return uuid.UUID(int=value)
