"""Route handlers, one module per area of the API."""

from __future__ import annotations

__all__: list[str] = []
