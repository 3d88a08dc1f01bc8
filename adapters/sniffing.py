"""Recognizing a file's type from its magic bytes, with the ``filetype`` library (the core's TypeDetector)."""

from __future__ import annotations

from typing import Final

import filetype

from conezia.core.attachments import OLE_CONTAINER

__all__ = ["MagicTypeDetector"]

_OLE_SIGNATURE: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class MagicTypeDetector:
    """``filetype``'s matchers over the first bytes (it reads at most 8 KiB).

    An OLE2 compound file that its .doc and .xls matchers cannot place (their
    heuristics look at fixed offsets) is reported as the container, which the
    core accepts for either declared type.
    """

    def detect(self, head: bytes) -> str | None:
        if not head:
            return None
        kind = filetype.guess(head)
        if kind is not None:
            return str(kind.mime)
        if head.startswith(_OLE_SIGNATURE):
            return OLE_CONTAINER
        return None
