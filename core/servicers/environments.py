from __future__ import annotations

import grpc
from sessiond.core.auth.gate import current_caller
from sessiond.core.servicers.base import unary
from sessiond.core.services.environments import EnvironmentService
from sessiond.v1 import environment_pb2 as pb
from sessiond.v1 import environment_pb2_grpc


class EnvironmentServicer(environment_pb2_grpc.EnvironmentServiceServicer):
    def __init__(self, service: EnvironmentService) -> None:
        self._svc = service

    @unary
    async def CreateEnvironment(
        self, request: pb.CreateEnvironmentRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateEnvironmentResponse:
        return pb.CreateEnvironmentResponse(
            environment=await self._svc.create(request, ws=current_caller().workspace)
        )

    @unary
    async def GetEnvironment(
        self, request: pb.GetEnvironmentRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetEnvironmentResponse:
        return pb.GetEnvironmentResponse(
            environment=await self._svc.get(request.environment_id, ws=current_caller().workspace)
        )

    @unary
    async def UpdateEnvironment(
        self, request: pb.UpdateEnvironmentRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateEnvironmentResponse:
        return pb.UpdateEnvironmentResponse(
            environment=await self._svc.update(request, ws=current_caller().workspace)
        )

    @unary
    async def ListEnvironments(
        self, request: pb.ListEnvironmentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListEnvironmentsResponse:
        envs, token = await self._svc.list_environments(request, ws=current_caller().workspace)
        return pb.ListEnvironmentsResponse(environments=envs, next_page_token=token)

    @unary
    async def DeleteEnvironment(
        self, request: pb.DeleteEnvironmentRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteEnvironmentResponse:
        await self._svc.delete(request.environment_id, ws=current_caller().workspace)
        return pb.DeleteEnvironmentResponse(id=request.environment_id)

    @unary
    async def ArchiveEnvironment(
        self, request: pb.ArchiveEnvironmentRequest, context: grpc.aio.ServicerContext
    ) -> pb.ArchiveEnvironmentResponse:
        return pb.ArchiveEnvironmentResponse(
            environment=await self._svc.archive(
                request.environment_id, ws=current_caller().workspace
            )
        )
