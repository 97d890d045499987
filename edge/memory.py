"""``/v1/memory_stores``, their ``memories`` and ``memory_versions``."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

import grpc
from aiohttp import web
from sessiond.edge.client import CoreError
from sessiond.edge.codec import from_json, to_json
from sessiond.edge.errors import ApiError, invalid_request
from sessiond.edge.jsonio import json_response, read_object
from sessiond.edge.masks import metadata_patch
from sessiond.edge.query import (
    enum_value,
    get_bool,
    get_int,
    get_str,
    get_timestamp,
    page_fields,
    present,
)
from sessiond.edge.state import core
from sessiond.v1 import memory_pb2

routes = web.RouteTableDef()
T = TypeVar("T")

STORE = "/v1/memory_stores/{memory_store_id}"


async def _memory_call(call: Awaitable[T]) -> T:
    """A memory mutation: a taken path and a failed precondition have error types
    of their own (SDK ``ErrorType``: memory_path_conflict_error,
    memory_precondition_failed_error)."""
    try:
        return await call
    except CoreError as e:
        if e.code == grpc.StatusCode.ALREADY_EXISTS:
            raise ApiError(409, "memory_path_conflict_error", e.message) from None
        if e.code == grpc.StatusCode.ABORTED and "content_sha256" in e.message:
            raise ApiError(409, "memory_precondition_failed_error", e.message) from None
        raise


def _view(request: web.Request) -> dict[str, Any]:
    raw = get_str(request.query, "view")
    if raw is None:
        return {}
    return {"view": enum_value(memory_pb2.MemoryView, raw, "view")}


def _page(data: list[Any], token: str) -> web.Response:
    return json_response({"data": data, "next_page": token or None})


# ------------------------------------------------------------------- stores


@routes.post("/v1/memory_stores")
async def create_store(request: web.Request) -> web.Response:
    message = from_json(await read_object(request), memory_pb2.CreateMemoryStoreRequest)
    reply = await core(request).memory_stores.create_memory_store(message)
    return json_response(to_json(reply.memory_store))


@routes.get("/v1/memory_stores")
async def list_stores(request: web.Request) -> web.Response:
    q = request.query
    message = memory_pb2.ListMemoryStoresRequest(
        **page_fields(q),
        **present(
            include_archived=get_bool(q, "include_archived"),
            created_at_gte=get_timestamp(q, "created_at_gte"),
            created_at_lte=get_timestamp(q, "created_at_lte"),
        ),
    )
    reply = await core(request).memory_stores.list_memory_stores(message)
    return _page([to_json(s) for s in reply.memory_stores], reply.next_page_token)


@routes.get(STORE)
async def get_store(request: web.Request) -> web.Response:
    message = memory_pb2.GetMemoryStoreRequest(
        memory_store_id=request.match_info["memory_store_id"]
    )
    reply = await core(request).memory_stores.get_memory_store(message)
    return json_response(to_json(reply.memory_store))


@routes.post(STORE)
async def update_store(request: web.Request) -> web.Response:
    body = await read_object(request)
    message = memory_pb2.UpdateMemoryStoreRequest(
        memory_store_id=request.match_info["memory_store_id"]
    )
    for name in ("name", "description"):
        value = body.get(name)
        if value is not None:
            if not isinstance(value, str):
                raise invalid_request(f"{name}: expected a string")
            setattr(message, name, value)
    metadata = body.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise invalid_request("metadata: expected an object")
        upsert, remove = metadata_patch(metadata)
        message.metadata.update(upsert)
        message.metadata_remove.extend(remove)
    reply = await core(request).memory_stores.update_memory_store(message)
    return json_response(to_json(reply.memory_store))


@routes.delete(STORE)
async def delete_store(request: web.Request) -> web.Response:
    message = memory_pb2.DeleteMemoryStoreRequest(
        memory_store_id=request.match_info["memory_store_id"]
    )
    reply = await core(request).memory_stores.delete_memory_store(message)
    return json_response({"id": reply.id, "type": "memory_store_deleted"})


@routes.post(STORE + "/archive")
async def archive_store(request: web.Request) -> web.Response:
    message = memory_pb2.ArchiveMemoryStoreRequest(
        memory_store_id=request.match_info["memory_store_id"]
    )
    reply = await core(request).memory_stores.archive_memory_store(message)
    return json_response(to_json(reply.memory_store))


# ----------------------------------------------------------------- memories


@routes.post(STORE + "/memories")
async def create_memory(request: web.Request) -> web.Response:
    body = await read_object(request)
    path, content = body.get("path"), body.get("content")
    if not isinstance(path, str):
        raise invalid_request("path: expected a string")
    if content is not None and not isinstance(content, str):
        raise invalid_request("content: expected a string or null")
    message = memory_pb2.CreateMemoryRequest(
        memory_store_id=request.match_info["memory_store_id"],
        path=path,
        content=content or "",
        **_view(request),
    )
    reply = await _memory_call(core(request).memory_stores.create_memory(message))
    return json_response(to_json(reply.memory))


@routes.get(STORE + "/memories")
async def list_memories(request: web.Request) -> web.Response:
    q = request.query
    depth = get_int(q, "depth")
    message = memory_pb2.ListMemoriesRequest(
        memory_store_id=request.match_info["memory_store_id"],
        **page_fields(q),
        **present(path_prefix=get_str(q, "path_prefix"), depth=depth),
        **_view(request),
    )
    reply = await core(request).memory_stores.list_memories(message)
    return _page([to_json(item) for item in reply.items], reply.next_page_token)


@routes.get(STORE + "/memories/{memory_id}")
async def get_memory(request: web.Request) -> web.Response:
    message = memory_pb2.GetMemoryRequest(
        memory_store_id=request.match_info["memory_store_id"],
        memory_id=request.match_info["memory_id"],
        **_view(request),
    )
    reply = await core(request).memory_stores.get_memory(message)
    return json_response(to_json(reply.memory))


@routes.post(STORE + "/memories/{memory_id}")
async def update_memory(request: web.Request) -> web.Response:
    body = await read_object(request)
    message = memory_pb2.UpdateMemoryRequest(
        memory_store_id=request.match_info["memory_store_id"],
        memory_id=request.match_info["memory_id"],
        **_view(request),
    )
    for name in ("content", "path"):
        value = body.get(name)
        if value is not None:
            if not isinstance(value, str):
                raise invalid_request(f"{name}: expected a string")
            setattr(message, name, value)
    precondition = body.get("precondition")
    if precondition is not None:
        if not isinstance(precondition, dict) or precondition.get("type") != "content_sha256":
            raise invalid_request('precondition: expected {"type": "content_sha256", …}')
        expected = precondition.get("content_sha256")
        if not isinstance(expected, str):
            raise invalid_request("precondition.content_sha256: expected a string")
        message.precondition_content_sha256 = expected
    reply = await _memory_call(core(request).memory_stores.update_memory(message))
    return json_response(to_json(reply.memory))


@routes.delete(STORE + "/memories/{memory_id}")
async def delete_memory(request: web.Request) -> web.Response:
    message = memory_pb2.DeleteMemoryRequest(
        memory_store_id=request.match_info["memory_store_id"],
        memory_id=request.match_info["memory_id"],
        **present(expected_content_sha256=get_str(request.query, "expected_content_sha256")),
    )
    reply = await _memory_call(core(request).memory_stores.delete_memory(message))
    return json_response({"id": reply.id, "type": "memory_deleted"})


# ----------------------------------------------------------------- versions


@routes.get(STORE + "/memory_versions")
async def list_versions(request: web.Request) -> web.Response:
    q = request.query
    operation = get_str(q, "operation")
    message = memory_pb2.ListMemoryVersionsRequest(
        memory_store_id=request.match_info["memory_store_id"],
        **page_fields(q),
        **present(memory_id=get_str(q, "memory_id"), session_id=get_str(q, "session_id")),
        **_view(request),
    )
    if operation is not None:
        message.operation = enum_value(  # type: ignore[assignment]
            memory_pb2.MemoryVersionOperation, operation, "operation"
        )
    reply = await core(request).memory_stores.list_memory_versions(message)
    return _page([to_json(v) for v in reply.memory_versions], reply.next_page_token)


@routes.get(STORE + "/memory_versions/{memory_version_id}")
async def get_version(request: web.Request) -> web.Response:
    message = memory_pb2.GetMemoryVersionRequest(
        memory_store_id=request.match_info["memory_store_id"],
        memory_version_id=request.match_info["memory_version_id"],
        **_view(request),
    )
    reply = await core(request).memory_stores.get_memory_version(message)
    return json_response(to_json(reply.memory_version))


@routes.post(STORE + "/memory_versions/{memory_version_id}/redact")
async def redact_version(request: web.Request) -> web.Response:
    message = memory_pb2.RedactMemoryVersionRequest(
        memory_store_id=request.match_info["memory_store_id"],
        memory_version_id=request.match_info["memory_version_id"],
    )
    reply = await core(request).memory_stores.redact_memory_version(message)
    return json_response(to_json(reply.memory_version))
