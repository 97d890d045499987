"""What a session's tools see at the docs' paths, materialized under its workspace.

Paths (docs, managed-agents "Adding files", "Accessing GitHub", "Using agent memory"):
- ``/mnt/session/uploads/<mount_path>``: file resources, read-only;
- ``/mnt/session/outputs``: what the agent leaves there becomes files of the
  session (``scope.id`` = the session), collected after every tool call;
- ``/mnt/memory/<store>``: attached memory stores; the agent's changes become
  memory versions after every tool call (``read_only`` stores refuse them);
- ``/workspace/<repo>``: repository checkouts (``/workspace`` is the workspace).

On the host they live at ``<workspace>/.mnt/…`` and ``<workspace>/…``.
:meth:`Mounts.binds` lists them as (host path, sandbox path, read-only) for a
sandbox to bind; unsandboxed, :class:`MountedToolbox` rewrites the docs' paths
in tool inputs to the host paths.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sessiond.core import errors
from sessiond.core.services.files import FileService
from sessiond.core.services.memory import MAX_MEMORY_BYTES, sha256_text
from sessiond.core.store.base import INTERNAL
from sessiond.core.store.memory import MemoryStoreStore, Mutation, PathConflict, PreconditionFailed
from sessiond.core.timeutil import now_us
from sessiond.v1 import session_pb2

log = logging.getLogger(__name__)

UPLOADS = "/mnt/session/uploads"
OUTPUTS = "/mnt/session/outputs"
MEMORY = "/mnt/memory"
WORKSPACE = "/workspace"
# docs "Agent Skills" (agents-and-tools/agent-skills/overview): a skill's
# directory is at /skills/<directory> in the container.
SKILLS = "/skills"
_PATHS = re.compile(
    r"(?<![\w./-])(/mnt/session/uploads|/mnt/session/outputs|/mnt/memory|/workspace|/skills)"
    r"(?![\w.-])"
)
_PATH_ARGS = ("file_path", "path", "pattern")
_WRITING = ("write", "edit")


def host_path(workspace: Path, docs_path: str) -> Path:
    """Where a docs path lives on the host, for a session whose workspace is ``workspace``."""
    if docs_path == WORKSPACE or docs_path.startswith(WORKSPACE + "/"):
        return workspace / docs_path[len(WORKSPACE) :].lstrip("/")
    if docs_path == SKILLS or docs_path.startswith(SKILLS + "/"):
        return workspace / ".mnt" / docs_path.lstrip("/")
    return workspace / ".mnt" / docs_path.removeprefix("/mnt/").lstrip("/")


def rewrite(text: str, workspace: Path) -> str:
    """The docs' absolute paths in ``text`` replaced by their host paths."""
    return _PATHS.sub(lambda m: str(host_path(workspace, m.group(1))), text)


@dataclass
class _Attached:
    store_id: str
    directory: Path
    read_only: bool
    # path in the store -> sha256 of what the session last saw there.
    seen: dict[str, str] = field(default_factory=dict)


@dataclass
class _State:
    stores: list[_Attached] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    ready: bool = False
    session: session_pb2.Session | None = None
    # What the system prompt says of the mounts (memory stores, skills).
    notes: str = ""


