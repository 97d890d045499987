"""One workspace directory and one toolbox (with its persistent shell and its
sandbox) per session, kept until the session is deleted or the server stops.
A deleted session's workspace is removed with it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sessiond.core.sandbox.settings import NetPolicy

if TYPE_CHECKING:
    from sessiond.core.mounts import Mounts
    from sessiond.core.sandbox.manager import Sandboxes
    from sessiond.v1 import environment_pb2, session_pb2

log = logging.getLogger(__name__)

# Loads what a session's sandbox depends on: (session, its environment).
SessionLookup = Callable[
    [str], Awaitable[tuple["session_pb2.Session", "environment_pb2.Environment"]]
]


def builtin_schemas() -> dict[str, dict[str, Any]]:
    from sessiond.core.runtime import tools

    schemas = getattr(tools, "SCHEMAS", None) or getattr(tools.Toolbox, "SCHEMAS", {})
    return dict(schemas)


def net_policy(
    session: session_pb2.Session | None, env: environment_pb2.Environment | None
) -> NetPolicy:
    """The network an environment's config allows (none when it says nothing)."""
    if env is None or not env.config.HasField("cloud"):
        return NetPolicy()
    net = env.config.cloud.networking
    kind = net.WhichOneof("type")
    if kind == "unrestricted":
        return NetPolicy(kind="unrestricted")
    if kind != "limited":
        return NetPolicy()
    mcp = tuple(
        urlsplit(m.url).hostname or ""
        for m in (session.agent.mcp_servers if session is not None else [])
    )
    return NetPolicy(
        kind="limited",
        allowed_hosts=tuple(net.limited.allowed_hosts),
        allow_package_managers=net.limited.allow_package_managers,
        allow_mcp_servers=net.limited.allow_mcp_servers,
        mcp_hosts=tuple(h for h in mcp if h),
    )


class Workspaces:
    def __init__(
        self,
        root: Path,
        *,
        sandboxes: Sandboxes | None = None,
        lookup: SessionLookup | None = None,
        mounts: Mounts | None = None,
    ) -> None:
        self._root = root
        self._sandboxes = sandboxes
        self._lookup = lookup
        # Issue 12: the session's files, repositories, memory stores and skills.
        self._mounts = mounts
        self._boxes: dict[str, Any] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def toolbox(self, session_id: str) -> Any:
        box = self._boxes.get(session_id)
        if box is not None:
            return box
        # One lock per session: making a toolbox may install packages, which must
        # not hold up other sessions.
        lock = self._locks.setdefault(session_id, asyncio.Lock())
        async with lock:
            box = self._boxes.get(session_id)
            if box is None:
                box = self._boxes[session_id] = await self._make(session_id)
        return box

    async def _make(self, session_id: str) -> Any:
        from sessiond.core.runtime.tools import Toolbox, Workspace

        path = self._root / session_id
        await asyncio.to_thread(path.mkdir, mode=0o700, parents=True, exist_ok=True)
        sb = self._sandboxes
        if sb is None or not sb.enabled:
            unavailable = sb.unavailable if sb is not None else None
            plain = Toolbox(Workspace(path), unavailable=unavailable)
            # No sandbox: the docs' paths are rewritten to the host's.
            return self._mounted(session_id, plain, sandboxed=False)
        await asyncio.to_thread(sb.own, path)
        policy = NetPolicy()
        env = None
        if self._lookup is not None:
            try:
                session, env = await self._lookup(session_id)
                policy = net_policy(session, env)
            except Exception:
                log.exception("cannot read the environment of session %s; no network", session_id)
        assert sb.host is not None
        owner = (sb.host.uid, sb.host.gid) if sb.host.root else None
        from sessiond.core.sandbox.bwrap import WORKDIR
        from sessiond.core.sandbox.packages import PackageError

        ws = Workspace(path, alias=WORKDIR, owner=owner)
        box = sb.session(session_id, path, policy)
        try:
            if env is not None and box is not None and sb.packages is not None:
                box.packages = await sb.packages.layer(env, policy)
        except PackageError as e:
            return Toolbox(ws, unavailable=str(e))
        if box is not None and self._mounts is not None:
            mounts = self._mounts
            box.binds = lambda: mounts.sandbox_binds(session_id)
        return self._mounted(session_id, Toolbox(ws, sandbox=box), sandboxed=True, owner=owner)

    def _mounted(
        self,
        session_id: str,
        box: Any,
        *,
        sandboxed: bool,
        owner: tuple[int, int] | None = None,
    ) -> Any:
        if self._mounts is None:
            return box
        return self._mounts.wrap(session_id, box, sandboxed=sandboxed, owner=owner)

    async def close(self, session_id: str | None) -> None:
        """Closes one deleted session's toolbox and removes its workspace, or
        closes all of them (None: the server stops; workspaces stay)."""
        ids = list(self._boxes) if session_id is None else [session_id]
        for sid in ids:
            box = self._boxes.pop(sid, None)
            self._locks.pop(sid, None)
            if box is not None:
                with contextlib.suppress(Exception):
                    await box.close()
        if session_id is None:
            if self._sandboxes is not None:
                await self._sandboxes.close()
        else:
            path = self._root / session_id
            await asyncio.to_thread(shutil.rmtree, path, True)
            if self._mounts is not None:
                self._mounts.forget(session_id)  # its mounts went with the workspace
            if self._sandboxes is not None:
                run = self._sandboxes.run_root / session_id
                await asyncio.to_thread(shutil.rmtree, run, True)
