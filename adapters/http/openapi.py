"""The OpenAPI document: msgspec's own JSON Schema for every body, natural names, documented errors.

Litestar's built-in struct support drops constraints inside unions (``str |
None`` with a length limit, say) and formats; msgspec's JSON Schema generator
keeps all of them. :class:`StructSchemas` hands msgspec's schemas to Litestar,
each struct one component named after its class (``EntityCreate``,
``EntityOut``), referenced from every operation that uses it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Discriminator, Operation, Reference, RequestBody, Schema
from litestar.params import BodyKwarg
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition
from msgspec import Struct

from .bodies import BODIES, JSON_VALUE, JsonValue
from .schemas import PROBLEM_MEDIA_TYPE, Out, Problem

if TYPE_CHECKING:
    from litestar._openapi.datastructures import SchemaRegistry
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.handlers import BaseRouteHandler
    from litestar.handlers.http_handlers import HTTPRouteHandler

__all__ = [
    "DocumentedBody",
    "OptionalBodyOperation",
    "StructSchemas",
    "body",
    "document_bodies",
    "errors",
    "operation_id",
]

_ERROR_DESCRIPTIONS: Final[Mapping[int, str]] = {
    400: "Malformed request, such as invalid JSON or a body that is not JSON",
    401: "Missing, invalid or expired bearer token",
    404: "No such resource among the caller's",
    409: "Conflicts with existing data; `errors` names the field",
    413: "Request body too large",
    416: "The range lies beyond the end of the file",
    422: "Invalid input; `errors` names every failing field",
    429: "Too many requests; see Retry-After",
    503: "A dependency (the database) is unavailable",
}


@dataclasses.dataclass(frozen=True)
class DocumentedBody(BodyKwarg):
    """A raw JSON body (the core validates it) that the document describes as ``schema``.

    Attributes:
        schema: the request body struct.
        required: whether a request must send a body (one with a required field must).
    """

    schema: Any = None
    required: bool = True

    __hash__ = BodyKwarg.__hash__


def body(schema: type[Struct]) -> DocumentedBody:
    """The marker for ``data: Annotated[Any, body(EntityCreate)]``: raw JSON in, ``EntityCreate`` documented."""
    info = msgspec.inspect.type_info(schema)
    assert isinstance(info, msgspec.inspect.StructType)
    return DocumentedBody(schema=schema, required=any(field.required for field in info.fields))


@dataclasses.dataclass
class OptionalBodyOperation(Operation):
    """An operation whose request body may be left out (Litestar marks every body required)."""

    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.required = False


def document_bodies(handlers: Iterable[BaseRouteHandler]) -> None:
    """Give each handler whose body may be left out an operation saying so."""
    for handler in handlers:
        data = handler.parsed_fn_signature.parameters.get("data")
        if data is not None and isinstance(data.kwarg_definition, DocumentedBody) and not data.kwarg_definition.required:
            handler.operation_class = OptionalBodyOperation  # type: ignore[attr-defined]


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """The problem responses an operation may answer with, for the route decorator's ``responses``.

    400 is always listed, replacing the one Litestar documents with its own error shape.
    The success response is documented from the handler's return type.
    """
    return {
        code: ResponseSpec(
            data_container=Problem, generate_examples=False, description=_ERROR_DESCRIPTIONS[code],
            media_type=PROBLEM_MEDIA_TYPE,
        )
        for code in sorted({400, *statuses})
    }


def operation_id(route_handler: HTTPRouteHandler, http_method: Any, path_components: list[Any]) -> str:
    """The handler's function name in camelCase: ``create_entity`` is ``createEntity``."""
    head, *rest = route_handler.handler_name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _struct_types(types: Iterable[Any]) -> Iterator[type]:
    """Every struct and enum class reachable from ``types``, each once."""
    seen: set[int] = set()
    pending = list(msgspec.inspect.multi_type_info(list(types)))
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, (msgspec.inspect.StructType, msgspec.inspect.EnumType)):
            yield node.cls
        if isinstance(node, msgspec.inspect.StructType):
            pending.extend(field.type for field in node.fields)
        for attribute in ("type", "types", "item_type", "key_type", "value_type", "item_types"):
            child = getattr(node, attribute, None)
            if isinstance(child, msgspec.inspect.Type):
                pending.append(child)
            elif isinstance(child, tuple):
                pending.extend(child)


