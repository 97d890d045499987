"""The HTTP edge against a fake core: routing, translation, errors, auth and SSE."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeAlias

import grpc
import pytest
from aiohttp import ClientResponse, ClientSession, web
from aiohttp.test_utils import TestClient, TestServer
from google.protobuf.message import Message
from sessiond.edge.app import create_app
from sessiond.edge.client import STREAM_EVENTS, CoreClient
from sessiond.edge.rpc import CoreError, Metadata, Method, Req, Resp, Stream, StreamMethod
from sessiond.v1 import agent_pb2, common_pb2, environment_pb2, event_pb2, session_pb2

KEY = "sk-test-key"
AUTH = {"x-api-key": KEY}
WAIT = 5.0  # seconds before a test gives up waiting for something that should happen

StreamItem: TypeAlias = event_pb2.StreamEventsResponse | Exception | None


class FakeStream:
    """An opened stream (the shape of ``edge.rpc.Stream``), fed by ``FakeCore.serve_stream``."""

    def __init__(self, core: FakeCore) -> None:
        self._items = core.serve_stream()

    def __aiter__(self) -> FakeStream:
        return self

    async def __anext__(self) -> event_pb2.StreamEventsResponse:
        return await anext(self._items)

    async def aclose(self) -> None:
        await self._items.aclose()


class FakeDirectStream(FakeStream):
    """A fake stream that also takes a sink, like the in-process one."""

    def __init__(self, core: FakeCore) -> None:
        super().__init__(core)
        self._core = core

    def set_sink(self, sink: Callable[[event_pb2.StreamEventsResponse], bool] | None) -> bool:
        self._core.sink = sink
        self._core.sink_set.set()
        return True


class FakeCore:
    """A fake transport (``edge.rpc.Transport``) standing in for the core: canned replies
    or CoreErrors by RPC name, and a stream fed by a queue.

    Putting a StreamEventsResponse on ``stream`` sends it, an exception raises it from
    the stream, and None ends the stream. ``stream_closed`` is set once the stream's
    iterator has been closed, however that happened.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, Message]] = []
        self.metadata: list[Metadata] = []  # the metadata of each call, in order
        self.replies: dict[str, Message | BaseException] = {}
        self.stream: asyncio.Queue[StreamItem] = asyncio.Queue()
        self.stream_started = asyncio.Event()
        self.stream_closed = asyncio.Event()
        self.is_ready = True
        self.closed = False
        # With ``direct``, the stream offers ``set_sink`` (as the in-process one does)
        # and the sink the edge installs is kept here.
        self.direct = False
        self.sink: Callable[[event_pb2.StreamEventsResponse], bool] | None = None
        self.sink_set = asyncio.Event()

    async def unary(self, method: Method[Req, Resp], request: Req, metadata: Metadata) -> Resp:
        name = method.path.rsplit("/", 1)[1]
        self.calls.append((name, request))
        self.metadata.append(metadata)
        reply = self.replies.get(name)
        if isinstance(reply, BaseException):
            raise reply
        if not isinstance(reply, method.response_type):
            raise AssertionError(f"FakeCore has no {method.response_type.__name__} for {name}")
        return reply

    async def open_stream(
        self, method: StreamMethod[Req, Resp], request: Req, metadata: Metadata
    ) -> Stream[Resp]:
        self.calls.append(("StreamEvents", request))
        self.metadata.append(metadata)
        error = self.replies.get("StreamOpen")
        if isinstance(error, BaseException):
            raise error
        assert method is STREAM_EVENTS
        if self.direct:
            return FakeDirectStream(self)  # type: ignore[return-value]
        return FakeStream(self)  # type: ignore[return-value]

    async def ready(self) -> bool:
        return self.is_ready

    async def close(self) -> None:
        self.closed = True

    async def serve_stream(self) -> AsyncIterator[event_pb2.StreamEventsResponse]:
        self.stream_started.set()
        try:
            while True:
                item = await self.stream.get()
                if item is None:
                    return
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            self.stream_closed.set()

    def request(self, method: str) -> Any:
        """The last request sent to ``method``."""
        for name, request in reversed(self.calls):
            if name == method:
                return request
        raise AssertionError(f"{method} was not called; calls: {[n for n, _ in self.calls]}")


Factory = Callable[..., Awaitable[tuple[TestClient[web.Request, web.Application], FakeCore]]]


@pytest.fixture
async def make_client() -> AsyncIterator[Factory]:
    clients: list[TestClient[web.Request, web.Application]] = []

    async def make(
        ping_interval: float = 15.0,
    ) -> tuple[TestClient[web.Request, web.Application], FakeCore]:
        fake = FakeCore()
        app = create_app(CoreClient(fake), ping_interval=ping_interval, own_core=True)
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client, fake

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def edge(
    make_client: Factory,
) -> tuple[TestClient[web.Request, web.Application], FakeCore]:
    return await make_client()


Edge = tuple[TestClient[web.Request, web.Application], FakeCore]


def agent(agent_id: str = "agent_1", version: int = 1) -> agent_pb2.Agent:
    return agent_pb2.Agent(id=agent_id, name="helper", version=version)


def session(session_id: str = "sesn_1") -> session_pb2.Session:
    return session_pb2.Session(id=session_id, environment_id="env_1")


def user_message(event_id: str, text: str) -> event_pb2.SessionEvent:
    block = common_pb2.ContentBlock(text=common_pb2.TextBlock(text=text))
    return event_pb2.SessionEvent(
        id=event_id,
        session_id="sesn_1",
        user_message=event_pb2.UserMessageEvent(content=[block]),
    )


async def assert_error(
    resp: ClientResponse, status: int, error_type: str, *, retry: bool | None = None
) -> dict[str, Any]:
    """Checks an error response's shape and returns its ``error`` object."""
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/json"
    body = await resp.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == error_type
    assert body["request_id"] == resp.headers["request-id"]
    assert body["request_id"].startswith("req_")
    if retry is False:
        assert resp.headers.get("x-should-retry") == "false"
    elif retry is True:
        assert "x-should-retry" not in resp.headers
    return dict(body["error"])


