from __future__ import annotations

import grpc
from sessiond.core.auth.gate import current_caller
from sessiond.core.servicers.base import unary
from sessiond.core.services.resources import SessionResources
from sessiond.v1 import session_resource_pb2 as pb
from sessiond.v1 import session_resource_pb2_grpc


class SessionResourceServicer(session_resource_pb2_grpc.SessionResourceServiceServicer):
    def __init__(self, service: SessionResources) -> None:
        self._svc = service

    @unary
    async def AddSessionResource(
        self, request: pb.AddSessionResourceRequest, context: grpc.aio.ServicerContext
    ) -> pb.AddSessionResourceResponse:
        res = await self._svc.add(
            request.session_id, request.resource, ws=current_caller().workspace
        )
        return pb.AddSessionResourceResponse(resource=res)

    @unary
    async def GetSessionResource(
        self, request: pb.GetSessionResourceRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetSessionResourceResponse:
        res = await self._svc.get(
            request.session_id, request.resource_id, ws=current_caller().workspace
        )
        return pb.GetSessionResourceResponse(resource=res)

    @unary
    async def ListSessionResources(
        self, request: pb.ListSessionResourcesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListSessionResourcesResponse:
        items, token = await self._svc.list_resources(
            request.session_id, request.page_size, request.page_token, ws=current_caller().workspace
        )
        return pb.ListSessionResourcesResponse(resources=items, next_page_token=token)

    @unary
    async def UpdateSessionResource(
        self, request: pb.UpdateSessionResourceRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateSessionResourceResponse:
        res = await self._svc.update(
            request.session_id,
            request.resource_id,
            request.authorization_token,
            ws=current_caller().workspace,
        )
        return pb.UpdateSessionResourceResponse(resource=res)

    @unary
    async def DeleteSessionResource(
        self, request: pb.DeleteSessionResourceRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteSessionResourceResponse:
        await self._svc.delete(
            request.session_id, request.resource_id, ws=current_caller().workspace
        )
        return pb.DeleteSessionResourceResponse(id=request.resource_id)
