"""Whose address a request is: X-Forwarded-For believed only from trusted proxies."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conezia.adapters.http.forwarded import TrustedProxies, parse_networks

PROXIES = TrustedProxies(parse_networks(["10.0.0.0/8", "::1"]))


@given(st.text(max_size=200))
def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says(header: str) -> None:
    assert TrustedProxies().client("192.0.2.1", [header]) == "192.0.2.1"


@given(st.lists(st.text(max_size=40), max_size=5))
def test_a_peer_that_is_no_trusted_proxy_is_the_client(headers: list[str]) -> None:
    assert PROXIES.client("192.0.2.1", headers) == "192.0.2.1"


@pytest.mark.parametrize(
    ("peer", "headers", "client"),
    [
        ("10.0.0.2", ["203.0.113.9"], "203.0.113.9"),
        ("10.0.0.2", ["198.51.100.1, 203.0.113.9"], "203.0.113.9"),  # the forged first entry is not believed
        ("10.0.0.2", ["198.51.100.1", "203.0.113.9, 10.0.0.7"], "203.0.113.9"),  # two proxies, two headers
        ("::1", ["[2001:db8::5]:4711"], "2001:db8::5"),
        ("10.0.0.2", ["garbage, 10.0.0.3"], "10.0.0.3"),  # trust stops where the entries stop making sense
        ("10.0.0.2", [], "10.0.0.2"),
        ("10.0.0.2", ["10.0.0.3, 10.0.0.4"], "10.0.0.3"),  # only proxies: the farthest one
    ],
)
def test_a_trusted_proxys_forwarded_address_is_the_client(peer: str, headers: list[str], client: str) -> None:
    assert PROXIES.client(peer, headers) == client


def test_a_malformed_trusted_proxy_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=re.escape("'10.0.0.300'")):
        parse_networks(["10.0.0.300"])
