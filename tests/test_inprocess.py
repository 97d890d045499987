"""The in-process transport: the typed client over a real CoreServer, with no socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc
import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from sessiond.cli.inprocess import InProcessTransport
from sessiond.core.eventtypes import type_of
from sessiond.core.runtime.turn import RetryPolicy
from sessiond.core.server import CoreServer
from sessiond.edge.app import create_app
from sessiond.edge.client import CoreClient
from sessiond.edge.rpc import CoreError, Stream
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

KEY_METADATA = (("x-api-key", KEY),)


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
async def core(server: CoreServer) -> AsyncIterator[CoreClient]:
    client = CoreClient(InProcessTransport(server), KEY_METADATA)
    try:
        yield client
    finally:
        await client.close()


async def until(condition: Callable[[], bool], deadline: float = WAIT) -> None:
    """Waits, a loop turn at a time, for ``condition``; fails after ``deadline``."""

    async def poll() -> None:
        # Nothing to wait on (e.g. the broker's subscriber count): yield, then look again.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0)

    await asyncio.wait_for(poll(), deadline)


def user_message(text: str) -> event_pb2.SessionEvent:
    block = common_pb2.ContentBlock(text=common_pb2.TextBlock(text=text))
    return event_pb2.SessionEvent(user_message=event_pb2.UserMessageEvent(content=[block]))


async def new_session(core: CoreClient) -> str:
    agent = (
        await core.agents.create_agent(
            agent_pb2.CreateAgentRequest(name="a", model=agent_pb2.ModelConfig(id="claude-x"))
        )
    ).agent
    env = (
        await core.environments.create_environment(
            environment_pb2.CreateEnvironmentRequest(name="e")
        )
    ).environment
    selector = session_pb2.AgentSelector(agent=session_pb2.AgentVersionSelector(id=agent.id))
    session = (
        await core.sessions.create_session(
            session_pb2.CreateSessionRequest(agent=selector, environment_id=env.id)
        )
    ).session
    return str(session.id)


async def send(core: CoreClient, sid: str, text: str) -> str:
    reply = await core.events.send_events(
        event_pb2.SendEventsRequest(session_id=sid, events=[user_message(text)])
    )
    return str(reply.events[0].id)


async def read_until(stream: Stream[event_pb2.StreamEventsResponse], event_type: str) -> list[str]:
    seen: list[str] = []

    async def go() -> None:
        async for item in stream:
            if item.HasField("event"):
                seen.append(type_of(item.event))
                if seen[-1] == event_type:
                    return

    await asyncio.wait_for(go(), WAIT)
    return seen


def stream_request(sid: str, after: str = "") -> event_pb2.StreamEventsRequest:
    return event_pb2.StreamEventsRequest(session_id=sid, after_event_id=after)


async def test_creates_and_reads_resources(core: CoreClient) -> None:
    assert await core.ready()
    sid = await new_session(core)
    got = (await core.sessions.get_session(session_pb2.GetSessionRequest(session_id=sid))).session
    assert got.id == sid
    assert got.status == session_pb2.SESSION_STATUS_IDLE
    listed = (await core.agents.list_agents(agent_pb2.ListAgentsRequest())).agents
    assert [a.name for a in listed] == ["a"]


async def test_domain_errors_are_core_errors(core: CoreClient) -> None:
    with pytest.raises(CoreError) as caught:
        await core.sessions.get_session(session_pb2.GetSessionRequest(session_id="sesn_missing"))
    assert caught.value.code == grpc.StatusCode.NOT_FOUND
    assert "sesn_missing" in caught.value.message
    with pytest.raises(CoreError) as caught:
        await core.agents.get_agent(agent_pb2.GetAgentRequest(agent_id="agent_missing"))
    assert caught.value.code == grpc.StatusCode.NOT_FOUND


async def test_core_stream_is_attached_once_awaited(server: CoreServer, core: CoreClient) -> None:
    """The core's own ``open_stream``: an event appended right after the await is delivered."""
    sid = await new_session(core)
    async with await server.open_stream(stream_request(sid), ws="default") as stream:
        sent = await send(core, sid, "right after")
        first = await asyncio.wait_for(anext(stream), WAIT)
    assert first.event.id == sent
    assert server.broker.subscriber_count(sid) == 0


async def test_stream_is_attached_once_opened(server: CoreServer, core: CoreClient) -> None:
    sid = await new_session(core)
    stream = await core.events.stream_events(stream_request(sid))
    assert server.broker.subscriber_count(sid) == 1
    sent = await send(core, sid, "right after")
    first = await asyncio.wait_for(anext(stream), WAIT)
    assert first.event.id == sent
    await stream.aclose()


async def test_stream_delivers_a_turn_and_aclose_releases_it(
    server: CoreServer, core: CoreClient
) -> None:
    sid = await new_session(core)
    stream = await core.events.stream_events(stream_request(sid))
    assert server.broker.subscriber_count(sid) == 1
    await send(core, sid, "hello there")
    assert await read_until(stream, "session.status_idle") == TURN
    await stream.aclose()
    assert server.broker.subscriber_count(sid) == 0
    assert [item async for item in stream] == []  # a closed stream just ends


