"""One cgroup per session sandbox, for its memory and process count.

cgroup v2 when the unified hierarchy is mounted with both controllers, else
v1 (``memory`` and ``pids`` hierarchies). Each session's group is a child of
the server's own group. Killing a group kills every process in it (v2:
``cgroup.kill``; v1: SIGKILL to every listed pid until the list is empty).
All methods are blocking; callers run them in a thread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from pathlib import Path

log = logging.getLogger(__name__)

ROOT = Path("/sys/fs/cgroup")


def _own_paths() -> dict[str, str]:
    """Controller (or "" for v2) → this process's group path."""
    out: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, ctrls, path = line.split(":", 2)
            for c in ctrls.split(",") if ctrls else [""]:
                out[c] = path
    return out


class CgroupParent:
    """Where session groups are made; ``None`` from :meth:`find` when nowhere."""

    def __init__(self, dirs: dict[str, Path], v2: bool) -> None:
        self.dirs = dirs  # "memory"/"pids" (v1) or "" (v2) → parent directory
        self.v2 = v2

    @classmethod
    def find(cls, name: str | None = None) -> CgroupParent | None:
        """This server's parent group, ``sessiond-<pid>`` beside the server's own
        group; groups left by servers that died are emptied and removed first."""
        name = name or f"sessiond-{os.getpid()}"
        own = _own_paths()
        unified = ROOT / "cgroup.controllers"
        try:
            if unified.exists():
                ctrls = unified.read_text().split()
                if "memory" in ctrls and "pids" in ctrls:
                    base = ROOT / own.get("", "/").lstrip("/")
                    return cls._make({"": base / name}, v2=True)
            dirs = {}
            for ctrl in ("memory", "pids"):
                mount = ROOT / ctrl
                if not (mount / "cgroup.procs").exists():
                    return None
                dirs[ctrl] = mount / own.get(ctrl, "/").lstrip("/") / name
            return cls._make(dirs, v2=False)
        except OSError as e:
            log.warning("cgroups are not usable here (%s); limits use rlimits only", e)
            return None

    @classmethod
    def _make(cls, dirs: dict[str, Path], v2: bool) -> CgroupParent | None:
        for d in dirs.values():
            _sweep_dead(d.parent)
            d.mkdir(exist_ok=True)
            if not os.access(d / "cgroup.procs", os.W_OK):
                return None
        if v2:
            # Children may only use controllers the parent delegates.
            with contextlib.suppress(OSError):
                (dirs[""] / "cgroup.subtree_control").write_text("+memory +pids")
        return cls(dirs, v2)

    def remove(self) -> None:
        """Removes this server's (empty) parent groups."""
        for d in self.dirs.values():
            with contextlib.suppress(OSError):
                d.rmdir()

    def child(self, name: str, memory_bytes: int, pids: int) -> Cgroup:
        dirs = {k: d / name for k, d in self.dirs.items()}
        group = Cgroup(dirs, self.v2)
        group.create(memory_bytes, pids)
        return group


class Cgroup:
    def __init__(self, dirs: dict[str, Path], v2: bool) -> None:
        self.dirs = dirs
        self.v2 = v2

    @property
    def procs_files(self) -> list[Path]:
        return [d / "cgroup.procs" for d in self.dirs.values()]

    def create(self, memory_bytes: int, pids: int) -> None:
        for d in self.dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        if self.v2:
            d = self.dirs[""]
            (d / "memory.max").write_text(str(memory_bytes))
            with contextlib.suppress(OSError):
                (d / "memory.swap.max").write_text("0")
            (d / "pids.max").write_text(str(pids))
        else:
            mem = self.dirs["memory"]
            (mem / "memory.limit_in_bytes").write_text(str(memory_bytes))
            with contextlib.suppress(OSError):
                (mem / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
            (self.dirs["pids"] / "pids.max").write_text(str(pids))

    def pids(self) -> set[int]:
        found: set[int] = set()
        for f in self.procs_files:
            with contextlib.suppress(OSError):
                found.update(int(p) for p in f.read_text().split())
        return found

    def kill(self) -> None:
        """Kills every process in the group and waits (briefly) until it is empty."""
        if self.v2:
            with contextlib.suppress(OSError):
                (self.dirs[""] / "cgroup.kill").write_text("1")
        deadline = time.monotonic() + 5
        while True:
            left = self.pids()
            if not left or time.monotonic() > deadline:
                break
            for pid in left:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def remove(self) -> None:
        self.kill()
        for d in self.dirs.values():
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)  # killed processes are still being reaped


def _sweep_dead(parent: Path) -> None:
    """Kills and removes ``sessiond-<pid>`` groups whose server is gone."""
    with contextlib.suppress(OSError):
        for d in parent.glob("sessiond-*"):
            pid = d.name.removeprefix("sessiond-")
            if not pid.isdigit() or Path(f"/proc/{pid}").exists():
                continue
            for child in [c for c in d.iterdir() if c.is_dir()]:
                Cgroup({"": child}, v2=False).remove()
            with contextlib.suppress(OSError):
                d.rmdir()
