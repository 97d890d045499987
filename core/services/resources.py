"""A session's resources: checked at create or add, mounted before the call
returns, listed, re-tokened and removed. Repository tokens are sealed
(AES-GCM) in ``resource_secrets`` and never returned."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from sessiond.core import errors, ids
from sessiond.core.mounts import MEMORY, UPLOADS, WORKSPACE, Mounts
from sessiond.core.secrets import SecretBox
from sessiond.core.services.common import decode_page, encode_page, page_size, require
from sessiond.core.services.files import FileService
from sessiond.core.store.base import Scope
from sessiond.core.store.inputs_schema import resource_secrets
from sessiond.core.store.memory import MemoryStoreStore
from sessiond.core.store.store import Store
from sessiond.core.timeutil import now_us, to_timestamp
from sessiond.v1 import session_pb2
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

# docs "Adding files": at most 500 files per session; "Using agent memory": 8 stores.
MAX_FILES = 500
MAX_MEMORY_STORES = 8
MAX_INSTRUCTIONS = 4096
DEFAULT_PAGE = 20
MAX_PAGE = 1000
_SLUG = re.compile(r"[^a-z0-9._-]+")


def _clean(path: str, base: str, where: str) -> str:
    """``path`` under ``base``: relative or already under it, normalized, no escape."""
    rel = path[len(base) :] if path == base or path.startswith(base + "/") else path
    joined = posixpath.normpath(base + "/" + rel.lstrip("/"))
    if joined != base and not joined.startswith(base + "/") or ".." in rel.split("/"):
        raise errors.InvalidArgument(f"{where}: {path!r} must stay inside {base}.")
    if joined == base:
        raise errors.InvalidArgument(f"{where}: {path!r} must name a path inside {base}.")
    return joined


class SessionResources:
    def __init__(
        self,
        store: Store,
        mounts: Mounts,
        files: FileService,
        memory: MemoryStoreStore,
        secrets: SecretBox,
    ) -> None:
        self._store = store
        self.mounts = mounts
        self._files = files
        self._memory = memory
        self._secrets = secrets

    # ------------------------------------------------------------ at create

    async def normalize(
        self, resources: Sequence[session_pb2.SessionResource], session_id: str, *, ws: Scope
    ) -> tuple[list[session_pb2.SessionResource], dict[str, str]]:
        """Checked resources with ids and paths, and the tokens by resource id."""
        out: list[session_pb2.SessionResource] = []
        tokens: dict[str, str] = {}
        now = now_us()
        counts = {"file": 0, "memory_store": 0}
        for i, res in enumerate(resources):
            kind = res.WhichOneof("type")
            if kind in counts:
                counts[kind] += 1
            r, token = await self._one(res, f"resources[{i}]", now, ws)
            out.append(r)
            if token:
                tokens[r.github_repository.id] = token
        if counts["file"] > MAX_FILES:
            raise errors.InvalidArgument(f"resources: at most {MAX_FILES} files per session.")
        if counts["memory_store"] > MAX_MEMORY_STORES:
            raise errors.InvalidArgument(
                f"resources: at most {MAX_MEMORY_STORES} memory stores per session."
            )
        paths = [_mount_path(r) for r in out]
        if len(set(paths)) != len(paths):
            raise errors.InvalidArgument("resources: two resources have the same mount_path.")
        return out, tokens

    async def _one(
        self, res: session_pb2.SessionResource, where: str, now: int, ws: Scope
    ) -> tuple[session_pb2.SessionResource, str]:
        out = session_pb2.SessionResource()
        out.CopyFrom(res)
        kind = out.WhichOneof("type")
        token = ""
        if kind is None:
            raise errors.InvalidArgument(f"{where}.type is required.")
        if kind == "file":
            f = out.file
            await self._files.get(require(f.file_id, f"{where}.file_id"), ws)
            f.id = ids.new_id(ids.RESOURCE)
            f.mount_path = _clean(f.mount_path or f.file_id, UPLOADS, f"{where}.mount_path")
            f.created_at.CopyFrom(to_timestamp(now))
            f.updated_at.CopyFrom(to_timestamp(now))
        elif kind == "github_repository":
            r = out.github_repository
            url = require(r.url, f"{where}.url")
            if not url.startswith("https://"):
                raise errors.InvalidArgument(f"{where}.url must be an https:// URL.")
            token = r.authorization_token
            r.authorization_token = ""
            r.id = ids.new_id(ids.RESOURCE)
            name = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
            r.mount_path = _clean(r.mount_path or name, WORKSPACE, f"{where}.mount_path")
            r.created_at.CopyFrom(to_timestamp(now))
            r.updated_at.CopyFrom(to_timestamp(now))
        else:
            m = out.memory_store
            store = await self._memory.get_store(
                require(m.memory_store_id, f"{where}.memory_store_id"), ws
            )
            if store.HasField("archived_at"):
                raise errors.Conflict(f"Memory store {store.id!r} is archived.")
            if len(m.instructions) > MAX_INSTRUCTIONS:
                raise errors.InvalidArgument(
                    f"{where}.instructions: at most {MAX_INSTRUCTIONS} characters."
                )
            if m.access == session_pb2.MEMORY_STORE_ACCESS_UNSPECIFIED:
                m.access = session_pb2.MEMORY_STORE_ACCESS_READ_WRITE
            m.name = store.name
            m.description = store.description
            slug = _SLUG.sub("-", store.name.lower()).strip("-.") or store.id
            m.mount_path = f"{MEMORY}/{slug}"
        return out, token

    async def created(
        self, session: session_pb2.Session, tokens: dict[str, str], *, ws: str
    ) -> None:
        """Seals the tokens, records the memory attachments and mounts everything."""
        await self._seal(session.id, tokens, ws)
        stores = [
            r.memory_store.memory_store_id for r in session.resources if r.HasField("memory_store")
        ]
        if stores:
            await self._memory.attach(session.id, stores, ws)
        await self.mounts.prepare(session, tokens)

    async def _seal(self, session_id: str, tokens: dict[str, str], workspace: str) -> None:
        sealed = {rid: self._secrets.seal(tok, rid) for rid, tok in tokens.items()}

        def work(conn: Connection) -> None:
            for rid, blob in sealed.items():
                conn.execute(delete(resource_secrets).where(resource_secrets.c.resource_id == rid))
                conn.execute(
                    insert(resource_secrets).values(
                        resource_id=rid, session_id=session_id, workspace=workspace, ciphertext=blob
                    )
                )

        if sealed:
            await self._store._tx(work, write=True)

    async def tokens(self, session_id: str) -> dict[str, str]:
        def work(conn: Connection) -> list[tuple[str, bytes]]:
            t = resource_secrets
            rows = conn.execute(
                select(t.c.resource_id, t.c.ciphertext).where(t.c.session_id == session_id)
            )
            return [(r[0], bytes(r[1])) for r in rows]

        out = {}
        for rid, blob in await self._store._tx(work, write=False):
            token = self._secrets.open(blob, rid)
            if token is not None:
                out[rid] = token
        return out

    # ------------------------------------------------------------ the RPCs

    async def add(
        self, session_id: str, res: session_pb2.SessionResource, *, ws: Scope
    ) -> session_pb2.SessionResource:
        s = await self._open_session(session_id, ws)
        if res.WhichOneof("type") != "file":
            raise errors.InvalidArgument(
                "Only file resources can be added to a session after it is created."
            )
        (r,), _ = await self.normalize([res], s.id, ws=ws)
        if _mount_path(r) in {_mount_path(x) for x in s.resources}:
            raise errors.InvalidArgument(f"mount_path {_mount_path(r)!r} is already in use.")
        if sum(1 for x in s.resources if x.HasField("file")) >= MAX_FILES:
            raise errors.InvalidArgument(f"At most {MAX_FILES} files per session.")
        await self.mounts.mount_file(self.mounts.workspace(s.id), r.file)
        s.resources.append(r)
        await self._store.put_session_body(s, now_us(), ws=ws)
        return r

    async def get(
        self, session_id: str, resource_id: str, *, ws: Scope
    ) -> session_pb2.SessionResource:
        s = await self._store.get_session(session_id, ws=ws)
        return _find(s, resource_id)

    async def list_resources(
        self, session_id: str, size: int, token: str, *, ws: Scope
    ) -> tuple[list[session_pb2.SessionResource], str]:
        s = await self._store.get_session(session_id, ws=ws)
        limit = page_size(size, DEFAULT_PAGE, MAX_PAGE)
        page = decode_page(token)
        start = int(page.key[0]) if page is not None else 0
        items = list(s.resources)[start : start + limit]
        more = start + limit < len(s.resources)
        return items, encode_page([start + limit]) if more else ""

    async def update(
        self, session_id: str, resource_id: str, token: str, *, ws: Scope
    ) -> session_pb2.SessionResource:
        s = await self._open_session(session_id, ws)
        r = _find(s, resource_id)
        if not r.HasField("github_repository"):
            raise errors.InvalidArgument("Only a github_repository resource has a token to update.")
        owner = await self._store.workspace_of(s.id)
        await self._seal(s.id, {resource_id: require(token, "authorization_token")}, owner)
        r.github_repository.updated_at.CopyFrom(to_timestamp(now_us()))
        for i, x in enumerate(s.resources):
            if _resource_id(x) == resource_id:
                s.resources[i].CopyFrom(r)
        await self._store.put_session_body(s, now_us(), ws=ws)
        return r

    async def delete(self, session_id: str, resource_id: str, *, ws: Scope) -> None:
        s = await self._open_session(session_id, ws)
        r = _find(s, resource_id)
        if r.HasField("memory_store"):
            raise errors.InvalidArgument("Memory stores stay attached for the session's life.")
        kept = [x for x in s.resources if _resource_id(x) != resource_id]
        del s.resources[:]
        s.resources.extend(kept)
        await self._store.put_session_body(s, now_us(), ws=ws)
        await self.mounts.unmount(s.id, _mount_path(r))

    async def _open_session(self, session_id: str, ws: Scope) -> session_pb2.Session:
        s = await self._store.get_session(require(session_id, "session_id"), ws=ws)
        if s.HasField("archived_at"):
            raise errors.Conflict(f"Session {s.id!r} is archived; its resources cannot change.")
        return s


def _resource_id(r: session_pb2.SessionResource) -> str:
    kind = r.WhichOneof("type")
    if kind == "memory_store":
        return r.memory_store.memory_store_id
    return getattr(r, kind or "file").id


def _mount_path(r: session_pb2.SessionResource) -> str:
    kind = r.WhichOneof("type")
    return getattr(r, kind or "file").mount_path


def _find(s: session_pb2.Session, resource_id: str) -> session_pb2.SessionResource:
    for r in s.resources:
        if _resource_id(r) == resource_id:
            return r
    raise errors.NotFound(f"No resource with id {resource_id!r} in session {s.id!r}.")
