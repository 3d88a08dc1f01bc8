"""The client's address, behind reverse proxies the operator trusts.

``X-Forwarded-For`` is a list any client can write to; only the entries added
by proxies we trust are believed. Reading from the right (the entry the
nearest proxy added) and skipping trusted proxies, the first address that is
not one is the client's. Without trusted proxies the peer address is the
client, whatever the header says.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import TypeAlias

__all__ = ["TrustedProxies", "parse_networks"]

Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDR networks (``10.0.0.0/8``, ``::1``) as networks.

    Raises:
        ValueError: an entry is neither, naming it.
    """
    networks = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise ValueError(f"{text!r} is not an IP address or network") from exc
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    candidate = text.strip()
    if candidate.startswith("[") and "]" in candidate:  # [v6]:port
        candidate = candidate[1 : candidate.index("]")]
    elif candidate.count(":") == 1:  # v4:port
        candidate = candidate.split(":", 1)[0]
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


class TrustedProxies:
    """Resolves a request's client address from its peer and its ``X-Forwarded-For`` values.

    Args:
        networks: the proxies whose forwarded addresses are believed.
    """

    def __init__(self, networks: Sequence[Network] = ()) -> None:
        self.networks = tuple(networks)

    def _trusted(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address in network for network in self.networks)

    def client(self, peer: str | None, forwarded_for: Sequence[str] = ()) -> str:
        """The client's address: ``peer``, unless it is a trusted proxy that forwarded one.

        Args:
            peer: the address the connection came from (``"unknown"`` without one).
            forwarded_for: every ``X-Forwarded-For`` header value, in order.
        """
        client = peer or "unknown"
        if not self.networks:
            return client
        current = _address(client)
        hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
        while current is not None and self._trusted(current) and hops:
            forwarded = _address(hops.pop())
            if forwarded is None:
                break  # a garbled entry: trust stops at the last proxy that wrote sense
            current = forwarded
            client = str(forwarded)
        return client
