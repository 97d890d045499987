"""MCP toolsets against a real MCP server (the `mcp` package's MCPServer over
streamable HTTP on loopback): the server process lists the tools, applies the
toolset's configs and permission policy, calls them, and reports a server it
cannot reach or that refuses it as a session.error."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from anthropic import AsyncAnthropic
from anthropic.types.beta.sessions import BetaManagedAgentsSessionEvent

from .helpers import check, collect, free_ports, text_of, type_of

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "mcp_server.py"
TOKEN = "mcp-token-0123456789"


@contextlib.asynccontextmanager
async def mcp_server(token: str | None = None) -> AsyncIterator[str]:
    """The fixture MCP server as a process; yields its URL once it accepts connections."""
    (port,) = free_ports(1)
    args = [sys.executable, str(FIXTURE), str(port), *([token] if token else [])]
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                assert proc.returncode is None, "the MCP fixture server exited"
                assert loop.time() < deadline, "the MCP fixture server did not start"
                await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        await proc.wait()


@pytest.fixture(scope="module")
async def open_mcp() -> AsyncIterator[str]:
    async with mcp_server() as url:
        yield url


@pytest.fixture(scope="module")
async def guarded_mcp() -> AsyncIterator[str]:
    async with mcp_server(TOKEN) as url:
        yield url


async def _session(client: AsyncAnthropic, environment_id: str, url: str, **toolset: Any) -> str:
    agent = await client.beta.agents.create(
        model="claude-sonnet-4-5",
        name="mcp",
        mcp_servers=[{"type": "url", "name": "fx", "url": url}],
        tools=[{"type": "mcp_toolset", "mcp_server_name": "fx", **toolset}],  # type: ignore[list-item]
    )
    session = await client.beta.sessions.create(agent=agent.id, environment_id=environment_id)
    return session.id


def _steps(*lines: str) -> list[Any]:
    return [{"type": "user.message", "content": [{"type": "text", "text": "\n".join(lines)}]}]


def _idle(stop: str) -> Callable[[list[Any]], bool]:
    return lambda evs: any(
        type_of(e) == "session.status_idle" and e.stop_reason.type == stop for e in evs
    )


async def test_an_always_ask_mcp_tool_waits_then_runs_on_the_server(
    client: AsyncAnthropic, environment_id: str, open_mcp: str
) -> None:
    sid = await _session(
        client,
        environment_id,
        open_mcp,
        default_config={"permission_policy": {"type": "always_ask"}},
    )
    async with collect(client, sid) as col:
        await client.beta.sessions.events.send(sid, events=_steps('/tool add {"a": 2, "b": 3}'))
        await col.wait_for(_idle("requires_action"), within=30, what="requires_action")
        (use,) = [e for e in col.events if type_of(e) == "agent.mcp_tool_use"]
        assert use.name == "add" and use.mcp_server_name == "fx"
        assert use.evaluated_permission == "ask"
        await client.beta.sessions.events.send(
            sid,
            events=[{"type": "user.tool_confirmation", "tool_use_id": use.id, "result": "allow"}],
        )
        await col.wait_for(_idle("end_turn"), within=30, what="end_turn")
    (result,) = [e for e in col.events if type_of(e) == "agent.mcp_tool_result"]
    assert result.mcp_tool_use_id == use.id and text_of(result) == "5" and not result.is_error
    raw = await client.beta.sessions.events.with_raw_response.list(sid)
    for data in raw.http_response.json()["data"]:
        check(BetaManagedAgentsSessionEvent, data)


async def test_configs_allow_disable_and_errors_and_caps(
    client: AsyncAnthropic, environment_id: str, open_mcp: str
) -> None:
    sid = await _session(
        client,
        environment_id,
        open_mcp,
        default_config={"permission_policy": {"type": "always_allow"}},
        configs=[{"name": "shout", "enabled": False}],
    )
    async with collect(client, sid) as col:
        await client.beta.sessions.events.send(
            sid,
            events=_steps(
                '/tool add {"a": 40, "b": 2}',
                "/tool fail {}",
                '/tool big {"n": 150000}',
                '/tool shout {"text": "no"}',
            ),
        )
        await col.wait_for(_idle("end_turn"), within=30, what="end_turn")
    results = {e.mcp_tool_use_id: e for e in col.events if type_of(e) == "agent.mcp_tool_result"}
    uses = {e.name: e.id for e in col.events if type_of(e) == "agent.mcp_tool_use"}
    assert set(uses) == {"add", "fail", "big"}, col.summary()  # shout is disabled
    assert text_of(results[uses["add"]]) == "42"
    assert results[uses["fail"]].is_error
    big = text_of(results[uses["big"]])
    assert 100_000 <= len(big) < 150_000 and "output cut" in big
    (denied,) = [e for e in col.events if type_of(e) == "agent.tool_use"]
    assert denied.name == "shout" and denied.evaluated_permission == "deny"


async def test_refused_and_unreachable_servers_are_session_errors(
    client: AsyncAnthropic, environment_id: str, guarded_mcp: str
) -> None:
    for url, kind, retry in (
        (guarded_mcp, "mcp_authentication_failed_error", "terminal"),
        (f"http://127.0.0.1:{free_ports(1)[0]}/mcp", "mcp_connection_failed_error", "retrying"),
    ):
        sid = await _session(
            client,
            environment_id,
            url,
            default_config={"permission_policy": {"type": "always_allow"}},
        )
        async with collect(client, sid) as col:
            await client.beta.sessions.events.send(sid, events=_steps("hello"))
            await col.wait_for(_idle("end_turn"), within=30, what="end_turn")
        (err,) = [e for e in col.events if type_of(e) == "session.error"]
        assert err.error.type == kind, col.summary()
        assert err.error.mcp_server_name == "fx"  # type: ignore[union-attr]
        assert err.error.retry_status.type == retry
        # The session goes on: the message was answered.
        assert "hello" in text_of([e for e in col.events if type_of(e) == "agent.message"][-1])
