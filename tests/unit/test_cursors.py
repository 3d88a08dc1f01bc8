"""Page cursors: what encode_cursor writes, decode_cursor reads back, exactly."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

from hypothesis import given
from hypothesis import strategies as st

from conezia.core.pagination import decode_cursor, encode_cursor

__all__: list[str] = []

# fixed offsets, as timestamps come from the database (a zone's nonexistent local times
# compare unequal to their own round trip, by PEP 495's rules, whatever the cursor does)
fixed_offsets = st.builds(
    dt.timezone, st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(lambda m: dt.timedelta(minutes=m))
)
aware_datetimes = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=fixed_offsets
)


@given(aware_datetimes, st.uuids())
def test_a_cursor_decodes_to_the_moment_and_id_it_was_made_from(at: dt.datetime, ident: uuid.UUID) -> None:
    decoded = decode_cursor(encode_cursor(at, ident))
    assert decoded is not None
    assert decoded == (at, ident)
    assert decoded[0].utcoffset() == at.utcoffset()


@given(aware_datetimes, st.uuids())
def test_a_cursor_is_the_json_pair_of_the_moment_and_the_id_in_unpadded_url_safe_base64(
    at: dt.datetime, ident: uuid.UUID
) -> None:
    expected = base64.urlsafe_b64encode(json.dumps([at.isoformat(), str(ident)]).encode()).decode().rstrip("=")
    assert encode_cursor(at, ident) == expected
