"""The typed client's seam: retry safety from the proto, and the gRPC transport."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pb2
from sessiond.core.server import CoreServer
from sessiond.edge import client
from sessiond.edge.client import CoreClient
from sessiond.edge.grpc_transport import GrpcTransport
from sessiond.edge.rpc import CoreError, Method, StreamMethod
from sessiond.v1 import (
    agent_pb2,
    agent_pb2_grpc,
    common_pb2,
    deployment_pb2,
    environment_pb2,
    event_pb2,
    file_pb2,
    memory_pb2,
    session_pb2,
    session_resource_pb2,
    skill_pb2,
    thread_pb2,
    vault_pb2,
    webhook_pb2,
    work_pb2,
)

WAIT = 10.0
FILES = (
    agent_pb2,
    environment_pb2,
    session_pb2,
    event_pb2,
    file_pb2,
    memory_pb2,
    session_resource_pb2,
    skill_pb2,
    work_pb2,
    vault_pb2,
    deployment_pb2,
    webhook_pb2,
    thread_pb2,
)
Options = descriptor_pb2.MethodOptions

KEY = "sk-seam-test-0123456789"
KEY_METADATA = (("x-api-key", KEY),)


def proto_methods() -> list[tuple[str, int, bool]]:
    """(path, idempotency level, level stated) of every RPC of every service."""
    found = []
    for module in FILES:
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                options = method.GetOptions()
                found.append(
                    (
                        f"/{service.full_name}/{method.name}",
                        options.idempotency_level,
                        options.HasField("idempotency_level"),
                    )
                )
    return found


def client_methods() -> dict[str, Method[object, object] | StreamMethod[object, object]]:
    return {
        m.path: m
        for m in vars(client).values()
        if isinstance(m, Method | StreamMethod)  # the test may look around; the client does not
    }


def test_every_rpc_states_its_idempotency_level() -> None:
    methods = proto_methods()
    # 21 of agents, environments, sessions, events; 33 of issue 12; 21 of issue 11;
    # 10 of deployments (issue 13).
    # 7 of webhooks; 3 of session threads.
    assert len(methods) == 95
    unstated = [path for path, _, stated in methods if not stated]
    assert unstated == []


def test_retry_safety_is_read_from_the_descriptors() -> None:
    typed = client_methods()
    assert sorted(typed) == sorted(path for path, _, _ in proto_methods())
    for path, level, _ in proto_methods():
        assert typed[path].retry_safe == (level in (Options.NO_SIDE_EFFECTS, Options.IDEMPOTENT))
    assert client.GET_AGENT.retry_safe and client.LIST_EVENTS.retry_safe
    assert client.STREAM_EVENTS.retry_safe and client.ARCHIVE_SESSION.retry_safe
    assert not client.CREATE_AGENT.retry_safe and not client.SEND_EVENTS.retry_safe
    assert not client.DELETE_SESSION.retry_safe


# --------------------------------------------------------------------------- gRPC transport


class FakeAgents(agent_pb2_grpc.AgentServiceServicer):
    """A fake core's agent service: answers, or answers UNAVAILABLE (it was reached)."""

    def __init__(self, name: str, unavailable: bool) -> None:
        self.name = name
        self.unavailable = unavailable
        self.calls: list[str] = []

    async def _answer(self, method: str, context: grpc.aio.ServicerContext) -> agent_pb2.Agent:
        self.calls.append(method)
        if self.unavailable:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "going away")
        return agent_pb2.Agent(id=f"agent_{self.name}")

    async def GetAgent(  # noqa: N802
        self, request: agent_pb2.GetAgentRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.GetAgentResponse:
        return agent_pb2.GetAgentResponse(agent=await self._answer("GetAgent", context))

    async def CreateAgent(  # noqa: N802
        self, request: agent_pb2.CreateAgentRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.CreateAgentResponse:
        return agent_pb2.CreateAgentResponse(agent=await self._answer("CreateAgent", context))


@pytest.fixture
async def cores() -> AsyncIterator[tuple[str, FakeAgents, FakeAgents]]:
    """Two fake cores: the first answers UNAVAILABLE, the second answers."""
    servers, fakes, addresses = [], [], []
    for name, unavailable in (("a", True), ("b", False)):
        server = grpc.aio.server()
        fake = FakeAgents(name, unavailable)
        agent_pb2_grpc.add_AgentServiceServicer_to_server(fake, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        servers.append(server)
        fakes.append(fake)
        addresses.append(f"127.0.0.1:{port}")
    try:
        yield ",".join(addresses), fakes[0], fakes[1]
    finally:
        for server in servers:
            await server.stop(None)


async def test_read_only_rpc_is_retried_on_the_next_core(
    cores: tuple[str, FakeAgents, FakeAgents],
) -> None:
    targets, a, b = cores
    core = CoreClient(GrpcTransport(targets))
    try:
        reply = await core.agents.get_agent(agent_pb2.GetAgentRequest(agent_id="x"))
    finally:
        await core.close()
    assert reply.agent.id == "agent_b"
    assert (a.calls, b.calls) == (["GetAgent"], ["GetAgent"])


async def test_side_effecting_rpc_is_not_retried_once_a_core_answered(
    cores: tuple[str, FakeAgents, FakeAgents],
) -> None:
    targets, a, b = cores
    core = CoreClient(GrpcTransport(targets))
    try:
        with pytest.raises(CoreError) as caught:
            await core.agents.create_agent(agent_pb2.CreateAgentRequest(name="n"))
    finally:
        await core.close()
    assert caught.value.code == grpc.StatusCode.UNAVAILABLE
    assert (a.calls, b.calls) == (["CreateAgent"], [])


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_side_effecting_rpc_goes_on_when_a_core_cannot_be_reached(
    cores: tuple[str, FakeAgents, FakeAgents],
) -> None:
    """A core whose channel never connects never got the call: the next one gets it once."""
    targets, _, b = cores
    core = CoreClient(GrpcTransport(f"127.0.0.1:{closed_port()},{targets.split(',')[1]}"))
    try:
        reply = await core.agents.create_agent(agent_pb2.CreateAgentRequest(name="n"))
    finally:
        await core.close()
    assert reply.agent.id == "agent_b"
    assert b.calls == ["CreateAgent"]


# --------------------------------------------------------------------------- real core


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


async def test_grpc_stream_is_attached_once_opened(core_server: CoreServer) -> None:
    core = CoreClient(GrpcTransport(f"127.0.0.1:{core_server.port}"), KEY_METADATA)
    try:
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
        sid = (
            await core.sessions.create_session(
                session_pb2.CreateSessionRequest(agent=selector, environment_id=env.id)
            )
        ).session.id
        stream = await core.events.stream_events(event_pb2.StreamEventsRequest(session_id=sid))
        assert core_server.broker.subscriber_count(sid) == 1
        block = common_pb2.ContentBlock(text=common_pb2.TextBlock(text="right after"))
        event = event_pb2.SessionEvent(user_message=event_pb2.UserMessageEvent(content=[block]))
        sent = await core.events.send_events(
            event_pb2.SendEventsRequest(session_id=sid, events=[event])
        )
        first = await asyncio.wait_for(anext(stream), WAIT)
        assert first.event.id == sent.events[0].id
        await stream.aclose()
        with pytest.raises(CoreError) as caught:
            await core.events.stream_events(
                event_pb2.StreamEventsRequest(session_id="sesn_missing")
            )
        assert caught.value.code == grpc.StatusCode.NOT_FOUND
    finally:
        await core.close()
