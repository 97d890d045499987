"""Fixtures that run `sessiond serve` as a real process on free loopback ports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from anthropic import AsyncAnthropic

from .helpers import Server, key_accepted, printed_key_candidates, start_server

KEY = "sk-blackbox-0123456789abcdef"


@pytest.fixture(scope="session")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    """One `sessiond serve --api-key KEY` for the whole suite; it must exit 0 on SIGTERM."""
    base = tmp_path_factory.mktemp("sessiond")
    srv = await start_server(base / "data", api_key=KEY, log_dir=base / "logs")
    try:
        yield srv
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
