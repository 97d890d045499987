"""``/v1/sessions``."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sessiond.edge import shorthand
from sessiond.edge.codec import event_from_json, from_json, to_json
from sessiond.edge.errors import invalid_request
from sessiond.edge.jsonio import json_response, read_object
from sessiond.edge.masks import update_request
from sessiond.edge.query import (
    get_bool,
    get_enum_list,
    get_int,
    get_order,
    get_str,
    get_timestamp,
    page_fields,
    present,
)
from sessiond.edge.state import core
from sessiond.v1 import session_pb2

routes = web.RouteTableDef()


def _session(session: session_pb2.Session) -> web.Response:
    return json_response(to_json(session))


def _create_request(body: dict[str, Any]) -> session_pb2.CreateSessionRequest:
    fields = dict(body)
    if "agent" in fields:
        fields["agent"] = shorthand.session_agent(fields["agent"])
    events = fields.pop("initial_events", None)
    if events is not None and not isinstance(events, list):
        raise invalid_request("initial_events: expected an array of events")
    message = from_json(fields, session_pb2.CreateSessionRequest)
    message.initial_events.extend(
        event_from_json(event, f"initial_events[{i}]") for i, event in enumerate(events or ())
    )
    return message


@routes.post("/v1/sessions")
async def create_session(request: web.Request) -> web.Response:
    message = _create_request(await read_object(request))
    reply = await core(request).sessions.create_session(message)
    return _session(reply.session)


@routes.get("/v1/sessions")
async def list_sessions(request: web.Request) -> web.Response:
    q = request.query
    message = session_pb2.ListSessionsRequest(
        **page_fields(q),
        statuses=[
            session_pb2.SessionStatus.ValueType(v)
            for v in get_enum_list(q, "statuses", session_pb2.SessionStatus)
        ],
        **present(
            order=get_order(q),
            agent_id=get_str(q, "agent_id"),
            agent_version=get_int(q, "agent_version"),
            include_archived=get_bool(q, "include_archived"),
            created_at_gt=get_timestamp(q, "created_at[gt]"),
            created_at_gte=get_timestamp(q, "created_at[gte]"),
            created_at_lt=get_timestamp(q, "created_at[lt]"),
            created_at_lte=get_timestamp(q, "created_at[lte]"),
            deployment_id=get_str(q, "deployment_id"),
            memory_store_id=get_str(q, "memory_store_id"),
        ),
    )
    reply = await core(request).sessions.list_sessions(message)
    return json_response(
        {
            "data": [to_json(session) for session in reply.sessions],
            "next_page": reply.next_page_token or None,
            "prev_page": reply.prev_page_token or None,
        }
    )


@routes.get("/v1/sessions/{session_id}")
async def get_session(request: web.Request) -> web.Response:
    message = session_pb2.GetSessionRequest(session_id=request.match_info["session_id"])
    reply = await core(request).sessions.get_session(message)
    return _session(reply.session)


@routes.post("/v1/sessions/{session_id}")
async def update_session(request: web.Request) -> web.Response:
    body = await read_object(request)
    if isinstance(body.get("agent"), dict):
        body["agent"] = shorthand.agent_fields(body["agent"])
    message = update_request(
        body, session_pb2.UpdateSessionRequest, "session_id", request.match_info["session_id"]
    )
    agent = body.get("agent")
    if isinstance(agent, dict):
        # Name the agent's fields one by one, so an omitted one is kept.
        paths = [p for p in message.update_mask.paths if p != "agent"]
        paths += [f"agent.{key}" for key in agent]
        del message.update_mask.paths[:]
        message.update_mask.paths.extend(paths)
    reply = await core(request).sessions.update_session(message)
    return _session(reply.session)


@routes.delete("/v1/sessions/{session_id}")
async def delete_session(request: web.Request) -> web.Response:
    message = session_pb2.DeleteSessionRequest(session_id=request.match_info["session_id"])
    reply = await core(request).sessions.delete_session(message)
    return json_response({"id": reply.id, "type": "session_deleted"})


@routes.post("/v1/sessions/{session_id}/archive")
async def archive_session(request: web.Request) -> web.Response:
    message = session_pb2.ArchiveSessionRequest(session_id=request.match_info["session_id"])
    reply = await core(request).sessions.archive_session(message)
    return _session(reply.session)
