"""Memory stores: their rules and limits.

docs "Using agent memory" (managed-agents/memory): a memory is a UTF-8 text of
at most 100 KB addressed by a path; every create, change and delete is an
immutable version; a session attaches at most 8 stores.
"""

from __future__ import annotations

import hashlib
import posixpath

from sessiond.core import errors, ids
from sessiond.core.services.common import (
    check_metadata,
    decode_page,
    encode_page,
    page_size,
    patch_metadata,
    require,
    ts_or_none,
)
from sessiond.core.services.emit import EmitFn, no_emit
from sessiond.core.store.base import Scope
from sessiond.core.store.memory import OPERATIONS, MemoryStoreStore, Mutation
from sessiond.core.timeutil import from_timestamp, now_us, to_timestamp
from sessiond.v1 import memory_pb2

MAX_MEMORY_BYTES = 100 * 1024
MAX_PATH_BYTES = 1024
MAX_NAME = 255
DEFAULT_PAGE = 20
MAX_PAGE = 1000
STORE_PREFIX = "memstore"


def sha256_text(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def check_path(path: str, where: str = "path") -> str:
    """A memory path: absolute, normalized, no ``..``, at most 1024 bytes."""
    if not path.startswith("/") or path.endswith("/"):
        raise errors.InvalidArgument(
            f"{where}: {path!r} must start with '/' and name a file, e.g. /notes/todo.md."
        )
    if ".." in path.split("/") or posixpath.normpath(path) != path or "\x00" in path:
        raise errors.InvalidArgument(f"{where}: {path!r} must be a normalized path without '..'.")
    if len(path.encode()) > MAX_PATH_BYTES:
        raise errors.InvalidArgument(f"{where}: paths are limited to {MAX_PATH_BYTES} bytes.")
    return path


def check_content(content: str) -> str:
    if len(content.encode()) > MAX_MEMORY_BYTES:
        raise errors.InvalidArgument(
            f"content: a memory is limited to {MAX_MEMORY_BYTES} bytes (UTF-8); "
            "split it into several smaller memories."
        )
    return content


def _view(memory: memory_pb2.Memory, view: int, default_full: bool) -> memory_pb2.Memory:
    full = view == memory_pb2.MEMORY_VIEW_FULL or (
        view == memory_pb2.MEMORY_VIEW_UNSPECIFIED and default_full
    )
    if not full:
        memory.ClearField("content")
    return memory


class MemoryService:
    def __init__(self, stores: MemoryStoreStore) -> None:
        self.stores = stores
        # Webhook events (core/services/emit.py); wired by the core server.
        self.emit: EmitFn = no_emit

    # ---------------------------------------------------------------- stores

    async def create_store(
        self, req: memory_pb2.CreateMemoryStoreRequest, ws: str
    ) -> memory_pb2.MemoryStore:
        name = require(req.name, "name")
        if len(name) > MAX_NAME:
            raise errors.InvalidArgument(f"name is longer than {MAX_NAME} characters.")
        check_metadata(req.metadata)
        now = to_timestamp(now_us())
        s = memory_pb2.MemoryStore(
            id=ids.new_id(STORE_PREFIX), name=name, description=req.description
        )
        s.metadata.update(req.metadata)
        s.created_at.CopyFrom(now)
        s.updated_at.CopyFrom(now)
        await self.stores.insert_store(s, ws)
        await self.emit(ws, "memory_store.created", {"id": s.id})
        return s

    async def get_store(self, store_id: str, ws: Scope) -> memory_pb2.MemoryStore:
        return await self.stores.get_store(require(store_id, "memory_store_id"), ws)

    async def update_store(
        self, req: memory_pb2.UpdateMemoryStoreRequest, ws: Scope
    ) -> memory_pb2.MemoryStore:
        s = await self.get_store(req.memory_store_id, ws)
        if req.HasField("name"):
            if not req.name or len(req.name) > MAX_NAME:
                raise errors.InvalidArgument(f"name must be 1 to {MAX_NAME} characters.")
            s.name = req.name
        if req.HasField("description"):
            s.description = req.description
        patch_metadata(s.metadata, req.metadata, req.metadata_remove)
        check_metadata(s.metadata)
        s.updated_at.CopyFrom(to_timestamp(now_us()))
        await self.stores.put_store(s)
        return s

    async def archive_store(self, store_id: str, ws: Scope) -> memory_pb2.MemoryStore:
        s = await self.get_store(store_id, ws)
        if not s.HasField("archived_at"):
            now = to_timestamp(now_us())
            s.archived_at.CopyFrom(now)
            s.updated_at.CopyFrom(now)
            await self.stores.put_store(s)
            await self.emit(ws, "memory_store.archived", {"id": s.id})
        return s

    async def delete_store(self, store_id: str, ws: Scope) -> None:
        await self.stores.delete_store(require(store_id, "memory_store_id"), ws)
        await self.emit(ws, "memory_store.deleted", {"id": store_id})

    async def list_stores(
        self, req: memory_pb2.ListMemoryStoresRequest, ws: Scope
    ) -> tuple[list[memory_pb2.MemoryStore], str]:
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        stores, more = await self.stores.list_stores(
            limit,
            decode_page(req.page_token),
            ws=ws,
            include_archived=req.include_archived,
            created_gte=ts_or_none(req, "created_at_gte"),
            created_lte=ts_or_none(req, "created_at_lte"),
        )
        token = ""
        if more and stores:
            token = encode_page([from_timestamp(stores[-1].created_at), stores[-1].id])
        return stores, token

    # -------------------------------------------------------------- memories

    async def create_memory(
        self,
        req: memory_pb2.CreateMemoryRequest,
        ws: Scope,
        session_id: str | None = None,
    ) -> memory_pb2.Memory:
        store_id = require(req.memory_store_id, "memory_store_id")
        path = check_path(req.path)
        content = check_content(req.content)
        who = Mutation(now_us(), session_id, ws)
        memory = await self.stores.create_memory(store_id, path, content, sha256_text(content), who)
        return _view(memory, req.view, True)

    async def get_memory(self, req: memory_pb2.GetMemoryRequest, ws: Scope) -> memory_pb2.Memory:
        memory = await self.stores.get_memory(
            require(req.memory_store_id, "memory_store_id"),
            require(req.memory_id, "memory_id"),
            ws,
        )
        return _view(memory, req.view, True)

    async def update_memory(
        self,
        req: memory_pb2.UpdateMemoryRequest,
        ws: Scope,
        session_id: str | None = None,
    ) -> memory_pb2.Memory:
        content = check_content(req.content) if req.HasField("content") else None
        path = check_path(req.path) if req.HasField("path") else None
        memory = await self.stores.update_memory(
            require(req.memory_store_id, "memory_store_id"),
            require(req.memory_id, "memory_id"),
            Mutation(now_us(), session_id, ws),
            content=content,
            sha256=None if content is None else sha256_text(content),
            path=path,
            expect_sha256=(
                req.precondition_content_sha256
                if req.HasField("precondition_content_sha256")
                else None
            ),
        )
        return _view(memory, req.view, True)

    async def delete_memory(
        self,
        req: memory_pb2.DeleteMemoryRequest,
        ws: Scope,
        session_id: str | None = None,
    ) -> None:
        await self.stores.delete_memory(
            require(req.memory_store_id, "memory_store_id"),
            require(req.memory_id, "memory_id"),
            Mutation(now_us(), session_id, ws),
            req.expected_content_sha256 if req.HasField("expected_content_sha256") else None,
        )

    async def list_memories(
        self, req: memory_pb2.ListMemoriesRequest, ws: Scope
    ) -> tuple[list[memory_pb2.MemoryListItem], str]:
        store_id = require(req.memory_store_id, "memory_store_id")
        await self.stores.get_store(store_id, ws)
        if req.depth < 0:
            raise errors.InvalidArgument("depth must not be negative.")
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        page = decode_page(req.page_token)
        after = str(page.key[0]) if page is not None else ""
        prefix = req.path_prefix
        items: list[memory_pb2.MemoryListItem] = []
        seen: set[str] = set()
        for memory in await self.stores.all_memories(store_id):
            if not memory.path.startswith(prefix):
                continue
            rest = memory.path[len(prefix) :].lstrip("/").split("/")
            key = memory.path
            item = memory_pb2.MemoryListItem()
            if req.depth and len(rest) > req.depth:
                base = prefix.rstrip("/") + "/" + "/".join(rest[: req.depth]) + "/"
                if base in seen:
                    continue
                seen.add(base)
                key = base
                item.memory_prefix.path = base
            else:
                item.memory.CopyFrom(_view(memory, req.view, False))
            if key <= after:
                continue
            items.append(item)
        token = ""
        if len(items) > limit:
            items = items[:limit]
            last = items[-1]
            key = last.memory.path if last.HasField("memory") else last.memory_prefix.path
            token = encode_page([key])
        return items, token

    # -------------------------------------------------------------- versions

    async def get_version(
        self, req: memory_pb2.GetMemoryVersionRequest, ws: Scope
    ) -> memory_pb2.MemoryVersion:
        version = await self.stores.get_version(
            require(req.memory_store_id, "memory_store_id"),
            require(req.memory_version_id, "memory_version_id"),
            ws,
        )
        if req.view == memory_pb2.MEMORY_VIEW_BASIC:
            version.ClearField("content")
        return version

    async def list_versions(
        self, req: memory_pb2.ListMemoryVersionsRequest, ws: Scope
    ) -> tuple[list[memory_pb2.MemoryVersion], str]:
        store_id = require(req.memory_store_id, "memory_store_id")
        await self.stores.get_store(store_id, ws)
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        versions, more = await self.stores.list_versions(
            store_id,
            limit,
            decode_page(req.page_token),
            ws=ws,
            memory_id=req.memory_id,
            session_id=req.session_id,
            operation=OPERATIONS.get(req.operation, ""),
        )
        if req.view != memory_pb2.MEMORY_VIEW_FULL:
            for v in versions:
                v.ClearField("content")
        token = ""
        if more and versions:
            token = encode_page([from_timestamp(versions[-1].created_at), versions[-1].id])
        return versions, token

    async def redact_version(
        self, req: memory_pb2.RedactMemoryVersionRequest, ws: Scope
    ) -> memory_pb2.MemoryVersion:
        store_id = require(req.memory_store_id, "memory_store_id")
        version_id = require(req.memory_version_id, "memory_version_id")
        await self.stores.redact_version(store_id, version_id, now_us(), ws)
        return await self.stores.get_version(store_id, version_id, ws)
