"""How deeply a JSON text nests, found without decoding it.

msgspec's decoder recurses once per array or object level, so a body nested a
thousand levels deep (2 KB of brackets) exhausts Python's recursion limit. This
module measures the nesting without recursion, so that such a body is refused
before the decoder sees it.

The scan works on whole byte strings, in C, rather than one byte at a time in
Python (which took seconds on a 1 MiB body of brackets): escapes are dropped,
the text outside strings is kept, brackets are reduced to ``[`` and ``]``, a few
passes remove innermost pairs one level each, and the running depth of what is
left is taken in one pass (``itertools.accumulate``).
"""

from __future__ import annotations

from itertools import accumulate
from typing import Final

__all__ = ["MAX_JSON_DEPTH", "json_depth", "nested_deeper_than"]

MAX_JSON_DEPTH: Final = 64
"""Request bodies nested deeper than this are refused (no body the API reads nests beyond four)."""

_OPENERS: Final = b"[{"
_CLOSERS: Final = b"]}"
# every array or object bracket as [ or ], everything else deleted
_AS_BRACKETS: Final = bytes.maketrans(_OPENERS + _CLOSERS, b"[[]]")
_NOT_BRACKETS: Final = bytes(byte for byte in range(256) if byte not in _OPENERS + _CLOSERS)
# [ and ] as the signed bytes +1 and -1
_AS_STEPS: Final = bytes.maketrans(b"[]", b"\x01\xff")
# whole-string passes that each remove one level of innermost pairs: a few shrink a
# typical body to its outline; what is left is measured in one pass over it
_PASSES: Final = 3


def _outside_strings(text: bytes) -> bytes:
    """The text with every string's content left out (and their quotes)."""
    if b'"' not in text:
        return text
    # An escaped backslash first, so that what is left of "\\" and "\"" is no escape; then
    # every quote opens or closes a string, and the even pieces lie outside them.
    unescaped = text.replace(b"\\\\", b"").replace(b'\\"', b"")
    return b"".join(unescaped.split(b'"')[::2])


def json_depth(text: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """The deepest nesting of arrays and objects in a JSON text (a scalar is 0, ``[]`` is 1).

    Malformed text is measured at least as deep as a decoder would recurse into
    it: an array or object that never closes counts, an unterminated string's
    content does not.

    Args:
        text: the JSON text, UTF-8 encoded.
        limit: the deepest nesting of interest; a deeper text measures ``limit + 1``.

    Returns:
        The depth, at most ``limit + 1``.
    """
    brackets = _outside_strings(text).translate(_AS_BRACKETS, _NOT_BRACKETS)
    # openers in a row nest in each other (what stood between them was removed whole)
    too_deep = b"[" * (limit + 1)
    depth = 0
    for _ in range(_PASSES):
        if too_deep in brackets:
            return limit + 1
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            # nothing pairs up any more: closers, then openers that never close
            return min(limit + 1, depth + brackets.count(b"["))
        brackets, depth = shorter, depth + 1
    # the skeleton left: its deepest prefix, each opener +1 and each closer -1
    steps = memoryview(brackets.translate(_AS_STEPS)).cast("b")
    return min(limit + 1, depth + max(0, max(accumulate(steps), default=0)))


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
    return json_depth(text, limit) > limit
