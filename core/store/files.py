"""SQL of the Files API: file rows and content blobs by SHA-256."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sessiond.core import errors
from sessiond.core.store.base import Scope, in_scope
from sessiond.core.store.inputs_schema import blobs, files
from sessiond.core.store.store import Page, Store
from sessiond.core.timeutil import to_timestamp
from sessiond.v1 import file_pb2
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class FileRow:
    """A file, as stored."""

    file: file_pb2.File
    sha256: str
    workspace: str


class FileStore:
    """Files and their content, on the store's engine."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def insert(
        self,
        f: file_pb2.File,
        sha256: str,
        content: bytes | None,
        *,
        ws: str,
        expires_at: int | None = None,
    ) -> None:
        """Stores a file row; ``content`` (when given) becomes the blob of ``sha256``
        unless it is there already."""

        def work(conn: Connection) -> Any:
            if content is not None:
                have = conn.execute(select(blobs.c.sha256).where(blobs.c.sha256 == sha256))
                if have.first() is None:
                    conn.execute(
                        insert(blobs).values(sha256=sha256, size=len(content), data=content)
                    )
            conn.execute(
                insert(files).values(
                    id=f.id,
                    workspace=ws,
                    created_at=f.created_at.seconds * 1_000_000 + f.created_at.nanos // 1000,
                    expires_at=expires_at,
                    scope_id=f.scope.id if f.HasField("scope") else None,
                    sha256=sha256,
                    size_bytes=f.size_bytes,
                    filename=f.filename,
                    mime_type=f.mime_type,
                )
            )

        await self._store._tx(work, write=True)

    async def has_blob(self, sha256: str) -> bool:
        def work(conn: Connection) -> Any:
            return conn.execute(select(blobs.c.sha256).where(blobs.c.sha256 == sha256)).first()

        return await self._store._tx(work, write=False) is not None

    async def blob(self, sha256: str) -> bytes:
        def work(conn: Connection) -> Any:
            return conn.execute(select(blobs.c.data).where(blobs.c.sha256 == sha256)).scalar()

        data = await self._store._tx(work, write=False)
        if data is None:
            raise errors.NotFound("The file's content is gone.")
        return bytes(data)

    async def get(self, file_id: str, ws: Scope) -> FileRow:
        def work(conn: Connection) -> Any:
            return conn.execute(
                select(files).where(files.c.id == file_id, *in_scope(files.c.workspace, ws))
            ).first()

        row = await self._store._tx(work, write=False)
        if row is None:
            raise errors.NotFound(f"No file with id {file_id!r}.")
        return _row(row)

    async def by_scope(self, scope_id: str) -> list[FileRow]:
        def work(conn: Connection) -> Any:
            return list(conn.execute(select(files).where(files.c.scope_id == scope_id)))

        return [_row(r) for r in await self._store._tx(work, write=False)]

    async def delete(self, file_id: str, ws: Scope) -> None:
        """Deletes the row; the blob goes with its last file."""

        def work(conn: Connection) -> Any:
            row = conn.execute(
                select(files.c.sha256).where(
                    files.c.id == file_id, *in_scope(files.c.workspace, ws)
                )
            ).first()
            if row is None:
                return False
            conn.execute(delete(files).where(files.c.id == file_id))
            left = conn.execute(select(files.c.id).where(files.c.sha256 == row[0]).limit(1))
            if left.first() is None:
                conn.execute(delete(blobs).where(blobs.c.sha256 == row[0]))
            return True

        if not await self._store._tx(work, write=True):
            raise errors.NotFound(f"No file with id {file_id!r}.")

    async def list(
        self,
        limit: int,
        page: Page | None,
        *,
        ws: Scope,
        ids: Sequence[str] = (),
        scope_id: str = "",
    ) -> tuple[list[FileRow], bool]:
        conds: list[Any] = [*in_scope(files.c.workspace, ws)]
        if ids:
            conds.append(files.c.id.in_(list(ids)))
        if scope_id:
            conds.append(files.c.scope_id == scope_id)
        rows, more = await self._store._keyset(
            select(files), conds, (files.c.created_at, files.c.id), True, limit, page
        )
        return [_row(r) for r in rows], more


def _row(row: Any) -> FileRow:
    m = row._mapping
    f = file_pb2.File(
        id=m["id"],
        filename=m["filename"],
        mime_type=m["mime_type"],
        size_bytes=m["size_bytes"],
        downloadable=True,
    )
    f.created_at.CopyFrom(to_timestamp(m["created_at"]))
    if m["expires_at"] is not None:
        f.expires_at.CopyFrom(to_timestamp(m["expires_at"]))
    if m["scope_id"]:
        f.scope.id = m["scope_id"]
    return FileRow(f, m["sha256"], m["workspace"])
