from __future__ import annotations

import grpc
from sessiond.core.auth.gate import current_caller
from sessiond.core.servicers.base import unary
from sessiond.core.services.skills import SkillService
from sessiond.v1 import skill_pb2 as pb
from sessiond.v1 import skill_pb2_grpc


class SkillServicer(skill_pb2_grpc.SkillServiceServicer):
    def __init__(self, service: SkillService) -> None:
        self._svc = service

    @unary
    async def CreateSkill(
        self, request: pb.CreateSkillRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateSkillResponse:
        return pb.CreateSkillResponse(
            skill=await self._svc.create(request, ws=current_caller().workspace)
        )

    @unary
    async def GetSkill(
        self, request: pb.GetSkillRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetSkillResponse:
        return pb.GetSkillResponse(
            skill=await self._svc.get(request.skill_id, ws=current_caller().workspace)
        )

    @unary
    async def ListSkills(
        self, request: pb.ListSkillsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListSkillsResponse:
        found, token = await self._svc.list_skills(request, ws=current_caller().workspace)
        return pb.ListSkillsResponse(skills=found, next_page_token=token)

    @unary
    async def DeleteSkill(
        self, request: pb.DeleteSkillRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteSkillResponse:
        await self._svc.delete(request.skill_id, ws=current_caller().workspace)
        return pb.DeleteSkillResponse(id=request.skill_id)

    @unary
    async def CreateSkillVersion(
        self, request: pb.CreateSkillVersionRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateSkillVersionResponse:
        return pb.CreateSkillVersionResponse(
            skill_version=await self._svc.create_version(request, ws=current_caller().workspace)
        )

    @unary
    async def GetSkillVersion(
        self, request: pb.GetSkillVersionRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetSkillVersionResponse:
        bundle = await self._svc.get_version(
            request.skill_id, request.version, ws=current_caller().workspace
        )
        return pb.GetSkillVersionResponse(skill_version=bundle.version)

    @unary
    async def ListSkillVersions(
        self, request: pb.ListSkillVersionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListSkillVersionsResponse:
        found, token = await self._svc.list_versions(request, ws=current_caller().workspace)
        return pb.ListSkillVersionsResponse(skill_versions=found, next_page_token=token)

    @unary
    async def DeleteSkillVersion(
        self, request: pb.DeleteSkillVersionRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteSkillVersionResponse:
        await self._svc.delete_version(
            request.skill_id, request.version, ws=current_caller().workspace
        )
        return pb.DeleteSkillVersionResponse(id=request.version)

    @unary
    async def DownloadSkillVersion(
        self, request: pb.DownloadSkillVersionRequest, context: grpc.aio.ServicerContext
    ) -> pb.DownloadSkillVersionResponse:
        bundle = await self._svc.get_version(
            request.skill_id, request.version, ws=current_caller().workspace
        )
        return pb.DownloadSkillVersionResponse(
            content=bundle.zip, filename=f"{bundle.directory}.zip"
        )
