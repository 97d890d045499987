"""An environment's `packages`, installed once per environment version into a
cached layer that its sessions' sandboxes mount read-only.

pip (``pip install --target``) and npm (``npm install --prefix``) run inside a
sandbox of their own with the environment's network policy: under `limited`
networking only with ``allow_package_managers`` (anthropic types
BetaLimitedNetwork) or hosts listed in ``allowed_hosts``. apt needs root in the
sandbox, which it never has: an environment asking for apt packages gets a
clear error, as do cargo, gem and go (not supported here).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shlex
import shutil
from pathlib import Path

from sessiond.core.sandbox.bwrap import WORKDIR, Host, SessionSandbox
from sessiond.core.sandbox.settings import NetPolicy
from sessiond.v1 import environment_pb2

log = logging.getLogger(__name__)

INSTALL_TIMEOUT_S = 900.0
_UNSUPPORTED = ("cargo", "gem", "go")


class PackageError(Exception):
    """The environment's packages cannot be installed; the message says why and what to do."""


def wanted(env: environment_pb2.Environment) -> environment_pb2.Packages | None:
    if not env.config.HasField("cloud"):
        return None
    pkgs = env.config.cloud.packages
    if not any(getattr(pkgs, f) for f in ("apt", "cargo", "gem", "go", "npm", "pip")):
        return None
    return pkgs


def layer_key(env_id: str, pkgs: environment_pb2.Packages) -> str:
    """One layer per environment and package list (a new version of either is a new layer)."""
    digest = hashlib.sha256(pkgs.SerializeToString(deterministic=True)).hexdigest()[:16]
    return f"{env_id}-{digest}"


def _script(pkgs: environment_pb2.Packages) -> str:
    steps = ["set -e"]
    if pkgs.pip:
        args = " ".join(shlex.quote(p) for p in pkgs.pip)
        steps.append(
            f"python3 -m pip install --quiet --no-cache-dir --disable-pip-version-check "
            f"--no-warn-script-location --break-system-packages --target {WORKDIR}/pip {args}"
        )
    if pkgs.npm:
        args = " ".join(shlex.quote(p) for p in pkgs.npm)
        steps.append(
            f"npm install --silent --no-audit --no-fund --cache /tmp/npm-cache "
            f"--prefix {WORKDIR}/npm {args}"
        )
    return "\n".join(steps)


class PackageLayers:
    def __init__(self, host: Host, root: Path, run_root: Path) -> None:
        self.host = host
        self.root = root
        self.run_root = run_root
        self._locks: dict[str, asyncio.Lock] = {}

    async def layer(self, env: environment_pb2.Environment, policy: NetPolicy) -> Path | None:
        """The layer of ``env``'s packages, installing it first if needed."""
        pkgs = wanted(env)
        if pkgs is None:
            return None
        if pkgs.apt:
            raise PackageError(
                "the environment asks for apt packages, which need root inside the sandbox "
                "and cannot be installed on this server; use pip or npm packages, or install "
                "them on the host"
            )
        for field in _UNSUPPORTED:
            if getattr(pkgs, field):
                raise PackageError(
                    f"the environment asks for {field} packages, which this server does not "
                    "install; use pip or npm packages"
                )
        if not policy.allows_packages() and not policy.hosts():
            raise PackageError(
                "the environment's packages need network access to a package registry: set "
                "networking to unrestricted, or limited with allow_package_managers"
            )
        key = layer_key(env.id, pkgs)
        path = self.root / key
        if (path / ".done").exists():
            return path
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if not (path / ".done").exists():
                await self._install(key, path, pkgs, policy)
        return path

    async def _install(
        self, key: str, path: Path, pkgs: environment_pb2.Packages, policy: NetPolicy
    ) -> None:
        log.info(
            "installing packages of environment layer %s (pip: %d, npm: %d)",
            key,
            len(pkgs.pip),
            len(pkgs.npm),
        )
        tmp = self.root / f".{key}.installing"
        await asyncio.to_thread(shutil.rmtree, tmp, True)
        await asyncio.to_thread(tmp.mkdir, mode=0o755, parents=True)
        if self.host.root:
            await asyncio.to_thread(shutil.chown, tmp, self.host.uid, self.host.gid)
        box = SessionSandbox(self.host, f"pkg-{key}", tmp, self.run_root / f"pkg-{key}", policy)
        try:
            proc = await box.spawn(
                ["/bin/bash", "-c", _script(pkgs)],
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            try:
                out, _ = await asyncio.wait_for(proc.communicate(), INSTALL_TIMEOUT_S)
            except TimeoutError:
                box.kill_now()
                raise PackageError(
                    f"installing the environment's packages took over {INSTALL_TIMEOUT_S:g} s"
                ) from None
        finally:
            await box.close()
            await asyncio.to_thread(shutil.rmtree, self.run_root / f"pkg-{key}", True)
        if proc.returncode != 0:
            await asyncio.to_thread(shutil.rmtree, tmp, True)
            tail = "\n".join(out.decode(errors="replace").strip().splitlines()[-8:])
            raise PackageError(f"installing the environment's packages failed:\n{tail}")
        (tmp / ".done").touch()
        await asyncio.to_thread(tmp.rename, path)
        log.info("installed packages of environment layer %s", key)
