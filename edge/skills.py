"""``/v1/skills`` and their ``versions``: bundles uploaded as multipart files."""

from __future__ import annotations

from typing import Final

from aiohttp import web
from sessiond.edge.codec import to_json
from sessiond.edge.errors import ApiError, invalid_request
from sessiond.edge.jsonio import json_response, multipart_parts
from sessiond.edge.query import get_str, page_fields, present
from sessiond.edge.state import core
from sessiond.v1 import skill_pb2

routes = web.RouteTableDef()

MAX_UPLOAD_BYTES: Final = 60 * 1024 * 1024
SKILL = "/v1/skills/{skill_id}"
VERSION = SKILL + "/versions/{version}"


async def _read_bundle(request: web.Request) -> tuple[list[skill_pb2.SkillFile], str | None]:
    """The files (parts named ``files`` or ``files[]``) and the display_name field."""
    if not request.content_type.startswith("multipart/"):
        raise invalid_request("Send the skill's files as multipart/form-data parts named 'files'.")
    files: list[skill_pb2.SkillFile] = []
    display_name: str | None = None
    total = 0
    async for part in multipart_parts(request):
        if (part.name or "").startswith("files"):
            data = await part.read()
            total += len(data)
            if total > MAX_UPLOAD_BYTES:
                raise ApiError(413, "request_too_large", "The skill bundle is too large")
            files.append(skill_pb2.SkillFile(path=part.filename or "", content=bytes(data)))
        elif part.name == "display_name":
            display_name = await part.text()
        else:
            await part.release()
    return files, display_name


@routes.post("/v1/skills")
async def create_skill(request: web.Request) -> web.Response:
    files, display_name = await _read_bundle(request)
    message = skill_pb2.CreateSkillRequest(files=files, **present(display_name=display_name))
    reply = await core(request).skills.create_skill(message)
    return json_response(to_json(reply.skill))


@routes.get("/v1/skills")
async def list_skills(request: web.Request) -> web.Response:
    q = request.query
    message = skill_pb2.ListSkillsRequest(**page_fields(q), **present(source=get_str(q, "source")))
    reply = await core(request).skills.list_skills(message)
    return json_response(
        {
            "data": [to_json(s) for s in reply.skills],
            "next_page": reply.next_page_token or None,
        }
    )


@routes.get(SKILL)
async def get_skill(request: web.Request) -> web.Response:
    message = skill_pb2.GetSkillRequest(skill_id=request.match_info["skill_id"])
    reply = await core(request).skills.get_skill(message)
    return json_response(to_json(reply.skill))


@routes.delete(SKILL)
async def delete_skill(request: web.Request) -> web.Response:
    message = skill_pb2.DeleteSkillRequest(skill_id=request.match_info["skill_id"])
    reply = await core(request).skills.delete_skill(message)
    return json_response({"id": reply.id, "type": "skill_deleted"})


@routes.post(SKILL + "/versions")
async def create_version(request: web.Request) -> web.Response:
    files, _ = await _read_bundle(request)
    message = skill_pb2.CreateSkillVersionRequest(
        skill_id=request.match_info["skill_id"], files=files
    )
    reply = await core(request).skills.create_skill_version(message)
    return json_response(to_json(reply.skill_version))


@routes.get(SKILL + "/versions")
async def list_versions(request: web.Request) -> web.Response:
    message = skill_pb2.ListSkillVersionsRequest(
        skill_id=request.match_info["skill_id"], **page_fields(request.query)
    )
    reply = await core(request).skills.list_skill_versions(message)
    return json_response(
        {
            "data": [to_json(v) for v in reply.skill_versions],
            "next_page": reply.next_page_token or None,
        }
    )


@routes.get(VERSION)
async def get_version(request: web.Request) -> web.Response:
    message = skill_pb2.GetSkillVersionRequest(
        skill_id=request.match_info["skill_id"], version=request.match_info["version"]
    )
    reply = await core(request).skills.get_skill_version(message)
    return json_response(to_json(reply.skill_version))


@routes.delete(VERSION)
async def delete_version(request: web.Request) -> web.Response:
    message = skill_pb2.DeleteSkillVersionRequest(
        skill_id=request.match_info["skill_id"], version=request.match_info["version"]
    )
    reply = await core(request).skills.delete_skill_version(message)
    return json_response({"id": reply.id, "type": "skill_version_deleted"})


@routes.get(VERSION + "/content")
async def download_version(request: web.Request) -> web.Response:
    message = skill_pb2.DownloadSkillVersionRequest(
        skill_id=request.match_info["skill_id"], version=request.match_info["version"]
    )
    reply = await core(request).skills.download_skill_version(message)
    return web.Response(
        body=reply.content,
        content_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{reply.filename}"'},
    )
