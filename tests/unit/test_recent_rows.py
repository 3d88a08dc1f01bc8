"""RecentRows: the newest rows, at most so many, each holder with its own copy."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from conezia.adapters.postgres._recent import RecentRows, RowKey

__all__: list[str] = []

_OWNER = uuid.UUID(int=1)
_KEYS: list[RowKey] = [("entities", _OWNER, uuid.UUID(int=n)) for n in range(6)]

_operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.sampled_from(_KEYS), st.text(max_size=3)),
        st.tuples(st.just("forget"), st.sampled_from(_KEYS), st.none()),
        st.tuples(st.just("get"), st.sampled_from(_KEYS), st.none()),
    ),
    max_size=40,
)


@given(_operations, st.integers(min_value=1, max_value=4))
def test_recent_rows_keep_the_newest_puts_up_to_their_size_and_nothing_forgotten(
    operations: list[tuple[str, RowKey, Any]], size: int
) -> None:
    rows = RecentRows(size)
    model: dict[RowKey, str] = {}  # in order of the last put
    for operation, key, version in operations:
        if operation == "put":
            rows.put(key, (key[2], {"v": version}), version)
            model.pop(key, None)
            model[key] = version
            if len(model) > size:
                del model[next(iter(model))]
        elif operation == "forget":
            rows.forget(key)
            model.pop(key, None)
        else:
            found = rows.get(key)
            expected = model.get(key)
            assert (found is None) == (expected is None)
            if found is not None:
                assert found == ((key[2], {"v": expected}), expected)
    assert len(rows) == len(model)


def test_a_row_got_or_put_is_a_copy_of_its_own() -> None:
    rows = RecentRows()
    key = _KEYS[0]
    written = {"tags": ["a"]}
    rows.put(key, (key[2], written), "1")
    written["tags"].append("changed after the put")
    got = rows.get(key)
    assert got is not None
    got[0][1]["tags"].append("changed by the holder")
    again = rows.get(key)
    assert again == ((key[2], {"tags": ["a"]}), "1")


def test_another_owners_key_finds_nothing() -> None:
    rows = RecentRows()
    row_id = uuid.UUID(int=7)
    rows.put(("entities", _OWNER, row_id), (row_id,), "1")
    assert rows.get(("entities", uuid.UUID(int=2), row_id)) is None
    assert rows.get(("tags", _OWNER, row_id)) is None
