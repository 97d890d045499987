"""``/openapi.json``: the OpenAPI 3.1 document of the HTTP API, generated at start.

Nothing here is written by hand per route: the paths, methods and path
parameters come from the app's router; a handler ``verb_noun`` is backed by the
proto message ``VerbNounRequest``, whose fields give the request body (POST) or
the query parameters (GET), with the JSON conventions of the codec (see the top
of ``proto/sessiond/v1/common.proto``): unions are objects tagged by ``type``,
enums are lower-case names without their prefix, timestamps are RFC 3339 strings,
``Struct`` is any object, 64-bit integers are JSON numbers.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, Final

from aiohttp import web
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from sessiond.v1 import (
    agent_pb2,
    environment_pb2,
    event_pb2,
    options_pb2,
    session_pb2,
    thread_pb2,
    webhook_pb2,
)

OPENAPI_PATH: Final = "/openapi.json"
BETA_HEADER: Final = "managed-agents-2026-04-01"

_MODULES: Final = (agent_pb2, environment_pb2, session_pb2, event_pb2, webhook_pb2, thread_pb2)
# Routes of sessiond's own, beyond the public API: marked ``x-sessiond-extension``.
EXTENSION_PREFIXES: Final = ("/v1/webhooks",)
_SCALARS: Final[dict[int, dict[str, Any]]] = {
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_DOUBLE: {"type": "number"},
    FieldDescriptor.TYPE_FLOAT: {"type": "number"},
}
_INT_TYPES: Final = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
_WELL_KNOWN: Final[dict[str, dict[str, Any]]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.ListValue": {"type": "array"},
    "google.protobuf.Empty": {"type": "object"},
}
# Query names of the list requests' fields that differ from the field name.
_PAGE_QUERY: Final = {"page_size": "limit", "page_token": "page"}
_RANGE = re.compile(r"^(?P<field>.+)_(?P<op>gt|gte|lt|lte)$")

ERROR_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["type", "error"],
    "properties": {
        "type": {"const": "error"},
        "error": {
            "type": "object",
            "required": ["type", "message"],
            "properties": {"type": {"type": "string"}, "message": {"type": "string"}},
        },
        "request_id": {"type": ["string", "null"]},
    },
}


def _upper_snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).upper()


def _json_type(desc: Descriptor) -> str | None:
    value: str = desc.GetOptions().Extensions[options_pb2.json_type]
    return value or None


def _is_union(desc: Descriptor) -> bool:
    oneof = desc.oneofs_by_name.get("type")
    return (
        oneof is not None
        and bool(desc.fields)
        and all(fd.containing_oneof is oneof for fd in desc.fields)
    )


def _enum_names(desc: EnumDescriptor) -> list[str]:
    prefix = _upper_snake(desc.name) + "_"
    return [v.name.removeprefix(prefix).lower() for v in desc.values if v.number != 0]


class _Schemas:
    """Components built from message descriptors, each once, by full name."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {"Error": ERROR_SCHEMA}

    def ref(self, desc: Descriptor) -> dict[str, Any]:
        if desc.full_name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[desc.full_name])
        name = desc.full_name.removeprefix("sessiond.v1.").replace(".", "_")
        if name not in self.components:
            self.components[name] = {}  # a placeholder breaks recursion
            self.components[name] = self.message(desc)
        return {"$ref": f"#/components/schemas/{name}"}

    def message(self, desc: Descriptor, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
        if _is_union(desc):
            variants = []
            for fd in desc.fields:
                mt = fd.message_type
                tag = _json_type(mt) or fd.name
                body: dict[str, Any] = (
                    {"type": "object"}
                    if mt.full_name == "google.protobuf.Empty"
                    else self.message(mt)
                )
                body.setdefault("properties", {})["type"] = {"const": tag}
                body["required"] = ["type"]
                variants.append(body)
            return {"oneOf": variants}
        props: dict[str, Any] = {}
        tag = _json_type(desc)
        if tag is not None:
            props["type"] = {"const": tag}
        for fd in desc.fields:
            if fd.name in skip or (
                fd.message_type is not None
                and fd.message_type.full_name == "google.protobuf.FieldMask"
            ):
                continue
            props[fd.name] = self.field(fd)
        return {"type": "object", "properties": props}

    def field(self, fd: FieldDescriptor) -> dict[str, Any]:
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            value = fd.message_type.fields_by_name["value"]
            return {"type": "object", "additionalProperties": self.single(value)}
        single = self.single(fd)
        if fd.is_repeated:
            return {"type": "array", "items": single}
        return single

    def single(self, fd: FieldDescriptor) -> dict[str, Any]:
        if fd.message_type is not None:
            return self.ref(fd.message_type)
        if fd.enum_type is not None:
            return {"enum": [*_enum_names(fd.enum_type), None]}
        if fd.type in _INT_TYPES:
            low, high = _INT_TYPES[fd.type]
            return {"type": "integer", "minimum": low, "maximum": high}
        return dict(_SCALARS.get(fd.type, {}))


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def request_message(handler_name: str) -> Descriptor | None:
    """``create_session`` -> ``sessiond.v1.CreateSessionRequest`` (None when absent)."""
    name = _camel(handler_name) + "Request"
    for module in _MODULES:
        desc = module.DESCRIPTOR.message_types_by_name.get(name)
        if desc is not None:
            return desc  # type: ignore[no-any-return]
    return None


def _query_parameters(desc: Descriptor, skip: set[str], schemas: _Schemas) -> list[dict[str, Any]]:
    params = []
    for fd in desc.fields:
        if fd.name in skip:
            continue
        name = _PAGE_QUERY.get(fd.name, fd.name)
        m = _RANGE.match(fd.name)
        if m is not None and fd.message_type is not None:
            name = f"{m['field']}[{m['op']}]"
        schema = schemas.field(fd)
        if fd.message_type is not None and "$ref" in schema:
            continue  # no query form for nested messages
        if fd.is_repeated:
            params.append(
                {
                    "name": f"{name}[]",
                    "in": "query",
                    "schema": schema,
                    "style": "form",
                    "explode": True,
                }
            )
            continue
        params.append({"name": name, "in": "query", "schema": schema})
    return params


def build(app: web.Application) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``'s ``/v1`` routes."""
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    taken: set[str] = set()
    for route in app.router.routes():
        info = route.resource.canonical if route.resource is not None else ""
        if not info.startswith("/v1/") or route.method in ("HEAD", "*"):
            continue
        path_params = re.findall(r"{(\w+)}", info)
        handler_name = getattr(route.handler, "__name__", "handler")
        operation_id = handler_name
        if operation_id in taken:  # the same verb in two route modules
            module = getattr(route.handler, "__module__", "").rsplit(".", 1)[-1]
            operation_id = f"{module}_{handler_name}"
        taken.add(operation_id)
        op: dict[str, Any] = {
            "operationId": operation_id,
            "tags": [info.split("/")[2]],
            "parameters": [
                {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                for p in path_params
            ],
            "responses": {
                "200": {"description": "Success", "content": {"application/json": {}}},
                "default": {
                    "description": "An error",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            },
        }
        if info.startswith(EXTENSION_PREFIXES):
            op["x-sessiond-extension"] = True
        if info.endswith("/stream"):
            op["responses"]["200"] = {
                "description": "Server-sent events",
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
            }
            op["parameters"].append(
                {"name": "Last-Event-ID", "in": "header", "schema": {"type": "string"}}
            )
        desc = request_message(handler_name)
        if desc is not None:
            skip = set(path_params)
            if route.method == "GET":
                op["parameters"] += _query_parameters(desc, skip | {"session_id"}, schemas)
            elif route.method == "POST":
                body = schemas.message(desc, frozenset(skip))
                op["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": body}},
                }
        paths.setdefault(info, {})[route.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "sessiond",
            "version": "2026-04-01",
            "description": "The Sessions/Events API of Claude Managed Agents, served by sessiond.",
        },
        "servers": [{"url": "/"}],
        "security": [{"apiKey": []}, {"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }


# The encoded document, made on the first request: building it at start cost
# about 1 MB resident for a document few servers are ever asked for.
SPEC: Final = web.AppKey("openapi_spec", list[bytes])


def install(app: web.Application) -> None:
    """Serves the document of ``app``'s ``/v1`` routes."""
    app[SPEC] = []
    app.router.add_get(OPENAPI_PATH, openapi, allow_head=False)


def _encode(app: web.Application) -> bytes:
    return json.dumps(build(app), separators=(",", ":")).encode()


async def openapi(request: web.Request) -> web.Response:
    made = request.app[SPEC]
    if not made:
        # Built off the event loop (~20 ms, once); the routes no longer change.
        spec = await asyncio.to_thread(_encode, request.app)
        if not made:
            made.append(spec)
    return web.Response(body=made[0], content_type="application/json")
