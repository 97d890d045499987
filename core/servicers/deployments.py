from __future__ import annotations

import grpc
from sessiond.core.auth.gate import current_caller
from sessiond.core.servicers.base import unary
from sessiond.core.services.deployments import DeploymentService
from sessiond.v1 import deployment_pb2 as pb
from sessiond.v1 import deployment_pb2_grpc


class DeploymentServicer(deployment_pb2_grpc.DeploymentServiceServicer):
    def __init__(self, service: DeploymentService) -> None:
        self._svc = service

    @unary
    async def CreateDeployment(
        self, request: pb.CreateDeploymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateDeploymentResponse:
        ws = current_caller().workspace
        return pb.CreateDeploymentResponse(deployment=await self._svc.create(request, ws=ws))

    @unary
    async def GetDeployment(
        self, request: pb.GetDeploymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetDeploymentResponse:
        ws = current_caller().workspace
        return pb.GetDeploymentResponse(
            deployment=await self._svc.get(request.deployment_id, ws=ws)
        )

    @unary
    async def UpdateDeployment(
        self, request: pb.UpdateDeploymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateDeploymentResponse:
        ws = current_caller().workspace
        return pb.UpdateDeploymentResponse(deployment=await self._svc.update(request, ws=ws))

    @unary
    async def ListDeployments(
        self, request: pb.ListDeploymentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListDeploymentsResponse:
        items, token = await self._svc.list_deployments(request, ws=current_caller().workspace)
        return pb.ListDeploymentsResponse(deployments=items, next_page_token=token)

    @unary
    async def ArchiveDeployment(
        self, request: pb.ArchiveDeploymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.ArchiveDeploymentResponse:
        ws = current_caller().workspace
        return pb.ArchiveDeploymentResponse(
            deployment=await self._svc.archive(request.deployment_id, ws=ws)
        )

    @unary
    async def PauseDeployment(
        self, request: pb.PauseDeploymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.PauseDeploymentResponse:
        ws = current_caller().workspace
        return pb.PauseDeploymentResponse(
            deployment=await self._svc.pause(request.deployment_id, ws=ws)
        )

    @unary
    async def UnpauseDeployment(
        self, request: pb.UnpauseDeploymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.UnpauseDeploymentResponse:
        ws = current_caller().workspace
        return pb.UnpauseDeploymentResponse(
            deployment=await self._svc.unpause(request.deployment_id, ws=ws)
        )

    @unary
    async def RunDeployment(
        self, request: pb.RunDeploymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.RunDeploymentResponse:
        ws = current_caller().workspace
        return pb.RunDeploymentResponse(run=await self._svc.run_now(request.deployment_id, ws=ws))

    @unary
    async def GetDeploymentRun(
        self, request: pb.GetDeploymentRunRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetDeploymentRunResponse:
        ws = current_caller().workspace
        return pb.GetDeploymentRunResponse(
            run=await self._svc.get_run(request.deployment_run_id, ws=ws)
        )

    @unary
    async def ListDeploymentRuns(
        self, request: pb.ListDeploymentRunsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListDeploymentRunsResponse:
        items, token = await self._svc.list_runs(request, ws=current_caller().workspace)
        return pb.ListDeploymentRunsResponse(runs=items, next_page_token=token)