class Mounts:
    def __init__(
        self,
        root: Path,
        files: FileService,
        memory: MemoryStoreStore,
        get_session: Callable[[str], Awaitable[session_pb2.Session]],
        github_base: str = "",
    ) -> None:
        self.root = root
        self.session_of = get_session
        self.github_base = github_base
        self.tokens_of: Callable[[str], Awaitable[dict[str, str]]] = _no_tokens
        self.skills: Any = None  # the SkillService
        # The workspace a session belongs to (its outputs and skills are that one's).
        self.workspace_of: Callable[[str], Awaitable[str]] = _no_workspace
        self._files = files
        self._memory = memory
        self._state: dict[str, _State] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def workspace(self, session_id: str) -> Path:
        return self.root / session_id

    def binds(self, session: session_pb2.Session) -> list[tuple[Path, str, bool]]:
        """(host path, sandbox path, read-only) for each mount of ``session``."""
        ws = self.workspace(session.id)
        out: list[tuple[Path, str, bool]] = [
            (host_path(ws, UPLOADS), UPLOADS, True),
            (host_path(ws, OUTPUTS), OUTPUTS, False),
            (host_path(ws, SKILLS), SKILLS, True),
        ]
        for res in session.resources:
            if res.HasField("memory_store") and res.memory_store.mount_path:
                m = res.memory_store
                ro = m.access == session_pb2.MEMORY_STORE_ACCESS_READ_ONLY
                out.append((host_path(ws, m.mount_path), m.mount_path, ro))
        return out

    def read_only_binds(self, session_id: str) -> list[tuple[Path, str, bool]]:
        state = self._state.get(session_id)
        if state is None or state.session is None:
            return []
        return [b for b in self.binds(state.session) if b[2]]

    def _lock(self, session_id: str) -> asyncio.Lock:
        return self._locks.setdefault(session_id, asyncio.Lock())

    async def prepare(
        self,
        session: session_pb2.Session,
        tokens: dict[str, str] | None = None,
        *,
        files_only: bool = False,
    ) -> None:
        """Materializes every resource of ``session`` (idempotent)."""
        async with self._lock(session.id):
            state = self._state.setdefault(session.id, _State())
            ws = self.workspace(session.id)
            await asyncio.to_thread(_mkdirs, ws)
            attached: list[_Attached] = []
            for res in session.resources:
                kind = res.WhichOneof("type")
                if kind == "file":
                    await self.mount_file(ws, res.file)
                elif files_only:
                    continue
                elif kind == "github_repository":
                    await self._clone(
                        ws, res.github_repository, (tokens or {}).get(res.github_repository.id)
                    )
                elif kind == "memory_store":
                    attached.append(await self._mount_memory(ws, res.memory_store))
            if not state.ready and not files_only:
                state.notes = _memory_notes(session) + await self._mount_skills(ws, session)
                state.stores = attached
                state.ready = True
            state.session = session

    async def ensure(self, session_id: str) -> None:
        """Mounts what is missing before a tool call or a model request (resources
        may have been added through another replica; memory stores, skills and
        repositories are mounted once)."""
        session = await self.session_of(session_id)
        if session_id in self._state:
            await self.prepare(session, files_only=True)
        else:
            await self.prepare(session, await self.tokens_of(session_id))

    async def system_notes(self, session_id: str) -> str:
        """The system prompt's addition for the session's memory stores and skills
        (mounted on this replica's first request of the session; then cached)."""
        state = self._state.get(session_id)
        if state is None:
            await self.ensure(session_id)
            state = self._state.get(session_id)
        return state.notes if state is not None else ""

    async def _mount_skills(self, ws: Path, session: session_pb2.Session) -> str:
        lines: list[str] = []
        for skill in session.agent.skills:
            if skill.WhichOneof("type") != "custom" or self.skills is None:
                continue
            ref = skill.custom
            bundle = await self.skills.get_version(
                ref.skill_id, ref.version or "latest", await self.workspace_of(session.id)
            )
            await asyncio.to_thread(_unzip, bundle.zip, host_path(ws, SKILLS))
            v = bundle.version
            lines.append(f"- {v.name} ({SKILLS}/{bundle.directory}/SKILL.md): {v.description}")
        if not lines:
            return ""
        return (
            "\n\nSkills are available under /skills. When a task matches a skill's "
            "description, read its SKILL.md first and follow it:\n" + "\n".join(lines)
        )

    async def mount_file(self, ws: Path, f: session_pb2.FileResource) -> None:
        row = await self._files.get(f.file_id, INTERNAL)
        target = host_path(ws, f.mount_path)
        if await asyncio.to_thread(target.exists):
            return
        source = await self._files.blobs.path(row.sha256)
        await asyncio.to_thread(_copy_read_only, source, target)

    async def unmount(self, session_id: str, docs_path: str) -> None:
        target = host_path(self.workspace(session_id), docs_path)
        await asyncio.to_thread(_remove, target)

    async def _clone(
        self, ws: Path, r: session_pb2.GitHubRepositoryResource, token: str | None
    ) -> None:
        from sessiond.core import git

        target = host_path(ws, r.mount_path)
        if await asyncio.to_thread((target / ".git").exists):
            return
        kind = r.checkout.WhichOneof("type")
        await git.clone(
            git.remote_url(r.url, self.github_base),
            target,
            token,
            branch=r.checkout.branch.name if kind == "branch" else "",
            commit=r.checkout.commit.sha if kind == "commit" else "",
        )

    async def _mount_memory(self, ws: Path, m: session_pb2.MemoryStoreResource) -> _Attached:
        directory = host_path(ws, m.mount_path)
        memories = await self._memory.all_memories(m.memory_store_id)
        att = _Attached(
            m.memory_store_id, directory, m.access == session_pb2.MEMORY_STORE_ACCESS_READ_ONLY
        )
        files = {mem.path: mem.content for mem in memories}
        await asyncio.to_thread(_write_tree, directory, files)
        att.seen = {mem.path: mem.content_sha256 for mem in memories}
        return att

    # ---------------------------------------------------------------- after a tool call

    async def sync(self, session_id: str) -> list[str]:
        """Turns the agent's memory changes into versions and its outputs into files;
        returns notes for the agent (refused or conflicting changes)."""
        state = self._state.get(session_id)
        if state is None:
            return []
        notes: list[str] = []
        async with self._lock(session_id):
            for att in state.stores:
                notes += await self._sync_store(session_id, att)
            await self._collect_outputs(session_id, state)
        return notes

    async def _sync_store(self, session_id: str, att: _Attached) -> list[str]:
        now = await asyncio.to_thread(_read_tree, att.directory)
        notes: list[str] = []
        changed = {p for p, c in now.items() if att.seen.get(p) != sha256_text(c)}
        gone = set(att.seen) - set(now)
        if att.read_only:
            if changed or gone:
                current = {m.path: m.content for m in await self._memory.all_memories(att.store_id)}
                await asyncio.to_thread(_reset_tree, att.directory, current)
                att.seen = {p: sha256_text(c) for p, c in current.items()}
                notes.append(
                    f"[memory store {att.store_id} is read-only: changes to "
                    f"{', '.join(sorted(changed | gone))} were discarded]"
                )
            return notes
        who = Mutation(now_us(), session_id)
        by_path = {m.path: m for m in await self._memory.all_memories(att.store_id)}
        for path in sorted(changed):
            content = now[path]
            sha = sha256_text(content)
            if len(content.encode()) > MAX_MEMORY_BYTES:
                notes.append(f"[memory {path}: over {MAX_MEMORY_BYTES} bytes, not saved]")
                continue
            try:
                existing = by_path.get(path)
                if existing is None:
                    await self._memory.create_memory(att.store_id, path, content, sha, who)
                else:
                    await self._memory.update_memory(
                        att.store_id,
                        existing.id,
                        who,
                        content=content,
                        sha256=sha,
                        path=None,
                        expect_sha256=att.seen.get(path, existing.content_sha256),
                    )
                att.seen[path] = sha
            except (PathConflict, PreconditionFailed):
                # Another session changed it since this one read it: keep both.
                kept = f"{path}.conflict-{session_id}"
                try:
                    await self._memory.create_memory(att.store_id, kept, content, sha, who)
                except PathConflict:
                    mem = await self._memory.all_memories(att.store_id)
                    cur = next(m for m in mem if m.path == kept)
                    await self._memory.update_memory(
                        att.store_id,
                        cur.id,
                        who,
                        content=content,
                        sha256=sha,
                        path=None,
                        expect_sha256=None,
                    )
                notes.append(
                    f"[memory {path} was changed by another session meanwhile; "
                    f"your version was saved as {kept}]"
                )
                att.seen[kept] = sha
        for path in sorted(gone):
            existing = by_path.get(path)
            att.seen.pop(path, None)
            if existing is None:
                continue
            try:
                await self._memory.delete_memory(
                    att.store_id, existing.id, who, att.seen.get(path, existing.content_sha256)
                )
            except PreconditionFailed:
                notes.append(f"[memory {path} was changed by another session; not deleted]")
        return notes

    async def _collect_outputs(self, session_id: str, state: _State) -> None:
        outputs = host_path(self.workspace(session_id), OUTPUTS)
        found = await asyncio.to_thread(_hash_tree, outputs)
        if not state.outputs:
            for row in await self._files.session_files(session_id):
                state.outputs[row.file.filename] = row.sha256
        for name, (sha, size) in sorted(found.items()):
            if state.outputs.get(name) == sha:
                continue
            data = await asyncio.to_thread((outputs / name).read_bytes)
            if len(data) != size:
                continue
            import mimetypes

            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            owner = await self.workspace_of(session_id)
            await self._files.store_bytes(name, mime, data, ws=owner, scope_id=session_id)
            state.outputs[name] = sha

    def repositories(self, session_id: str) -> list[Path]:
        """Where the session's repositories are checked out, on the host."""
        state = self._state.get(session_id)
        if state is None or state.session is None:
            return []
        ws = self.workspace(session_id)
        return [
            host_path(ws, r.github_repository.mount_path)
            for r in state.session.resources
            if r.HasField("github_repository")
        ]

    def sandbox_binds(self, session_id: str) -> list[tuple[Path, str, bool]]:
        """What a sandbox of the session binds (host path, sandbox path, read-only);
        none until the session's mounts are prepared on this replica."""
        state = self._state.get(session_id)
        if state is None or state.session is None:
            return []
        return self.binds(state.session)

    def wrap(
        self,
        session_id: str,
        box: Any,
        *,
        sandboxed: bool = False,
        owner: tuple[int, int] | None = None,
    ) -> MountedToolbox:
        return MountedToolbox(self, session_id, box, sandboxed=sandboxed, owner=owner)

    def forget(self, session_id: str) -> None:
        self._state.pop(session_id, None)
        self._locks.pop(session_id, None)


