"""Opening a stored encrypted value, and what happens when it fails its integrity check."""

from __future__ import annotations

import logging
import uuid
from typing import Final

from .errors import CipherError, IntegrityCheckError
from .ports import Cipher

__all__ = ["SECURITY_LOG", "open_sealed"]

#: Where integrity failures are reported: a tampered value is a security event, not a bug.
SECURITY_LOG: Final = logging.getLogger("conezia.security")


def open_sealed(
    cipher: Cipher, sealed: bytes, *, context: bytes, table: str, row_id: uuid.UUID, user_id: uuid.UUID
) -> str:
    """The plaintext of a value sealed as text under ``context``.

    Args:
        cipher: The cipher the value was sealed with.
        sealed: The stored ciphertext.
        context: The associated data it was sealed with (table, column and row).
        table: The table it was read from, for the security log.
        row_id: Its row, for the security log.
        user_id: Whose value it is, for the security log.

    Raises:
        IntegrityCheckError: The value is malformed, was changed or moved, or names a
            key that is not configured; logged once to ``conezia.security`` as a
            warning naming the table, row and user, never the value.
    """
    try:
        return cipher.decrypt(sealed, context=context).decode()
    except ValueError as exc:  # the port's contract; UnicodeDecodeError is one too
        reason = exc.reason if isinstance(exc, CipherError) else "not text"
        SECURITY_LOG.warning(
            "stored value failed its integrity check: table %s, row %s, user %s (%s)", table, row_id, user_id, reason
        )
        raise IntegrityCheckError(table, row_id) from None
