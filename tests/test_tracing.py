"""OpenTelemetry spans of a turn, recorded by an in-memory exporter: the edge's
server span carries the caller's W3C trace context, and the core's GenAI spans
(``invoke_agent``, ``chat``, ``execute_tool``) join that trace, both when the
edge calls the core in-process (``serve``) and over gRPC (``edge`` + ``core``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sessiond.cli.inprocess import InProcessTransport
from sessiond.core.server import CoreServer
from sessiond.edge.app import create_app
from sessiond.edge.client import CoreClient
from sessiond.edge.grpc_transport import GrpcTransport

KEY = "sk-trace-key"
AUTH = {"x-api-key": KEY}
WAIT = 10.0
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"

EXPORTER = InMemorySpanExporter()


def _install_provider() -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
    trace.set_tracer_provider(provider)


_install_provider()


@pytest.fixture
async def core_server(tmp_path: Path) -> AsyncIterator[CoreServer]:
    server = await CoreServer.open(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", tmp_path, api_keys={KEY: "default"}
    )
    await server.start("127.0.0.1:0")
    try:
        yield server
    finally:
        await server.stop(0.5)


async def _spans_of_turn(deadline: float = WAIT) -> list[ReadableSpan]:
    """The finished spans of our trace, once its invoke_agent span has ended."""

    async def poll() -> list[ReadableSpan]:
        while True:
            spans = [
                s
                for s in EXPORTER.get_finished_spans()
                if s.context is not None and format(s.context.trace_id, "032x") == TRACE_ID
            ]
            if any(s.name.startswith("invoke_agent") for s in spans):
                return spans
            await asyncio.sleep(0.01)

    return await asyncio.wait_for(poll(), deadline)


async def _run_traced_turn(client: TestClient[Any, Any]) -> list[ReadableSpan]:
    EXPORTER.clear()
    resp = await client.post(
        "/v1/agents",
        json={"name": "tracer", "model": "claude-x", "tools": [{"type": "agent_toolset_20260401"}]},
        headers=AUTH,
    )
    agent = await resp.json()
    resp = await client.post("/v1/environments", json={"name": "e"}, headers=AUTH)
    env_id = (await resp.json())["id"]
    resp = await client.post(
        "/v1/sessions", json={"agent": agent["id"], "environment_id": env_id}, headers=AUTH
    )
    sid = (await resp.json())["id"]
    text = '/tool bash {"command": "echo traced"}'
    resp = await client.post(
        f"/v1/sessions/{sid}/events",
        json={"events": [{"type": "user.message", "content": [{"type": "text", "text": text}]}]},
        headers={**AUTH, "traceparent": f"00-{TRACE_ID}-{PARENT}-01"},
    )
    assert resp.status == 200, await resp.text()
    spans = await _spans_of_turn()
    # The turn's spans hang under the HTTP request that started it.
    by_id = {s.context.span_id: s for s in spans if s.context is not None}
    server = next(s for s in spans if s.name == "POST /v1/sessions/{session_id}/events")
    assert server.parent is not None and format(server.parent.span_id, "016x") == PARENT
    assert server.kind == trace.SpanKind.SERVER
    assert server.attributes is not None
    assert server.attributes["http.response.status_code"] == 200
    turn = next(s for s in spans if s.name == "invoke_agent tracer")
    assert turn.attributes is not None
    assert turn.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert turn.attributes["gen_ai.agent.id"] == agent["id"]
    assert turn.attributes["gen_ai.conversation.id"] == sid
    assert turn.attributes["gen_ai.request.model"] == "claude-x"
    ancestor = turn
    while ancestor.parent is not None and ancestor.parent.span_id in by_id:
        ancestor = by_id[ancestor.parent.span_id]
    assert ancestor is server or (
        ancestor.parent is not None and format(ancestor.parent.span_id, "016x") == PARENT
    )

    chats = [s for s in spans if s.name == "chat claude-x"]
    assert len(chats) == 2  # the tool call, then the answer with its result
    for chat in chats:
        assert chat.parent is not None and chat.parent.span_id == turn.context.span_id
        assert chat.attributes is not None
        assert chat.attributes["gen_ai.operation.name"] == "chat"
        assert chat.attributes["gen_ai.usage.input_tokens"] > 0
        assert chat.attributes["gen_ai.usage.output_tokens"] > 0
    tool = next(s for s in spans if s.name == "execute_tool bash")
    assert tool.parent is not None and tool.parent.span_id == turn.context.span_id
    assert tool.attributes is not None
    assert tool.attributes["gen_ai.tool.name"] == "bash"
    assert str(tool.attributes["gen_ai.tool.call.id"]).startswith("sevt_")
    return spans


async def test_a_turn_is_traced_in_process(core_server: CoreServer) -> None:
    core = CoreClient(InProcessTransport(core_server))
    client: TestClient[Any, Any] = TestClient(TestServer(create_app(core)))
    await client.start_server()
    try:
        await _run_traced_turn(client)
    finally:
        await client.close()
        await core.close()


async def test_trace_context_crosses_grpc_into_the_runtime(core_server: CoreServer) -> None:
    core = CoreClient(GrpcTransport(f"127.0.0.1:{core_server.port}"))
    client: TestClient[Any, Any] = TestClient(TestServer(create_app(core)))
    await client.start_server()
    try:
        await _run_traced_turn(client)
    finally:
        await client.close()
        await core.close()