class MountedToolbox:
    """A session's toolbox with its mounts prepared before each call and synced
    after it; everything else is the toolbox's own.

    The file tools run on the host, so the docs' paths in their arguments are
    mapped to the host's. ``bash`` runs in the sandbox when ``sandboxed`` (the
    mounts are bound at the docs' paths there: :meth:`Mounts.binds`); without
    a sandbox its command is rewritten too. ``owner`` (uid, gid) receives the
    writable mounts, so that the sandbox user can write them."""

    def __init__(
        self,
        mounts: Mounts,
        session_id: str,
        box: Any,
        *,
        sandboxed: bool = False,
        owner: tuple[int, int] | None = None,
    ) -> None:
        self._mounts = mounts
        self._sid = session_id
        self._box = box
        self._sandboxed = sandboxed
        self._owner = owner
        self._owned: set[Path] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._box, name)

    async def run(self, name: str, input: dict[str, Any]) -> Any:
        from sessiond.core.runtime.tools.output import ToolOutput

        ws = self._mounts.workspace(self._sid)
        try:
            await self._mounts.ensure(self._sid)
        except errors.SessiondError as e:
            return ToolOutput(f"the session's resources could not be mounted: {e}", True)
        if self._owner is not None:
            await self._give_writable()
        args = dict(input)
        if name == "bash" and not self._sandboxed and isinstance(args.get("command"), str):
            args["command"] = rewrite(args["command"], ws)
        for key in _PATH_ARGS:
            if isinstance(args.get(key), str):
                args[key] = rewrite(args[key], ws)
        if name in _WRITING and isinstance(args.get("file_path"), str):
            target = Path(args["file_path"])
            for host, docs, ro in self._mounts.read_only_binds(self._sid):
                if ro and (target == host or target.is_relative_to(host)):
                    return ToolOutput(
                        f"{input.get('file_path')}: {docs} is mounted read-only", True
                    )
        out = await self._box.run(name, args)
        notes = await self._mounts.sync(self._sid)
        if notes:
            out = ToolOutput("\n".join([out.text, *notes]), out.is_error)
        return out

    async def _give_writable(self) -> None:
        """Lets the sandbox user reach the mounts the server wrote (it writes with
        umask 077): the read-only ones stay the server's, readable by all (again
        on every call: files are added and memory is reset); the writable ones
        and the repositories are handed to the sandbox user, once."""
        assert self._owner is not None
        ws = self._mounts.workspace(self._sid)
        binds = self._mounts.sandbox_binds(self._sid)
        repos = self._mounts.repositories(self._sid)
        readable: list[Path] = []
        for host, _docs, ro in binds:
            if ro:
                readable.append(host)
            elif host not in self._owned:
                await asyncio.to_thread(_chown_tree, host, self._owner)
                self._owned.add(host)
        for host in repos:
            if host not in self._owned and await asyncio.to_thread((host / ".git").exists):
                await asyncio.to_thread(_chown_tree, host, self._owner)
                self._owned.add(host)
        reach = [b[0] for b in binds] + repos
        await asyncio.to_thread(_open_up, ws, reach, readable)


