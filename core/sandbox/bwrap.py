"""Starts a session's shell inside bubblewrap, and ends everything it started.

The launch chain is ``sh`` (joins the session's cgroup) → ``setpriv`` (drops
to the sandbox uid when the server is root) → ``prlimit`` (CPU time, file
size, open files) → ``bwrap`` (namespaces, mounts, seccomp) → ``bash``. Every
step ``exec``s the next, so the shell's pid is bwrap's: killing its process
group kills bwrap, whose PID-namespace init dies with it (``--die-with-parent``)
and takes every process of the sandbox along; the cgroup is killed as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sessiond.core.sandbox.cgroup import Cgroup, CgroupParent
from sessiond.core.sandbox.proxy import Proxy
from sessiond.core.sandbox.settings import NetPolicy, SandboxSettings

log = logging.getLogger(__name__)

# Inside the sandbox. Mount paths for mounted files, memory stores and skills,
# reserved for the issues that mount them: platform.claude.com/docs/en/managed-agents
# "Attach and download files" (/mnt/session/uploads) and "Using agent memory"
# (memory stores mounted as directories, under /mnt/memory/).
WORKDIR = "/workspace"
RESERVED_MOUNTS = ("/mnt/session/uploads", "/mnt/session/outputs", "/mnt/memory", "/mnt/skills")
RUN_DIR = "/run/sessiond"
PACKAGES_DIR = "/opt/sessiond/packages"
PROXY_PORT = 3128
INNER_UID = 1000
INNER_GID = 1000
_PATH = "/usr/local/bin:/usr/bin:/bin"
_ETC = (
    "alternatives",
    "ssl",
    "ca-certificates",
    "ca-certificates.conf",
    "localtime",
    "nsswitch.conf",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "mime.types",
    "bash.bashrc",
    "inputrc",
    "gitconfig",
)
_JOIN = (
    'umask 022; n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; '
    'shift; n=$((n-1)); done; exec "$@"'
)
FORWARD_SOURCE = Path(__file__).with_name("forward.py")


def _memfd(name: str, data: bytes) -> int:
    fd = os.memfd_create(name, 0)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


@dataclass
class Host:
    """What every session's sandbox shares: settings, cgroup parent, filter."""

    settings: SandboxSettings
    bwrap: str
    cgroups: CgroupParent | None
    filter: bytes | None
    root: bool = field(default_factory=lambda: os.geteuid() == 0)
    forward: Path = FORWARD_SOURCE

    @property
    def uid(self) -> int:
        return self.settings.uid if self.root else os.getuid()

    @property
    def gid(self) -> int:
        return self.settings.gid if self.root else os.getgid()


@dataclass
class Launch:
    argv: list[str]
    fds: list[int]


