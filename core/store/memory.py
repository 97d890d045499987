"""SQL of memory stores: stores, their memories (one row per live path) and the
immutable versions every mutation adds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from sessiond.core import errors, ids
from sessiond.core.store.base import INTERNAL, Scope, in_scope
from sessiond.core.store.inputs_schema import (
    memories,
    memory_stores,
    memory_versions,
    session_memory_stores,
)
from sessiond.core.store.store import Page, Store
from sessiond.core.timeutil import to_timestamp
from sessiond.v1 import memory_pb2
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

OPERATIONS = {
    memory_pb2.MEMORY_VERSION_OPERATION_CREATED: "created",
    memory_pb2.MEMORY_VERSION_OPERATION_MODIFIED: "modified",
    memory_pb2.MEMORY_VERSION_OPERATION_DELETED: "deleted",
}
OPERATION_VALUES = {v: k for k, v in OPERATIONS.items()}


class PathConflict(errors.SessiondError):
    """Another memory of the store has the path (HTTP 409 memory_path_conflict_error)."""

    code = grpc.StatusCode.ALREADY_EXISTS


class PreconditionFailed(errors.SessiondError):
    """The memory's content is not the one the caller expected (HTTP 409
    memory_precondition_failed_error)."""

    code = grpc.StatusCode.ABORTED


@dataclass(frozen=True)
class Mutation:
    """Who changes a memory, and when."""

    at: int
    session_id: str | None = None
    # Whose call it is (INTERNAL: a session's own changes, synced from its mount).
    workspace: Scope = INTERNAL


class MemoryStoreStore:
    """Memory stores on the store's engine."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # ---------------------------------------------------------------- stores

    async def insert_store(self, s: memory_pb2.MemoryStore, workspace: str) -> None:
        def work(conn: Connection) -> Any:
            conn.execute(
                insert(memory_stores).values(
                    id=s.id,
                    workspace=workspace,
                    created_at=_us(s.created_at),
                    body=s.SerializeToString(),
                )
            )

        await self._store._tx(work, write=True)

    async def get_store(self, store_id: str, ws: Scope) -> memory_pb2.MemoryStore:
        def work(conn: Connection) -> Any:
            return conn.execute(
                select(memory_stores).where(
                    memory_stores.c.id == store_id, *in_scope(memory_stores.c.workspace, ws)
                )
            ).first()

        row = await self._store._tx(work, write=False)
        if row is None:
            raise errors.NotFound(f"No memory store with id {store_id!r}.")
        return memory_pb2.MemoryStore.FromString(row._mapping["body"])

    async def put_store(self, s: memory_pb2.MemoryStore) -> None:
        def work(conn: Connection) -> Any:
            conn.execute(
                update(memory_stores)
                .where(memory_stores.c.id == s.id)
                .values(
                    body=s.SerializeToString(),
                    archived_at=_us(s.archived_at) if s.HasField("archived_at") else None,
                )
            )

        await self._store._tx(work, write=True)

    async def delete_store(self, store_id: str, ws: Scope) -> None:
        def work(conn: Connection) -> Any:
            gone = conn.execute(
                delete(memory_stores).where(
                    memory_stores.c.id == store_id, *in_scope(memory_stores.c.workspace, ws)
                )
            )
            if gone.rowcount != 1:
                return False
            conn.execute(delete(memories).where(memories.c.store_id == store_id))
            conn.execute(delete(memory_versions).where(memory_versions.c.store_id == store_id))
            return True

        if not await self._store._tx(work, write=True):
            raise errors.NotFound(f"No memory store with id {store_id!r}.")

    async def list_stores(
        self,
        limit: int,
        page: Page | None,
        *,
        ws: Scope,
        include_archived: bool = False,
        created_gte: int | None = None,
        created_lte: int | None = None,
    ) -> tuple[list[memory_pb2.MemoryStore], bool]:
        t = memory_stores
        conds: list[Any] = [*in_scope(t.c.workspace, ws)]
        if not include_archived:
            conds.append(t.c.archived_at.is_(None))
        if created_gte is not None:
            conds.append(t.c.created_at >= created_gte)
        if created_lte is not None:
            conds.append(t.c.created_at <= created_lte)
        rows, more = await self._store._keyset(
            select(t), conds, (t.c.created_at, t.c.id), True, limit, page
        )
        return [memory_pb2.MemoryStore.FromString(r._mapping["body"]) for r in rows], more

    # -------------------------------------------------------------- memories

    async def create_memory(
        self, store_id: str, path: str, content: str, sha256: str, who: Mutation
    ) -> memory_pb2.Memory:
        def work(conn: Connection) -> Any:
            owner = _require_store(conn, store_id, who.workspace)
            if _by_path(conn, store_id, path) is not None:
                raise PathConflict(f"A memory already exists at {path!r} in this store.")
            memory_id = ids.new_id("mem")
            version = _version(
                conn, store_id, memory_id, "created", path, content, sha256, who, owner
            )
            conn.execute(
                insert(memories).values(
                    id=memory_id,
                    workspace=owner,
                    store_id=store_id,
                    path=path,
                    created_at=who.at,
                    updated_at=who.at,
                    sha256=sha256,
                    size=len(content.encode()),
                    content=content,
                    version_id=version,
                )
            )
            return _memory_row(conn, memory_id)

        return _memory(await self._store._tx(work, write=True))

    async def update_memory(
        self,
        store_id: str,
        memory_id: str,
        who: Mutation,
        *,
        content: str | None,
        sha256: str | None,
        path: str | None,
        expect_sha256: str | None,
    ) -> memory_pb2.Memory:
        def work(conn: Connection) -> Any:
            row = _memory_row(conn, memory_id)
            if (
                row is None
                or row.store_id != store_id
                or (who.workspace is not None and row.workspace != who.workspace)
            ):
                raise errors.NotFound(f"No memory with id {memory_id!r} in {store_id!r}.")
            if expect_sha256 is not None and row.sha256 != expect_sha256:
                raise PreconditionFailed(
                    f"The memory's content_sha256 is {row.sha256}, not {expect_sha256}: "
                    "read it again and retry with the new hash."
                )
            new_path = row.path if path is None else path
            if new_path != row.path and _by_path(conn, store_id, new_path) is not None:
                raise PathConflict(f"A memory already exists at {new_path!r} in this store.")
            new_content = row.content if content is None else content
            new_sha = row.sha256 if sha256 is None else sha256
            if new_path == row.path and new_sha == row.sha256:
                return row
            version = _version(
                conn,
                store_id,
                memory_id,
                "modified",
                new_path,
                new_content,
                new_sha,
                who,
                row.workspace,
            )
            conn.execute(
                update(memories)
                .where(memories.c.id == memory_id)
                .values(
                    path=new_path,
                    content=new_content,
                    sha256=new_sha,
                    size=len(new_content.encode()),
                    updated_at=who.at,
                    version_id=version,
                )
            )
            return _memory_row(conn, memory_id)

        return _memory(await self._store._tx(work, write=True))

    async def delete_memory(
        self, store_id: str, memory_id: str, who: Mutation, expect_sha256: str | None
    ) -> None:
        def work(conn: Connection) -> Any:
            row = _memory_row(conn, memory_id)
            if (
                row is None
                or row.store_id != store_id
                or (who.workspace is not None and row.workspace != who.workspace)
            ):
                raise errors.NotFound(f"No memory with id {memory_id!r} in {store_id!r}.")
            if expect_sha256 is not None and row.sha256 != expect_sha256:
                raise PreconditionFailed(
                    f"The memory's content_sha256 is {row.sha256}, not {expect_sha256}."
                )
            _version(conn, store_id, memory_id, "deleted", row.path, None, None, who, row.workspace)
            conn.execute(delete(memories).where(memories.c.id == memory_id))

        await self._store._tx(work, write=True)

    async def get_memory(self, store_id: str, memory_id: str, ws: Scope) -> memory_pb2.Memory:
        def work(conn: Connection) -> Any:
            return _memory_row(conn, memory_id)

        row = await self._store._tx(work, write=False)
        if row is None or row.store_id != store_id or (ws is not None and row.workspace != ws):
            raise errors.NotFound(f"No memory with id {memory_id!r} in {store_id!r}.")
        return _memory(row)

    async def all_memories(self, store_id: str) -> list[memory_pb2.Memory]:
        """Every live memory of a store with its content, by path."""

        def work(conn: Connection) -> Any:
            return list(
                conn.execute(
                    select(memories)
                    .where(memories.c.store_id == store_id)
                    .order_by(memories.c.path)
                )
            )

        return [_memory(r) for r in await self._store._tx(work, write=False)]

    # -------------------------------------------------------------- versions

    async def get_version(
        self, store_id: str, version_id: str, ws: Scope
    ) -> memory_pb2.MemoryVersion:
        def work(conn: Connection) -> Any:
            return conn.execute(
                select(memory_versions).where(
                    memory_versions.c.id == version_id,
                    memory_versions.c.store_id == store_id,
                    *in_scope(memory_versions.c.workspace, ws),
                )
            ).first()

        row = await self._store._tx(work, write=False)
        if row is None:
            raise errors.NotFound(f"No memory version with id {version_id!r} in {store_id!r}.")
        return _version_msg(row)

    async def list_versions(
        self,
        store_id: str,
        limit: int,
        page: Page | None,
        *,
        ws: Scope,
        memory_id: str = "",
        session_id: str = "",
        operation: str = "",
    ) -> tuple[list[memory_pb2.MemoryVersion], bool]:
        t = memory_versions
        conds: list[Any] = [t.c.store_id == store_id, *in_scope(t.c.workspace, ws)]
        if memory_id:
            conds.append(t.c.memory_id == memory_id)
        if session_id:
            conds.append(t.c.session_id == session_id)
        if operation:
            conds.append(t.c.operation == operation)
        rows, more = await self._store._keyset(
            select(t), conds, (t.c.created_at, t.c.id), True, limit, page
        )
        return [_version_msg(r) for r in rows], more

    async def redact_version(self, store_id: str, version_id: str, at: int, ws: Scope) -> None:
        def work(conn: Connection) -> Any:
            t = memory_versions
            live = conn.execute(
                select(memories.c.id).where(memories.c.version_id == version_id)
            ).first()
            if live is not None:
                raise errors.FailedPrecondition(
                    "This version is the memory's current content: change or delete the "
                    "memory first, then redact the older version."
                )
            result = conn.execute(
                update(t)
                .where(t.c.id == version_id, t.c.store_id == store_id, *in_scope(t.c.workspace, ws))
                .values(content=None, redacted_at=at)
            )
            return result.rowcount

        if await self._store._tx(work, write=True) != 1:
            raise errors.NotFound(f"No memory version with id {version_id!r} in {store_id!r}.")

    # ------------------------------------------------------ session attachments

    async def attach(self, session_id: str, store_ids: Sequence[str], workspace: str) -> None:
        def work(conn: Connection) -> Any:
            for store_id in dict.fromkeys(store_ids):
                conn.execute(
                    insert(session_memory_stores).values(
                        session_id=session_id, memory_store_id=store_id, workspace=workspace
                    )
                )

        await self._store._tx(work, write=True)