def _open_up(ws: Path, reach: list[Path], readable: list[Path]) -> None:
    """Search on the directories from ``ws`` down to each mount in ``reach``,
    and read on everything under the ``readable`` ones; never through a symlink."""
    import os
    import stat

    def add(path: Path | str, bits: int) -> None:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode) or st.st_mode & bits == bits:
            return
        os.chmod(path, stat.S_IMODE(st.st_mode) | bits, follow_symlinks=False)

    for mount in reach:
        if not mount.exists() or not mount.is_relative_to(ws):
            continue
        for parent in reversed(mount.relative_to(ws).parents):
            if parent != Path("."):
                add(ws / parent, 0o001)
    for root in readable:
        if not root.exists() or root.is_symlink():
            continue
        add(root, 0o005)
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames:
                add(os.path.join(dirpath, name), 0o005)
            for name in filenames:
                add(os.path.join(dirpath, name), 0o004)


def _chown_tree(top: Path, owner: tuple[int, int]) -> None:
    """chowns ``top`` and everything under it, never following a symlink."""
    import os

    if not top.exists():
        return
    uid, gid = owner
    os.chown(top, uid, gid, follow_symlinks=False)
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)


def _memory_notes(session: session_pb2.Session) -> str:
    lines = []
    for res in session.resources:
        if not res.HasField("memory_store"):
            continue
        m = res.memory_store
        ro = m.access == session_pb2.MEMORY_STORE_ACCESS_READ_ONLY
        line = f"- {m.mount_path} ({'read-only' if ro else 'read-write'}): {m.name}"
        if m.description:
            line += f": {m.description}"
        if m.instructions:
            line += f"\n  {m.instructions}"
        lines.append(line)
    if not lines:
        return ""
    return (
        "\n\nMemory stores are mounted as directories; read them for what earlier "
        "sessions learned and keep them up to date with your file tools:\n" + "\n".join(lines)
    )


