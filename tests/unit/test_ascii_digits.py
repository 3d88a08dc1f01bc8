"""Every rule whose digits are ASCII (the spec's ``\\d``) normalizes other digits or refuses them.

Python's ``\\d`` matches any script's digits; these check that no value with a
non-ASCII digit is ever kept as typed by a digit rule.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conezia.core.accounts import cast_notification_preferences, check_password
from conezia.core.errors import ValidationError
from conezia.core.identifiers import cast_identifier, normalize_for_index
from conezia.core.validation import Changes, ascii_digits, is_valid_email

# every decimal digit of every script, by its value: DIGITS[7] holds "7", "７", "٧", "७", ...
DIGITS: Sequence[Sequence[str]] = [
    [ch for ch in map(chr, range(sys.maxunicode + 1)) if unicodedata.category(ch) == "Nd" and unicodedata.decimal(ch) == d]
    for d in range(10)
]
NON_ASCII_DIGITS: Sequence[str] = [ch for column in DIGITS for ch in column if not ch.isascii()]


def _written_with(ascii_text: str, data: st.DataObject) -> str:
    """``ascii_text`` with each ASCII digit written in some script (at least one not ASCII)."""
    out = [data.draw(st.sampled_from(DIGITS[int(ch)])) if ch.isdigit() else ch for ch in ascii_text]
    at = data.draw(st.sampled_from([i for i, ch in enumerate(ascii_text) if ch.isdigit()]))
    out[at] = data.draw(st.sampled_from([ch for ch in DIGITS[int(ascii_text[at])] if not ch.isascii()]))
    return "".join(out)


def _has_non_ascii_digit(value: str) -> bool:
    return any(unicodedata.category(ch) == "Nd" and not ch.isascii() for ch in value)


def _identifier(type_: str, value: str) -> Any:
    return cast_identifier({"type": type_, "value": value}, creating=True, region="US").value


def test_a_full_width_ssn_is_stored_in_ascii_digits() -> None:
    assert _identifier("ssn", "１２３-４５-６７８９") == "123-45-6789"
    assert _identifier("ssn", "１２３－４５－６７８９") == "123-45-6789"  # full-width hyphens too


@given(st.data())
def test_an_ssn_in_any_scripts_digits_is_the_ascii_ssn(data: st.DataObject) -> None:
    ssn = data.draw(st.from_regex(r"\A[0-9]{3}-[0-9]{2}-[0-9]{4}\Z"))
    written = _written_with(ssn, data)
    assert _identifier("ssn", written) == ssn
    assert normalize_for_index("ssn", written) == normalize_for_index("ssn", ssn)


@given(st.sampled_from(("government_id", "account_number")), st.data())
def test_id_numbers_in_any_scripts_digits_are_stored_and_indexed_in_ascii(type_: str, data: st.DataObject) -> None:
    number = data.draw(st.from_regex(r"\A[A-Z]{0,2}[0-9]{4,12}\Z"))
    written = _written_with(number, data)
    assert _identifier(type_, written) == number
    assert normalize_for_index(type_, written) == normalize_for_index(type_, number)


@given(st.data())
def test_a_phone_in_any_scripts_digits_is_stored_in_ascii_e164(data: st.DataObject) -> None:
    written = _written_with("+1 202 555 1234", data)
    assert _identifier("phone", written) == "+12025551234"


@given(
    st.sampled_from(("ssn", "phone", "government_id", "account_number")),
    st.lists(st.one_of(st.sampled_from(NON_ASCII_DIGITS), st.sampled_from("0123456789-+ ()")), min_size=1, max_size=20),
)
def test_no_digit_rule_keeps_a_non_ascii_digit_as_typed(type_: str, chars: list[str]) -> None:
    value = "".join(chars)
    try:
        stored = _identifier(type_, value)
    except ValidationError:
        return  # refused: fine
    assert not _has_non_ascii_digit(stored)


@given(st.data())
def test_quiet_hours_in_any_scripts_digits_are_stored_in_ascii(data: st.DataObject) -> None:
    hour, minute = data.draw(st.integers(0, 23)), data.draw(st.integers(0, 59))
    time = f"{hour:02d}:{minute:02d}"
    changes = Changes({"notification_preferences": {"quiet_hours_start": _written_with(time, data)}},
                      ("notification_preferences",))
    merged = cast_notification_preferences(changes)
    assert changes.valid and merged["quiet_hours_start"] == time


@given(st.lists(st.one_of(st.sampled_from(NON_ASCII_DIGITS), st.sampled_from("0123456789:")), min_size=1, max_size=8))
def test_quiet_hours_never_keep_a_non_ascii_digit(chars: list[str]) -> None:
    changes = Changes({"notification_preferences": {"quiet_hours_end": "".join(chars)}}, ("notification_preferences",))
    merged = cast_notification_preferences(changes)
    assert not changes.valid or not _has_non_ascii_digit(merged["quiet_hours_end"])


@pytest.mark.parametrize("value", ["08:00\n", "8:00\n"])
def test_a_time_with_a_trailing_newline_is_refused(value: str) -> None:
    changes = Changes({"notification_preferences": {"quiet_hours_start": value}}, ("notification_preferences",))
    cast_notification_preferences(changes)
    assert "notification_preferences" in changes.errors


def test_the_email_rule_refuses_a_trailing_newline() -> None:
    assert is_valid_email("ada@example.com") and not is_valid_email("ada@example.com\n")


@given(st.text(alphabet=st.sampled_from(NON_ASCII_DIGITS), min_size=1, max_size=4))
def test_a_password_whose_only_digits_are_not_ascii_lacks_a_number(digits: str) -> None:
    changes = Changes({"password": f"Analytical-Engine-{digits}"}, ("password",))
    assert check_password(changes) is None
    assert changes.errors == {"password": ["must contain a number"]}


@given(st.text(max_size=40))
def test_ascii_digits_is_idempotent_and_leaves_no_non_ascii_digit(text: str) -> None:
    once = ascii_digits(text)
    assert ascii_digits(once) == once
    assert not _has_non_ascii_digit(once)
