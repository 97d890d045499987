"""``/v1/files``: multipart upload, metadata, content, delete."""

from __future__ import annotations

from typing import Final

from aiohttp import web
from sessiond.edge.codec import to_json
from sessiond.edge.errors import ApiError, invalid_request
from sessiond.edge.jsonio import json_response, multipart_parts
from sessiond.edge.query import get_list, get_str, page_fields, present
from sessiond.edge.state import core
from sessiond.v1 import file_pb2

routes = web.RouteTableDef()

# What one upload may carry through the edge: the core's gRPC message limit
# (64 MiB) less room for the envelope. The docs' own limit (500 MB) is the core's.
MAX_UPLOAD_BYTES: Final = 60 * 1024 * 1024
_CHUNK: Final = 1024 * 1024


async def _read_upload(request: web.Request) -> file_pb2.UploadFileRequest:
    if not request.content_type.startswith("multipart/"):
        raise invalid_request("Send the file as multipart/form-data with a part named 'file'.")
    declared = request.content_length
    if declared is not None and declared > MAX_UPLOAD_BYTES + _CHUNK:
        raise _too_large()
    message = file_pb2.UploadFileRequest()
    got_file = False
    async for part in multipart_parts(request):
        if part.name == "file":
            data = bytearray()
            while chunk := await part.read_chunk(_CHUNK):
                data.extend(chunk)
                if len(data) > MAX_UPLOAD_BYTES:
                    raise _too_large()
            message.content = bytes(data)
            message.filename = part.filename or "upload"
            message.mime_type = part.headers.get("Content-Type", "")
            got_file = True
        elif part.name == "expires_in_seconds":
            text = (await part.text()).strip()
            try:
                message.expires_in_seconds = int(text)
            except ValueError:
                raise invalid_request(
                    f"expires_in_seconds: expected an integer, got {text!r}"
                ) from None
        else:
            await part.release()
    if not got_file:
        raise invalid_request("file: a part named 'file' is required.")
    return message


def _too_large() -> ApiError:
    return ApiError(
        413, "request_too_large", f"The file is too large: the limit is {MAX_UPLOAD_BYTES} bytes"
    )


@routes.post("/v1/files")
async def upload_file(request: web.Request) -> web.Response:
    reply = await core(request).files.upload_file(await _read_upload(request))
    return json_response(to_json(reply.file))


@routes.get("/v1/files")
async def list_files(request: web.Request) -> web.Response:
    q = request.query
    message = file_pb2.ListFilesRequest(
        **page_fields(q), ids=get_list(q, "ids"), **present(scope_id=get_str(q, "scope_id"))
    )
    reply = await core(request).files.list_files(message)
    return json_response(
        {"data": [to_json(f) for f in reply.files], "next_page": reply.next_page_token or None}
    )


@routes.get("/v1/files/{file_id}")
async def get_file(request: web.Request) -> web.Response:
    message = file_pb2.GetFileRequest(file_id=request.match_info["file_id"])
    reply = await core(request).files.get_file(message)
    return json_response(to_json(reply.file))


@routes.get("/v1/files/{file_id}/content")
async def download_file(request: web.Request) -> web.Response:
    message = file_pb2.DownloadFileRequest(file_id=request.match_info["file_id"])
    reply = await core(request).files.download_file(message)
    name = reply.file.filename.replace('"', "")
    return web.Response(
        body=reply.content,
        content_type=reply.file.mime_type or "application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@routes.delete("/v1/files/{file_id}")
async def delete_file(request: web.Request) -> web.Response:
    message = file_pb2.DeleteFileRequest(file_id=request.match_info["file_id"])
    reply = await core(request).files.delete_file(message)
    return json_response({"id": reply.id, "type": "file_deleted"})
