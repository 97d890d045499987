from __future__ import annotations

import grpc
from sessiond.core.auth.gate import current_caller
from sessiond.core.servicers.base import unary
from sessiond.core.services.work import WorkService
from sessiond.v1 import work_pb2 as pb
from sessiond.v1 import work_pb2_grpc


class WorkServicer(work_pb2_grpc.WorkServiceServicer):
    def __init__(self, service: WorkService) -> None:
        self._svc = service

    @unary
    async def ListWork(
        self, request: pb.ListWorkRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListWorkResponse:
        items, token = await self._svc.list_work(request, ws=current_caller().workspace)
        return pb.ListWorkResponse(work=items, next_page_token=token)

    @unary
    async def PollWork(
        self, request: pb.PollWorkRequest, context: grpc.aio.ServicerContext
    ) -> pb.PollWorkResponse:
        return pb.PollWorkResponse(
            work=await self._svc.poll(request, ws=current_caller().workspace)
        )

    @unary
    async def GetWork(
        self, request: pb.GetWorkRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetWorkResponse:
        return pb.GetWorkResponse(
            work=await self._svc.get(
                request.environment_id, request.work_id, ws=current_caller().workspace
            )
        )

    @unary
    async def UpdateWork(
        self, request: pb.UpdateWorkRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateWorkResponse:
        return pb.UpdateWorkResponse(
            work=await self._svc.update(request, ws=current_caller().workspace)
        )

    @unary
    async def AckWork(
        self, request: pb.AckWorkRequest, context: grpc.aio.ServicerContext
    ) -> pb.AckWorkResponse:
        return pb.AckWorkResponse(
            work=await self._svc.ack(
                request.environment_id, request.work_id, ws=current_caller().workspace
            )
        )

    @unary
    async def HeartbeatWork(
        self, request: pb.HeartbeatWorkRequest, context: grpc.aio.ServicerContext
    ) -> pb.HeartbeatWorkResponse:
        lease, failed = await self._svc.heartbeat(request, ws=current_caller().workspace)
        return pb.HeartbeatWorkResponse(lease=lease, precondition_failed=failed)

    @unary
    async def StopWork(
        self, request: pb.StopWorkRequest, context: grpc.aio.ServicerContext
    ) -> pb.StopWorkResponse:
        return pb.StopWorkResponse(
            work=await self._svc.stop(request, ws=current_caller().workspace)
        )

    @unary
    async def GetWorkQueueStats(
        self, request: pb.GetWorkQueueStatsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetWorkQueueStatsResponse:
        return await self._svc.stats(request.environment_id, ws=current_caller().workspace)
