"""``/v1/environments/{environment_id}/work``: the queue of a self-hosted
environment, as the SDK's ``environments.work`` resource and its
``EnvironmentWorker`` use it."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from sessiond.edge.codec import to_json
from sessiond.edge.errors import invalid_request
from sessiond.edge.jsonio import BodyError, json_response
from sessiond.edge.masks import metadata_patch
from sessiond.edge.query import get_int, page_fields
from sessiond.edge.state import REQUEST_ID, core
from sessiond.v1 import work_pb2

routes = web.RouteTableDef()

BASE = "/v1/environments/{environment_id}/work"
WORKER_HEADER = "Anthropic-Worker-ID"
_INT32_MAX = 2**31 - 1


def _ids(request: web.Request) -> dict[str, str]:
    return {
        "environment_id": request.match_info["environment_id"],
        "work_id": request.match_info["work_id"],
    }


def _work(work: work_pb2.Work) -> web.Response:
    return json_response(to_json(work))


def _int32(request: web.Request, name: str) -> int | None:
    value = get_int(request.query, name)
    if value is not None and not -_INT32_MAX <= value <= _INT32_MAX:
        raise invalid_request(f"{name}: {value} is out of range")
    return value


async def _optional_object(request: web.Request) -> dict[str, Any]:
    """The SDK sends some of these verbs with no body at all."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BodyError("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BodyError("The request body must be a JSON object")
    return body


@routes.get(BASE)
async def list_work(request: web.Request) -> web.Response:
    message = work_pb2.ListWorkRequest(
        environment_id=request.match_info["environment_id"], **page_fields(request.query)
    )
    reply = await core(request).work.list_work(message)
    return json_response(
        {"data": [to_json(w) for w in reply.work], "next_page": reply.next_page_token or None}
    )


@routes.get(BASE + "/poll")
async def poll_work(request: web.Request) -> web.Response:
    block_ms = _int32(request, "block_ms")
    if block_ms is not None and not 1 <= block_ms <= 999:
        # Docs: "Must be 1-999 in milliseconds" (API reference, environments work poll).
        raise invalid_request("block_ms must be between 1 and 999")
    reclaim = _int32(request, "reclaim_older_than_ms")
    message = work_pb2.PollWorkRequest(
        environment_id=request.match_info["environment_id"],
        block_ms=block_ms or 0,
        reclaim_older_than_ms=reclaim if reclaim is not None else 0,
        worker_id=request.headers.get(WORKER_HEADER, "")[:256],
    )
    if reclaim is not None and reclaim < 1:
        raise invalid_request("reclaim_older_than_ms must be a positive number of milliseconds")
    reply = await core(request).work.poll_work(message)
    if not reply.HasField("work"):
        return json_response(None)
    return _work(reply.work)


@routes.get(BASE + "/stats")
async def work_stats(request: web.Request) -> web.Response:
    message = work_pb2.GetWorkQueueStatsRequest(environment_id=request.match_info["environment_id"])
    reply = await core(request).work.get_work_queue_stats(message)
    return json_response({"type": "work_queue_stats", **to_json(reply)})


@routes.get(BASE + "/{work_id}")
async def get_work(request: web.Request) -> web.Response:
    reply = await core(request).work.get_work(work_pb2.GetWorkRequest(**_ids(request)))
    return _work(reply.work)


@routes.post(BASE + "/{work_id}")
async def update_work(request: web.Request) -> web.Response:
    body = await _optional_object(request)
    patch = body.get("metadata")
    if not isinstance(patch, dict):
        raise invalid_request("metadata: expected an object of strings (null deletes a key)")
    upsert, remove = metadata_patch(patch)
    message = work_pb2.UpdateWorkRequest(**_ids(request), metadata=upsert, metadata_remove=remove)
    reply = await core(request).work.update_work(message)
    return _work(reply.work)


@routes.post(BASE + "/{work_id}/ack")
async def ack_work(request: web.Request) -> web.Response:
    reply = await core(request).work.ack_work(work_pb2.AckWorkRequest(**_ids(request)))
    return _work(reply.work)


@routes.post(BASE + "/{work_id}/heartbeat")
async def heartbeat_work(request: web.Request) -> web.Response:
    ids = _ids(request)
    message = work_pb2.HeartbeatWorkRequest(
        environment_id=ids["environment_id"], work_id=ids["work_id"]
    )
    expected = request.query.get("expected_last_heartbeat")
    if expected is not None:
        message.expected_last_heartbeat = expected
    ttl = _int32(request, "desired_ttl_seconds")
    if ttl is not None:
        if ttl < 1:
            raise invalid_request("desired_ttl_seconds must be positive")
        message.desired_ttl_seconds = ttl
    reply = await core(request).work.heartbeat_work(message)
    lease = reply.lease
    state = to_json(lease)["state"]
    if reply.precondition_failed:
        current = {
            "last_heartbeat": lease.last_heartbeat or None,
            "lease_extended": False,
            "state": state,
            "ttl_seconds": lease.ttl_seconds,
        }
        code = "heartbeat_precondition_failed"
        message_text = (
            "expected_last_heartbeat does not match the stored heartbeat: "
            "another worker may hold this lease."
        )
        body = {
            "type": "error",
            "error": {
                "type": "invalid_request_error",
                "message": message_text,
                "error_code": code,
                "details": {"current_state": current, "error_code": code},
            },
            "request_id": request.get(REQUEST_ID),
        }
        return json_response(body, status=412, headers={"x-should-retry": "false"})
    return json_response(
        {
            "type": "work_heartbeat",
            "last_heartbeat": lease.last_heartbeat,
            "lease_extended": lease.lease_extended,
            "state": state,
            "ttl_seconds": lease.ttl_seconds,
        }
    )


@routes.post(BASE + "/{work_id}/stop")
async def stop_work(request: web.Request) -> web.Response:
    body = await _optional_object(request)
    force = body.get("force", False)
    if not isinstance(force, bool):
        raise invalid_request("force: expected a boolean")
    reply = await core(request).work.stop_work(
        work_pb2.StopWorkRequest(**_ids(request), force=force)
    )
    return _work(reply.work)
