"""``HEAD`` answers like ``GET`` without the body (RFC 9110, 9.3.2), on every path.

Litestar routes ``HEAD`` only to handlers declared for it, so a ``HEAD`` is
handled as the ``GET`` it stands for: the same handler, guard, status and
headers (``Content-Length`` included), and the body is dropped on the way out.
"""

from __future__ import annotations

from typing import Final, cast

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import LifeSpanReceive, LifeSpanScope, LifeSpanSend, Message, Receive, Scope, Send

__all__ = ["HEAD_MARK", "ConeziaApp", "allow_with_head"]

#: The scope key that tells a handler its GET answers a HEAD (a download then skips reading the file).
HEAD_MARK: Final = "conezia.head"


class ConeziaApp(Litestar):
    """The Litestar application, answering ``HEAD`` for every ``GET`` route."""

    async def __call__(
        self,
        scope: Scope | LifeSpanScope,
        receive: Receive | LifeSpanReceive,
        send: Send | LifeSpanSend,
    ) -> None:
        """ASGI entry point: a ``HEAD`` request runs as ``GET`` and its response loses its body."""
        if scope["type"] == ScopeType.HTTP and scope.get("method") == "HEAD":
            as_get = cast("Scope", {**scope, "method": "GET", HEAD_MARK: True})
            await super().__call__(as_get, receive, _without_body(cast("Send", send)))
        else:
            await super().__call__(scope, receive, send)


def _without_body(send: Send) -> Send:
    async def send_headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return send_headers_only


def allow_with_head(allow: str) -> str:
    """An ``Allow`` header's methods with ``HEAD`` wherever ``GET`` is, sorted.

    Args:
        allow: the header's value, such as ``"GET, OPTIONS"``.

    Returns:
        The value naming ``HEAD`` too when it names ``GET``.
    """
    methods = {method.strip().upper() for method in allow.split(",") if method.strip()}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))