def _unzip(archive: bytes, target: Path) -> None:
    import io
    import zipfile

    target.mkdir(parents=True, exist_ok=True)
    root = target.resolve()
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        for info in z.infolist():
            dest = (target / info.filename).resolve()
            if info.is_dir() or not dest.is_relative_to(root):
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(z.read(info))


async def _no_workspace(session_id: str) -> str:
    raise errors.NotFound(f"No session with id {session_id!r}.")


async def _no_tokens(session_id: str) -> dict[str, str]:
    return {}


def _mkdirs(ws: Path) -> None:
    for docs in (UPLOADS, OUTPUTS, MEMORY):
        host_path(ws, docs).mkdir(parents=True, exist_ok=True)


def _copy_read_only(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, tmp)
    tmp.chmod(0o444)
    tmp.replace(target)


def _remove(target: Path) -> None:
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target, ignore_errors=True)
    else:
        target.unlink(missing_ok=True)


def _write_tree(directory: Path, files: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for path, content in files.items():
        target = directory / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)


def _reset_tree(directory: Path, files: dict[str, str]) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    _write_tree(directory, files)


def _read_tree(directory: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if not directory.is_dir():
        return out
    for p in directory.rglob("*"):
        if p.is_file() and not p.is_symlink():
            try:
                out["/" + p.relative_to(directory).as_posix()] = p.read_text()
            except (UnicodeDecodeError, OSError):
                continue
    return out


def _hash_tree(directory: Path) -> dict[str, tuple[str, int]]:
    import hashlib

    out: dict[str, tuple[str, int]] = {}
    if not directory.is_dir():
        return out
    for p in directory.rglob("*"):
        if p.is_file() and not p.is_symlink():
            data = p.read_bytes()
            out[p.relative_to(directory).as_posix()] = (hashlib.sha256(data).hexdigest(), len(data))
    return out