# --------------------------------------------------------------------------- health & auth


async def test_healthz_needs_no_key_and_follows_core_readiness(edge: Edge) -> None:
    client, fake = edge
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok"}

    fake.is_ready = False
    resp = await client.get("/healthz")
    assert resp.status == 503


@pytest.mark.parametrize(
    ("headers", "forwarded"),
    [
        ({"x-api-key": KEY}, (("x-api-key", KEY),)),
        ({"Authorization": f"Bearer {KEY}"}, (("authorization", f"Bearer {KEY}"),)),
        ({"authorization": f"bearer {KEY}"}, (("authorization", f"Bearer {KEY}"),)),
        (
            {"x-api-key": "wrong", "Authorization": f"Bearer {KEY}"},
            (("x-api-key", "wrong"), ("authorization", f"Bearer {KEY}")),
        ),
    ],
    ids=["x-api-key", "bearer", "bearer-lowercase", "both-headers"],
)
async def test_the_key_is_passed_on_to_the_core(
    edge: Edge, headers: dict[str, str], forwarded: tuple[tuple[str, str], ...]
) -> None:
    """The edge keeps no key list: it forwards what the caller presented, as call metadata."""
    client, fake = edge
    fake.replies["GetAgent"] = agent_pb2.GetAgentResponse(agent=agent())
    resp = await client.get("/v1/agents/agent_1", headers=headers)
    assert resp.status == 200
    assert (await resp.json())["id"] == "agent_1"
    assert fake.metadata == [forwarded]


async def test_a_key_the_core_refuses_is_401(edge: Edge) -> None:
    client, fake = edge
    fake.replies["GetAgent"] = CoreError(grpc.StatusCode.UNAUTHENTICATED, "Invalid API key")
    resp = await client.get("/v1/agents/agent_1", headers={"x-api-key": "sk-wrong"})
    await assert_error(resp, 401, "authentication_error", retry=False)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": KEY},
        {"Authorization": f"Basic {KEY}"},
        {"Authorization": "Bearer "},
        {"x-api-key": "sk-\u00e9t\u00e9"},
    ],
    ids=["missing", "no-scheme", "basic-scheme", "empty-bearer", "not-ascii"],
)
async def test_requests_with_no_usable_key_are_refused_at_the_edge(
    edge: Edge, headers: dict[str, str]
) -> None:
    client, fake = edge
    fake.replies["GetAgent"] = agent_pb2.GetAgentResponse(agent=agent())
    resp = await client.get("/v1/agents/agent_1", headers=headers)
    await assert_error(resp, 401, "authentication_error", retry=False)
    assert fake.calls == []


async def test_unknown_route_without_key_is_unauthenticated(edge: Edge) -> None:
    client, _ = edge
    resp = await client.get("/v1/nothing-here")
    await assert_error(resp, 401, "authentication_error", retry=False)


async def test_owned_core_is_closed_on_cleanup(make_client: Factory) -> None:
    client, fake = await make_client()
    await client.close()
    assert fake.closed


# --------------------------------------------------------------------------- errors


CORE_ERROR_ROWS = [
    (grpc.StatusCode.INVALID_ARGUMENT, 400, "invalid_request_error"),
    (grpc.StatusCode.FAILED_PRECONDITION, 400, "invalid_request_error"),
    (grpc.StatusCode.UNAUTHENTICATED, 401, "authentication_error"),
    (grpc.StatusCode.PERMISSION_DENIED, 403, "permission_error"),
    (grpc.StatusCode.NOT_FOUND, 404, "not_found_error"),
    (grpc.StatusCode.ALREADY_EXISTS, 409, "invalid_request_error"),
    (grpc.StatusCode.ABORTED, 409, "invalid_request_error"),
    (grpc.StatusCode.RESOURCE_EXHAUSTED, 429, "rate_limit_error"),
    (grpc.StatusCode.UNAVAILABLE, 529, "overloaded_error"),
    (grpc.StatusCode.DEADLINE_EXCEEDED, 504, "timeout_error"),
    (grpc.StatusCode.INTERNAL, 500, "api_error"),
    (grpc.StatusCode.UNKNOWN, 500, "api_error"),
    (grpc.StatusCode.DATA_LOSS, 500, "api_error"),
    (grpc.StatusCode.UNIMPLEMENTED, 500, "api_error"),
]


@pytest.mark.parametrize(("code", "status", "error_type"), CORE_ERROR_ROWS, ids=lambda v: str(v))
async def test_core_error_table(
    edge: Edge, code: grpc.StatusCode, status: int, error_type: str
) -> None:
    client, fake = edge
    detail = "agent_9 is archived (db at 10.1.2.3, token sk-secret)"
    fake.replies["GetAgent"] = CoreError(code, detail)
    resp = await client.get("/v1/agents/agent_9", headers=AUTH)
    error = await assert_error(resp, status, error_type, retry=False if status < 429 else True)
    if status < 500:
        assert error["message"] == detail
    else:
        assert "sk-secret" not in error["message"] and "10.1.2.3" not in error["message"]
    if status == 500:
        assert error["message"] == "Internal server error"


async def test_unexpected_exception_is_an_opaque_500(edge: Edge) -> None:
    client, fake = edge
    fake.replies["GetAgent"] = RuntimeError("password=hunter2")
    resp = await client.get("/v1/agents/agent_1", headers=AUTH)
    error = await assert_error(resp, 500, "api_error", retry=True)
    assert error["message"] == "Internal server error"


async def test_unknown_route_is_not_found(edge: Edge) -> None:
    client, _ = edge
    resp = await client.get("/v1/nothing-here", headers=AUTH)
    error = await assert_error(resp, 404, "not_found_error", retry=False)
    assert error["message"] == "Not found: GET /v1/nothing-here"


