"""The gRPC transport: calls to one or several cores over grpc.aio channels.

Calls go to the cores in turn; a core that cannot be reached is passed over for
a second. Whether a failed call may be tried on the next core comes from the
RPC's ``idempotency_level`` (``Method.retry_safe``). A call that is not retry
safe goes to a core only once its channel is READY (connected): a core whose
channel cannot connect never received the call, so the next core is tried; once
a call was sent, an UNAVAILABLE may mean it ran, and it is not repeated.
"""

from __future__ import annotations

import asyncio
import time
from typing import Generic

import grpc
from grpc_health.v1 import health_pb2
from sessiond.edge.rpc import (
    CoreError,
    Metadata,
    Method,
    Req,
    Resp,
    Stream,
    StreamMethod,
    retry_after,
)
from sessiond.edge.tracing import client_interceptors

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
]
# How long a core that refused a connection is passed over.
DOWN_SECONDS = 1.0
# How long a call waits for a channel that is connecting.
CONNECT_SECONDS = 5.0

_CONNECTING = (grpc.ChannelConnectivity.IDLE, grpc.ChannelConnectivity.CONNECTING)


def _serialize(message: Req) -> bytes:
    data: bytes = message.SerializeToString()
    return data


class _Backend:
    """One core: its channel."""

    def __init__(self, target: str, tls_ca: bytes | None = None) -> None:
        self.target = target
        if tls_ca is not None:
            creds = grpc.ssl_channel_credentials(root_certificates=tls_ca)
            self.channel = grpc.aio.secure_channel(
                target, creds, options=CHANNEL_OPTIONS, interceptors=client_interceptors()
            )
        else:
            self.channel = grpc.aio.insecure_channel(
                target, options=CHANNEL_OPTIONS, interceptors=client_interceptors()
            )
        self.health_check = self.channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=_serialize,
            response_deserializer=health_pb2.HealthCheckResponse.FromString,
        )
        self.down_until = 0.0

    async def connected(self) -> bool:
        """Waits while the channel connects; whether it is READY (the gRPC
        connectivity state, not an error text, says a call can be sent)."""
        state = self.channel.get_state(try_to_connect=True)
        deadline = time.monotonic() + CONNECT_SECONDS
        while state in _CONNECTING:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self.channel.wait_for_state_change(state), remaining)
            except TimeoutError:
                return False
            state = self.channel.get_state(try_to_connect=True)
        return bool(state == grpc.ChannelConnectivity.READY)

    def mark_down(self) -> None:
        self.down_until = time.monotonic() + DOWN_SECONDS


class GrpcTransport:
    """The :class:`Transport` over grpc.aio, to the cores at ``targets`` ("a:1,b:2")."""

    def __init__(self, targets: str, *, tls_ca: bytes | None = None) -> None:
        """``tls_ca``: PEM of the CA that signed the cores' certificates (TLS), else plain."""
        names = [t.strip() for t in targets.split(",") if t.strip()]
        if not names:
            raise ValueError("no core address given")
        self.backends = [_Backend(t, tls_ca) for t in names]
        self._next = 0
        self._streams: set[Stream[object]] = set()

    def order(self) -> list[_Backend]:
        """Every core once, starting with the next in turn; cores that are up first."""
        n = len(self.backends)
        start = self._next
        self._next = (start + 1) % n
        ring = [self.backends[(start + i) % n] for i in range(n)]
        now = time.monotonic()
        return [b for b in ring if b.down_until <= now] + [b for b in ring if b.down_until > now]

    async def unary(self, method: Method[Req, Resp], request: Req, metadata: Metadata) -> Resp:
        last = CoreError(grpc.StatusCode.UNAVAILABLE, "no core could be reached")
        for backend in self.order():
            if not method.retry_safe and not await backend.connected():
                backend.mark_down()  # never sent: safe to try the next core
                continue
            call = backend.channel.unary_unary(
                method.path, request_serializer=_serialize, response_deserializer=method.decode
            )
            try:
                reply: Resp = await call(request, metadata=metadata)
                return reply
            except grpc.aio.AioRpcError as e:
                last = CoreError(
                    e.code(), e.details() or "", retry_after=retry_after(e.trailing_metadata())
                )
                if e.code() != grpc.StatusCode.UNAVAILABLE:
                    break
                backend.mark_down()
                if not method.retry_safe:
                    break  # it was sent: it may have run
        raise last

    async def open_stream(
        self, method: StreamMethod[Req, Resp], request: Req, metadata: Metadata
    ) -> Stream[Resp]:
        stream = GrpcStream(self, method, request, metadata)
        try:
            await stream.open()
        except BaseException:
            await stream.aclose()
            raise
        return stream

    async def ready(self) -> bool:
        """Whether at least one core serves."""
        request = health_pb2.HealthCheckRequest()
        for backend in self.backends:
            try:
                reply = await backend.health_check(request, timeout=2)
            except grpc.aio.AioRpcError:
                continue
            if reply.status == health_pb2.HealthCheckResponse.SERVING:
                return True
        return False

    async def close(self) -> None:
        for stream in list(self._streams):
            await stream.aclose()
        for backend in self.backends:
            await backend.channel.close()


