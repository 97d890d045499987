"""Tool use, permissions, custom tools and retries through the core's RPCs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from sessiond.core.eventtypes import type_of
from sessiond.core.runtime.turn import RetryPolicy
from sessiond.core.server import CoreServer
from sessiond.v1 import (
    agent_pb2,
    environment_pb2,
    event_pb2,
    session_pb2,
)

from tests.test_core_grpc import KEY, Stubs, keyed_channel, open_stream, user_message


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Stubs]:
    server = await CoreServer.open(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        tmp_path,
        retry=RetryPolicy(max_retries=2, base_seconds=0.01),
        api_keys={KEY: "default"},
    )
    port = await server.start("127.0.0.1:0")
    channel = keyed_channel(f"127.0.0.1:{port}")
    try:
        yield Stubs(channel)
    finally:
        await channel.close()
        await server.stop(0.5)


def toolset(policy: str = "always_allow") -> agent_pb2.AgentTool:
    return agent_pb2.AgentTool(
        agent_toolset_20260401=agent_pb2.AgentToolset(
            default_config=agent_pb2.ToolsetDefaultConfig(
                enabled=True,
                permission_policy=agent_pb2.PermissionPolicy(**{policy: empty_pb2.Empty()}),
            )
        )
    )


def custom(name: str) -> agent_pb2.AgentTool:
    schema = struct_pb2.Struct()
    schema.update({"type": "object", "properties": {"q": {"type": "string"}}})
    return agent_pb2.AgentTool(
        custom=agent_pb2.CustomTool(name=name, description="d", input_schema=schema)
    )


async def session_with(s: Stubs, *tools: agent_pb2.AgentTool) -> str:
    agent = (
        await s.agents.CreateAgent(
            agent_pb2.CreateAgentRequest(
                name="a", model=agent_pb2.ModelConfig(id="m"), tools=list(tools)
            )
        )
    ).agent
    env = (
        await s.envs.CreateEnvironment(environment_pb2.CreateEnvironmentRequest(name="e"))
    ).environment
    sel = session_pb2.AgentSelector(agent=session_pb2.AgentVersionSelector(id=agent.id))
    return (
        await s.sessions.CreateSession(
            session_pb2.CreateSessionRequest(agent=sel, environment_id=env.id)
        )
    ).session.id


async def until_idle(stream: object, deadline: float = 10) -> list[event_pb2.SessionEvent]:
    seen: list[event_pb2.SessionEvent] = []

    async def go() -> None:
        async for item in stream:  # type: ignore[attr-defined]
            if item.HasField("event"):
                seen.append(item.event)
                if item.event.HasField("session_status_idle"):
                    return

    await asyncio.wait_for(go(), deadline)
    return seen


async def send(s: Stubs, sid: str, *events: event_pb2.SessionEvent) -> None:
    await s.events.SendEvents(event_pb2.SendEventsRequest(session_id=sid, events=list(events)))


def confirm(tool_use_id: str, allow: bool, message: str | None = None) -> event_pb2.SessionEvent:
    c = event_pb2.UserToolConfirmationEvent(
        tool_use_id=tool_use_id,
        result=event_pb2.TOOL_CONFIRMATION_RESULT_ALLOW
        if allow
        else event_pb2.TOOL_CONFIRMATION_RESULT_DENY,
    )
    if message is not None:
        c.deny_message = message
    return event_pb2.SessionEvent(user_tool_confirmation=c)


def custom_result(tool_use_id: str, text: str) -> event_pb2.SessionEvent:
    from sessiond.v1 import common_pb2

    return event_pb2.SessionEvent(
        user_custom_tool_result=event_pb2.UserCustomToolResultEvent(
            custom_tool_use_id=tool_use_id,
            content=[common_pb2.ContentBlock(text=common_pb2.TextBlock(text=text))],
        )
    )


async def test_builtin_bash_runs_and_its_result_reaches_the_model(core: Stubs) -> None:
    sid = await session_with(core, toolset())
    stream = await open_stream(core, sid)
    await send(core, sid, user_message('/tool bash {"command": "echo from-the-shell"}'))
    seen = await until_idle(stream)
    kinds = [type_of(e) for e in seen]
    assert kinds.index("agent.tool_use") < kinds.index("agent.tool_result")
    use = next(e for e in seen if e.HasField("agent_tool_use"))
    assert use.agent_tool_use.evaluated_permission == event_pb2.PERMISSION_ALLOW
    result = next(e for e in seen if e.HasField("agent_tool_result"))
    assert result.agent_tool_result.tool_use_id == use.id
    assert "from-the-shell" in result.agent_tool_result.content[0].text.text
    final = [e for e in seen if e.HasField("agent_message")][-1]
    assert "from-the-shell" in final.agent_message.content[0].text.text
    assert seen[-1].session_status_idle.stop_reason.HasField("end_turn")


async def test_always_ask_waits_then_allow_runs_the_tool(core: Stubs) -> None:
    sid = await session_with(core, toolset("always_ask"))
    stream = await open_stream(core, sid)
    await send(core, sid, user_message('/tool write {"file_path": "a.txt", "content": "x"}'))
    seen = await until_idle(stream)
    use = next(e for e in seen if e.HasField("agent_tool_use"))
    assert use.agent_tool_use.evaluated_permission == event_pb2.PERMISSION_ASK
    idle = seen[-1].session_status_idle
    assert list(idle.stop_reason.requires_action.event_ids) == [use.id]
    assert not any(e.HasField("agent_tool_result") for e in seen)
    await send(core, sid, confirm(use.id, True))
    seen = await until_idle(stream)
    assert any(e.HasField("agent_tool_result") and not e.agent_tool_result.is_error for e in seen)
    assert seen[-1].session_status_idle.stop_reason.HasField("end_turn")


async def test_deny_runs_nothing_and_the_model_gets_the_denial(core: Stubs, tmp_path: Path) -> None:
    sid = await session_with(core, toolset("always_ask"))
    stream = await open_stream(core, sid)
    await send(core, sid, user_message('/tool write {"file_path": "never.txt", "content": "x"}'))
    seen = await until_idle(stream)
    use = next(e for e in seen if e.HasField("agent_tool_use"))
    await send(core, sid, confirm(use.id, False, "not today"))
    seen = await until_idle(stream)
    assert not any(e.HasField("agent_tool_result") for e in seen)
    final = [e for e in seen if e.HasField("agent_message")][-1].agent_message.content[0].text.text
    assert "not today" in final
    assert not (tmp_path / "workspaces" / sid / "never.txt").exists()


async def test_custom_tools_wait_for_every_result(core: Stubs) -> None:
    sid = await session_with(core, custom("lookup"))
    stream = await open_stream(core, sid)
    await send(core, sid, user_message('/tool lookup {"q": "a"}\n/tool lookup {"q": "b"}'))
    seen = await until_idle(stream)
    uses = [e for e in seen if e.HasField("agent_custom_tool_use")]
    assert len(uses) == 2 and json.loads(json.dumps(dict(uses[0].agent_custom_tool_use.input))) == {
        "q": "a"
    }
    assert list(seen[-1].session_status_idle.stop_reason.requires_action.event_ids) == [
        u.id for u in uses
    ]
    await send(core, sid, custom_result(uses[0].id, "first answer"))
    seen = await until_idle(stream)
    assert list(seen[-1].session_status_idle.stop_reason.requires_action.event_ids) == [uses[1].id]
    await send(core, sid, custom_result(uses[1].id, "second answer"))
    seen = await until_idle(stream)
    final = [e for e in seen if e.HasField("agent_message")][-1].agent_message.content[0].text.text
    assert "first answer" in final and "second answer" in final
    assert seen[-1].session_status_idle.stop_reason.HasField("end_turn")


async def test_a_result_for_an_id_that_is_not_pending_is_refused(core: Stubs) -> None:
    sid = await session_with(core, custom("lookup"))
    with pytest.raises(grpc.aio.AioRpcError) as e:
        await send(core, sid, custom_result("sevt_unknown", "x"))
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_transient_failures_are_retried_then_succeed(core: Stubs) -> None:
    sid = await session_with(core)
    stream = await open_stream(core, sid)
    await send(core, sid, user_message("/fail overloaded 2\n/say recovered"))
    seen = await until_idle(stream)
    kinds = [type_of(e) for e in seen]
    assert kinds.count("session.error") == 2 and kinds.count("session.status_rescheduled") == 2
    err = next(e for e in seen if e.HasField("session_error")).session_error.error
    assert err.HasField("model_overloaded_error")
    assert err.model_overloaded_error.retry_status.HasField("retrying")
    assert seen[-1].session_status_idle.stop_reason.HasField("end_turn")
    texts = [e.agent_message.content[0].text.text for e in seen if e.HasField("agent_message")]
    assert texts == ["recovered"]


async def test_retries_run_out(core: Stubs) -> None:
    sid = await session_with(core)
    stream = await open_stream(core, sid)
    await send(core, sid, user_message("/fail overloaded 9\n/say never"))
    seen = await until_idle(stream)
    assert seen[-1].session_status_idle.stop_reason.HasField("retries_exhausted")
    last_error = [e for e in seen if e.HasField("session_error")][-1].session_error.error
    assert last_error.model_overloaded_error.retry_status.HasField("exhausted")


async def test_a_request_failure_is_not_retried(core: Stubs) -> None:
    sid = await session_with(core)
    stream = await open_stream(core, sid)
    await send(core, sid, user_message("/fail request\n/say never"))
    seen = await until_idle(stream)
    kinds = [type_of(e) for e in seen]
    assert kinds.count("session.error") == 1 and "session.status_rescheduled" not in kinds
    assert not any(e.HasField("agent_message") for e in seen)


class FakeBrokenModel:
    """A fake model whose every request crashes (the runtime's last line of defence)."""

    async def stream(self, request: object) -> AsyncIterator[object]:
        raise RuntimeError("boom")
        yield  # pragma: no cover


async def test_an_unrecoverable_failure_terminates_the_session(tmp_path: Path) -> None:
    server = await CoreServer.open(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        tmp_path,
        FakeBrokenModel(),
        api_keys={KEY: "default"},
    )
    port = await server.start("127.0.0.1:0")
    channel = keyed_channel(f"127.0.0.1:{port}")
    try:
        s = Stubs(channel)
        sid = await session_with(s)
        stream = await open_stream(s, sid)
        await send(s, sid, user_message("hello"))
        seen: list[str] = []

        async def go() -> None:
            async for item in stream:  # type: ignore[attr-defined]
                seen.append(type_of(item.event))
                if seen[-1] == "session.status_terminated":
                    return

        await asyncio.wait_for(go(), 10)
        assert "session.error" in seen
        got = (await s.sessions.GetSession(session_pb2.GetSessionRequest(session_id=sid))).session
        assert got.status == session_pb2.SESSION_STATUS_TERMINATED
        with pytest.raises(grpc.aio.AioRpcError) as e:
            await send(s, sid, user_message("again"))
        assert e.value.code() == grpc.StatusCode.ABORTED
    finally:
        await channel.close()
        await server.stop(0.5)