async def test_wrong_method_is_405(edge: Edge) -> None:
    client, _ = edge
    resp = await client.put("/v1/agents", headers=AUTH)
    await assert_error(resp, 405, "invalid_request_error", retry=False)


async def test_body_over_32_mib_is_413(edge: Edge) -> None:
    client, fake = edge
    body = io.BytesIO(b'{"name": "' + b"x" * (32 * 1024 * 1024) + b'"}')
    resp = await client.post("/v1/agents", data=body, headers=AUTH)
    assert resp.request_info.headers["Content-Length"] == str(32 * 1024 * 1024 + 12)
    await assert_error(resp, 413, "request_too_large", retry=False)
    assert fake.calls == []


async def test_chunked_body_over_32_mib_is_413(edge: Edge) -> None:
    client, fake = edge

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(33):
            yield b"x" * (1024 * 1024)
        yield b'"}'

    resp = await client.post("/v1/agents", data=chunks(), headers=AUTH)
    await assert_error(resp, 413, "request_too_large", retry=False)
    assert fake.calls == []


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'"text"', b"", b"null", b"\xff\xfe{"],
    ids=["malformed", "array", "string", "empty", "null", "bad-utf8"],
)
async def test_body_that_is_not_a_json_object_is_400(edge: Edge, body: bytes) -> None:
    client, fake = edge
    resp = await client.post("/v1/agents", data=body, headers=AUTH)
    await assert_error(resp, 400, "invalid_request_error", retry=False)
    assert fake.calls == []


async def test_codec_error_is_400_naming_the_path(edge: Edge) -> None:
    client, fake = edge
    resp = await client.post(
        "/v1/agents", json={"name": "a", "model": "m", "tools": [{"type": "nope"}]}, headers=AUTH
    )
    error = await assert_error(resp, 400, "invalid_request_error", retry=False)
    assert "tools[0]" in error["message"]
    assert fake.calls == []


# --------------------------------------------------------------------------- routes


Route = tuple[str, str, str, Message, dict[str, Any] | None, Callable[[Any], bool]]

