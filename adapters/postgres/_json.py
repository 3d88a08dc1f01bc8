"""jsonb to and from Python with msgspec, on every connection of the pool."""

from __future__ import annotations

from typing import Any, Final

import msgspec
import psycopg
from psycopg.abc import AdaptContext, Buffer
from psycopg.adapt import Loader
from psycopg.pq import Format
from psycopg.types.json import JsonbDumper, set_json_loads

__all__ = ["configure_json"]

_decode: Final = msgspec.json.decode


class _DictJsonbDumper(JsonbDumper):
    """Dicts as jsonb parameters (metadata, settings, rules), encoded by msgspec."""

    _dumps = staticmethod(msgspec.json.encode)


class _JsonbBinaryLoader(Loader):
    """jsonb in binary format, decoded by msgspec straight from the driver's buffer."""

    format = Format.BINARY

    def load(self, data: Buffer) -> Any:
        if data[0] != 1:
            raise psycopg.DataError("unknown jsonb binary format")
        return _decode(data[1:])


def configure_json(context: AdaptContext) -> None:
    """Make a psycopg connection (or adapters map) read and write jsonb with msgspec."""
    set_json_loads(_decode, context)
    context.adapters.register_loader("jsonb", _JsonbBinaryLoader)
    context.adapters.register_dumper(dict, _DictJsonbDumper)
