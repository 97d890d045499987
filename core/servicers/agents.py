from __future__ import annotations

import grpc
from sessiond.core.auth.gate import current_caller
from sessiond.core.servicers.base import unary
from sessiond.core.services.agents import AgentService
from sessiond.v1 import agent_pb2, agent_pb2_grpc


class AgentServicer(agent_pb2_grpc.AgentServiceServicer):
    def __init__(self, service: AgentService) -> None:
        self._svc = service

    @unary
    async def CreateAgent(
        self, request: agent_pb2.CreateAgentRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.CreateAgentResponse:
        return agent_pb2.CreateAgentResponse(
            agent=await self._svc.create(request, ws=current_caller().workspace)
        )

    @unary
    async def GetAgent(
        self, request: agent_pb2.GetAgentRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.GetAgentResponse:
        version = request.version if request.HasField("version") else None
        return agent_pb2.GetAgentResponse(
            agent=await self._svc.get(request.agent_id, version, ws=current_caller().workspace)
        )

    @unary
    async def UpdateAgent(
        self, request: agent_pb2.UpdateAgentRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.UpdateAgentResponse:
        return agent_pb2.UpdateAgentResponse(
            agent=await self._svc.update(request, ws=current_caller().workspace)
        )

    @unary
    async def ListAgents(
        self, request: agent_pb2.ListAgentsRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.ListAgentsResponse:
        agents, token = await self._svc.list_agents(request, ws=current_caller().workspace)
        return agent_pb2.ListAgentsResponse(agents=agents, next_page_token=token)

    @unary
    async def ArchiveAgent(
        self, request: agent_pb2.ArchiveAgentRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.ArchiveAgentResponse:
        return agent_pb2.ArchiveAgentResponse(
            agent=await self._svc.archive(request.agent_id, ws=current_caller().workspace)
        )

    @unary
    async def ListAgentVersions(
        self, request: agent_pb2.ListAgentVersionsRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.ListAgentVersionsResponse:
        agents, token = await self._svc.versions(request, ws=current_caller().workspace)
        return agent_pb2.ListAgentVersionsResponse(agents=agents, next_page_token=token)
