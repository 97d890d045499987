"""The edge's one narrow door to the core.

The edge sees the core only as four stub-shaped objects whose methods take a
request message and return a response message (``StreamEvents`` returns an
async iterator of responses). Failures are raised as :class:`CoreError` with a
gRPC status code, whatever the transport. ``GrpcCore`` reaches a core over
grpc.aio; an in-process implementation can stand in with no socket.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any, Protocol

import grpc
from sessiond.v1 import (
    agent_pb2_grpc,
    environment_pb2_grpc,
    event_pb2_grpc,
    session_pb2_grpc,
    vault_pb2_grpc,
    work_pb2_grpc,
)

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
]


class CoreError(Exception):
    """A call to the core failed with a gRPC status."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Core(Protocol):
    agents: Any
    environments: Any
    sessions: Any
    events: Any
    work: Any
    vaults: Any

    async def ready(self) -> bool: ...

    async def close(self) -> None: ...


# Methods that change nothing: safe to try on another core whatever happened.
_READ_ONLY = ("Get", "List", "Retrieve", "Stream")
# How long a core that refused a connection is passed over.
DOWN_SECONDS = 1.0


def _never_reached(err: grpc.aio.AioRpcError) -> bool:
    """The call failed before it reached the core (so trying another is safe)."""
    if err.code() != grpc.StatusCode.UNAVAILABLE:
        return False
    details = (err.details() or "").lower()
    return "failed to connect" in details or "connection refused" in details


class _Backend:
    """One core: its channel and stubs."""

    def __init__(self, target: str) -> None:
        from grpc_health.v1 import health_pb2_grpc

        self.target = target
        self.channel = grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
        self.stubs = {
            "agents": agent_pb2_grpc.AgentServiceStub(self.channel),
            "environments": environment_pb2_grpc.EnvironmentServiceStub(self.channel),
            "sessions": session_pb2_grpc.SessionServiceStub(self.channel),
            "events": event_pb2_grpc.EventServiceStub(self.channel),
            "health": health_pb2_grpc.HealthStub(self.channel),
            "work": work_pb2_grpc.WorkServiceStub(self.channel),
            "vaults": vault_pb2_grpc.VaultServiceStub(self.channel),
        }
        self.down_until = 0.0


class _Pool:
    """Spreads calls over the cores in turn, passing over one that is down."""

    def __init__(self, targets: list[str]) -> None:
        self.backends = [_Backend(t) for t in targets]
        self._next = 0

    def order(self) -> list[_Backend]:
        """Every core once, starting with the next in turn; cores that are up first."""
        n = len(self.backends)
        start = self._next
        self._next = (start + 1) % n
        ring = [self.backends[(start + i) % n] for i in range(n)]
        now = time.monotonic()
        return [b for b in ring if b.down_until <= now] + [b for b in ring if b.down_until > now]

    def failed(self, backend: _Backend, err: grpc.aio.AioRpcError) -> None:
        if err.code() == grpc.StatusCode.UNAVAILABLE:
            backend.down_until = time.monotonic() + DOWN_SECONDS


class _Unary:
    def __init__(self, pool: _Pool, service: str, method: str) -> None:
        self._pool = pool
        self._service = service
        self._method = method
        self._retry_any = method.startswith(_READ_ONLY)

    async def __call__(self, request: Any) -> Any:
        last: grpc.aio.AioRpcError | None = None
        for backend in self._pool.order():
            try:
                return await getattr(backend.stubs[self._service], self._method)(request)
            except grpc.aio.AioRpcError as e:
                self._pool.failed(backend, e)
                last = e
                if e.code() == grpc.StatusCode.UNAVAILABLE and (
                    self._retry_any or _never_reached(e)
                ):
                    continue
                break
        assert last is not None
        raise CoreError(last.code(), last.details() or "") from None


