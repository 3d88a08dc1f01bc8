"""jsonb to and from Python with msgspec, on every connection of the pool."""

from __future__ import annotations

from typing import Any, Final

import msgspec
import psycopg
from psycopg.abc import AdaptContext, Buffer
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types.json import Jsonb, JsonbDumper, set_json_loads

__all__ = ["EncodedJsonb", "configure_json", "snapshot"]

_decode: Final = msgspec.json.decode
_encode: Final = msgspec.json.encode


class EncodedJsonb(bytes):
    """A jsonb value encoded already: what a dict was when a write was deferred."""

    __slots__ = ()


class _EncodedJsonbDumper(Dumper):
    oid = psycopg.adapters.types["jsonb"].oid

    def dump(self, obj: Any) -> Buffer:
        return obj  # type: ignore[no-any-return]


def snapshot(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with every value its caller could still change in place taken as it is now.

    A deferred write is sent later, after the caller may have changed the object it
    was made from: dicts (and ``Jsonb`` values) are encoded now, lists copied.
    """
    for name, value in params.items():
        kind = type(value)
        if kind is dict:
            params[name] = EncodedJsonb(_encode(value))
        elif kind is Jsonb:
            encoded = (value.dumps or _encode)(value.obj)
            params[name] = EncodedJsonb(encoded.encode() if isinstance(encoded, str) else encoded)
        elif kind is list:
            params[name] = list(value)
    return params


class _DictJsonbDumper(JsonbDumper):
    """Dicts as jsonb parameters (metadata, settings, rules), encoded by msgspec."""

    _dumps = staticmethod(msgspec.json.encode)


# jsonb's binary format: a version byte (1), then the JSON text
_EMPTY_OBJECT: Final = b"\x01{}"
_EMPTY_ARRAY: Final = b"\x01[]"


class _JsonbBinaryLoader(Loader):
    """jsonb in binary format, decoded by msgspec straight from the driver's buffer."""

    format = Format.BINARY

    def load(self, data: Buffer) -> Any:
        # most metadata and attachment lists are empty: a page of them skips the decoder
        if data == _EMPTY_OBJECT:
            return {}
        if data == _EMPTY_ARRAY:
            return []
        if data[0] != 1:
            raise psycopg.DataError("unknown jsonb binary format")
        return _decode(data[1:])


def configure_json(context: AdaptContext) -> None:
    """Make a psycopg connection (or adapters map) read and write jsonb with msgspec."""
    set_json_loads(_decode, context)
    context.adapters.register_loader("jsonb", _JsonbBinaryLoader)
    context.adapters.register_dumper(dict, _DictJsonbDumper)
    context.adapters.register_dumper(EncodedJsonb, _EncodedJsonbDumper)
