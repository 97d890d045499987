"""The Files API's rules: limits, names, content by SHA-256, session outputs."""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import os
from pathlib import Path

from sessiond.core import errors, ids
from sessiond.core.services.common import decode_page, encode_page, page_size, require
from sessiond.core.store.base import Scope
from sessiond.core.store.files import FileRow, FileStore
from sessiond.core.timeutil import from_timestamp, now_us, to_timestamp
from sessiond.v1 import file_pb2

# docs: "Files API" (build-with-claude/files): 500 MB per file; names of 1-255
# characters without control characters, path separators or <>:"|?*.
MAX_FILE_BYTES = 500 * 1024 * 1024
MAX_FILENAME = 255
_FORBIDDEN = set('<>:"|?*/\\')
DEFAULT_PAGE = 20
MAX_PAGE = 1000
FILE_PREFIX = "file"
# An outcome's rubric given as a file (docs: "Define outcomes": a rubric is a
# markdown document, inline or uploaded with the Files API) is read as UTF-8
# text; this server takes up to 256 KiB (about 64k tokens, the whole of it
# goes into the grader's prompt).
MAX_RUBRIC_BYTES = 256 * 1024


def check_filename(name: str) -> str:
    if not 1 <= len(name) <= MAX_FILENAME:
        raise errors.InvalidArgument(f"file: the filename must be 1 to {MAX_FILENAME} characters.")
    if name in (".", "..") or any(c in _FORBIDDEN or ord(c) < 32 for c in name):
        raise errors.InvalidArgument(
            f"file: the filename {name!r} has a character that is not allowed "
            '(control characters, / \\ < > : " | ? *).'
        )
    return name


class BlobCache:
    """File contents under ``<data dir>/blobs/<sha[:2]>/<sha>``; the database
    holds them for every replica, this directory for this one."""

    def __init__(self, root: Path, files: FileStore) -> None:
        self.root = root
        self._files = files

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    async def path(self, sha256: str) -> Path:
        """A local copy of the content (fetched once from the database)."""
        path = self._path(sha256)
        if not await asyncio.to_thread(path.exists):
            data = await self._files.blob(sha256)
            await asyncio.to_thread(_write_atomic, path, data)
        return path

    async def keep(self, sha256: str, data: bytes) -> None:
        path = self._path(sha256)
        if not await asyncio.to_thread(path.exists):
            await asyncio.to_thread(_write_atomic, path, data)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class FileService:
    def __init__(self, files: FileStore, blobs: BlobCache) -> None:
        self._files = files
        self.blobs = blobs

    async def upload(self, req: file_pb2.UploadFileRequest, ws: str) -> file_pb2.File:
        name = check_filename(req.filename)
        if len(req.content) > MAX_FILE_BYTES:
            raise errors.InvalidArgument(f"file: files are limited to {MAX_FILE_BYTES} bytes.")
        expires_at = None
        now = now_us()
        if req.HasField("expires_in_seconds"):
            if req.expires_in_seconds <= 0:
                raise errors.InvalidArgument("expires_in_seconds must be positive.")
            expires_at = now + req.expires_in_seconds * 1_000_000
        mime = req.mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        return await self.store_bytes(
            name, mime, bytes(req.content), ws=ws, expires_at=expires_at, at=now
        )

    async def store_bytes(
        self,
        name: str,
        mime: str,
        content: bytes,
        *,
        ws: str,
        scope_id: str = "",
        expires_at: int | None = None,
        at: int | None = None,
    ) -> file_pb2.File:
        sha = await asyncio.to_thread(lambda: hashlib.sha256(content).hexdigest())
        f = file_pb2.File(
            id=ids.new_id(FILE_PREFIX),
            filename=name,
            mime_type=mime,
            size_bytes=len(content),
            downloadable=True,
        )
        f.created_at.CopyFrom(to_timestamp(at or now_us()))
        if expires_at is not None:
            f.expires_at.CopyFrom(to_timestamp(expires_at))
        if scope_id:
            f.scope.id = scope_id
        known = await self._files.has_blob(sha)
        await self._files.insert(f, sha, None if known else content, ws=ws, expires_at=expires_at)
        await self.blobs.keep(sha, content)
        return f

    async def get(self, file_id: str, ws: Scope) -> FileRow:
        row = await self._files.get(require(file_id, "file_id"), ws)
        if row.file.HasField("expires_at") and from_timestamp(row.file.expires_at) <= now_us():
            raise errors.NotFound(f"No file with id {file_id!r} (it has expired).")
        return row

    async def download(self, file_id: str, ws: Scope) -> tuple[file_pb2.File, bytes]:
        row = await self.get(file_id, ws)
        path = await self.blobs.path(row.sha256)
        return row.file, await asyncio.to_thread(path.read_bytes)

    async def rubric_text(self, file_id: str, ws: Scope, where: str = "rubric") -> str:
        """The text of a rubric file of ``ws``: NotFound when it is not there,
        InvalidArgument when it is too large or not UTF-8 text."""
        row = await self.get(file_id, ws)
        if row.file.size_bytes > MAX_RUBRIC_BYTES:
            raise errors.InvalidArgument(
                f"{where}.file_id: the rubric file {file_id!r} has {row.file.size_bytes} bytes; "
                f"a rubric file may have at most {MAX_RUBRIC_BYTES} bytes."
            )
        _, data = await self.download(file_id, ws)
        return rubric_text(data, file_id, where)

    async def delete(self, file_id: str, ws: Scope) -> None:
        await self._files.delete(require(file_id, "file_id"), ws)

    async def list_files(
        self, req: file_pb2.ListFilesRequest, ws: Scope
    ) -> tuple[list[file_pb2.File], str]:
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        page = decode_page(req.page_token)
        rows, more = await self._files.list(
            limit, page, ws=ws, ids=list(req.ids), scope_id=req.scope_id
        )
        token = ""
        if more and rows:
            last = rows[-1].file
            token = encode_page([from_timestamp(last.created_at), last.id])
        return [r.file for r in rows], token

    async def session_files(self, session_id: str) -> list[FileRow]:
        return await self._files.by_scope(session_id)


def rubric_text(data: bytes, file_id: str, where: str = "rubric") -> str:
    """A rubric file's content as text: UTF-8 with no NUL byte, else InvalidArgument."""
    problem = f"{where}.file_id: the rubric file {file_id!r} is not UTF-8 text"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.InvalidArgument(
            f"{problem}; upload the rubric as markdown or plain text."
        ) from None
    if "\x00" in text:
        raise errors.InvalidArgument(f"{problem} (it holds NUL bytes); upload it as markdown.")
    if not text.strip():
        raise errors.InvalidArgument(f"{where}.file_id: the rubric file {file_id!r} is empty.")
    return text