class GrpcStream(Generic[Req, Resp]):
    """A server stream across the pool: opened, iterated, closed.

    ``open()`` returns once a core has attached the stream (its initial
    metadata arrived), or raises CoreError; a core that cannot be reached is
    passed over for the next. If the core dies while the stream is open, a
    stream that has a position (an item delivered, or the one it was opened
    after) goes on from another core after that position, so the reader sees
    no break.
    """

    def __init__(
        self,
        transport: GrpcTransport,
        method: StreamMethod[Req, Resp],
        request: Req,
        metadata: Metadata,
    ) -> None:
        self._transport = transport
        self._method = method
        self._request = request
        self._metadata = metadata
        self._call: grpc.aio.UnaryStreamCall | None = None
        self._backend: _Backend | None = None
        self._closed = False
        self._position = method.start(request)
        self._resumes = 0

    async def open(self) -> None:
        last: CoreError | None = None
        self._transport._streams.add(self)
        for backend in self._transport.order():
            if self._closed:
                break
            multi = backend.channel.unary_stream(
                self._method.path,
                request_serializer=_serialize,
                response_deserializer=self._method.decode,
            )
            call = multi(self._request, metadata=self._metadata)
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
            last = CoreError(
                code,
                await call.details() or "",
                retry_after=retry_after(await call.trailing_metadata()),
            )
            if code != grpc.StatusCode.UNAVAILABLE:
                raise last
            backend.mark_down()
        raise last or CoreError(grpc.StatusCode.CANCELLED, "stream closed")

    def __aiter__(self) -> GrpcStream[Req, Resp]:
        return self

    async def __anext__(self) -> Resp:
        while True:
            call = self._call
            if self._closed or call is None:
                raise StopAsyncIteration
            try:
                item = await call.read()
            except grpc.aio.AioRpcError as e:
                if self._closed:
                    raise StopAsyncIteration from None
                if (
                    e.code() != grpc.StatusCode.UNAVAILABLE
                    or not self._position
                    or self._resumes >= len(self._transport.backends)
                ):
                    raise CoreError(e.code(), e.details() or "") from None
                await self._resume()
                continue
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if self._closed and task is not None and not task.cancelling():
                    raise StopAsyncIteration from None  # closed from another task
                raise
            if item is grpc.aio.EOF:
                raise StopAsyncIteration
            reply: Resp = item
            position = self._method.position(reply)
            if position:
                self._position = position
                self._resumes = 0
            return reply

    async def _resume(self) -> None:
        if self._backend is not None:
            self._backend.mark_down()
        self._resumes += 1
        if self._call is not None:
            self._call.cancel()
        self._request = self._method.resume(self._request, self._position)
        await self.open()

    async def aclose(self) -> None:
        self._closed = True
        self._transport._streams.discard(self)
        if self._call is not None:
            self._call.cancel()
