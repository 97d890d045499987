"""``/v1/agents``: agents and their versions."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sessiond.edge import shorthand
from sessiond.edge.codec import from_json, to_json
from sessiond.edge.jsonio import json_response, read_object
from sessiond.edge.masks import update_request
from sessiond.edge.query import get_bool, get_int, get_timestamp, page_fields, present
from sessiond.edge.state import core
from sessiond.v1 import agent_pb2

routes = web.RouteTableDef()


def _agent(agent: agent_pb2.Agent) -> web.Response:
    return json_response(to_json(agent))


def _page(agents: Any, next_page_token: str) -> web.Response:
    return json_response(
        {"data": [to_json(agent) for agent in agents], "next_page": next_page_token or None}
    )


@routes.post("/v1/agents")
async def create_agent(request: web.Request) -> web.Response:
    body = shorthand.agent_fields(await read_object(request))
    reply = await core(request).agents.create_agent(from_json(body, agent_pb2.CreateAgentRequest))
    return _agent(reply.agent)


@routes.get("/v1/agents")
async def list_agents(request: web.Request) -> web.Response:
    q = request.query
    message = agent_pb2.ListAgentsRequest(
        **page_fields(q),
        **present(
            include_archived=get_bool(q, "include_archived"),
            created_at_gte=get_timestamp(q, "created_at[gte]"),
            created_at_lte=get_timestamp(q, "created_at[lte]"),
        ),
    )
    reply = await core(request).agents.list_agents(message)
    return _page(reply.agents, reply.next_page_token)


@routes.get("/v1/agents/{agent_id}")
async def get_agent(request: web.Request) -> web.Response:
    message = agent_pb2.GetAgentRequest(
        agent_id=request.match_info["agent_id"],
        **present(version=get_int(request.query, "version")),
    )
    reply = await core(request).agents.get_agent(message)
    return _agent(reply.agent)


@routes.post("/v1/agents/{agent_id}")
async def update_agent(request: web.Request) -> web.Response:
    body = shorthand.agent_fields(await read_object(request))
    message = update_request(
        body, agent_pb2.UpdateAgentRequest, "agent_id", request.match_info["agent_id"]
    )
    reply = await core(request).agents.update_agent(message)
    return _agent(reply.agent)


@routes.post("/v1/agents/{agent_id}/archive")
async def archive_agent(request: web.Request) -> web.Response:
    message = agent_pb2.ArchiveAgentRequest(agent_id=request.match_info["agent_id"])
    reply = await core(request).agents.archive_agent(message)
    return _agent(reply.agent)


@routes.get("/v1/agents/{agent_id}/versions")
async def list_agent_versions(request: web.Request) -> web.Response:
    message = agent_pb2.ListAgentVersionsRequest(
        agent_id=request.match_info["agent_id"], **page_fields(request.query)
    )
    reply = await core(request).agents.list_agent_versions(message)
    return _page(reply.agents, reply.next_page_token)
