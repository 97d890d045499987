"""The Anthropic model gets an MCP server's tool schemas, and the server runs
the tool it asks for: a core with the Anthropic model (against a local
stand-in for the Messages API) and a real MCP server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from google.protobuf import empty_pb2
from sessiond.core.runtime.anthropic_model import AnthropicModel
from sessiond.core.server import CoreServer
from sessiond.v1 import agent_pb2, environment_pb2, session_pb2

from tests.blackbox.test_mcp import mcp_server
from tests.fixtures.messages_server import MessagesServer, Reply, text, tool_use
from tests.test_core_grpc import KEY, WORKSPACE, Stubs, keyed_channel, open_stream, user_message
from tests.test_runtime_flows import send, until_idle


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[Stubs, MessagesServer, str]]:
    async with MessagesServer() as messages, mcp_server() as url:
        model = AnthropicModel("sk-ant-test", messages.url, max_tokens=256, timeout=10)
        core = await CoreServer.open(
            f"sqlite+aiosqlite:///{tmp_path / 'db'}", tmp_path, model, api_keys={KEY: WORKSPACE}
        )
        port = await core.start("127.0.0.1:0")
        channel = keyed_channel(f"127.0.0.1:{port}")
        try:
            yield Stubs(channel), messages, url
        finally:
            await channel.close()
            await core.stop(0.5)


async def test_the_model_gets_mcp_schemas_and_the_server_calls_the_tool(
    setup: tuple[Stubs, MessagesServer, str],
) -> None:
    s, messages, url = setup
    allow = agent_pb2.PermissionPolicy(always_allow=empty_pb2.Empty())
    toolset = agent_pb2.McpToolset(
        mcp_server_name="fx",
        default_config=agent_pb2.ToolsetDefaultConfig(permission_policy=allow),
        configs=[agent_pb2.McpToolConfig(name="big", enabled=False)],
    )
    agent = (
        await s.agents.CreateAgent(
            agent_pb2.CreateAgentRequest(
                name="a",
                model=agent_pb2.ModelConfig(id="claude-test"),
                mcp_servers=[agent_pb2.McpServer(name="fx", url=url)],
                tools=[agent_pb2.AgentTool(mcp_toolset=toolset)],
            )
        )
    ).agent
    env = (
        await s.envs.CreateEnvironment(environment_pb2.CreateEnvironmentRequest(name="e"))
    ).environment
    sel = session_pb2.AgentSelector(agent=session_pb2.AgentVersionSelector(id=agent.id))
    sid = (
        await s.sessions.CreateSession(
            session_pb2.CreateSessionRequest(agent=sel, environment_id=env.id)
        )
    ).session.id
    messages.queue(Reply([tool_use("toolu_1", "add", {"a": 2, "b": 5})], stop_reason="tool_use"))
    messages.queue(Reply([text("It is 7.")]))
    stream = await open_stream(s, sid)
    await send(s, sid, user_message("add them"))
    events = await until_idle(stream, 30)
    first, second = messages.requests
    tools = {t["name"]: t for t in first.body["tools"]}
    assert set(tools) == {"add", "shout", "fail"}  # big is disabled
    assert tools["add"]["input_schema"]["properties"]["a"]["type"] == "integer"
    assert tools["add"]["description"] == "Adds two integers."
    results = [e.agent_mcp_tool_result for e in events if e.HasField("agent_mcp_tool_result")]
    assert [r.content[0].text.text for r in results] == ["7"]
    sent = [b for m in second.body["messages"] for b in m["content"] if isinstance(b, dict)]
    assert any(b.get("type") == "tool_result" and "7" in str(b.get("content")) for b in sent)
