"""The core in the edge's own event loop: the ``Core`` protocol with no socket.

In ``serve`` mode the edge and the core share one process, so the edge→core hop
need not cross a loopback socket and (de)serialize every message twice.
``InProcessCore`` calls the core's servicer objects directly with the request
message and a small stand-in for ``grpc.aio.ServicerContext``, and keeps the
contract of :class:`edge.client.GrpcCore`: responses are messages, failures are
:class:`CoreError`, and a stream is opened, iterated and closed like a
:class:`edge.client.StreamCall`. A caller's cancellation reaches the servicer
code, as a cancelled gRPC call would.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn

import grpc
from sessiond.edge.client import CoreError

if TYPE_CHECKING:
    from sessiond.core.server import CoreServer

log = logging.getLogger(__name__)


def _closed() -> CoreError:
    return CoreError(grpc.StatusCode.UNAVAILABLE, "the in-process core is closed")


class _Context:
    """Enough of ``grpc.aio.ServicerContext`` for a servicer called in-process."""

    def __init__(self, attached: asyncio.Future[None] | None = None) -> None:
        self._code = grpc.StatusCode.OK
        self._details = ""
        self._attached = attached

    async def abort(
        self, code: grpc.StatusCode, details: str = "", trailing_metadata: Any = ()
    ) -> NoReturn:
        raise CoreError(code, details)

    async def send_initial_metadata(self, initial_metadata: Any = ()) -> None:
        if self._attached is not None and not self._attached.done():
            self._attached.set_result(None)

    def set_code(self, code: grpc.StatusCode) -> None:
        self._code = code

    def set_details(self, details: str) -> None:
        self._details = details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def set_trailing_metadata(self, trailing_metadata: Any) -> None:
        pass

    def invocation_metadata(self) -> tuple[()]:
        return ()

    def peer(self) -> str:
        return "in-process"

    def time_remaining(self) -> float | None:
        return None

    def cancelled(self) -> bool:
        return False

    def done(self) -> bool:
        return False

    def error(self, exc: Exception, method: str) -> CoreError:
        """What the client sees when ``method`` raised ``exc``."""
        if isinstance(exc, CoreError):
            return exc
        if self._code != grpc.StatusCode.OK:
            return CoreError(self._code, self._details)
        log.error("%s failed", method, exc_info=exc)
        return CoreError(grpc.StatusCode.INTERNAL, "internal error")


_END = object()  # a step's result once the generator has finished


class InProcessStream:
    """A server stream run in-process, with the interface of ``StreamCall``.

    The first step of the servicer's generator runs in a task of its own, so
    that ``opened()`` can return once the stream is attached while the first
    item is still pending; later items are read in the caller's task.
    ``aclose()`` stops the generator at any await. A caller cancelled while
    waiting closes the stream, cancelling the servicer.
    """

    def __init__(
        self, method: Callable[..., AsyncGenerator[Any, None]], request: Any, name: str
    ) -> None:
        self._attached: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._context = _Context(self._attached)
        self._gen = method(request, self._context)
        self._name = name
        self._step: asyncio.Task[Any] | None = None
        self._closed = False
        self._closing = asyncio.Lock()
        self._reading: tuple[asyncio.Task[Any] | None, asyncio.Future[None]] | None = None
        self._cancelled_reader = False

    async def opened(self) -> None:
        """Returns once the servicer has attached the stream (or yielded, or ended);
        raises CoreError if it failed first. A pending first item is kept."""
        if self._closed:
            raise CoreError(grpc.StatusCode.CANCELLED, "stream closed")
        step = self._start_step()
        await self._wait(step, self._attached)
        if step.done() and not self._attached.done():
            if step.cancelled():
                raise CoreError(grpc.StatusCode.CANCELLED, "stream closed")
            error = step.exception()
            if isinstance(error, Exception):
                raise self._context.error(error, self._name)

    def __aiter__(self) -> InProcessStream:
        return self

    async def __anext__(self) -> Any:
        if self._closed:
            raise StopAsyncIteration
        if self._step is None:
            return await self._read()
        step = self._start_step()
        await self._wait(step)
        self._step = None
        if step.cancelled():
            if self._closed:
                raise StopAsyncIteration
            raise CoreError(grpc.StatusCode.CANCELLED, "stream cancelled")
        error = step.exception()
        if isinstance(error, Exception):
            raise self._context.error(error, self._name)
        item = step.result()
        if item is _END:
            raise StopAsyncIteration
        return item

    async def _read(self) -> Any:
        """The next item, read in the caller's task (no task of its own: a
        stream with many subscribers reads each event many times). ``aclose``
        from elsewhere cancels the read, which then ends the iteration."""
        reader = asyncio.current_task()
        done = asyncio.get_running_loop().create_future()
        self._reading = (reader, done)
        try:
            return await self._gen.__anext__()
        except asyncio.CancelledError:
            if self._closed and reader is not None and self._cancelled_reader:
                reader.uncancel()
                raise StopAsyncIteration from None
            raise
        except (StopAsyncIteration, CoreError):
            raise
        except Exception as e:
            raise self._context.error(e, self._name) from None
        finally:
            self._reading = None
            done.set_result(None)

    async def aclose(self) -> None:
        """Stops the servicer's generator, so that what it holds is released."""
        self._closed = True
        reading = self._reading
        if reading is not None and reading[0] is not asyncio.current_task():
            self._cancelled_reader = True
            if reading[0] is not None:
                reading[0].cancel()
            await asyncio.wait((reading[1],))
        async with self._closing:
            step, self._step = self._step, None
            if step is not None:
                step.cancel()
                await asyncio.wait((step,))
                if not step.cancelled():
                    step.exception()  # retrieved, so that it is not logged as lost
            try:
                await self._gen.aclose()
            except Exception:
                log.exception("closing %s failed", self._name)

    def _start_step(self) -> asyncio.Task[Any]:
        if self._step is None:
            self._step = asyncio.get_running_loop().create_task(self._next())
        return self._step

    async def _next(self) -> Any:
        try:
            return await self._gen.__anext__()
        except StopAsyncIteration:
            return _END

    async def _wait(self, *futures: asyncio.Future[Any]) -> None:
        try:
            await asyncio.wait(futures, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            await self.aclose()
            raise


class _Service:
    """One servicer, stub-shaped: ``await svc.Method(request)`` or ``svc.StreamX(request)``."""

    def __init__(self, servicer: Any, core: InProcessCore) -> None:
        self._servicer = servicer
        self._core = core

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        method = getattr(self._servicer, name)
        label = f"{type(self._servicer).__name__}.{name}"
        if inspect.isasyncgenfunction(method):
            call: Any = self._streaming(method, label)
        else:
            call = self._unary(method, label)
        setattr(self, name, call)
        return call

    def _unary(self, method: Callable[..., Any], label: str) -> Callable[[Any], Awaitable[Any]]:
        core = self._core

        async def call(request: Any) -> Any:
            if core.closed:
                raise _closed()
            context = _Context()
            try:
                reply = method(request, context)
                if inspect.isawaitable(reply):
                    reply = await reply
            except Exception as e:
                raise context.error(e, label) from None
            if context.code() != grpc.StatusCode.OK:
                raise CoreError(context.code(), context.details())
            return reply

        return call

    def _streaming(
        self, method: Callable[..., AsyncGenerator[Any, None]], label: str
    ) -> Callable[[Any], InProcessStream]:
        core = self._core

        def call(request: Any) -> InProcessStream:
            if core.closed:
                raise _closed()
            stream = InProcessStream(method, request, label)
            core.streams.add(stream)
            return stream

        return call


class InProcessCore:
    """The ``Core`` protocol over servicer objects in this process and event loop."""

    def __init__(
        self,
        agents: Any,
        environments: Any,
        sessions: Any,
        events: Any,
        ready: Callable[[], Awaitable[bool]] | None = None,
        work: Any = None,
        vaults: Any = None,
    ) -> None:
        self.agents = _Service(agents, self)
        self.environments = _Service(environments, self)
        self.sessions = _Service(sessions, self)
        self.events = _Service(events, self)
        self.work = _Service(work, self)
        self.vaults = _Service(vaults, self)
        self.closed = False
        self.streams: weakref.WeakSet[InProcessStream] = weakref.WeakSet()
        self._ready = ready

    @classmethod
    def for_server(cls, server: CoreServer) -> InProcessCore:
        """Over a ``CoreServer``'s services, with servicers built as ``start`` builds
        them; ready once started and while its health service says SERVING."""
        from grpc_health.v1 import health_pb2
        from sessiond.core.servicers.agents import AgentServicer
        from sessiond.core.servicers.environments import EnvironmentServicer
        from sessiond.core.servicers.events import EventServicer
        from sessiond.core.servicers.sessions import SessionServicer
        from sessiond.core.servicers.vaults import VaultServicer
        from sessiond.core.servicers.work import WorkServicer

        async def ready() -> bool:
            if server.server is None:  # not started
                return False
            try:
                reply = await server.health.Check(health_pb2.HealthCheckRequest(), _Context())
            except CoreError:
                return False
            return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

        return cls(
            AgentServicer(server.agents),
            EnvironmentServicer(server.environments),
            SessionServicer(server.sessions),
            EventServicer(server.sessions, server.log),
            ready,
            work=WorkServicer(server.work),
            vaults=VaultServicer(server.vaults),
        )

    async def ready(self) -> bool:
        if self.closed:
            return False
        return True if self._ready is None else await self._ready()

    async def close(self) -> None:
        """Refuses further calls and closes the open streams, like closing a channel."""
        self.closed = True
        for stream in list(self.streams):
            await stream.aclose()