def sessions_with_store(store_id: str) -> Any:
    """A subquery of the sessions that attached a memory store (for sessions.list)."""
    t = session_memory_stores
    return select(t.c.session_id).where(t.c.memory_store_id == store_id)


def _require_store(conn: Connection, store_id: str, ws: Scope) -> str:
    """The workspace of a memory store that takes changes."""
    row = conn.execute(
        select(memory_stores.c.archived_at, memory_stores.c.workspace).where(
            memory_stores.c.id == store_id, *in_scope(memory_stores.c.workspace, ws)
        )
    ).first()
    if row is None:
        raise errors.NotFound(f"No memory store with id {store_id!r}.")
    if row[0] is not None:
        raise errors.Conflict(f"Memory store {store_id!r} is archived and takes no changes.")
    return str(row[1])


def _by_path(conn: Connection, store_id: str, path: str) -> Any:
    return conn.execute(
        select(memories.c.id).where(memories.c.store_id == store_id, memories.c.path == path)
    ).first()


def _memory_row(conn: Connection, memory_id: str) -> Any:
    return conn.execute(select(memories).where(memories.c.id == memory_id)).first()


def _version(
    conn: Connection,
    store_id: str,
    memory_id: str,
    operation: str,
    path: str,
    content: str | None,
    sha256: str | None,
    who: Mutation,
    owner: str,
) -> str:
    version_id = ids.new_id("memver")
    conn.execute(
        insert(memory_versions).values(
            id=version_id,
            workspace=owner,
            store_id=store_id,
            memory_id=memory_id,
            created_at=who.at,
            operation=operation,
            path=path,
            content=content,
            sha256=sha256,
            size=None if content is None else len(content.encode()),
            session_id=who.session_id,
        )
    )
    return version_id


