from __future__ import annotations

import grpc
from sessiond.core.auth.gate import current_caller
from sessiond.core.servicers.base import unary
from sessiond.core.services.memory import MemoryService
from sessiond.v1 import memory_pb2 as pb
from sessiond.v1 import memory_pb2_grpc


class MemoryStoreServicer(memory_pb2_grpc.MemoryStoreServiceServicer):
    def __init__(self, service: MemoryService) -> None:
        self._svc = service

    @unary
    async def CreateMemoryStore(
        self, request: pb.CreateMemoryStoreRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateMemoryStoreResponse:
        return pb.CreateMemoryStoreResponse(
            memory_store=await self._svc.create_store(request, ws=current_caller().workspace)
        )

    @unary
    async def GetMemoryStore(
        self, request: pb.GetMemoryStoreRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetMemoryStoreResponse:
        store = await self._svc.get_store(request.memory_store_id, ws=current_caller().workspace)
        return pb.GetMemoryStoreResponse(memory_store=store)

    @unary
    async def UpdateMemoryStore(
        self, request: pb.UpdateMemoryStoreRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateMemoryStoreResponse:
        return pb.UpdateMemoryStoreResponse(
            memory_store=await self._svc.update_store(request, ws=current_caller().workspace)
        )

    @unary
    async def ListMemoryStores(
        self, request: pb.ListMemoryStoresRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListMemoryStoresResponse:
        stores, token = await self._svc.list_stores(request, ws=current_caller().workspace)
        return pb.ListMemoryStoresResponse(memory_stores=stores, next_page_token=token)

    @unary
    async def DeleteMemoryStore(
        self, request: pb.DeleteMemoryStoreRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteMemoryStoreResponse:
        await self._svc.delete_store(request.memory_store_id, ws=current_caller().workspace)
        return pb.DeleteMemoryStoreResponse(id=request.memory_store_id)

    @unary
    async def ArchiveMemoryStore(
        self, request: pb.ArchiveMemoryStoreRequest, context: grpc.aio.ServicerContext
    ) -> pb.ArchiveMemoryStoreResponse:
        store = await self._svc.archive_store(
            request.memory_store_id, ws=current_caller().workspace
        )
        return pb.ArchiveMemoryStoreResponse(memory_store=store)

    @unary
    async def CreateMemory(
        self, request: pb.CreateMemoryRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateMemoryResponse:
        return pb.CreateMemoryResponse(
            memory=await self._svc.create_memory(request, ws=current_caller().workspace)
        )

    @unary
    async def GetMemory(
        self, request: pb.GetMemoryRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetMemoryResponse:
        return pb.GetMemoryResponse(
            memory=await self._svc.get_memory(request, ws=current_caller().workspace)
        )

    @unary
    async def UpdateMemory(
        self, request: pb.UpdateMemoryRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateMemoryResponse:
        return pb.UpdateMemoryResponse(
            memory=await self._svc.update_memory(request, ws=current_caller().workspace)
        )

    @unary
    async def ListMemories(
        self, request: pb.ListMemoriesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListMemoriesResponse:
        items, token = await self._svc.list_memories(request, ws=current_caller().workspace)
        return pb.ListMemoriesResponse(items=items, next_page_token=token)

    @unary
    async def DeleteMemory(
        self, request: pb.DeleteMemoryRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteMemoryResponse:
        await self._svc.delete_memory(request, ws=current_caller().workspace)
        return pb.DeleteMemoryResponse(id=request.memory_id)

    @unary
    async def GetMemoryVersion(
        self, request: pb.GetMemoryVersionRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetMemoryVersionResponse:
        return pb.GetMemoryVersionResponse(
            memory_version=await self._svc.get_version(request, ws=current_caller().workspace)
        )

    @unary
    async def ListMemoryVersions(
        self, request: pb.ListMemoryVersionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListMemoryVersionsResponse:
        versions, token = await self._svc.list_versions(request, ws=current_caller().workspace)
        return pb.ListMemoryVersionsResponse(memory_versions=versions, next_page_token=token)

    @unary
    async def RedactMemoryVersion(
        self, request: pb.RedactMemoryVersionRequest, context: grpc.aio.ServicerContext
    ) -> pb.RedactMemoryVersionResponse:
        version = await self._svc.redact_version(request, ws=current_caller().workspace)
        return pb.RedactMemoryVersionResponse(memory_version=version)
