from __future__ import annotations

import grpc
from sessiond.core.auth.gate import current_caller
from sessiond.core.servicers.base import unary
from sessiond.core.services.threads import ThreadService
from sessiond.v1 import thread_pb2 as pb
from sessiond.v1 import thread_pb2_grpc


class SessionThreadServicer(thread_pb2_grpc.SessionThreadServiceServicer):
    def __init__(self, service: ThreadService) -> None:
        self._svc = service

    @unary
    async def ListSessionThreads(
        self, request: pb.ListSessionThreadsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListSessionThreadsResponse:
        threads, token = await self._svc.list_threads(request, ws=current_caller().workspace)
        return pb.ListSessionThreadsResponse(threads=threads, next_page_token=token)

    @unary
    async def GetSessionThread(
        self, request: pb.GetSessionThreadRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetSessionThreadResponse:
        thread = await self._svc.get(
            request.session_id, request.thread_id, ws=current_caller().workspace
        )
        return pb.GetSessionThreadResponse(thread=thread)

    @unary
    async def ArchiveSessionThread(
        self, request: pb.ArchiveSessionThreadRequest, context: grpc.aio.ServicerContext
    ) -> pb.ArchiveSessionThreadResponse:
        thread = await self._svc.archive(
            request.session_id, request.thread_id, ws=current_caller().workspace
        )
        return pb.ArchiveSessionThreadResponse(thread=thread)