class StreamCall:
    """A server stream: ``await opened()``, then iterate; ``aclose()`` ends it.

    ``opened()`` returns once a core has attached the stream (every event
    committed afterwards will be delivered), or raises CoreError. A core that
    cannot be reached is passed over for the next. If the core dies while the
    stream is open, an event stream that has a position (an event delivered,
    or the one it was opened after) goes on from another core, from the event
    after that position, so the client sees no break.
    """

    def __init__(self, pool: _Pool, method: str, request: Any) -> None:
        self._pool = pool
        self._method = method
        self._request = request
        self._call: Any = None
        self._backend: _Backend | None = None
        self._closed = False
        self._position = getattr(request, "after_event_id", "")

    async def opened(self) -> None:
        last: CoreError | None = None
        for backend in self._pool.order():
            if self._closed:
                break
            call = getattr(backend.stubs["events"], self._method)(self._request)
            self._call, self._backend = call, backend
            try:
                await call.initial_metadata()
            except grpc.aio.AioRpcError:
                pass
            if not call.done():
                return
            code = await call.code()
            if code == grpc.StatusCode.OK:
                return
            last = CoreError(code, await call.details() or "")
            if code != grpc.StatusCode.UNAVAILABLE:
                raise last
            backend.down_until = time.monotonic() + DOWN_SECONDS
        raise last or CoreError(grpc.StatusCode.CANCELLED, "stream closed")

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Any]:
        if self._call is None:
            await self.opened()
        resumes = 0
        try:
            while True:
                try:
                    async for item in self._call:
                        event_id = _event_id(item)
                        if event_id:
                            self._position = event_id
                            resumes = 0
                        yield item
                    return
                except grpc.aio.AioRpcError as e:
                    if (
                        e.code() != grpc.StatusCode.UNAVAILABLE
                        or not self._position
                        or self._closed
                        or resumes >= len(self._pool.backends)
                    ):
                        raise CoreError(e.code(), e.details() or "") from None
                if self._backend is not None:
                    self._backend.down_until = time.monotonic() + DOWN_SECONDS
                resumes += 1
                resumed = type(self._request)()
                resumed.CopyFrom(self._request)
                resumed.after_event_id = self._position
                self._request = resumed
                await self.opened()
        finally:
            if self._call is not None:
                self._call.cancel()

    async def aclose(self) -> None:
        self._closed = True
        if self._call is not None:
            self._call.cancel()


def _event_id(item: Any) -> str:
    """The id of a stored event in a stream item ("" for previews)."""
    has = getattr(item, "HasField", None)
    if has is not None and "event" in item.DESCRIPTOR.fields_by_name and has("event"):
        return str(item.event.id)
    return ""


class _Streaming:
    def __init__(self, pool: _Pool, method: str) -> None:
        self._pool = pool
        self._method = method

    def __call__(self, request: Any) -> StreamCall:
        return StreamCall(self._pool, self._method, request)


class _Service:
    """One service across the pool, with the generated stub's method names."""

    def __init__(self, pool: _Pool, service: str) -> None:
        stub = pool.backends[0].stubs[service]
        for name in vars(stub):
            wrapper = (
                _Streaming(pool, name) if name.startswith("Stream") else _Unary(pool, service, name)
            )
            setattr(self, name, wrapper)


class GrpcCore:
    """One or several cores across grpc.aio channels (``"a:1,b:2"``).

    Calls go to the cores in turn. A core that cannot be reached is passed
    over for a second; a call that changes something is tried on another core
    only when it never reached the first, so it never takes effect twice.
    """

    def __init__(self, targets: str) -> None:
        names = [t.strip() for t in targets.split(",") if t.strip()]
        if not names:
            raise ValueError("no core address given")
        self._pool = _Pool(names)
        self.agents = _Service(self._pool, "agents")
        self.environments = _Service(self._pool, "environments")
        self.sessions = _Service(self._pool, "sessions")
        self.events = _Service(self._pool, "events")
        self.work = _Service(self._pool, "work")
        self.vaults = _Service(self._pool, "vaults")
        from grpc_health.v1 import health_pb2

        self._health_request = health_pb2.HealthCheckRequest()
        self._serving = health_pb2.HealthCheckResponse.SERVING

    async def ready(self) -> bool:
        """Whether at least one core serves."""
        for backend in self._pool.backends:
            try:
                reply = await backend.stubs["health"].Check(self._health_request, timeout=2)
            except grpc.aio.AioRpcError:
                continue
            if reply.status == self._serving:
                return True
        return False

    async def close(self) -> None:
        for backend in self._pool.backends:
            await backend.channel.close()
