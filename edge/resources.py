"""``/v1/sessions/{id}/resources``."""

from __future__ import annotations

from aiohttp import web
from sessiond.edge.codec import from_json, to_json
from sessiond.edge.errors import invalid_request
from sessiond.edge.jsonio import json_response, read_object
from sessiond.edge.query import page_fields
from sessiond.edge.state import core
from sessiond.v1 import session_pb2, session_resource_pb2

routes = web.RouteTableDef()

BASE = "/v1/sessions/{session_id}/resources"


@routes.post(BASE)
async def add_resource(request: web.Request) -> web.Response:
    resource = from_json(await read_object(request), session_pb2.SessionResource)
    message = session_resource_pb2.AddSessionResourceRequest(
        session_id=request.match_info["session_id"], resource=resource
    )
    reply = await core(request).resources.add_session_resource(message)
    return json_response(to_json(reply.resource))


@routes.get(BASE)
async def list_resources(request: web.Request) -> web.Response:
    message = session_resource_pb2.ListSessionResourcesRequest(
        session_id=request.match_info["session_id"], **page_fields(request.query)
    )
    reply = await core(request).resources.list_session_resources(message)
    return json_response(
        {
            "data": [to_json(r) for r in reply.resources],
            "next_page": reply.next_page_token or None,
        }
    )


@routes.get(BASE + "/{resource_id}")
async def get_resource(request: web.Request) -> web.Response:
    message = session_resource_pb2.GetSessionResourceRequest(
        session_id=request.match_info["session_id"], resource_id=request.match_info["resource_id"]
    )
    reply = await core(request).resources.get_session_resource(message)
    return json_response(to_json(reply.resource))


@routes.post(BASE + "/{resource_id}")
async def update_resource(request: web.Request) -> web.Response:
    body = await read_object(request)
    token = body.get("authorization_token")
    if not isinstance(token, str) or not token:
        raise invalid_request("authorization_token: expected a non-empty string")
    message = session_resource_pb2.UpdateSessionResourceRequest(
        session_id=request.match_info["session_id"],
        resource_id=request.match_info["resource_id"],
        authorization_token=token,
    )
    reply = await core(request).resources.update_session_resource(message)
    return json_response(to_json(reply.resource))


@routes.delete(BASE + "/{resource_id}")
async def delete_resource(request: web.Request) -> web.Response:
    message = session_resource_pb2.DeleteSessionResourceRequest(
        session_id=request.match_info["session_id"], resource_id=request.match_info["resource_id"]
    )
    reply = await core(request).resources.delete_session_resource(message)
    return json_response({"id": reply.id, "type": "session_resource_deleted"})
