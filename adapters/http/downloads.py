"""Serving a stored file: the ``Range`` a client asked for, and a ``Content-Disposition`` that is safe."""

from __future__ import annotations

import re
import unicodedata
from typing import Final
from urllib.parse import quote

__all__ = ["Unsatisfiable", "content_disposition", "requested_range"]

_RANGE: Final = re.compile(r"bytes=(\d*)-(\d*)", re.ASCII)
_UNSAFE: Final = re.compile(r'[^A-Za-z0-9 !#$&+,.;=@^_`{}~()\[\]-]')


class Unsatisfiable(Exception):
    """The range lies beyond the file (HTTP 416)."""


def requested_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The bytes ``(start, end)`` (end exclusive) a ``Range`` header asks for, or None for the whole file.

    One range is served; a header that is malformed, names another unit or several
    ranges is ignored, as RFC 9110 (14.2) allows, and the whole file is sent.

    Raises:
        Unsatisfiable: the range starts at or beyond the end of the file.
    """
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        # the last N bytes
        length = int(last)
        if length == 0:
            raise Unsatisfiable
        return max(0, size - length), size
    start = int(first)
    end = size if not last else int(last) + 1
    if last and end <= start:
        return None
    if start >= size:
        raise Unsatisfiable
    return start, min(end, size)


def content_disposition(filename: str) -> str:
    """``attachment`` with the name in both forms of RFC 6266: an ASCII fallback and ``filename*`` in UTF-8.

    Path separators, quotes, control and other unsafe characters never reach the client:
    the fallback keeps only safe ASCII, and the UTF-8 form is percent-encoded.
    """
    name = "".join(ch for ch in filename if ch.isprintable()).replace("/", "_").replace("\\", "_").strip() or "file"
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = _UNSAFE.sub("_", ascii_name).strip(" .") or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
