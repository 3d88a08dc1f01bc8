"""How the embedding API's keyword arguments become the core's input mapping."""

from __future__ import annotations

from collections.abc import Sequence

from conezia.core.validation import UNSET

__all__ = ["given", "listed"]


def given(**fields: object) -> dict[str, object]:
    """The fields a caller gave: everything but :data:`~conezia.core.validation.UNSET`.

    The core tells an absent field from an explicit ``None`` (which clears it, or
    is refused for a field that may not be null), so absent ones are left out.
    """
    return {name: value for name, value in fields.items() if value is not UNSET}


def listed(value: str | Sequence[str] | None) -> str | None:
    """A filter of one value or several, in the HTTP API's comma-separated form."""
    return value if value is None or isinstance(value, str) else ",".join(value)