ROUTES: list[Route] = [
    (
        "POST",
        "/v1/agents",
        "CreateAgent",
        agent_pb2.CreateAgentResponse(agent=agent()),
        {"name": "helper", "model": "claude-x"},
        lambda r: r.name == "helper" and r.model.id == "claude-x",
    ),
    (
        "GET",
        "/v1/agents/agent_1?version=2",
        "GetAgent",
        agent_pb2.GetAgentResponse(agent=agent(version=2)),
        None,
        lambda r: r.agent_id == "agent_1" and r.version == 2,
    ),
    (
        "POST",
        "/v1/agents/agent_1/archive",
        "ArchiveAgent",
        agent_pb2.ArchiveAgentResponse(agent=agent()),
        None,
        lambda r: r.agent_id == "agent_1",
    ),
    (
        "POST",
        "/v1/environments",
        "CreateEnvironment",
        environment_pb2.CreateEnvironmentResponse(
            environment=environment_pb2.Environment(id="env_1", name="e")
        ),
        {"name": "e", "config": {"type": "cloud", "networking": {"type": "unrestricted"}}},
        lambda r: r.name == "e" and r.config.cloud.networking.HasField("unrestricted"),
    ),
    (
        "GET",
        "/v1/environments/env_1",
        "GetEnvironment",
        environment_pb2.GetEnvironmentResponse(
            environment=environment_pb2.Environment(id="env_1", name="e")
        ),
        None,
        lambda r: r.environment_id == "env_1",
    ),
    (
        "POST",
        "/v1/environments/env_1/archive",
        "ArchiveEnvironment",
        environment_pb2.ArchiveEnvironmentResponse(
            environment=environment_pb2.Environment(id="env_1", name="e")
        ),
        None,
        lambda r: r.environment_id == "env_1",
    ),
    (
        "GET",
        "/v1/sessions/sesn_1",
        "GetSession",
        session_pb2.GetSessionResponse(session=session()),
        None,
        lambda r: r.session_id == "sesn_1",
    ),
    (
        "POST",
        "/v1/sessions/sesn_1/archive",
        "ArchiveSession",
        session_pb2.ArchiveSessionResponse(session=session()),
        None,
        lambda r: r.session_id == "sesn_1",
    ),
]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
async def test_route_reaches_its_rpc_and_returns_the_resource(edge: Edge, route: Route) -> None:
    client, fake = edge
    method, path, rpc, reply, body, check = route
    fake.replies[rpc] = reply
    resp = await client.request(method, path, json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "application/json"
    assert resp.headers["request-id"].startswith("req_")
    assert check(fake.request(rpc))
    resource = next(f for f in reply.DESCRIPTOR.fields)  # the one resource field
    assert (await resp.json())["id"] == getattr(reply, resource.name).id


@pytest.mark.parametrize(
    ("path", "rpc", "reply", "deleted_type"),
    [
        (
            "/v1/environments/env_1",
            "DeleteEnvironment",
            environment_pb2.DeleteEnvironmentResponse(id="env_1"),
            "environment_deleted",
        ),
        (
            "/v1/sessions/sesn_1",
            "DeleteSession",
            session_pb2.DeleteSessionResponse(id="sesn_1"),
            "session_deleted",
        ),
    ],
)
async def test_delete(edge: Edge, path: str, rpc: str, reply: Message, deleted_type: str) -> None:
    client, fake = edge
    fake.replies[rpc] = reply
    resp = await client.delete(path, headers=AUTH)
    assert resp.status == 200
    resource_id = path.rsplit("/", 1)[1]
    assert await resp.json() == {"id": resource_id, "type": deleted_type}


async def test_compact_json_keeps_unicode(edge: Edge) -> None:
    client, fake = edge
    fake.replies["GetAgent"] = agent_pb2.GetAgentResponse(
        agent=agent_pb2.Agent(id="agent_1", name="café ☕", version=1)
    )
    resp = await client.get("/v1/agents/agent_1", headers=AUTH)
    text = await resp.text()
    assert '"name":"café ☕"' in text
    assert ", " not in text and '": ' not in text


# --------------------------------------------------------------------------- shorthands


async def test_agent_create_shorthands(edge: Edge) -> None:
    client, fake = edge
    fake.replies["CreateAgent"] = agent_pb2.CreateAgentResponse(agent=agent())
    body = {
        "name": "helper",
        "model": {"id": "claude-x", "effort": "high"},
        "tools": [
            {
                "type": "agent_toolset_20260401",
                "configs": [{"name": "bash"}, {"name": "web_fetch"}],
            },
            {"type": "custom", "name": "lookup", "description": "d", "input_schema": {}},
        ],
    }
    resp = await client.post("/v1/agents", json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    request = fake.request("CreateAgent")
    assert request.model.id == "claude-x"
    assert request.model.effort.WhichOneof("type") == "high"
    configs = request.tools[0].agent_toolset_20260401.configs
    assert [c.WhichOneof("type") for c in configs] == ["bash", "web_fetch"]
    assert configs[1].web_fetch.name == "web_fetch"
    assert request.tools[1].custom.name == "lookup"


async def test_agent_model_string_shorthand(edge: Edge) -> None:
    client, fake = edge
    fake.replies["CreateAgent"] = agent_pb2.CreateAgentResponse(agent=agent())
    resp = await client.post("/v1/agents", json={"name": "a", "model": "claude-x"}, headers=AUTH)
    assert resp.status == 200, await resp.text()
    request = fake.request("CreateAgent")
    assert request.model.id == "claude-x"
    assert not request.model.HasField("effort")


async def test_session_create_agent_shorthand_and_initial_events(edge: Edge) -> None:
    client, fake = edge
    fake.replies["CreateSession"] = session_pb2.CreateSessionResponse(session=session())
    body = {
        "agent": "agent_1",
        "environment_id": "env_1",
        "initial_events": [
            {"type": "user.message", "content": [{"type": "text", "text": "hello"}]},
            {"type": "user.define_outcome", "description": "done", "rubric": None},
        ],
    }
    resp = await client.post("/v1/sessions", json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    request = fake.request("CreateSession")
    assert request.agent.WhichOneof("type") == "agent"
    assert request.agent.agent.id == "agent_1"
    assert not request.agent.agent.HasField("version")
    assert [e.WhichOneof("payload") for e in request.initial_events] == [
        "user_message",
        "user_define_outcome",
    ]
    assert request.initial_events[0].user_message.content[0].text.text == "hello"


async def test_session_create_overrides_get_agent_shorthands(edge: Edge) -> None:
    client, fake = edge
    fake.replies["CreateSession"] = session_pb2.CreateSessionResponse(session=session())
    body = {
        "agent": {"type": "agent_with_overrides", "id": "agent_1", "model": "claude-y"},
        "environment_id": "env_1",
    }
    resp = await client.post("/v1/sessions", json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert fake.request("CreateSession").agent.agent_with_overrides.model.id == "claude-y"


@pytest.mark.parametrize(
    ("initial_events", "path"),
    [
        ([{"type": "user.message", "content": []}, {"type": "bogus"}], "initial_events[1]"),
        ({"type": "user.message"}, "initial_events"),
    ],
)
async def test_session_create_bad_initial_events(
    edge: Edge, initial_events: Any, path: str
) -> None:
    client, fake = edge
    body = {"agent": "agent_1", "environment_id": "env_1", "initial_events": initial_events}
    resp = await client.post("/v1/sessions", json=body, headers=AUTH)
    error = await assert_error(resp, 400, "invalid_request_error", retry=False)
    assert error["message"].startswith(path)
    assert fake.calls == []


# --------------------------------------------------------------------------- update masks


async def test_agent_update_mask_metadata_patch_and_clears(edge: Edge) -> None:
    client, fake = edge
    fake.replies["UpdateAgent"] = agent_pb2.UpdateAgentResponse(agent=agent(version=4))
    body = {
        "name": "renamed",
        "description": None,
        "metadata": {"keep": "1", "drop": None},
        "version": 3,
        "model": "claude-z",
        "tools": None,
    }
    resp = await client.post("/v1/agents/agent_1", json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["version"] == 4
    request = fake.request("UpdateAgent")
    assert request.agent_id == "agent_1"
    assert list(request.update_mask.paths) == ["name", "description", "metadata", "model", "tools"]
    assert request.version == 3
    assert request.name == "renamed"
    assert not request.HasField("description")
    assert dict(request.metadata) == {"keep": "1"}
    assert list(request.metadata_remove) == ["drop"]
    assert request.model.id == "claude-z"
    assert len(request.tools) == 0


async def test_agent_update_without_version_leaves_it_unset(edge: Edge) -> None:
    client, fake = edge
    fake.replies["UpdateAgent"] = agent_pb2.UpdateAgentResponse(agent=agent())
    resp = await client.post("/v1/agents/agent_1", json={"system": "be brief"}, headers=AUTH)
    assert resp.status == 200, await resp.text()
    request = fake.request("UpdateAgent")
    assert list(request.update_mask.paths) == ["system"]
    assert not request.HasField("version")
    assert request.system == "be brief"


async def test_environment_and_session_update_masks(edge: Edge) -> None:
    client, fake = edge
    fake.replies["UpdateEnvironment"] = environment_pb2.UpdateEnvironmentResponse(
        environment=environment_pb2.Environment(id="env_1", name="e")
    )
    fake.replies["UpdateSession"] = session_pb2.UpdateSessionResponse(session=session())

    resp = await client.post(
        "/v1/environments/env_1",
        json={"scope": "organization", "metadata": {"a": None}},
        headers=AUTH,
    )
    assert resp.status == 200, await resp.text()
    request = fake.request("UpdateEnvironment")
    assert request.environment_id == "env_1"
    assert list(request.update_mask.paths) == ["scope", "metadata"]
    assert request.scope == environment_pb2.ENVIRONMENT_SCOPE_ORGANIZATION
    assert list(request.metadata_remove) == ["a"]

    resp = await client.post(
        "/v1/sessions/sesn_1",
        json={
            "title": None,
            "budget": None,
            "agent": {"tools": [{"type": "agent_toolset_20260401", "configs": [{"name": "read"}]}]},
        },
        headers=AUTH,
    )
    assert resp.status == 200, await resp.text()
    request = fake.request("UpdateSession")
    assert request.session_id == "sesn_1"
    assert list(request.update_mask.paths) == ["title", "budget", "agent.tools"]
    assert not request.HasField("title") and not request.HasField("budget")
    configs = request.agent.tools[0].agent_toolset_20260401.configs
    assert configs[0].WhichOneof("type") == "read"


@pytest.mark.parametrize(
    "body",
    [{"update_mask": "name"}, {"metadata_remove": ["a"]}, {"agent_id": "agent_2"}, {"bogus": None}],
    ids=["update_mask", "metadata_remove", "id", "unknown-null"],
)
async def test_update_rejects_fields_the_edge_fills(edge: Edge, body: dict[str, Any]) -> None:
    client, fake = edge
    resp = await client.post("/v1/agents/agent_1", json=body, headers=AUTH)
    error = await assert_error(resp, 400, "invalid_request_error", retry=False)
    assert error["message"] == f"{next(iter(body))}: unknown field"
    assert fake.calls == []


async def test_update_metadata_value_of_wrong_type_is_400(edge: Edge) -> None:
    client, fake = edge
    resp = await client.post("/v1/sessions/sesn_1", json={"metadata": {"n": 5}}, headers=AUTH)
    error = await assert_error(resp, 400, "invalid_request_error", retry=False)
    assert error["message"].startswith("metadata.n")


# --------------------------------------------------------------------------- query parsing


async def test_list_agents_query_and_page(edge: Edge) -> None:
    client, fake = edge
    fake.replies["ListAgents"] = agent_pb2.ListAgentsResponse(
        agents=[agent("agent_2"), agent("agent_1")], next_page_token="tok2"
    )
    resp = await client.get(
        "/v1/agents",
        params=[
            ("limit", "2"),
            ("page", "tok1"),
            ("include_archived", "true"),
            ("created_at[gte]", "2026-04-01T12:00:00Z"),
            ("created_at[lte]", "2026-04-02T12:00:00+02:00"),
        ],
        headers=AUTH,
    )
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert [a["id"] for a in body["data"]] == ["agent_2", "agent_1"]
    assert body["next_page"] == "tok2"
    request = fake.request("ListAgents")
    assert request.page_size == 2
    assert request.page_token == "tok1"
    assert request.include_archived is True
    assert request.created_at_gte.ToJsonString() == "2026-04-01T12:00:00Z"
    assert request.created_at_lte.ToJsonString() == "2026-04-02T10:00:00Z"


async def test_last_page_has_null_next_page(edge: Edge) -> None:
    client, fake = edge
    fake.replies["ListAgentVersions"] = agent_pb2.ListAgentVersionsResponse(agents=[agent()])
    fake.replies["ListEnvironments"] = environment_pb2.ListEnvironmentsResponse()
    resp = await client.get("/v1/agents/agent_1/versions?limit=5", headers=AUTH)
    assert (await resp.json())["next_page"] is None
    assert fake.request("ListAgentVersions").agent_id == "agent_1"
    assert fake.request("ListAgentVersions").page_size == 5
    resp = await client.get("/v1/environments?include_archived=0", headers=AUTH)
    assert await resp.json() == {"data": [], "next_page": None}
    assert fake.request("ListEnvironments").include_archived is False


async def test_list_sessions_query(edge: Edge) -> None:
    client, fake = edge
    fake.replies["ListSessions"] = session_pb2.ListSessionsResponse(
        sessions=[session()], next_page_token="n", prev_page_token=""
    )
    query = (
        "statuses[]=idle&statuses[]=running&statuses=terminated&order=asc&agent_id=agent_1"
        "&agent_version=3&created_at[gt]=2026-04-01T00:00:00&created_at[lt]=2026-05-01"
        "&deployment_id=dep_1&memory_store_id=mem_1&limit=10"
    )
    resp = await client.get(f"/v1/sessions?{query}", headers=AUTH)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert [s["id"] for s in body["data"]] == ["sesn_1"]
    assert body["next_page"] == "n" and body["prev_page"] is None
    request = fake.request("ListSessions")
    assert list(request.statuses) == [
        session_pb2.SESSION_STATUS_IDLE,
        session_pb2.SESSION_STATUS_RUNNING,
        session_pb2.SESSION_STATUS_TERMINATED,
    ]
    assert request.order == common_pb2.SORT_ORDER_ASC
    assert request.agent_id == "agent_1" and request.agent_version == 3
    assert request.created_at_gt.ToJsonString() == "2026-04-01T00:00:00Z"
    assert request.created_at_lt.ToJsonString() == "2026-05-01T00:00:00Z"
    assert not request.HasField("created_at_gte")
    assert request.deployment_id == "dep_1" and request.memory_store_id == "mem_1"
    assert request.page_size == 10
    assert not request.include_archived


async def test_list_events_types_in_both_forms(edge: Edge) -> None:
    client, fake = edge
    fake.replies["ListEvents"] = event_pb2.ListEventsResponse(
        events=[user_message("sevt_1", "hi")], next_page_token=""
    )
    resp = await client.get(
        "/v1/sessions/sesn_1/events?types[]=user.message&types[]=agent.message"
        "&types=session.status_idle&order=desc&created_at[gte]=2026-04-01T00:00:00Z",
        headers=AUTH,
    )
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["next_page"] is None
    assert body["data"][0]["id"] == "sevt_1" and body["data"][0]["type"] == "user.message"
    request = fake.request("ListEvents")
    assert request.session_id == "sesn_1"
    assert list(request.types) == ["user.message", "agent.message", "session.status_idle"]
    assert request.order == common_pb2.SORT_ORDER_DESC
    assert request.HasField("created_at_gte")


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/v1/agents?limit=ten", "limit"),
        ("/v1/agents?limit=1.5", "limit"),
        ("/v1/agents?limit=", "limit"),
        ("/v1/agents?include_archived=yes", "include_archived"),
        ("/v1/agents?created_at[gte]=yesterday", "created_at[gte]"),
        ("/v1/agents/agent_1?version=latest", "version"),
        ("/v1/sessions?created_at[lt]=2026-13-01", "created_at[lt]"),
        ("/v1/sessions?statuses[]=sleeping", "statuses"),
        ("/v1/sessions?statuses[]=unspecified", "statuses"),
        ("/v1/sessions?order=up", "order"),
        ("/v1/sessions?agent_version=x", "agent_version"),
        ("/v1/sessions/sesn_1/events?created_at[gt]=now", "created_at[gt]"),
    ],
)
async def test_bad_query_parameter_is_400_naming_it(edge: Edge, path: str, param: str) -> None:
    client, fake = edge
    resp = await client.get(path, headers=AUTH)
    error = await assert_error(resp, 400, "invalid_request_error", retry=False)
    assert error["message"].startswith(f"{param}: ")
    assert fake.calls == []


async def test_huge_limit_is_pinned_for_the_core_to_cut(edge: Edge) -> None:
    client, fake = edge
    fake.replies["ListAgents"] = agent_pb2.ListAgentsResponse()
    resp = await client.get("/v1/agents?limit=99999999999", headers=AUTH)
    assert resp.status == 200
    assert fake.request("ListAgents").page_size == 2**31 - 1


# --------------------------------------------------------------------------- send events


async def test_send_events(edge: Edge) -> None:
    client, fake = edge
    fake.replies["SendEvents"] = event_pb2.SendEventsResponse(events=[user_message("sevt_7", "hi")])
    body = {"events": [{"type": "user.message", "content": [{"type": "text", "text": "hi"}]}]}
    resp = await client.post("/v1/sessions/sesn_1/events", json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    data = (await resp.json())["data"]
    assert [(e["id"], e["type"]) for e in data] == [("sevt_7", "user.message")]
    request = fake.request("SendEvents")
    assert request.session_id == "sesn_1"
    assert request.events[0].user_message.content[0].text.text == "hi"


@pytest.mark.parametrize(
    ("body", "prefix"),
    [
        ({}, "events"),
        ({"events": {"type": "user.message"}}, "events"),
        ({"events": [{"type": "user.interrupt"}, {"type": "user.nope"}]}, "events[1]"),
        ({"events": [], "extra": 1}, "extra"),
    ],
    ids=["missing", "not-a-list", "bad-event", "unknown-key"],
)
async def test_send_events_bad_body(edge: Edge, body: dict[str, Any], prefix: str) -> None:
    client, fake = edge
    resp = await client.post("/v1/sessions/sesn_1/events", json=body, headers=AUTH)
    error = await assert_error(resp, 400, "invalid_request_error", retry=False)
    assert error["message"].startswith(prefix)
    assert fake.calls == []


async def test_send_events_conflict_is_409_not_retried(edge: Edge) -> None:
    client, fake = edge
    fake.replies["SendEvents"] = CoreError(grpc.StatusCode.ABORTED, "session is archived")
    body = {"events": [{"type": "user.interrupt"}]}
    resp = await client.post("/v1/sessions/sesn_1/events", json=body, headers=AUTH)
    error = await assert_error(resp, 409, "invalid_request_error", retry=False)
    assert error["message"] == "session is archived"


# --------------------------------------------------------------------------- SSE


async def read_frame(resp: ClientResponse) -> dict[str, str] | None:
    """The next SSE frame as its fields, or None at the end of the stream."""
    fields: dict[str, str] = {}
    while True:
        line = await asyncio.wait_for(resp.content.readline(), WAIT)
        if not line:
            assert not fields, f"stream ended inside a frame: {fields}"
            return None
        text = line.decode("utf-8")
        assert text.endswith("\n")
        text = text[:-1]
        if not text:
            return fields
        name, sep, value = text.partition(": ")
        assert sep, f"malformed SSE line {text!r}"
        assert name not in fields
        fields[name] = value


def grpc_session_found(fake: FakeCore) -> None:
    fake.replies["GetSession"] = session_pb2.GetSessionResponse(session=session())


async def test_stream_frames_events_and_previews(edge: Edge) -> None:
    client, fake = edge
    grpc_session_found(fake)
    start = event_pb2.EventStart(event=event_pb2.EventPreview(id="sevt_2", type="agent.message"))
    await fake.stream.put(event_pb2.StreamEventsResponse(event=user_message("sevt_1", "héllo")))
    await fake.stream.put(event_pb2.StreamEventsResponse(start=start))
    await fake.stream.put(None)

    resp = await client.get(
        "/v1/sessions/sesn_1/events/stream?event_deltas[]=agent.message&event_deltas=agent.thinking",
        headers=AUTH,
    )
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/event-stream"
    assert resp.headers["Cache-Control"] == "no-cache"
    assert resp.headers["X-Accel-Buffering"] == "no"
    assert resp.headers["request-id"].startswith("req_")

    raw = await asyncio.wait_for(resp.content.read(), WAIT)
    first, second, rest = raw.decode().split("\n\n")
    assert rest == ""
    assert first.startswith("event: user.message\ndata: {")
    assert first.endswith("}\nid: sevt_1")
    data = json.loads(first.split("\n")[1].removeprefix("data: "))
    assert data["id"] == "sevt_1" and data["content"][0]["text"] == "héllo"
    assert second.split("\n")[0] == "event: event_start"
    assert "id:" not in second  # only stored events carry an id
    assert json.loads(second.split("\n")[1].removeprefix("data: "))["event"]["id"] == "sevt_2"

    request = fake.request("StreamEvents")
    assert request.session_id == "sesn_1"
    assert request.after_event_id == ""
    assert list(request.event_deltas) == ["agent.message", "agent.thinking"]
    assert fake.stream_closed.is_set()


@pytest.mark.parametrize(
    ("query", "headers", "after"),
    [
        ("?after=sevt_5", {}, "sevt_5"),
        ("", {"Last-Event-ID": "sevt_6"}, "sevt_6"),
        ("?after=sevt_5", {"Last-Event-ID": "sevt_6"}, "sevt_6"),
    ],
    ids=["query", "header", "header-wins"],
)
async def test_stream_resumes_after_an_event(
    edge: Edge, query: str, headers: dict[str, str], after: str
) -> None:
    client, fake = edge
    grpc_session_found(fake)
    await fake.stream.put(None)
    resp = await client.get(
        f"/v1/sessions/sesn_1/events/stream{query}", headers={**AUTH, **headers}
    )
    assert resp.status == 200
    assert await read_frame(resp) is None
    assert fake.request("StreamEvents").after_event_id == after


async def test_stream_of_unknown_session_is_a_json_404(edge: Edge) -> None:
    client, fake = edge
    fake.replies["StreamOpen"] = CoreError(grpc.StatusCode.NOT_FOUND, "no session sesn_x")
    resp = await client.get("/v1/sessions/sesn_x/events/stream", headers=AUTH)
    error = await assert_error(resp, 404, "not_found_error", retry=False)
    assert error["message"] == "no session sesn_x"
    assert [name for name, _ in fake.calls] == ["StreamEvents"]


async def test_stream_pings_while_idle_without_losing_the_pending_item(
    make_client: Factory,
) -> None:
    client, fake = await make_client(ping_interval=0.02)
    grpc_session_found(fake)
    resp = await client.get("/v1/sessions/sesn_1/events/stream", headers=AUTH)
    assert resp.status == 200
    for _ in range(3):
        assert await read_frame(resp) == {"event": "ping", "data": '{"type":"ping"}'}
    # The read that the pings interleaved with is still the one that delivers.
    await fake.stream.put(event_pb2.StreamEventsResponse(event=user_message("sevt_1", "hi")))
    while (frame := await read_frame(resp)) is not None and frame["event"] == "ping":
        pass
    assert frame is not None
    assert frame["event"] == "user.message" and frame["id"] == "sevt_1"
    assert [name for name, _ in fake.calls].count("StreamEvents") == 1


@pytest.mark.parametrize(
    ("error", "error_type", "message"),
    [
        (CoreError(grpc.StatusCode.UNAVAILABLE, "core at 10.0.0.1 down"), "overloaded_error", None),
        (CoreError(grpc.StatusCode.NOT_FOUND, "gone"), "not_found_error", "gone"),
        (RuntimeError("secret"), "api_error", "Internal server error"),
    ],
    ids=["unavailable", "not-found", "unexpected"],
)
async def test_stream_failure_is_one_error_frame_then_the_end(
    edge: Edge, error: Exception, error_type: str, message: str | None
) -> None:
    client, fake = edge
    grpc_session_found(fake)
    await fake.stream.put(event_pb2.StreamEventsResponse(event=user_message("sevt_1", "hi")))
    await fake.stream.put(error)
    resp = await client.get("/v1/sessions/sesn_1/events/stream", headers=AUTH)
    assert resp.status == 200
    assert (await read_frame(resp) or {}).get("id") == "sevt_1"
    frame = await read_frame(resp)
    assert frame is not None and frame["event"] == "error"
    body = json.loads(frame["data"])
    assert body["type"] == "error"
    assert body["error"]["type"] == error_type
    assert body["request_id"] == resp.headers["request-id"]
    if message is not None:
        assert body["error"]["message"] == message
    assert "10.0.0.1" not in frame["data"] and "secret" not in frame["data"]
    assert await read_frame(resp) is None
    assert fake.stream_closed.is_set()


def live(event_id: str) -> event_pb2.StreamEventsResponse:
    return event_pb2.StreamEventsResponse(event=user_message(event_id, event_id))


async def direct_stream(make_client: Factory, **kw: Any) -> tuple[ClientResponse, FakeCore]:
    """An open stream whose items the fake core may also hand to the edge's sink."""
    client, fake = await make_client(**kw)
    grpc_session_found(fake)
    fake.direct = True
    resp = await client.get("/v1/sessions/sesn_1/events/stream", headers=AUTH)
    assert resp.status == 200
    await asyncio.wait_for(fake.sink_set.wait(), WAIT)
    return resp, fake


async def test_frames_taken_by_the_sink_are_written_at_once_between_the_others(
    make_client: Factory,
) -> None:
    resp, fake = await direct_stream(make_client, ping_interval=0.02)
    assert fake.sink is not None
    assert fake.sink(live("sevt_1"))  # written without a read of the stream
    await fake.stream.put(live("sevt_2"))  # the usual way
    seen: list[str] = []
    while len(seen) < 2:
        frame = await read_frame(resp)
        assert frame is not None
        if frame["event"] != "ping":  # pings go between whole frames
            seen.append(frame["id"])
    assert fake.sink(live("sevt_3"))
    while (frame := await read_frame(resp)) is not None and frame["event"] == "ping":
        pass
    assert frame is not None and frame["event"] == "user.message"
    assert json.loads(frame["data"])["content"][0]["text"] == "sevt_3"
    assert seen + [frame["id"]] == ["sevt_1", "sevt_2", "sevt_3"]
    assert not fake.sink(event_pb2.StreamEventsResponse())  # cannot render: left to the read
    await fake.stream.put(None)
    assert await read_frame(resp) is None  # the chunked body ends cleanly


async def test_the_sink_takes_nothing_after_the_error_frame(make_client: Factory) -> None:
    resp, fake = await direct_stream(make_client)
    assert fake.sink is not None
    assert fake.sink(live("sevt_1"))
    await fake.stream.put(RuntimeError("secret"))
    assert (await read_frame(resp) or {}).get("id") == "sevt_1"
    assert (await read_frame(resp) or {}).get("event") == "error"
    assert not fake.sink(live("sevt_2"))
    assert await read_frame(resp) is None


async def test_client_disconnect_closes_the_core_stream(edge: Edge) -> None:
    client, fake = edge
    grpc_session_found(fake)
    await fake.stream.put(event_pb2.StreamEventsResponse(event=user_message("sevt_1", "hi")))
    resp = await client.get("/v1/sessions/sesn_1/events/stream", headers=AUTH)
    assert (await read_frame(resp) or {}).get("id") == "sevt_1"
    assert not fake.stream_closed.is_set()
    resp.close()
    await asyncio.wait_for(fake.stream_closed.wait(), WAIT)


class StreamAccessLines(logging.Handler):
    """Collects the access log's status of stream requests; ``seen`` is set at the first."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[object] = []
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if str(getattr(record, "route", "")).endswith("/events/stream"):
            self.statuses.append(getattr(record, "status", None))
            self.seen.set()


async def test_a_stream_the_client_closes_is_logged_499_not_500(edge: Edge) -> None:
    client, fake = edge
    grpc_session_found(fake)
    lines = StreamAccessLines()
    access = logging.getLogger("sessiond.access")
    access.addHandler(lines)
    level = access.level
    access.setLevel(logging.INFO)
    try:
        await fake.stream.put(event_pb2.StreamEventsResponse(event=user_message("sevt_1", "hi")))
        resp = await client.get("/v1/sessions/sesn_1/events/stream", headers=AUTH)
        assert (await read_frame(resp) or {}).get("id") == "sevt_1"
        resp.close()
        await asyncio.wait_for(lines.seen.wait(), WAIT)
    finally:
        access.removeHandler(lines)
        access.setLevel(level)
    assert lines.statuses == [499]


async def test_disconnect_is_noticed_without_handler_cancellation() -> None:
    """``web.run_app`` does not cancel handlers on disconnect: the next ping notices."""
    fake = FakeCore()
    grpc_session_found(fake)
    runner = web.AppRunner(
        create_app(CoreClient(fake), ping_interval=0.02), handler_cancellation=False
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        async with ClientSession() as http:
            url = f"http://{host}:{port}/v1/sessions/sesn_1/events/stream"
            resp = await http.get(url, headers=AUTH)
            assert (await read_frame(resp) or {}).get("event") == "ping"
            resp.close()
            await asyncio.wait_for(fake.stream_closed.wait(), WAIT)
    finally:
        await runner.cleanup()


async def test_shutdown_closes_open_streams_at_once() -> None:
    fake = FakeCore()
    grpc_session_found(fake)
    server = TestServer(create_app(CoreClient(fake)))
    await server.start_server()
    async with ClientSession() as http:
        resp = await http.get(server.make_url("/v1/sessions/sesn_1/events/stream"), headers=AUTH)
        assert resp.status == 200
        await asyncio.wait_for(fake.stream_started.wait(), WAIT)
        # Without on_shutdown closing the stream, this waits out the 60 s shutdown timeout.
        await asyncio.wait_for(server.close(), WAIT)
        assert fake.stream_closed.is_set()
        assert await read_frame(resp) is None
    assert not fake.closed  # the app did not own this core


# --------------------------------------------------------------------------- the SDK


async def test_sdk_reads_pages_and_streams(make_client: Factory) -> None:
    anthropic = pytest.importorskip("anthropic")
    client, fake = await make_client(ping_interval=0.02)
    base_url = str(client.make_url(""))
    sdk = anthropic.AsyncAnthropic(api_key=KEY, base_url=base_url, max_retries=0)
    try:
        fake.replies["ListAgents"] = agent_pb2.ListAgentsResponse(
            agents=[agent("agent_2")], next_page_token="p2"
        )
        page = await sdk.beta.agents.list(limit=1, include_archived=True)
        assert [a.id for a in page.data] == ["agent_2"]
        assert page.next_page == "p2"
        fake.replies["ListAgents"] = agent_pb2.ListAgentsResponse(agents=[agent("agent_1")])
        following = await page.get_next_page()
        assert [a.id for a in following.data] == ["agent_1"]
        assert fake.request("ListAgents").page_token == "p2"

        fake.replies["GetAgent"] = CoreError(grpc.StatusCode.NOT_FOUND, "no agent agent_x")
        with pytest.raises(anthropic.NotFoundError) as caught:
            await sdk.beta.agents.retrieve("agent_x")
        assert caught.value.request_id is not None

        grpc_session_found(fake)
        await fake.stream.put(event_pb2.StreamEventsResponse(event=user_message("sevt_1", "hi")))
        await fake.stream.put(CoreError(grpc.StatusCode.NOT_FOUND, "session deleted"))
        stream = await sdk.beta.sessions.events.stream("sesn_1")
        seen = []
        with pytest.raises(anthropic.APIStatusError):
            async for event in stream:
                seen.append(event.id)
        assert seen == ["sevt_1"]
    finally:
        await sdk.close()


async def test_every_request_gets_its_own_request_id(edge: Edge) -> None:
    client, _ = edge
    ids = set()
    for _ in range(3):
        resp = await client.get("/healthz")
        ids.add(resp.headers["request-id"])
    assert len(ids) == 3
    assert all(i.startswith("req_") and len(i) > 20 for i in ids)
