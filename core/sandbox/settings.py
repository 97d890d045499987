"""What a sandbox may do: the server's mode and limits, an environment's network."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

MODES = ("auto", "bwrap", "none")

# Hosts of the public package registries, reachable under `limited` networking
# with `allow_package_managers` (anthropic types BetaLimitedNetwork: "public
# package registries (PyPI, npm, etc.)").
PACKAGE_MANAGER_HOSTS = (
    "pypi.org",
    "files.pythonhosted.org",
    "registry.npmjs.org",
    "registry.yarnpkg.com",
    "deb.debian.org",
    "security.debian.org",
    "crates.io",
    "static.crates.io",
    "index.crates.io",
    "rubygems.org",
    "proxy.golang.org",
    "sum.golang.org",
)


def _int_env(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"sessiond: {name}={raw!r} is not a whole number") from None
    if value <= 0:
        raise SystemExit(f"sessiond: {name} must be positive, got {value}")
    return value


@dataclass(frozen=True)
class Limits:
    """Per-session limits (README "Sandbox"). Memory and processes are counted
    over the whole session by a cgroup; CPU time, file size and open files are
    rlimits of each process."""

    memory_mb: int = 1024
    pids: int = 256
    cpu_seconds: int = 600
    file_size_mb: int = 1024
    open_files: int = 1024

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        env = os.environ if env is None else env
        d = cls()
        return cls(
            memory_mb=_int_env(env, "SESSIOND_SANDBOX_MEMORY_MB", d.memory_mb),
            pids=_int_env(env, "SESSIOND_SANDBOX_PIDS", d.pids),
            cpu_seconds=_int_env(env, "SESSIOND_SANDBOX_CPU_SECONDS", d.cpu_seconds),
            file_size_mb=_int_env(env, "SESSIOND_SANDBOX_FILE_SIZE_MB", d.file_size_mb),
            open_files=_int_env(env, "SESSIOND_SANDBOX_OPEN_FILES", d.open_files),
        )


@dataclass(frozen=True)
class NetPolicy:
    """An environment's networking. ``kind``: "none", "unrestricted" or "limited"."""

    kind: str = "none"
    allowed_hosts: tuple[str, ...] = ()
    allow_package_managers: bool = False
    allow_mcp_servers: bool = False
    mcp_hosts: tuple[str, ...] = ()

    @property
    def proxied(self) -> bool:
        return self.kind == "unrestricted" or bool(self.hosts())

    def hosts(self) -> tuple[str, ...]:
        """Hosts a `limited` sandbox may reach (lower case, maybe with ``:port``)."""
        hosts = list(self.allowed_hosts)
        if self.allow_package_managers:
            hosts += PACKAGE_MANAGER_HOSTS
        if self.allow_mcp_servers:
            hosts += self.mcp_hosts
        return tuple(h.strip().lower() for h in hosts if h.strip())

    def allows_packages(self) -> bool:
        return self.kind == "unrestricted" or self.allow_package_managers


@dataclass(frozen=True)
class SandboxSettings:
    mode: str = "auto"
    limits: Limits = field(default_factory=Limits)
    # The unprivileged uid/gid sandboxes run as when the server is root.
    uid: int = 61000
    gid: int = 61000

    @classmethod
    def from_env(cls, mode: str, env: Mapping[str, str] | None = None) -> SandboxSettings:
        env = os.environ if env is None else env
        if mode not in MODES:
            raise SystemExit(f"sessiond: --sandbox must be one of {', '.join(MODES)}")
        uid = _int_env(env, "SESSIOND_SANDBOX_UID", 61000)
        gid = _int_env(env, "SESSIOND_SANDBOX_GID", uid)
        return cls(mode=mode, limits=Limits.from_env(env), uid=uid, gid=gid)
