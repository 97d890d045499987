"""The server's sandboxes: chooses the mode at start and makes one per session."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from pathlib import Path

from sessiond.core.sandbox import seccomp
from sessiond.core.sandbox.bwrap import FORWARD_SOURCE, Host, SessionSandbox, find_bwrap
from sessiond.core.sandbox.cgroup import CgroupParent
from sessiond.core.sandbox.fsperm import grant_search
from sessiond.core.sandbox.packages import PackageLayers
from sessiond.core.sandbox.settings import NetPolicy, SandboxSettings

log = logging.getLogger(__name__)

FIX = (
    "install bubblewrap (scripts/setup.sh does: apt-get install bubblewrap) on a host "
    "where user namespaces are enabled, or start the server with --sandbox none "
    "(development only: tools then run unsandboxed)"
)


class Sandboxes:
    """``unavailable`` is set when tools must refuse to run (``auto`` with no sandbox)."""

    def __init__(
        self, settings: SandboxSettings, run_root: Path, host: Host | None, unavailable: str | None
    ) -> None:
        self.settings = settings
        self.run_root = run_root
        self.host = host
        self.unavailable = unavailable
        self.packages: PackageLayers | None = None
        if host is not None:
            self.packages = PackageLayers(host, run_root.parent / "packages", run_root)

    @property
    def enabled(self) -> bool:
        return self.host is not None

    @classmethod
    async def open(cls, settings: SandboxSettings, data_dir: Path) -> Sandboxes:
        run_root = data_dir / "sandbox"
        if settings.mode == "none":
            log.warning(
                "--sandbox none: built-in tools run UNSANDBOXED as the server's own user, "
                "with its files, network and processes in reach; for development only"
            )
            return cls(settings, run_root, None, None)
        host, reason = await _probe(settings, data_dir, run_root)
        if host is None:
            if settings.mode == "bwrap":
                raise SystemExit(f"sessiond: --sandbox bwrap: no sandbox can run: {reason}")
            log.warning("no sandbox can run (%s): built-in tool calls will fail; %s", reason, FIX)
            return cls(settings, run_root, None, f"{reason}; to fix: {FIX}")
        lim = settings.limits
        log.info(
            "tool sandbox: bubblewrap as uid %d, cgroup %s, seccomp %s; limits: memory %d MiB, "
            "%d processes, CPU %d s, file size %d MiB, %d open files",
            host.uid,
            ("v2" if host.cgroups.v2 else "v1") if host.cgroups else "none (rlimits only)",
            "on" if host.filter else "off",
            lim.memory_mb,
            lim.pids,
            lim.cpu_seconds,
            lim.file_size_mb,
            lim.open_files,
        )
        return cls(settings, run_root, host, None)

    async def close(self) -> None:
        """At shutdown, after every session's sandbox is closed."""
        if self.host is not None and self.host.cgroups is not None:
            await asyncio.to_thread(self.host.cgroups.remove)

    def session(self, name: str, workspace: Path, policy: NetPolicy) -> SessionSandbox | None:
        if self.host is None:
            return None
        return SessionSandbox(self.host, name, workspace, self.run_root / name, policy)

    def own(self, path: Path) -> None:
        """Gives ``path`` to the sandbox user (blocking)."""
        if self.host is not None and self.host.root:
            os.chown(path, self.host.uid, self.host.gid)


async def _probe(
    settings: SandboxSettings, data_dir: Path, run_root: Path
) -> tuple[Host | None, str]:
    bwrap = find_bwrap()
    if bwrap is None:
        return None, "bubblewrap (bwrap) is not installed"
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return None, "setpriv (util-linux) is not installed"
    if shutil.which("prlimit") is None:
        return None, "prlimit (util-linux) is not installed"
    cgroups = await asyncio.to_thread(CgroupParent.find)
    host = Host(settings, bwrap, cgroups, seccomp.program())
    if host.root:
        for d in (data_dir, data_dir / "workspaces", data_dir / "packages", run_root):
            await asyncio.to_thread(grant_search, d, host.uid)
    await asyncio.to_thread(run_root.mkdir, mode=0o700, parents=True, exist_ok=True)
    # The forwarder script, where the sandbox uid can read it.
    forward = run_root / "forward.py"
    await asyncio.to_thread(shutil.copyfile, FORWARD_SOURCE, forward)
    os.chmod(forward, 0o644)
    host.forward = forward
    probe_ws = run_root / "probe"
    await asyncio.to_thread(probe_ws.mkdir, exist_ok=True)
    if host.root:
        os.chown(probe_ws, host.uid, host.gid)
    box = SessionSandbox(host, "probe", probe_ws, run_root / "probe-run", NetPolicy())
    try:
        proc = await box.spawn(
            ["/bin/sh", "-c", "echo ok > probe && cat probe"],
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    except (OSError, TimeoutError) as e:
        return None, f"bubblewrap could not start: {e}"
    finally:
        await box.close()
        await asyncio.to_thread(shutil.rmtree, probe_ws, True)
    if proc.returncode != 0 or out.strip() != b"ok":
        why = err.decode(errors="replace").strip().splitlines()
        return None, f"bubblewrap failed: {why[-1] if why else f'exit {proc.returncode}'}"
    return host, ""
