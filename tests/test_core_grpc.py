"""The core's servicers on a real grpc.aio server on 127.0.0.1:0."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sessiond.core.eventtypes import type_of
from sessiond.core.runtime.turn import RetryPolicy
from sessiond.core.server import CoreServer
from sessiond.v1 import (
    agent_pb2,
    agent_pb2_grpc,
    common_pb2,
    environment_pb2,
    environment_pb2_grpc,
    event_pb2,
    event_pb2_grpc,
    session_pb2,
    session_pb2_grpc,
)

from .gate_model import GateModel

KEY = "sk-test-core"
WORKSPACE = "default"


class _WithKey:
    """Adds ``x-api-key`` to every call, as the edge does."""

    def __init__(self, key: str) -> None:
        self._key = key

    def _details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = grpc.aio.Metadata(*(details.metadata or ()), ("x-api-key", self._key))
        return grpc.aio.ClientCallDetails(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
        )


class _KeyUnary(_WithKey, grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_unary(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return await continuation(self._details(details), request)


class _KeyStream(_WithKey, grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_stream(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return await continuation(self._details(details), request)


def keyed_channel(target: str, key: str = KEY) -> grpc.aio.Channel:
    """A channel whose calls carry ``key`` (grpc.aio files each interceptor
    under one kind of call only, hence one per kind)."""
    return grpc.aio.insecure_channel(target, interceptors=[_KeyUnary(key), _KeyStream(key)])


class Stubs:
    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.channel = channel
        self.agents = agent_pb2_grpc.AgentServiceStub(channel)
        self.envs = environment_pb2_grpc.EnvironmentServiceStub(channel)
        self.sessions = session_pb2_grpc.SessionServiceStub(channel)
        self.events = event_pb2_grpc.EventServiceStub(channel)
        self.health = health_pb2_grpc.HealthStub(channel)


@pytest.fixture
def gate() -> GateModel:
    return GateModel()


@pytest.fixture
async def core(tmp_path: Path, gate: GateModel) -> AsyncIterator[Stubs]:
    server = await CoreServer.open(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        tmp_path,
        gate,
        retry=RetryPolicy(max_retries=2, base_seconds=0.01),
        api_keys={KEY: WORKSPACE},
    )
    port = await server.start("127.0.0.1:0")
    channel = keyed_channel(f"127.0.0.1:{port}")
    try:
        yield Stubs(channel)
    finally:
        await channel.close()
        await server.stop(0.5)


def text(t: str) -> list[common_pb2.ContentBlock]:
    return [common_pb2.ContentBlock(text=common_pb2.TextBlock(text=t))]


def user_message(t: str) -> event_pb2.SessionEvent:
    return event_pb2.SessionEvent(user_message=event_pb2.UserMessageEvent(content=text(t)))


async def new_session(s: Stubs) -> str:
    agent = (
        await s.agents.CreateAgent(
            agent_pb2.CreateAgentRequest(name="a", model=agent_pb2.ModelConfig(id="claude-x"))
        )
    ).agent
    env = (
        await s.envs.CreateEnvironment(environment_pb2.CreateEnvironmentRequest(name="e"))
    ).environment
    sel = session_pb2.AgentSelector(agent=session_pb2.AgentVersionSelector(id=agent.id))
    sess = (
        await s.sessions.CreateSession(
            session_pb2.CreateSessionRequest(agent=sel, environment_id=env.id)
        )
    ).session
    return sess.id


async def open_stream(s: Stubs, sid: str) -> object:
    """A live stream; returns once the core has attached it (initial metadata)."""
    stream = s.events.StreamEvents(event_pb2.StreamEventsRequest(session_id=sid))
    await stream.initial_metadata()
    return stream


async def read_until(stream: object, event_type: str, deadline: float = 10) -> list[str]:
    seen: list[str] = []

    async def go() -> None:
        async for item in stream:  # type: ignore[attr-defined]
            if item.HasField("event"):
                seen.append(type_of(item.event))
                if seen[-1] == event_type:
                    return

    await asyncio.wait_for(go(), deadline)
    return seen


async def test_health_serving(core: Stubs) -> None:
    reply = await core.health.Check(
        health_pb2.HealthCheckRequest(service="sessiond.v1.EventService")
    )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_basic_turn_streamed_in_order(core: Stubs) -> None:
    sid = await new_session(core)
    stream = await open_stream(core, sid)
    await core.events.SendEvents(
        event_pb2.SendEventsRequest(session_id=sid, events=[user_message("hello there")])
    )
    seen = await read_until(stream, "session.status_idle")
    stream.cancel()
    assert seen == [
        "user.message",
        "session.status_running",
        "span.model_request_start",
        "agent.message",
        "span.model_request_end",
        "session.status_idle",
    ]
    listed = (await core.events.ListEvents(event_pb2.ListEventsRequest(session_id=sid))).events
    assert [e.sequence for e in listed] == list(range(1, 7))
    assert listed[3].agent_message.content[0].text.text == "hello there"
    assert listed[0].HasField("processed_at")
    sess = (await core.sessions.GetSession(session_pb2.GetSessionRequest(session_id=sid))).session
    assert sess.status == session_pb2.SESSION_STATUS_IDLE
    assert sess.usage.input_tokens == 2 and sess.usage.output_tokens == 2


async def test_unknown_session_is_not_found(core: Stubs) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as e:
        await core.events.SendEvents(
            event_pb2.SendEventsRequest(session_id="sesn_nope", events=[user_message("x")])
        )
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


async def test_negative_page_size_is_invalid(core: Stubs) -> None:
    sid = await new_session(core)
    with pytest.raises(grpc.aio.AioRpcError) as e:
        await core.events.ListEvents(event_pb2.ListEventsRequest(session_id=sid, page_size=-1))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def interrupt() -> event_pb2.SessionEvent:
    return event_pb2.SessionEvent(user_interrupt=event_pb2.UserInterruptEvent())


async def test_interrupt_and_redirect_in_one_request(core: Stubs, gate: GateModel) -> None:
    sid = await new_session(core)
    stream = await open_stream(core, sid)
    await core.events.SendEvents(
        event_pb2.SendEventsRequest(session_id=sid, events=[user_message("/sleep 30\n/say never")])
    )
    await read_until(stream, "span.model_request_start")
    await asyncio.wait_for(gate.entered.wait(), 5)
    # The gate stays shut: only the interrupt can end this turn.
    await core.events.SendEvents(
        event_pb2.SendEventsRequest(
            session_id=sid, events=[interrupt(), user_message("redirected")]
        )
    )
    seen = await read_until(stream, "session.status_idle", deadline=5)
    seen += await read_until(stream, "session.status_idle", deadline=5)
    stream.cancel()
    listed = (await core.events.ListEvents(event_pb2.ListEventsRequest(session_id=sid))).events
    texts = [e.agent_message.content[0].text.text for e in listed if e.HasField("agent_message")]
    assert texts == ["redirected"]
    assert all(e.HasField("processed_at") for e in listed)


async def test_messages_sent_during_a_turn_queue_and_run_in_order(
    core: Stubs, gate: GateModel
) -> None:
    sid = await new_session(core)
    stream = await open_stream(core, sid)
    await core.events.SendEvents(
        event_pb2.SendEventsRequest(session_id=sid, events=[user_message("/sleep 1\n/say first")])
    )
    await read_until(stream, "span.model_request_start")
    await asyncio.wait_for(gate.entered.wait(), 5)
    reply = await core.events.SendEvents(
        event_pb2.SendEventsRequest(session_id=sid, events=[user_message("second")])
    )
    assert not reply.events[0].HasField("processed_at")
    gate.open()
    await read_until(stream, "session.status_idle")
    await read_until(stream, "session.status_idle")
    stream.cancel()
    listed = (await core.events.ListEvents(event_pb2.ListEventsRequest(session_id=sid))).events
    kinds = [type_of(e) for e in listed]
    assert kinds.count("session.status_idle") == 2
    texts = [e.agent_message.content[0].text.text for e in listed if e.HasField("agent_message")]
    assert texts == ["first", "second"]


async def test_stream_resumes_after_an_event_id_without_gap_or_duplicate(core: Stubs) -> None:
    sid = await new_session(core)
    for word in ("one", "two", "three"):
        stream = await open_stream(core, sid)
        await core.events.SendEvents(
            event_pb2.SendEventsRequest(session_id=sid, events=[user_message(word)])
        )
        await read_until(stream, "session.status_idle")
        stream.cancel()
    listed = (await core.events.ListEvents(event_pb2.ListEventsRequest(session_id=sid))).events
    cut = listed[4].id
    resumed = core.events.StreamEvents(
        event_pb2.StreamEventsRequest(session_id=sid, after_event_id=cut)
    )
    got: list[str] = []

    async def collect() -> None:
        async for item in resumed:
            got.append(item.event.id)
            if len(got) == len(listed) - 5:
                return

    await asyncio.wait_for(collect(), 5)
    resumed.cancel()
    assert got == [e.id for e in listed[5:]]


async def test_stream_of_unknown_session_is_not_found(core: Stubs) -> None:
    stream = core.events.StreamEvents(event_pb2.StreamEventsRequest(session_id="sesn_missing"))
    with pytest.raises(grpc.aio.AioRpcError) as e:
        async for _ in stream:
            pass
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


async def test_archived_session_refuses_events(core: Stubs) -> None:
    sid = await new_session(core)
    await core.sessions.ArchiveSession(session_pb2.ArchiveSessionRequest(session_id=sid))
    with pytest.raises(grpc.aio.AioRpcError) as e:
        await core.events.SendEvents(
            event_pb2.SendEventsRequest(session_id=sid, events=[user_message("x")])
        )
    assert e.value.code() == grpc.StatusCode.ABORTED
