"""What a download answers: which bytes a ``Range`` asks for, and a file name no client can misread."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conezia.adapters.http.downloads import Unsatisfiable, content_disposition, requested_range


@pytest.mark.parametrize(("header", "expected"), [
    (None, None), ("", None), ("bytes=0-9", (0, 10)), ("bytes=90-", (90, 100)), ("bytes=-10", (90, 100)),
    ("bytes=-500", (0, 100)), ("bytes=50-5000", (50, 100)), ("bytes=99-99", (99, 100)),
    # ignored, as RFC 9110 allows: the whole file is sent
    ("bytes=0-1,5-6", None), ("items=0-9", None), ("bytes=9-0", None), ("bytes=-", None), ("bytes=a-b", None),
])
def test_a_range_header_names_the_bytes_to_send_or_none_for_the_whole_file(
    header: str | None, expected: tuple[int, int] | None
) -> None:
    assert requested_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=100-200", "bytes=-0"])
def test_a_range_beyond_the_end_is_unsatisfiable(header: str) -> None:
    with pytest.raises(Unsatisfiable):
        requested_range(header, 100)


@given(st.text(min_size=1, max_size=255))
def test_a_content_disposition_is_plain_ascii_on_one_line_and_carries_the_name_in_utf8(name: str) -> None:
    header = content_disposition(name)

    assert header.isascii() and header.isprintable()
    match = re.fullmatch(r'attachment; filename="([^"\\/]*)"; filename\*=UTF-8\'\'([A-Za-z0-9%._~-]*)', header)
    assert match is not None, header
    offered = unquote(match.group(2))
    assert "/" not in offered and "\\" not in offered and offered.isprintable()
    assert offered == ("".join(c for c in name if c.isprintable()).replace("/", "_").replace("\\", "_").strip()
                       or "file")
