"""Several replicas for real: two `sessiond core` on one PostgreSQL database and
two `sessiond edge`, each edge spread over both cores.

A :class:`Cluster` has the interface of :class:`helpers.Server`, so the whole
black-box suite runs against it. Its clients send each request to the next
edge in turn, so a stream opened through one edge sees what was sent through
the other.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import os
import secrets
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx2
from anthropic import AsyncAnthropic
from sqlalchemy.engine import make_url

from .helpers import (
    BETA,
    STOP_DEADLINE,
    PortTaken,
    _drain_stdout,
    free_ports,
    spawn,
    terminate,
    wait_listening,
)

PG_ENV = "SESSIOND_TEST_PG"
# Short leases, so that taking over from a killed replica is quick to see.
LEASE_SECONDS = "2"


def pg_url() -> str | None:
    """The test PostgreSQL server (scripts/postgres.sh start prints it)."""
    return os.environ.get(PG_ENV) or None


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_database(base_url: str) -> str:
    """A fresh, empty database beside the base one; returns its URL."""
    name = "t_" + secrets.token_hex(6)
    admin = make_url(base_url).set(database="postgres")
    conn = await asyncpg.connect(_dsn(admin.render_as_string(hide_password=False)))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = parsed.set(database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(_dsn(admin))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    finally:
        await conn.close()


async def fetch(url: str, query: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(_dsn(url))
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


@dataclass
class Process:
    name: str
    proc: asyncio.subprocess.Process
    address: str
    stderr_path: Path
    output: list[str] = field(default_factory=list)
    drain: asyncio.Task[None] | None = None

    def describe(self) -> str:
        try:
            err = self.stderr_path.read_text(errors="replace")
        except OSError:
            err = ""
        return f"--- {self.name} stdout:\n{''.join(self.output)}\n--- stderr:\n{err[-4000:]}"

    async def stop(self, deadline: float = STOP_DEADLINE) -> int:
        return await terminate(self.proc, self.drain, self.describe, self.name, deadline)


class _RoundRobin(httpx2.AsyncBaseTransport):
    """Sends each request to the next edge in turn."""

    def __init__(self, ports: list[int]) -> None:
        self._ports = itertools.cycle(ports)
        self._inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        request.url = request.url.copy_with(port=next(self._ports))
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass
class Cluster:
    db_url: str
    data_dir: Path
    key: str
    cores: list[Process]
    edges: list[Process]
    listening_line: str = ""

    @property
    def base_url(self) -> str:
        return f"http://{self.edges[0].address}"

    @property
    def http_addr(self) -> str:
        return self.edges[0].address

    @property
    def grpc_addr(self) -> str:
        return self.cores[0].address

    def _ports(self) -> list[int]:
        return [int(e.address.rsplit(":", 1)[1]) for e in self.edges]

    def client(
        self,
        *,
        api_key: str | None = None,
        max_retries: int = 0,
        http_client: httpx2.AsyncClient | None = None,
        timeout: float = 30.0,
    ) -> AsyncAnthropic:
        if http_client is None:
            http_client = httpx2.AsyncClient(transport=_RoundRobin(self._ports()), timeout=timeout)
        return AsyncAnthropic(
            base_url=self.base_url,
            api_key=api_key if api_key is not None else self.key,
            max_retries=max_retries,
            http_client=http_client,
            timeout=timeout,
        )

    def http(self, *, api_key: str | None = None, auth: bool = True) -> httpx2.AsyncClient:
        headers = {"anthropic-beta": BETA}
        if auth:
            headers["x-api-key"] = api_key if api_key is not None else self.key
        return httpx2.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=30.0,
            transport=_RoundRobin(self._ports()),
        )

    def all_output(self) -> str:
        return "\n".join(p.describe() for p in [*self.cores, *self.edges])

    def describe(self) -> str:
        return self.all_output()

    def core_of(self, replica_id: str) -> Process:
        """The core whose process runs as this lease owner ("host:pid:tag")."""
        pid = int(replica_id.split(":")[1])
        for core in self.cores:
            if core.proc.pid == pid:
                return core
        raise AssertionError(f"no core has pid {pid}")

    async def stop(self, deadline: float = STOP_DEADLINE) -> int:
        """SIGTERM to every process; the worst exit code (a killed core is not counted)."""
        rcs = await asyncio.gather(
            *(p.stop(deadline) for p in [*self.edges, *self.cores] if p.proc.returncode is None)
        )
        with contextlib.suppress(Exception):
            await drop_database(self.db_url)
        return max([0, *rcs])


async def _start(
    name: str, args: list[str], log_dir: Path, env: Mapping[str, str], address: str
) -> Process:
    cmd = [sys.executable, "-m", "sessiond.cli.main", *args]
    p = Process(name, await spawn(cmd, log_dir / f"{name}.stderr", env), address, Path())
    p.stderr_path = log_dir / f"{name}.stderr"
    await wait_listening(p.proc, p.output, p.describe, name)
    p.drain = asyncio.create_task(_drain_stdout(p.proc, p.output))
    return p


async def _start_on_free_port(
    name: str,
    args_for: Callable[[str], list[str]],
    log_dir: Path,
    env: Mapping[str, str],
) -> Process:
    """Starts a child listening on a free port, picking another if it was taken meanwhile."""
    for attempt in range(3):
        (port,) = free_ports(1)
        addr = f"127.0.0.1:{port}"
        try:
            return await _start(f"{name}-{port}", args_for(addr), log_dir, env, addr)
        except PortTaken:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def start_cluster(
    base_pg_url: str,
    data_dir: Path,
    *,
    api_key: str,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
) -> Cluster:
    """Two cores on a fresh database and two edges over both; ``env`` adds to
    the children's environment."""
    db = await create_database(base_pg_url)
    # Replicas share one vault key, as an operator must give them (README, Vaults).
    vault_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    env = {"SESSIOND_LEASE_SECONDS": LEASE_SECONDS, "SESSIOND_VAULT_KEY": vault_key, **(env or {})}
    cores: list[Process] = []
    edges: list[Process] = []
    try:
        for i in range(2):
            cores.append(
                await _start_on_free_port(
                    f"core{i}",
                    lambda addr, i=i: [
                        "core", "--grpc", addr, "--db", db,
                        "--data-dir", str(data_dir / f"core{i}"),
                        "--model-backend", "offline", "--api-key", api_key,
                    ],
                    log_dir,
                    env,
                )
            )  # fmt: skip
        targets = [c.address for c in cores]
        for i in range(2):
            ring = ",".join(targets[i:] + targets[:i])
            edges.append(
                await _start_on_free_port(
                    f"edge{i}",
                    lambda addr, i=i, ring=ring: [
                        "edge", "--http", addr, "--core", ring,
                        "--data-dir", str(data_dir / f"edge{i}"),
                    ],
                    log_dir,
                    env,
                )
            )  # fmt: skip
    except BaseException:
        for p in [*edges, *cores]:
            with contextlib.suppress(Exception):
                await p.stop()
        with contextlib.suppress(Exception):
            await drop_database(db)
        raise
    return Cluster(db, data_dir, api_key, cores, edges, "")
