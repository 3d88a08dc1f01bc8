"""The nesting scanner agrees with a decoder on every JSON text, and never recurses itself."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conezia.adapters.http.depth import MAX_JSON_DEPTH, json_depth, nested_deeper_than

__all__: list[str] = []


def decoded_depth(value: Any) -> int:
    """The nesting depth of a decoded JSON value: a scalar is 0, an empty array 1."""
    if isinstance(value, list):
        return 1 + max((decoded_depth(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((decoded_depth(item) for item in value.values()), default=0)
    return 0


# strings full of what a naive scanner would count: brackets, quotes, backslashes, escapes
tricky_text = st.text(alphabet=st.sampled_from(list('[]{}"\\/ abc\n\t\u00e9\u2028\U0001f600')), max_size=12)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | tricky_text
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(tricky_text, children, max_size=4),
    max_leaves=40,
)


@given(value=json_values, ascii_only=st.booleans(), indent=st.sampled_from([None, 0, 2]),
       limit=st.integers(min_value=0, max_value=6))
def test_the_scanner_finds_the_depth_a_decoder_finds_in_any_json_text(
    value: Any, ascii_only: bool, indent: int | None, limit: int
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent).encode()
    depth = decoded_depth(json.loads(text))
    assert json_depth(text, limit=1000) == depth
    assert json_depth(text, limit=limit) == min(depth, limit + 1)


@given(depth=st.integers(min_value=0, max_value=200), wrap=st.sampled_from(["array", "object"]))
def test_a_text_is_too_deep_exactly_when_it_nests_beyond_the_limit(depth: int, wrap: str) -> None:
    value: Any = "[{"
    for _ in range(depth):
        value = [value] if wrap == "array" else {"k[": value}
    text = json.dumps(value).encode()
    assert nested_deeper_than(text) is (depth > MAX_JSON_DEPTH)


def test_a_million_levels_are_measured_without_recursion() -> None:
    deep = b"[" * 1_000_000 + b"]" * 1_000_000
    assert json_depth(deep, limit=2_000_000) == 1_000_000
    assert json_depth(deep) == MAX_JSON_DEPTH + 1
    assert nested_deeper_than(deep)
    wide_and_deep = b"[1," * 1000 + b"[]" + b"]" * 1000
    assert json_depth(wide_and_deep, limit=5000) == 1001


@pytest.mark.parametrize(("text", "depth"), [
    (b'"\\\\"[]', 1),          # an escaped backslash ends before the quote, which closes the string
    (b'["\\"["]', 1),          # an escaped quote does not close the string
    (b'"unterminated [[[', 0),  # a string's content, however it ends
    (b"[[[1", 3),               # arrays that never close: the decoder goes that deep before failing
    (b"]]][[", 2),              # stray closers do not make later openers count less
    (b"[[[]]]]]][[", 3),        # nor do they cancel the depth reached before them
    (b"", 0),
])
def test_malformed_and_escaped_texts_are_scanned_as_far_as_they_go(text: bytes, depth: int) -> None:
    assert json_depth(text) == depth
