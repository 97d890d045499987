"""Fixtures that run `sessiond serve` as a real process on free loopback ports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from anthropic import AsyncAnthropic

from .cluster import PG_ENV, Cluster, pg_url, start_cluster
from .helpers import Server, key_accepted, printed_key_candidates, start_server

KEY = "sk-blackbox-0123456789abcdef"


@pytest.fixture(scope="session", params=["serve", "replicas"])
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Server]:
    """The suite runs twice: against one `sessiond serve --api-key KEY` (SQLite),
    and against two `sessiond core` replicas on PostgreSQL behind two edges.
    Every process must exit 0 on SIGTERM."""
    base = tmp_path_factory.mktemp(request.param)
    srv: Server | Cluster
    if request.param == "serve":
        srv = await start_server(base / "data", api_key=KEY, log_dir=base / "logs")
    else:
        url = pg_url()
        if url is None:
            pytest.skip(
                f"no PostgreSQL for the replica suite ({PG_ENV} unset; scripts/test.sh sets it)"
            )
        srv = await start_cluster(url, base / "data", api_key=KEY, log_dir=base / "logs")
    try:
        yield srv  # type: ignore[misc]
    finally:
        rc = await srv.stop()
        assert rc == 0, f"sessiond exited with {rc} on SIGTERM (want 0)\n{srv.describe()}"


@pytest.fixture
async def client(server: Server) -> AsyncIterator[AsyncAnthropic]:
    async with server.client() as c:
        yield c


@pytest.fixture
async def http(server: Server) -> AsyncIterator[httpx2.AsyncClient]:
    """A raw HTTP client that sends the key and the beta header, for malformed requests."""
    async with server.http() as h:
        yield h


@pytest.fixture(scope="session")
async def environment_id(server: Server) -> str:
    async with server.client() as c:
        env = await c.beta.environments.create(name="blackbox-shared")
        return env.id


@pytest.fixture
async def agent_id(client: AsyncAnthropic) -> str:
    agent = await client.beta.agents.create(model="claude-sonnet-4-5", name="blackbox")
    return agent.id


@pytest.fixture
async def session_id(client: AsyncAnthropic, agent_id: str, environment_id: str) -> str:
    sess = await client.beta.sessions.create(agent=agent_id, environment_id=environment_id)
    return sess.id


@pytest.fixture
async def keyless_server(tmp_path: Path) -> AsyncIterator[Server]:
    """`sessiond serve` without --api-key on a fresh data dir: it must print the key it made.

    The yielded server's `key` is the one printed token that the server accepts.
    """
    srv = await start_server(tmp_path / "data", api_key=None, log_dir=tmp_path / "logs")
    try:
        accepted = [k for k in printed_key_candidates(srv.output) if await key_accepted(srv, k)]
        assert len(accepted) == 1, (
            f"expected exactly one printed token to be an accepted API key, got {accepted}\n"
            f"{srv.describe()}"
        )
        srv.key = accepted[0]
        yield srv
    finally:
        rc = await srv.stop()
        assert rc == 0, f"sessiond exited with {rc} on SIGTERM (want 0)\n{srv.describe()}"
