"""``/v1/sessions/{session_id}/threads``: a session's threads and each thread's events."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sessiond.edge.codec import to_json
from sessiond.edge.events import list_thread_events, stream_thread_events
from sessiond.edge.jsonio import json_response
from sessiond.edge.query import get_enum_list, page_fields
from sessiond.edge.state import core
from sessiond.v1 import thread_pb2

routes = web.RouteTableDef()

THREADS = "/v1/sessions/{session_id}/threads"
THREAD = THREADS + "/{thread_id}"


def _ids(request: web.Request) -> dict[str, Any]:
    return {
        "session_id": request.match_info["session_id"],
        "thread_id": request.match_info["thread_id"],
    }


@routes.get(THREADS)
async def list_session_threads(request: web.Request) -> web.Response:
    q = request.query
    message = thread_pb2.ListSessionThreadsRequest(
        session_id=request.match_info["session_id"],
        statuses=[
            thread_pb2.SessionThreadStatus.ValueType(v)
            for v in get_enum_list(q, "statuses", thread_pb2.SessionThreadStatus)
        ],
        **page_fields(q),
    )
    reply = await core(request).threads.list_session_threads(message)
    return json_response(
        {
            "data": [to_json(t) for t in reply.threads],
            "next_page": reply.next_page_token or None,
        }
    )


@routes.get(THREAD)
async def get_session_thread(request: web.Request) -> web.Response:
    message = thread_pb2.GetSessionThreadRequest(**_ids(request))
    reply = await core(request).threads.get_session_thread(message)
    return json_response(to_json(reply.thread))


@routes.post(THREAD + "/archive")
async def archive_session_thread(request: web.Request) -> web.Response:
    message = thread_pb2.ArchiveSessionThreadRequest(**_ids(request))
    reply = await core(request).threads.archive_session_thread(message)
    return json_response(to_json(reply.thread))


@routes.get(THREAD + "/events")
async def list_events(request: web.Request) -> web.Response:
    return await list_thread_events(request, request.match_info["thread_id"])


@routes.get(THREAD + "/stream")
async def stream_events(request: web.Request) -> web.StreamResponse:
    return await stream_thread_events(request, request.match_info["thread_id"])
