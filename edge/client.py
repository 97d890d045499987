"""The edge's one narrow door to the core.

The edge sees the core only as four stub-shaped objects whose methods take a
request message and return a response message (``StreamEvents`` returns an
async iterator of responses). Failures are raised as :class:`CoreError` with a
gRPC status code, whatever the transport. ``GrpcCore`` reaches a core over
grpc.aio; an in-process implementation can stand in with no socket.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

import grpc
from sessiond.v1 import agent_pb2_grpc, environment_pb2_grpc, event_pb2_grpc, session_pb2_grpc

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

    async def ready(self) -> bool: ...

    async def close(self) -> None: ...


class _Unary:
    def __init__(self, call: Any) -> None:
        self._call = call

    async def __call__(self, request: Any) -> Any:
        try:
            return await self._call(request)
        except grpc.aio.AioRpcError as e:
            raise CoreError(e.code(), e.details() or "") from None


class StreamCall:
    """A server stream: ``await opened()``, then iterate; ``aclose()`` ends it.

    ``opened()`` returns once the core has attached the stream (every event
    committed afterwards will be delivered), or raises CoreError.
    """

    def __init__(self, call: Any) -> None:
        self._call = call

    async def opened(self) -> None:
        await self._call.initial_metadata()
        if self._call.done():
            code = await self._call.code()
            if code != grpc.StatusCode.OK:
                raise CoreError(code, await self._call.details() or "")

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Any]:
        try:
            async for item in self._call:
                yield item
        except grpc.aio.AioRpcError as e:
            raise CoreError(e.code(), e.details() or "") from None
        finally:
            self._call.cancel()

    async def aclose(self) -> None:
        self._call.cancel()


class _Streaming:
    def __init__(self, call: Any) -> None:
        self._call = call

    def __call__(self, request: Any) -> StreamCall:
        return StreamCall(self._call(request))


class _Stub:
    """Wraps a generated stub so that its errors become CoreError."""

    def __init__(self, stub: Any) -> None:
        for name, value in vars(stub).items():
            wrapper = _Streaming(value) if name.startswith("Stream") else _Unary(value)
            setattr(self, name, wrapper)


class GrpcCore:
    """The core across a grpc.aio channel."""

    def __init__(self, target: str) -> None:
        self._channel = grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
        self.agents = _Stub(agent_pb2_grpc.AgentServiceStub(self._channel))
        self.environments = _Stub(environment_pb2_grpc.EnvironmentServiceStub(self._channel))
        self.sessions = _Stub(session_pb2_grpc.SessionServiceStub(self._channel))
        self.events = _Stub(event_pb2_grpc.EventServiceStub(self._channel))
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        self._health = health_pb2_grpc.HealthStub(self._channel)
        self._health_request = health_pb2.HealthCheckRequest()
        self._serving = health_pb2.HealthCheckResponse.SERVING

    async def ready(self) -> bool:
        try:
            reply = await self._health.Check(self._health_request, timeout=2)
        except grpc.aio.AioRpcError:
            return False
        return bool(reply.status == self._serving)

    async def close(self) -> None:
        await self._channel.close()