async def test_aclose_ends_a_pending_read_in_another_task(
    server: CoreServer, core: CoreClient
) -> None:
    sid = await new_session(core)
    stream = await core.events.stream_events(stream_request(sid))
    reader = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)  # one loop turn: the read now waits on the subscription
    assert not reader.done()
    await stream.aclose()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(reader, WAIT)
    assert server.broker.subscriber_count(sid) == 0


async def test_a_cancelled_read_loses_nothing_and_aclosing_releases(
    server: CoreServer, core: CoreClient
) -> None:
    sid = await new_session(core)
    stream = await core.events.stream_events(stream_request(sid))
    async with contextlib.aclosing(stream):
        reader = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0)
        reader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reader
        sent = await send(core, sid, "after the cancel")
        assert (await asyncio.wait_for(anext(stream), WAIT)).event.id == sent
    assert server.broker.subscriber_count(sid) == 0


async def test_stream_resumes_after_an_event_without_gap_or_duplicate(
    server: CoreServer, core: CoreClient
) -> None:
    sid = await new_session(core)
    stream = await core.events.stream_events(stream_request(sid))
    await send(core, sid, "one")
    await read_until(stream, "session.status_idle")
    await stream.aclose()
    listed = (await core.events.list_events(event_pb2.ListEventsRequest(session_id=sid))).events
    assert len(listed) == len(TURN)

    resumed = await core.events.stream_events(stream_request(sid, after=listed[0].id))
    got = [(await asyncio.wait_for(anext(resumed), WAIT)).event.id for _ in listed[1:]]
    sent = await send(core, sid, "two")  # then live, with nothing twice
    assert (await asyncio.wait_for(anext(resumed), WAIT)).event.id == sent
    await resumed.aclose()
    assert got == [e.id for e in listed[1:]]
    assert server.broker.subscriber_count(sid) == 0


async def test_bad_deltas_fail_to_open(server: CoreServer, core: CoreClient) -> None:
    sid = await new_session(core)
    request = event_pb2.StreamEventsRequest(session_id=sid, event_deltas=["user.message"])
    with pytest.raises(CoreError) as caught:
        await core.events.stream_events(request)
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert server.broker.subscriber_count(sid) == 0


async def test_stream_of_unknown_session_fails_to_open(
    server: CoreServer, core: CoreClient
) -> None:
    with pytest.raises(CoreError) as caught:
        await core.events.stream_events(stream_request("sesn_missing"))
    assert caught.value.code == grpc.StatusCode.NOT_FOUND
    assert server.broker.subscriber_count("sesn_missing") == 0


async def test_failure_while_streaming_is_an_opaque_internal_error(
    server: CoreServer, core: CoreClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = await new_session(core)
    first = await send(core, sid, "one")

    async def broken(*args: object) -> list[event_pb2.SessionEvent]:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(server.store, "events_after", broken)
    stream = await core.events.stream_events(stream_request(sid, after=first))
    with pytest.raises(CoreError) as caught:
        await anext(stream)
    assert (caught.value.code, caught.value.message) == (
        grpc.StatusCode.INTERNAL,
        "internal error",
    )
    await stream.aclose()


async def test_close_closes_open_streams(server: CoreServer) -> None:
    core = CoreClient(InProcessTransport(server), KEY_METADATA)
    sid = await new_session(core)
    stream = await core.events.stream_events(stream_request(sid))
    reader = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)
    await core.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(reader, WAIT)
    assert server.broker.subscriber_count(sid) == 0
    assert not await core.ready()
    with pytest.raises(CoreError) as caught:
        await core.events.stream_events(stream_request(sid))
    assert caught.value.code == grpc.StatusCode.UNAVAILABLE
    with pytest.raises(CoreError) as caught:
        await core.agents.get_agent(agent_pb2.GetAgentRequest(agent_id="x"))
    assert caught.value.code == grpc.StatusCode.UNAVAILABLE


async def test_unexpected_exception_is_an_opaque_internal_error(
    server: CoreServer, core: CoreClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object) -> agent_pb2.Agent:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(server.agents, "get", broken)
    with pytest.raises(CoreError) as caught:
        await core.agents.get_agent(agent_pb2.GetAgentRequest(agent_id="x"))
    assert caught.value.code == grpc.StatusCode.INTERNAL
    assert caught.value.message == "internal error"


