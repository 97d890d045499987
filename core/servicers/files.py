from __future__ import annotations

import grpc
from sessiond.core.auth.gate import current_caller
from sessiond.core.servicers.base import unary
from sessiond.core.services.files import FileService
from sessiond.v1 import file_pb2 as pb
from sessiond.v1 import file_pb2_grpc


class FileServicer(file_pb2_grpc.FileServiceServicer):
    def __init__(self, service: FileService) -> None:
        self._svc = service

    @unary
    async def UploadFile(
        self, request: pb.UploadFileRequest, context: grpc.aio.ServicerContext
    ) -> pb.UploadFileResponse:
        return pb.UploadFileResponse(
            file=await self._svc.upload(request, ws=current_caller().workspace)
        )

    @unary
    async def GetFile(
        self, request: pb.GetFileRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetFileResponse:
        return pb.GetFileResponse(
            file=(await self._svc.get(request.file_id, ws=current_caller().workspace)).file
        )

    @unary
    async def ListFiles(
        self, request: pb.ListFilesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListFilesResponse:
        files, token = await self._svc.list_files(request, ws=current_caller().workspace)
        return pb.ListFilesResponse(files=files, next_page_token=token)

    @unary
    async def DownloadFile(
        self, request: pb.DownloadFileRequest, context: grpc.aio.ServicerContext
    ) -> pb.DownloadFileResponse:
        f, content = await self._svc.download(request.file_id, ws=current_caller().workspace)
        return pb.DownloadFileResponse(file=f, content=content)

    @unary
    async def DeleteFile(
        self, request: pb.DeleteFileRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteFileResponse:
        await self._svc.delete(request.file_id, ws=current_caller().workspace)
        return pb.DeleteFileResponse(id=request.file_id)
