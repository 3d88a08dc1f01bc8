"""How deeply a JSON text nests, found without decoding it.

msgspec's decoder recurses once per array or object level, so a body nested a
thousand levels deep (2 KB of brackets) exhausts Python's recursion limit. This
scanner walks the bytes iteratively, counting ``[`` and ``{`` outside strings,
so a body can be refused before the decoder ever sees it.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["MAX_JSON_DEPTH", "json_depth", "nested_deeper_than"]

MAX_JSON_DEPTH: Final = 64
"""Request bodies nested deeper than this are refused (no body the API reads nests beyond four)."""

_OPEN: Final = frozenset(b"[{")
_CLOSE: Final = frozenset(b"]}")
_QUOTE: Final = ord('"')
# the next byte that matters outside strings
_STRUCTURE: Final = re.compile(rb'[\[\]{}"]')
# the rest of a string after its opening quote: runs of plain bytes or escapes, then the closing quote
_STRING_REST: Final = re.compile(rb'(?:[^"\\]++|\\.)*+"', re.DOTALL)


def json_depth(text: bytes, *, stop_above: int | None = None) -> int:
    """The deepest nesting of arrays and objects in a JSON text (a scalar is 0, ``[]`` is 1).

    Malformed text is scanned as far as it goes (the decoder reports what is wrong
    with it): an unterminated string ends the scan, a stray closing bracket counts
    as closing a level.

    Args:
        text: the JSON text, UTF-8 encoded.
        stop_above: stop scanning once this depth is exceeded (the result is then
            that depth plus one).

    Returns:
        The depth.
    """
    depth = deepest = 0
    position = 0
    while (found := _STRUCTURE.search(text, position)) is not None:
        byte = text[found.start()]
        position = found.end()
        if byte == _QUOTE:
            rest = _STRING_REST.match(text, position)
            if rest is None:
                break
            position = rest.end()
        elif byte in _OPEN:
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    break
        elif byte in _CLOSE and depth:
            depth -= 1
    return deepest


def nested_deeper_than(text: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests arrays and objects more than ``limit`` levels deep.

    Args:
        text: the JSON text, UTF-8 encoded.
        limit: the deepest nesting allowed.

    Returns:
        True when it nests deeper.
    """
    # fewer opening brackets than the limit, in strings or not, cannot nest deeper than it
    if text.count(b"[") + text.count(b"{") <= limit:
        return False
    return json_depth(text, stop_above=limit) > limit
