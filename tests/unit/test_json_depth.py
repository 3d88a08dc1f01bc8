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


@given(value=json_values, ascii_only=st.booleans(), indent=st.sampled_from([None, 0, 2]))
def test_the_scanner_finds_the_depth_a_decoder_finds_in_any_json_text(
    value: Any, ascii_only: bool, indent: int | None
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent).encode()
    assert json_depth(text) == decoded_depth(json.loads(text))


@given(depth=st.integers(min_value=0, max_value=200), wrap=st.sampled_from(["array", "object"]))
def test_a_text_is_too_deep_exactly_when_it_nests_beyond_the_limit(depth: int, wrap: str) -> None:
    value: Any = "[{"
    for _ in range(depth):
        value = [value] if wrap == "array" else {"k[": value}
    text = json.dumps(value).encode()
    assert nested_deeper_than(text) is (depth > MAX_JSON_DEPTH)


def test_a_million_levels_are_scanned_without_recursion() -> None:
    deep = b"[" * 1_000_000 + b"]" * 1_000_000
    assert json_depth(deep) == 1_000_000
    assert nested_deeper_than(deep)


@pytest.mark.parametrize(("text", "depth"), [
    (b'"\\\\"[]', 1),          # an escaped backslash ends before the quote, which closes the string
    (b'["\\"["]', 1),          # an escaped quote does not close the string
    (b'"unterminated [[[', 0),  # malformed: the decoder will say so
    (b"]]][[", 2),              # stray closing brackets do not go below zero
    (b"", 0),
])
def test_malformed_and_escaped_texts_are_scanned_as_far_as_they_go(text: bytes, depth: int) -> None:
    assert json_depth(text) == depth