async def test_metadata_reaches_the_servicer_context(
    server: CoreServer, core: CoreClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per-call metadata (a later issue's API key) reaches the servicer in-process too."""
    seen: list[object] = []
    servicer = server.servicers.agents
    original = type(servicer).GetAgent

    async def spy(self: object, request: object, context: grpc.aio.ServicerContext) -> object:
        seen.append(tuple(context.invocation_metadata()))
        return await original(servicer, request, context)

    monkeypatch.setattr(type(servicer), "GetAgent", spy)
    transport = InProcessTransport(server)  # registers the spied handler
    keyed = CoreClient(transport).with_metadata(KEY_METADATA)
    with pytest.raises(CoreError):
        await keyed.agents.get_agent(agent_pb2.GetAgentRequest(agent_id="agent_missing"))
    assert seen == [KEY_METADATA]


async def test_ready_follows_the_server(tmp_path: Path) -> None:
    core_server = await CoreServer.open(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", tmp_path)
    core = CoreClient(InProcessTransport(core_server))
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


async def test_edge_app_over_the_in_process_core(server: CoreServer, core: CoreClient) -> None:
    client = TestClient(TestServer(create_app(CoreClient(InProcessTransport(server)))))
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


# --------------------------------------------------------------------------- direct writes
# In-process, a caught-up stream's frames are written by the publisher itself; a slow
# client falls back to the stream's bounded queue. These check that the switches between
# the two keep every stream gapless, in order and without duplicates.

EdgeClient = TestClient[web.Request, web.Application]


@pytest.fixture
async def edge_client(server: CoreServer) -> AsyncIterator[EdgeClient]:
    client = TestClient(TestServer(create_app(CoreClient(InProcessTransport(server)))))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def all_event_ids(core: CoreClient, sid: str) -> list[str]:
    ids: list[str] = []
    token = ""
    while True:
        page = await core.events.list_events(
            event_pb2.ListEventsRequest(session_id=sid, page_size=1000, page_token=token)
        )
        ids.extend(e.id for e in page.events)
        if not (token := page.next_page_token):
            return ids


async def flood(core: CoreClient, sid: str, batches: int) -> None:
    """Sends ``batches`` requests of 1,000 interrupts (no turn runs: the session
    settles as soon as they are stored)."""
    interrupt = event_pb2.SessionEvent(user_interrupt=event_pb2.UserInterruptEvent())
    for _ in range(batches):
        await core.events.send_events(
            event_pb2.SendEventsRequest(session_id=sid, events=[interrupt] * 1000)
        )


def shrink_send_buffers(client: EdgeClient) -> None:
    """Gives the server's open connections a small socket send buffer, so that a
    client that does not read blocks the server's writes after a few hundred kB."""
    runner = client.server.runner
    assert runner is not None and runner.server is not None
    for handler in runner.server.connections:
        assert handler.transport is not None
        sock = handler.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)


async def read_ids(resp: ClientResponse, until: Callable[[str, list[str]], bool]) -> list[str]:
    """The ids of the events read until ``until(event type, ids so far)``."""
    ids: list[str] = []
    while True:
        frame = await read_frame(resp)
        assert frame is not None, f"the stream ended after {len(ids)} events"
        assert frame["event"] != "error", frame["data"]
        if frame["event"] != "ping":
            ids.append(frame["id"])
            if until(frame["event"], ids):
                return ids


async def start_turn(core: CoreClient, sid: str, resp: ClientResponse) -> list[str]:
    """Sends a message and reads its turn, to the session's idle."""
    sent = await send(core, sid, "hi")
    ids = await read_ids(resp, lambda name, _: name == "session.status_idle")
    assert ids[0] == sent
    return ids


async def test_a_client_that_stops_reading_then_reads_gets_every_event_in_order(
    core: CoreClient, edge_client: EdgeClient
) -> None:
    sid = await new_session(core)
    resp = await edge_client.get(f"/v1/sessions/{sid}/events/stream", headers=AUTH)
    shrink_send_buffers(edge_client)
    got = await start_turn(core, sid, resp)  # caught up: written by the publisher
    await flood(core, sid, 2)  # not read meanwhile: the socket fills up, the queue takes over
    expected = await all_event_ids(core, sid)
    got += await read_ids(resp, lambda _, ids: len(got) + len(ids) >= len(expected))
    assert got == expected
    got += await start_turn(core, sid, resp)  # caught up again
    assert got == await all_event_ids(core, sid)
    resp.close()


async def test_a_client_too_slow_is_cut_off_then_resumes_without_gap_or_duplicate(
    core: CoreClient, edge_client: EdgeClient
) -> None:
    sid = await new_session(core)
    path = f"/v1/sessions/{sid}/events/stream"
    resp = await edge_client.get(path, headers=AUTH)
    shrink_send_buffers(edge_client)
    got = await start_turn(core, sid, resp)
    await flood(core, sid, 6)  # past the socket's buffers and the stream's queue
    expected = await all_event_ids(core, sid)
    while (frame := await read_frame(resp)) is not None and frame["event"] != "error":
        if frame["event"] != "ping":
            got.append(frame["id"])
    assert frame is not None, "the stream ended without saying why"
    body = json.loads(frame["data"])
    assert body["error"]["type"] == "rate_limit_error"
    assert "Last-Event-ID" in body["error"]["message"]
    assert await read_frame(resp) is None  # nothing after the error frame
    assert 6 < len(got) < len(expected) and got == expected[: len(got)]

    resumed = await edge_client.get(path, headers={**AUTH, "Last-Event-ID": got[-1]})
    got += await read_ids(resumed, lambda _, ids: len(got) + len(ids) >= len(expected))
    assert got == expected
    got += await start_turn(core, sid, resumed)  # and live again
    assert got == await all_event_ids(core, sid)
    resumed.close()