class SessionSandbox:
    """One session's sandbox: its cgroup, its proxy, and how to start its shell."""

    def __init__(
        self,
        host: Host,
        name: str,
        workspace: Path,
        run_dir: Path,
        policy: NetPolicy,
        packages: Path | None = None,
    ) -> None:
        self.host = host
        self.name = name
        self.workspace = workspace
        self.run_dir = run_dir
        self.policy = policy
        self.packages = packages
        self._cgroup: Cgroup | None = None
        self._proxy: Proxy | None = None
        # The session's mounts (host path, sandbox path, read-only), read at
        # each launch: uploaded files, outputs, memory stores, skills (issue 12).
        self.binds: Callable[[], list[tuple[Path, str, bool]]] = list

    async def prepare(self) -> None:
        """Makes the run dir, the cgroup and the proxy (idempotent)."""
        if self._cgroup is None and self.host.cgroups is not None:
            lim = self.host.settings.limits
            self._cgroup = await asyncio.to_thread(
                self.host.cgroups.child, self.name, lim.memory_mb * 2**20, lim.pids
            )
        if self._proxy is None and self.policy.proxied:
            await asyncio.to_thread(self.run_dir.mkdir, mode=0o700, parents=True, exist_ok=True)
            if self.host.root:
                os.chown(self.run_dir, self.host.uid, self.host.gid)
            sock = self.run_dir / "proxy.sock"
            with contextlib.suppress(FileNotFoundError):
                sock.unlink()
            self._proxy = Proxy(self.policy, sock)
            await self._proxy.start()
            os.chmod(sock, 0o666)

    def launch(self, command: list[str]) -> Launch:
        """The argv (and fds to pass) that run ``command`` in this sandbox."""
        host, lim = self.host, self.host.settings.limits
        fds: list[int] = []

        def fd(n: int) -> str:
            fds.append(n)
            return str(n)

        procs = [str(p) for p in self._cgroup.procs_files] if self._cgroup else []
        argv = ["/bin/sh", "-c", _JOIN, "sh", str(len(procs)), *procs]
        if host.root:
            argv += [
                "setpriv",
                f"--reuid={host.uid}",
                f"--regid={host.gid}",
                "--clear-groups",
                "--no-new-privs",
                "--",
            ]
        argv += [
            "prlimit",
            f"--cpu={lim.cpu_seconds}",
            f"--fsize={lim.file_size_mb * 2**20}",
            f"--nofile={lim.open_files}",
            "--core=0",
        ]
        if self._cgroup is None:
            # Without a pids cgroup, fall back to the per-uid process rlimit.
            argv.append(f"--nproc={lim.pids}")
        argv += ["--", host.bwrap]
        argv += ["--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
        argv += ["--unshare-net", "--unshare-cgroup-try", "--die-with-parent", "--new-session"]
        argv += ["--uid", str(INNER_UID), "--gid", str(INNER_GID), "--hostname", "sandbox"]
        for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            p = Path("/") / top
            if p.is_symlink():
                argv += ["--symlink", os.readlink(p), str(p)]
            elif p.is_dir():
                argv += ["--ro-bind", str(p), str(p)]
        argv += ["--ro-bind", "/usr", "/usr"]
        for name in _ETC:
            argv += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        passwd = f"sandbox:x:{INNER_UID}:{INNER_GID}::{WORKDIR}:/bin/bash\n".encode()
        group = f"sandbox:x:{INNER_GID}:\n".encode()
        argv += ["--perms", "0444", "--file", fd(_memfd("passwd", passwd)), "/etc/passwd"]
        argv += ["--perms", "0444", "--file", fd(_memfd("group", group)), "/etc/group"]
        hosts = b"127.0.0.1 localhost sandbox\n"
        argv += ["--perms", "0444", "--file", fd(_memfd("hosts", hosts)), "/etc/hosts"]
        argv += ["--proc", "/proc", "--dev", "/dev"]
        argv += ["--size", str(lim.memory_mb * 2**20), "--tmpfs", "/tmp"]
        argv += ["--tmpfs", "/mnt"]
        for mount in RESERVED_MOUNTS:
            argv += ["--dir", mount]
        ws = os.open(self.workspace, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        argv += ["--bind-fd", fd(ws), WORKDIR, "--chdir", WORKDIR]
        for source, target, read_only in self.binds():
            # bwrap binds it as the sandbox user, so nothing out of that user's
            # reach can be bound; a link planted in its place is not followed.
            try:
                src = os.open(source, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
            except OSError:
                continue  # not made yet (no skills, say)
            argv += ["--ro-bind-fd" if read_only else "--bind-fd", fd(src), target]
        env = {
            "PATH": _PATH,
            "HOME": WORKDIR,
            "USER": "sandbox",
            "LOGNAME": "sandbox",
            "LANG": "C.UTF-8",
            "TERM": "dumb",
            "PAGER": "cat",
            "GIT_PAGER": "cat",
            "TMPDIR": "/tmp",
        }
        if self.packages is not None:
            pkg = os.open(self.packages, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
            argv += ["--ro-bind-fd", fd(pkg), PACKAGES_DIR]
            env["PATH"] = f"{PACKAGES_DIR}/pip/bin:{PACKAGES_DIR}/npm/node_modules/.bin:{_PATH}"
            env["PYTHONPATH"] = f"{PACKAGES_DIR}/pip"
            env["NODE_PATH"] = f"{PACKAGES_DIR}/npm/node_modules"
        inner = command
        if self._proxy is not None:
            run = os.open(self.run_dir, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
            fwd = os.open(host.forward, os.O_PATH | os.O_CLOEXEC)
            argv += ["--ro-bind-fd", fd(run), RUN_DIR, "--ro-bind-fd", fd(fwd), "/run/forward.py"]
            url = f"http://127.0.0.1:{PROXY_PORT}"
            for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
                env[var] = url
            # The forwarder is up before the first command runs.
            start = (
                f"exec 3< <(exec /usr/bin/python3 -I -S /run/forward.py {PROXY_PORT} "
                f'{RUN_DIR}/proxy.sock); read -r _ <&3; exec 3<&-; exec "$@"'
            )
            inner = ["/bin/bash", "--noprofile", "--norc", "-c", start, "bash", *command]
        argv.append("--clearenv")
        for key, value in env.items():
            argv += ["--setenv", key, value]
        if host.filter is not None:
            argv += ["--seccomp", fd(_memfd("seccomp", host.filter))]
        argv += ["--", *inner]
        return Launch(argv, fds)

    async def spawn(self, command: list[str], **kwargs: object) -> asyncio.subprocess.Process:
        await self.prepare()
        launch = self.launch(command)
        try:
            return await asyncio.create_subprocess_exec(
                *launch.argv,
                pass_fds=launch.fds,
                start_new_session=True,
                env={"PATH": os.environ.get("PATH", os.defpath)},
                **kwargs,  # type: ignore[arg-type]
            )
        finally:
            for n in launch.fds:
                os.close(n)

    def kill_now(self) -> None:
        """SIGKILLs whatever is left in the cgroup (one pass; never blocks long)."""
        if self._cgroup is None:
            return
        for pid in self._cgroup.pids():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    async def close(self) -> None:
        """Ends every process, the proxy, and removes the cgroup."""
        if self._proxy is not None:
            await self._proxy.close()
            self._proxy = None
        if self._cgroup is not None:
            group, self._cgroup = self._cgroup, None
            await asyncio.to_thread(group.remove)


def find_bwrap() -> str | None:
    # SESSIOND_SANDBOX_BWRAP names another binary (tests use it to make none available).
    return shutil.which(os.environ.get("SESSIOND_SANDBOX_BWRAP") or "bwrap")


KillHook = Callable[[], None]