def _memory(row: Any) -> memory_pb2.Memory:
    m = row._mapping
    out = memory_pb2.Memory(
        id=m["id"],
        content_sha256=m["sha256"],
        content_size_bytes=m["size"],
        memory_store_id=m["store_id"],
        memory_version_id=m["version_id"],
        path=m["path"],
        content=m["content"],
    )
    out.created_at.CopyFrom(to_timestamp(m["created_at"]))
    out.updated_at.CopyFrom(to_timestamp(m["updated_at"]))
    return out


def _version_msg(row: Any) -> memory_pb2.MemoryVersion:
    m = row._mapping
    out = memory_pb2.MemoryVersion(
        id=m["id"],
        memory_id=m["memory_id"],
        memory_store_id=m["store_id"],
        operation=OPERATION_VALUES[m["operation"]],
        path=m["path"],
    )
    out.created_at.CopyFrom(to_timestamp(m["created_at"]))
    if m["content"] is not None:
        out.content = m["content"]
    if m["sha256"] is not None:
        out.content_sha256 = m["sha256"]
    if m["size"] is not None:
        out.content_size_bytes = m["size"]
    if m["session_id"]:
        out.created_by.session_actor.session_id = m["session_id"]
    else:
        out.created_by.api_actor.api_key_id = "apikey_local"
    if m["redacted_at"] is not None:
        out.redacted_at.CopyFrom(to_timestamp(m["redacted_at"]))
        out.redacted_by.api_actor.api_key_id = "apikey_local"
    return out


def _us(ts: Any) -> int:
    return int(ts.seconds) * 1_000_000 + int(ts.nanos) // 1000
