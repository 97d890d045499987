"""InProcessCore: the Core protocol over a real CoreServer's servicers, with no socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from sessiond.core.eventtypes import type_of
from sessiond.core.runtime.turn import RetryPolicy
from sessiond.core.server import CoreServer
from sessiond.edge.app import create_app
from sessiond.edge.auth import forwarding
from sessiond.edge.client import CoreError
from sessiond.edge.inprocess import InProcessCore, InProcessStream
from sessiond.v1 import (
    agent_pb2,
    common_pb2,
    environment_pb2,
    event_pb2,
    session_pb2,
)

KEY = "sk-test-key"
AUTH = {"x-api-key": KEY}
WAIT = 10.0  # seconds before a test gives up waiting for something that should happen
TURN = [
    "user.message",
    "session.status_running",
    "span.model_request_start",
    "agent.message",
    "span.model_request_end",
    "session.status_idle",
]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[CoreServer]:
    core_server = await CoreServer.open(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        tmp_path,
        retry=RetryPolicy(max_retries=2, base_seconds=0.01),
        api_keys={KEY: "default"},
    )
    await core_server.start("127.0.0.1:0")
    try:
        yield core_server
    finally:
        await core_server.stop(0.5)


@pytest.fixture
async def core(server: CoreServer) -> AsyncIterator[InProcessCore]:
    in_process = InProcessCore.for_server(server)
    try:
        # Calls made by the test carry the key, as the edge's would.
        with forwarding((("x-api-key", KEY),)):
            yield in_process
    finally:
        await in_process.close()


async def until(condition: Callable[[], bool], deadline: float = WAIT) -> None:
    """Waits, a loop turn at a time, for ``condition``; fails after ``deadline``."""

    async def poll() -> None:
        # Nothing to wait on (e.g. the broker's subscriber count): yield, then look again.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0)

    await asyncio.wait_for(poll(), deadline)


def step_tasks() -> list[asyncio.Task[Any]]:
    return [
        t
        for t in asyncio.all_tasks()
        if getattr(t.get_coro(), "__qualname__", "") == "InProcessStream._next"
    ]


def user_message(text: str) -> event_pb2.SessionEvent:
    block = common_pb2.ContentBlock(text=common_pb2.TextBlock(text=text))
    return event_pb2.SessionEvent(user_message=event_pb2.UserMessageEvent(content=[block]))


async def new_session(core: InProcessCore) -> str:
    agent = (
        await core.agents.CreateAgent(
            agent_pb2.CreateAgentRequest(name="a", model=agent_pb2.ModelConfig(id="claude-x"))
        )
    ).agent
    env = (
        await core.environments.CreateEnvironment(
            environment_pb2.CreateEnvironmentRequest(name="e")
        )
    ).environment
    selector = session_pb2.AgentSelector(agent=session_pb2.AgentVersionSelector(id=agent.id))
    session = (
        await core.sessions.CreateSession(
            session_pb2.CreateSessionRequest(agent=selector, environment_id=env.id)
        )
    ).session
    return str(session.id)


async def read_until(stream: InProcessStream, event_type: str) -> list[str]:
    seen: list[str] = []

    async def go() -> None:
        async for item in stream:
            if item.HasField("event"):
                seen.append(type_of(item.event))
                if seen[-1] == event_type:
                    return

    await asyncio.wait_for(go(), WAIT)
    return seen


async def test_creates_and_reads_resources(core: InProcessCore) -> None:
    assert await core.ready()
    sid = await new_session(core)
    got = (await core.sessions.GetSession(session_pb2.GetSessionRequest(session_id=sid))).session
    assert got.id == sid
    assert got.status == session_pb2.SESSION_STATUS_IDLE
    listed = (await core.agents.ListAgents(agent_pb2.ListAgentsRequest())).agents
    assert [a.name for a in listed] == ["a"]


async def test_domain_errors_are_core_errors(core: InProcessCore) -> None:
    with pytest.raises(CoreError) as caught:
        await core.sessions.GetSession(session_pb2.GetSessionRequest(session_id="sesn_missing"))
    assert caught.value.code == grpc.StatusCode.NOT_FOUND
    assert "sesn_missing" in caught.value.message
    with pytest.raises(CoreError) as caught:
        await core.agents.GetAgent(agent_pb2.GetAgentRequest(agent_id="agent_missing"))
    assert caught.value.code == grpc.StatusCode.NOT_FOUND


async def test_stream_delivers_a_turn_and_aclose_releases_it(
    server: CoreServer, core: InProcessCore
) -> None:
    sid = await new_session(core)
    stream = core.events.StreamEvents(event_pb2.StreamEventsRequest(session_id=sid))
    await stream.opened()
    assert server.broker.subscriber_count(sid) == 1
    reply = await core.events.SendEvents(
        event_pb2.SendEventsRequest(session_id=sid, events=[user_message("hello there")])
    )
    assert [type_of(e) for e in reply.events] == ["user.message"]

    assert await read_until(stream, "session.status_idle") == TURN
    await stream.aclose()
    await until(lambda: server.broker.subscriber_count(sid) == 0)
    assert step_tasks() == []
    assert [item async for item in stream] == []  # a closed stream just ends


async def test_aclose_ends_a_pending_read_in_another_task(
    server: CoreServer, core: InProcessCore
) -> None:
    sid = await new_session(core)
    stream = core.events.StreamEvents(event_pb2.StreamEventsRequest(session_id=sid))
    await stream.opened()
    reader = asyncio.ensure_future(anext(stream))
    await until(lambda: len(step_tasks()) == 1)  # the read waits on the subscription
    await stream.aclose()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(reader, WAIT)
    assert server.broker.subscriber_count(sid) == 0
    assert step_tasks() == []


async def test_cancelling_the_reader_cancels_the_servicer(
    server: CoreServer, core: InProcessCore
) -> None:
    sid = await new_session(core)
    stream = core.events.StreamEvents(event_pb2.StreamEventsRequest(session_id=sid))
    await stream.opened()
    reader = asyncio.ensure_future(anext(stream))
    await until(lambda: len(step_tasks()) == 1)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert server.broker.subscriber_count(sid) == 0
    assert step_tasks() == []


async def test_stream_resumes_after_an_event_without_gap_or_duplicate(
    server: CoreServer, core: InProcessCore
) -> None:
    sid = await new_session(core)
    stream = core.events.StreamEvents(event_pb2.StreamEventsRequest(session_id=sid))
    await stream.opened()
    await core.events.SendEvents(
        event_pb2.SendEventsRequest(session_id=sid, events=[user_message("one")])
    )
    await read_until(stream, "session.status_idle")
    await stream.aclose()
    listed = (await core.events.ListEvents(event_pb2.ListEventsRequest(session_id=sid))).events
    assert len(listed) == len(TURN)

    resumed = core.events.StreamEvents(
        event_pb2.StreamEventsRequest(session_id=sid, after_event_id=listed[0].id)
    )
    await resumed.opened()
    got = [(await asyncio.wait_for(anext(resumed), WAIT)).event.id for _ in listed[1:]]
    await resumed.aclose()
    assert got == [e.id for e in listed[1:]]
    await until(lambda: server.broker.subscriber_count(sid) == 0)


class FakeEvents:
    """An event servicer whose stream is scripted by the test."""

    def __init__(self, script: str) -> None:
        self.script = script
        self.finished = asyncio.Event()
        self.cancelled = False

    async def StreamEvents(self, request: Any, context: Any) -> AsyncIterator[int]:  # noqa: N802
        try:
            if self.script == "attach-then-items":
                await context.send_initial_metadata(())
                yield 1  # produced before opened() resumes
                yield 2
            elif self.script == "items-without-attach":
                yield 1
                yield 2
            elif self.script == "abort-before-attach":
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "bad deltas")
            elif self.script == "crash-after-attach":
                await context.send_initial_metadata(())
                yield 1
                raise RuntimeError("secret detail")
            elif self.script == "hang-before-attach":
                await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        finally:
            self.finished.set()


def fake_core(script: str) -> tuple[InProcessCore, FakeEvents]:
    events = FakeEvents(script)
    return InProcessCore(object(), object(), object(), events), events


@pytest.mark.parametrize("script", ["attach-then-items", "items-without-attach"])
async def test_opened_keeps_the_first_item(script: str) -> None:
    core, events = fake_core(script)
    stream = core.events.StreamEvents(None)
    await stream.opened()
    assert [item async for item in stream] == [1, 2]
    assert events.finished.is_set()
    assert step_tasks() == []


async def test_abort_before_attach_fails_opened() -> None:
    core, events = fake_core("abort-before-attach")
    stream = core.events.StreamEvents(None)
    with pytest.raises(CoreError) as caught:
        await stream.opened()
    assert (caught.value.code, caught.value.message) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "bad deltas",
    )
    await stream.aclose()
    assert events.finished.is_set()


async def test_crash_after_attach_is_an_opaque_internal_error_from_iteration() -> None:
    core, _ = fake_core("crash-after-attach")
    stream = core.events.StreamEvents(None)
    await stream.opened()
    assert await anext(stream) == 1
    with pytest.raises(CoreError) as caught:
        await anext(stream)
    assert (caught.value.code, caught.value.message) == (
        grpc.StatusCode.INTERNAL,
        "internal error",
    )


async def test_cancelling_opened_cancels_the_servicer() -> None:
    core, events = fake_core("hang-before-attach")
    stream = core.events.StreamEvents(None)
    opener = asyncio.ensure_future(stream.opened())
    await until(lambda: len(step_tasks()) == 1)
    opener.cancel()
    with pytest.raises(asyncio.CancelledError):
        await opener
    assert events.cancelled and events.finished.is_set()
    assert step_tasks() == []


async def test_close_closes_open_streams() -> None:
    core, events = fake_core("hang-before-attach")
    stream = core.events.StreamEvents(None)
    opener = asyncio.ensure_future(stream.opened())
    await until(lambda: len(step_tasks()) == 1)
    await core.close()
    assert events.finished.is_set()
    with pytest.raises(CoreError) as caught:
        await asyncio.wait_for(opener, WAIT)
    assert caught.value.code == grpc.StatusCode.CANCELLED
    assert [item async for item in stream] == []
    with pytest.raises(CoreError) as caught:
        core.events.StreamEvents(None)
    assert caught.value.code == grpc.StatusCode.UNAVAILABLE


async def test_stream_of_unknown_session_fails_to_open(
    server: CoreServer, core: InProcessCore
) -> None:
    stream = core.events.StreamEvents(event_pb2.StreamEventsRequest(session_id="sesn_missing"))
    with pytest.raises(CoreError) as caught:
        await stream.opened()
    assert caught.value.code == grpc.StatusCode.NOT_FOUND
    assert server.broker.subscriber_count("sesn_missing") == 0
    await stream.aclose()
    assert step_tasks() == []


async def test_unexpected_exception_is_an_opaque_internal_error(server: CoreServer) -> None:
    class Broken:
        async def GetAgent(self, request: Any, context: Any) -> Any:  # noqa: N802
            raise RuntimeError("secret detail")

    core = InProcessCore(Broken(), Broken(), Broken(), Broken())
    with pytest.raises(CoreError) as caught:
        await core.agents.GetAgent(agent_pb2.GetAgentRequest(agent_id="x"))
    assert caught.value.code == grpc.StatusCode.INTERNAL
    assert caught.value.message == "internal error"
    await core.close()
    assert not await core.ready()
    with pytest.raises(CoreError) as caught:
        await core.agents.GetAgent(agent_pb2.GetAgentRequest(agent_id="x"))
    assert caught.value.code == grpc.StatusCode.UNAVAILABLE


async def test_ready_follows_the_server(tmp_path: Path) -> None:
    core_server = await CoreServer.open(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", tmp_path, api_keys={KEY: "default"}
    )
    core = InProcessCore.for_server(core_server)
    assert not await core.ready()  # not started
    await core_server.start("127.0.0.1:0")
    assert await core.ready()
    await core_server.stop(0.5)
    assert not await core.ready()


# --------------------------------------------------------------------------- the edge


async def read_frame(resp: ClientResponse) -> dict[str, str] | None:
    """The next SSE frame as its fields, or None at the end of the stream."""
    fields: dict[str, str] = {}
    while True:
        line = (await asyncio.wait_for(resp.content.readline(), WAIT)).decode()
        if not line:
            return None
        if line == "\n":
            return fields
        name, _, value = line.rstrip("\n").partition(": ")
        fields[name] = value


async def test_edge_app_over_the_in_process_core(server: CoreServer, core: InProcessCore) -> None:
    client = TestClient(TestServer(create_app(core)))
    await client.start_server()
    try:
        resp = await client.get("/healthz")
        assert resp.status == 200

        resp = await client.post(
            "/v1/agents", json={"name": "helper", "model": "claude-x"}, headers=AUTH
        )
        assert resp.status == 200, await resp.text()
        agent = await resp.json()
        assert agent["name"] == "helper" and agent["version"] == 1
        resp = await client.post("/v1/environments", json={"name": "e"}, headers=AUTH)
        assert resp.status == 200, await resp.text()
        env_id = (await resp.json())["id"]
        resp = await client.post(
            "/v1/sessions", json={"agent": agent["id"], "environment_id": env_id}, headers=AUTH
        )
        assert resp.status == 200, await resp.text()
        sid = (await resp.json())["id"]

        resp = await client.get("/v1/agents/agent_missing", headers=AUTH)
        assert resp.status == 404

        stream = await client.get(f"/v1/sessions/{sid}/events/stream", headers=AUTH)
        assert stream.status == 200
        assert stream.headers["Content-Type"] == "text/event-stream"
        message = {"type": "user.message", "content": [{"type": "text", "text": "hi"}]}
        resp = await client.post(
            f"/v1/sessions/{sid}/events", json={"events": [message]}, headers=AUTH
        )
        assert resp.status == 200, await resp.text()
        sent_id = (await resp.json())["data"][0]["id"]

        names: list[str] = []
        frames: list[dict[str, str]] = []
        while not names or names[-1] != "session.status_idle":
            frame = await read_frame(stream)
            assert frame is not None, f"stream ended after {names}"
            if frame["event"] != "ping":
                names.append(frame["event"])
                frames.append(frame)
        assert names == TURN
        assert frames[0]["id"] == sent_id
        assert json.loads(frames[0]["data"])["content"][0]["text"] == "hi"
        assert server.broker.subscriber_count(sid) == 1

        stream.close()  # the client goes away: the core's subscription is released
        await until(lambda: server.broker.subscriber_count(sid) == 0)

        resp = await client.get("/v1/sessions/sesn_missing/events/stream", headers=AUTH)
        assert resp.status == 404
        assert (await resp.json())["error"]["type"] == "not_found_error"
    finally:
        await client.close()
    assert step_tasks() == []
