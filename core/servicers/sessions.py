from __future__ import annotations

import grpc
from sessiond.core.auth.gate import current_caller
from sessiond.core.servicers.base import unary
from sessiond.core.services.sessions import SessionService
from sessiond.v1 import session_pb2 as pb
from sessiond.v1 import session_pb2_grpc


class SessionServicer(session_pb2_grpc.SessionServiceServicer):
    def __init__(self, service: SessionService) -> None:
        self._svc = service

    @unary
    async def CreateSession(
        self, request: pb.CreateSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateSessionResponse:
        return pb.CreateSessionResponse(
            session=await self._svc.create(request, ws=current_caller().workspace)
        )

    @unary
    async def GetSession(
        self, request: pb.GetSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetSessionResponse:
        return pb.GetSessionResponse(
            session=await self._svc.get(request.session_id, ws=current_caller().workspace)
        )

    @unary
    async def UpdateSession(
        self, request: pb.UpdateSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateSessionResponse:
        return pb.UpdateSessionResponse(
            session=await self._svc.update(request, ws=current_caller().workspace)
        )

    @unary
    async def ListSessions(
        self, request: pb.ListSessionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListSessionsResponse:
        sessions, next_token, prev_token = await self._svc.list_sessions(
            request, ws=current_caller().workspace
        )
        return pb.ListSessionsResponse(
            sessions=sessions, next_page_token=next_token, prev_page_token=prev_token
        )

    @unary
    async def DeleteSession(
        self, request: pb.DeleteSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteSessionResponse:
        await self._svc.delete(request.session_id, ws=current_caller().workspace)
        return pb.DeleteSessionResponse(id=request.session_id)

    @unary
    async def ArchiveSession(
        self, request: pb.ArchiveSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.ArchiveSessionResponse:
        return pb.ArchiveSessionResponse(
            session=await self._svc.archive(request.session_id, ws=current_caller().workspace)
        )
