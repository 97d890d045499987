"""``/v1/environments``."""

from __future__ import annotations

from aiohttp import web
from sessiond.edge.codec import from_json, to_json
from sessiond.edge.jsonio import json_response, read_object
from sessiond.edge.masks import update_request
from sessiond.edge.query import get_bool, page_fields, present
from sessiond.edge.state import core
from sessiond.v1 import environment_pb2

routes = web.RouteTableDef()


def _environment(environment: environment_pb2.Environment) -> web.Response:
    return json_response(to_json(environment))


@routes.post("/v1/environments")
async def create_environment(request: web.Request) -> web.Response:
    message = from_json(await read_object(request), environment_pb2.CreateEnvironmentRequest)
    reply = await core(request).environments.create_environment(message)
    return _environment(reply.environment)


@routes.get("/v1/environments")
async def list_environments(request: web.Request) -> web.Response:
    q = request.query
    message = environment_pb2.ListEnvironmentsRequest(
        **page_fields(q), **present(include_archived=get_bool(q, "include_archived"))
    )
    reply = await core(request).environments.list_environments(message)
    return json_response(
        {
            "data": [to_json(environment) for environment in reply.environments],
            "next_page": reply.next_page_token or None,
        }
    )


@routes.get("/v1/environments/{environment_id}")
async def get_environment(request: web.Request) -> web.Response:
    message = environment_pb2.GetEnvironmentRequest(
        environment_id=request.match_info["environment_id"]
    )
    reply = await core(request).environments.get_environment(message)
    return _environment(reply.environment)


@routes.post("/v1/environments/{environment_id}")
async def update_environment(request: web.Request) -> web.Response:
    message = update_request(
        await read_object(request),
        environment_pb2.UpdateEnvironmentRequest,
        "environment_id",
        request.match_info["environment_id"],
    )
    reply = await core(request).environments.update_environment(message)
    return _environment(reply.environment)


@routes.delete("/v1/environments/{environment_id}")
async def delete_environment(request: web.Request) -> web.Response:
    message = environment_pb2.DeleteEnvironmentRequest(
        environment_id=request.match_info["environment_id"]
    )
    reply = await core(request).environments.delete_environment(message)
    return json_response({"id": reply.id, "type": "environment_deleted"})


@routes.post("/v1/environments/{environment_id}/archive")
async def archive_environment(request: web.Request) -> web.Response:
    message = environment_pb2.ArchiveEnvironmentRequest(
        environment_id=request.match_info["environment_id"]
    )
    reply = await core(request).environments.archive_environment(message)
    return _environment(reply.environment)