_ALIASES: Final = Schema.field_aliases()
_SCHEMA_FIELDS: Final = frozenset(f.name for f in dataclasses.fields(Schema))
_SCHEMA_MAPS: Final = frozenset({"properties", "patternProperties", "dependentSchemas"})
_SCHEMA_LISTS: Final = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_VALUES: Final = frozenset({
    "items", "not", "if", "then", "else", "contains", "propertyNames", "additionalProperties",
    "unevaluatedItems", "unevaluatedProperties",
})


class StructSchemas(OpenAPISchemaPlugin):
    """Documents response structs and :func:`body` markers with msgspec's JSON Schema.

    Args:
        responses: the response structs' base class.
        bodies: the request body structs.
    """

    def __init__(self, responses: type[Struct] = Out, bodies: Iterable[type[Struct]] = BODIES) -> None:
        self._responses = responses
        roots = [*bodies, *_subclasses(responses)]
        self._classes = {cls.__name__: cls for cls in _struct_types(roots)}
        _, self._components = msgspec.json.schema_components(
            list(self._classes.values()), ref_template="#/components/schemas/{name}"
        )
        for name, cls in self._classes.items():
            extra = getattr(cls, "__schema_extra__", None)
            if extra:
                self._components[name] = {**self._components[name], **extra}
        # written by hand: msgspec has no recursive type for "any JSON"
        self._classes[JsonValue.__name__] = JsonValue
        self._components[JsonValue.__name__] = JSON_VALUE

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return isinstance(field_definition.kwarg_definition, DocumentedBody) or (
            not field_definition.is_union and field_definition.is_subclass_of(self._responses)
        )

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        kwarg = field_definition.kwarg_definition
        target = kwarg.schema if isinstance(kwarg, DocumentedBody) else field_definition.annotation
        # Litestar takes a reference where it asks for a schema (it returns either from plugins)
        return self._reference(target, schema_creator.schema_registry)  # type: ignore[return-value]

    def _reference(self, cls: type, registry: SchemaRegistry) -> Reference:
        key = FieldDefinition.from_annotation(cls)
        reference = registry.get_reference_for_field_definition(key)
        if reference is not None:
            return reference
        # registered before its properties are converted, so that structs may refer to each other
        schema = registry.get_schema_for_field_definition(key)
        filled = self._schema(self._components[cls.__name__], registry)
        assert isinstance(filled, Schema)
        for name in _SCHEMA_FIELDS:
            setattr(schema, name, getattr(filled, name))
        reference = registry.get_reference_for_field_definition(key)
        assert reference is not None
        return reference

    def _schema(self, node: Mapping[str, Any], registry: SchemaRegistry) -> Schema | Reference:
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self._reference(self._classes[ref.rsplit("/", 1)[-1]], registry)
        values: dict[str, Any] = {}
        for key, value in node.items():
            if key in _SCHEMA_MAPS:
                value = {name: self._schema(item, registry) for name, item in value.items()}
            elif key in _SCHEMA_LISTS:
                value = [self._schema(item, registry) for item in value]
            elif key in _SCHEMA_VALUES and isinstance(value, Mapping):
                value = self._schema(value, registry)
            elif key == "discriminator":
                value = Discriminator(property_name=value["propertyName"], mapping=value.get("mapping"))
            values[_field_name(key)] = value
        return Schema(**values)


def _field_name(key: str) -> str:
    name = _ALIASES.get(key) or re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
    if name not in _SCHEMA_FIELDS:
        raise ValueError(f"JSON Schema keyword {key!r} has no place in Litestar's Schema")
    return name


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    sub: type
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found
