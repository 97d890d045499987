"""The in-process transport: the edge's calls go straight to the core's objects.

In ``serve`` the edge and the core share one process and event loop, so the
edge→core hop need not cross a socket or (de)serialize every message. Unary
calls go to the servicers ``CoreServer`` built (found by RPC path through the
generated registration, as a gRPC server finds them), with a small stand-in for
``grpc.aio.ServicerContext``; the event stream is the core's ``open_stream``.
Responses are messages and failures :class:`CoreError`, as over gRPC, and a
caller's cancellation reaches the core's code as a cancelled gRPC call would.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, NoReturn

import grpc
from sessiond.core.auth.gate import guard_unary
from sessiond.core.errors import SessiondError, grpc_status
from sessiond.core.eventstream import EventStream
from sessiond.core.server import CoreServer
from sessiond.edge.client import STREAM_EVENTS
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
from sessiond.v1 import event_pb2

log = logging.getLogger(__name__)

UnaryHandler = Callable[[object, "_Context"], Awaitable[object]]


def _closed() -> CoreError:
    return CoreError(grpc.StatusCode.UNAVAILABLE, "the in-process core is closed")


class _Context:
    """Enough of ``grpc.aio.ServicerContext`` for a servicer called in-process."""

    def __init__(self, metadata: Metadata) -> None:
        self._metadata = metadata

    async def abort(
        self, code: grpc.StatusCode, details: str = "", trailing_metadata: Sequence[object] = ()
    ) -> NoReturn:
        raise CoreError(code, details, retry_after=retry_after(trailing_metadata))

    def invocation_metadata(self) -> Metadata:
        return self._metadata

    def peer(self) -> str:
        return "in-process"


class _HandlerTable:
    """Collects what the generated ``add_*Servicer_to_server`` registers: the
    unary handler of each RPC path."""

    def __init__(self) -> None:
        self.unary: dict[str, UnaryHandler] = {}

    def add_generic_rpc_handlers(self, handlers: Sequence[object]) -> None:
        pass  # the same handlers arrive by name below

    def add_registered_method_handlers(
        self, service: str, handlers: dict[str, grpc.RpcMethodHandler]
    ) -> None:
        for name, handler in handlers.items():
            if handler.unary_unary is not None:
                self.unary[f"/{service}/{name}"] = handler.unary_unary


def _error(exc: Exception, label: str) -> CoreError:
    if isinstance(exc, CoreError):
        return exc
    if isinstance(exc, SessiondError):
        wait = getattr(exc, "retry_after", None)
        return CoreError(*grpc_status(exc), retry_after=None if wait is None else str(wait))
    log.error("%s failed", label, exc_info=exc)
    return CoreError(grpc.StatusCode.INTERNAL, "internal error")


class InProcessStream(Generic[Resp]):
    """The core's :class:`EventStream`, with failures as CoreError."""

    def __init__(self, stream: EventStream, response_type: type[Resp]) -> None:
        self._stream = stream
        self._response_type = response_type

    def __aiter__(self) -> InProcessStream[Resp]:
        return self

    async def __anext__(self) -> Resp:
        try:
            item = await self._stream.__anext__()
        except (StopAsyncIteration, CoreError):
            raise
        except Exception as e:
            raise _error(e, "StreamEvents") from None
        if not isinstance(item, self._response_type):
            raise CoreError(grpc.StatusCode.INTERNAL, "internal error")
        return item

    def next_ready(self) -> Resp | None:
        """The next item if it is already queued (see :meth:`EventStream.next_ready`)."""
        item = self._stream.next_ready()
        if item is not None and not isinstance(item, self._response_type):
            raise CoreError(grpc.StatusCode.INTERNAL, "internal error")
        return item

    def set_sink(self, sink: Callable[[Resp], bool] | None) -> bool:
        """Hands live items straight to ``sink`` (see :meth:`EventStream.set_sink`);
        False when this stream cannot (its items are not the core's own type)."""
        if self._response_type is not event_pb2.StreamEventsResponse:
            return False
        self._stream.set_sink(sink)  # type: ignore[arg-type]
        return True

    async def aclose(self) -> None:
        await self._stream.aclose()


class InProcessTransport:
    """The edge's :class:`Transport` over a :class:`CoreServer` in this process."""

    def __init__(self, server: CoreServer) -> None:
        self._server = server
        table = _HandlerTable()
        server.servicers.register(table)  # type: ignore[arg-type]
        # Behind the same gate as the gRPC port: the caller's key, its limits,
        # and its workspace for the servicer.
        self._unary = {
            path: guard_unary(server.gate, path, handler) for path, handler in table.unary.items()
        }
        self._streams: weakref.WeakSet[Stream[object]] = weakref.WeakSet()
        self.closed = False

    async def unary(self, method: Method[Req, Resp], request: Req, metadata: Metadata) -> Resp:
        if self.closed:
            raise _closed()
        handler = self._unary.get(method.path)
        if handler is None:
            raise CoreError(grpc.StatusCode.UNIMPLEMENTED, f"{method.path} is not served")
        try:
            reply = await handler(request, _Context(metadata))
        except Exception as e:
            raise _error(e, method.path) from None
        if not isinstance(reply, method.response_type):
            log.error("%s answered with %s", method.path, type(reply).__name__)
            raise CoreError(grpc.StatusCode.INTERNAL, "internal error")
        return reply

    async def open_stream(
        self, method: StreamMethod[Req, Resp], request: Req, metadata: Metadata
    ) -> Stream[Resp]:
        if self.closed:
            raise _closed()
        if method.path != STREAM_EVENTS.path or not isinstance(
            request, event_pb2.StreamEventsRequest
        ):
            raise CoreError(grpc.StatusCode.UNIMPLEMENTED, f"{method.path} is not served")
        try:
            caller = await self._server.gate.admit(method.path, metadata, request)
        except Exception as e:
            raise _error(e, method.path) from None
        core_stream = self._server.open_stream(request, ws=caller.workspace)
        try:
            await core_stream
        except BaseException as e:
            await core_stream.aclose()
            if isinstance(e, Exception):
                raise _error(e, method.path) from None
            raise
        stream = InProcessStream(core_stream, method.response_type)
        self._streams.add(stream)
        return stream

    async def ready(self) -> bool:
        return not self.closed and self._server.serving

    async def close(self) -> None:
        """Refuses further calls and closes the open streams, like closing a channel."""
        self.closed = True
        for stream in list(self._streams):
            await stream.aclose()
