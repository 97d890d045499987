"""Every call to the core's services passes the gate: it authenticates the
caller's key, counts the call against its workspace's limits, and makes the
caller known to the servicer as :func:`current_caller`.

The same wrappers guard both transports: :class:`AuthInterceptor` wraps the
handlers of the grpc.aio server (every service but health and reflection),
and the in-process transport wraps each servicer method it calls in the same
:func:`guard_unary` (streams: :meth:`Gate.admit` before opening). Either way
the key arrives as call metadata, ``authorization: Bearer KEY`` or
``x-api-key: KEY``.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

import grpc
from sessiond.core.auth.keys import KeyRing
from sessiond.core.auth.limits import Limits, RateLimiter
from sessiond.core.errors import InvalidArgument, RateLimited, SessiondError, Unauthenticated

# Services that need no key (CONTRACT.md §2).
OPEN_SERVICES: Final = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)
NO_KEY: Final = "No API key: send it in the x-api-key header or as Authorization: Bearer <key>"
BAD_KEY: Final = "Invalid API key"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who makes the current call."""

    workspace: str


_CALLER: contextvars.ContextVar[Caller] = contextvars.ContextVar("sessiond_caller")


def current_caller() -> Caller:
    """The caller of the call being served. Streaming servicers read it before
    their first ``yield`` (an in-process stream's later steps may run in
    another task)."""
    return _CALLER.get()


def presented_keys(metadata: Iterable[tuple[str, Any]] | None) -> list[str]:
    """The keys in call metadata: ``x-api-key`` values, then Bearer tokens."""
    keys: list[str] = []
    bearers: list[str] = []
    for name, value in metadata or ():
        if isinstance(value, bytes):
            continue
        if name == "x-api-key" and value.strip():
            keys.append(value.strip())
        elif name == "authorization":
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                bearers.append(token.strip())
    return (keys + bearers)[:2]


class Gate:
    def __init__(self, keys: KeyRing, limits: Limits | None = None) -> None:
        self.keys = keys
        self.limits = limits or Limits()
        self._rate = RateLimiter(self.limits.requests_per_minute)

    async def admit(self, method: str, metadata: Any, request: Any) -> Caller:
        """The caller of ``method``, or raises Unauthenticated / RateLimited / InvalidArgument."""
        keys = presented_keys(metadata)
        if not keys:
            raise Unauthenticated(NO_KEY)
        workspace = None
        for key in keys:
            workspace = await self.keys.resolve(key)
            if workspace is not None:
                break
        if workspace is None:
            raise Unauthenticated(BAD_KEY)
        self._rate.take(workspace)
        if method.endswith("/SendEvents"):
            sent = len(request.events)
            if sent > self.limits.events_per_send:
                raise InvalidArgument(
                    f"{sent} events in one send: the limit is {self.limits.events_per_send}"
                )
        return Caller(workspace)


async def _refuse(context: Any, err: SessiondError) -> None:
    trailing: tuple[tuple[str, str], ...] = ()
    if isinstance(err, RateLimited) and err.retry_after is not None:
        trailing = (("retry-after", str(err.retry_after)),)
    await context.abort(err.code, err.message, trailing_metadata=trailing)


def guard_unary(
    gate: Gate, method: str, behavior: Callable[[Any, Any], Awaitable[Any]]
) -> Callable[[Any, Any], Awaitable[Any]]:
    @functools.wraps(behavior)
    async def call(request: Any, context: Any) -> Any:
        try:
            caller = await gate.admit(method, context.invocation_metadata(), request)
        except SessiondError as err:
            await _refuse(context, err)
            raise AssertionError("unreachable") from None
        token = _CALLER.set(caller)
        try:
            return await behavior(request, context)
        finally:
            _CALLER.reset(token)

    return call


def guard_stream(
    gate: Gate, method: str, behavior: Callable[[Any, Any], AsyncIterator[Any]]
) -> Callable[[Any, Any], AsyncIterator[Any]]:
    @functools.wraps(behavior)
    async def call(request: Any, context: Any) -> AsyncIterator[Any]:
        try:
            caller = await gate.admit(method, context.invocation_metadata(), request)
        except SessiondError as err:
            await _refuse(context, err)
            return
        # Not reset: the steps of a stream may run in different tasks.
        _CALLER.set(caller)
        async for item in behavior(request, context):
            yield item

    return call


async def _refuse_unknown(request: Any, context: Any) -> None:
    await context.abort(grpc.StatusCode.UNAUTHENTICATED, "this method is not open to callers")


class AuthInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Wraps every handler but health and reflection in the gate."""

    def __init__(self, gate: Gate) -> None:
        self._gate = gate
        # Method -> guarded handler: a service's handlers do not change once served.
        self._guarded: dict[str, grpc.RpcMethodHandler] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        method: str = details.method
        guarded = self._guarded.get(method)
        if guarded is not None:
            return guarded
        handler = await continuation(details)
        if handler is None or method.startswith(OPEN_SERVICES):
            return handler
        guarded = self._guard(method, handler)
        self._guarded[method] = guarded
        return guarded

    def _guard(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                guard_unary(self._gate, method, handler.unary_unary),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(
                guard_stream(self._gate, method, handler.unary_stream),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        # No client-streaming method exists; one added later stays closed until guarded.
        return grpc.unary_unary_rpc_method_handler(_refuse_unknown)
