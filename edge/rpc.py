"""The edge→core seam: RPC descriptions, the transport protocol and its errors.

Each RPC is a :class:`Method` (or :class:`StreamMethod`, for the one server
stream) that names its request and response message types and says whether a
call may be retried: that comes from the proto's ``idempotency_level`` option,
read from the service descriptor. A :class:`Transport` carries calls to one or
several cores (over gRPC, or in-process in ``serve``); the typed clients in
``edge.client`` are written against it and never see which one it is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import grpc
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import FileDescriptor, MethodDescriptor
from google.protobuf.message import Message

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)
Item = TypeVar("Item", covariant=True)

# Per-call metadata, as gRPC sends it: (key, value) pairs with lower-case keys.
# In-process calls hand it to the servicer's context unchanged.
Metadata = tuple[tuple[str, str], ...]

_RETRY_SAFE = frozenset(
    {descriptor_pb2.MethodOptions.NO_SIDE_EFFECTS, descriptor_pb2.MethodOptions.IDEMPOTENT}
)


class CoreError(Exception):
    """A call to the core failed with a gRPC status (whatever the transport)."""

    def __init__(
        self, code: grpc.StatusCode, message: str, *, retry_after: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # The core's `retry-after` (seconds) when it refused the call for a limit.
        self.retry_after = retry_after


def retry_after(trailing: object) -> str | None:
    """The `retry-after` entry of a call's trailing metadata, if any."""
    for item in trailing or ():  # type: ignore[attr-defined]
        name, value = item
        if name == "retry-after" and isinstance(value, str):
            return str(value)
    return None


def _descriptor(file: FileDescriptor, service: str, name: str) -> MethodDescriptor:
    method: MethodDescriptor = file.services_by_name[service].methods_by_name[name]
    return method


def retry_safe(method: MethodDescriptor) -> bool:
    """Whether the proto says ``method`` may run twice (``NO_SIDE_EFFECTS`` or
    ``IDEMPOTENT``); anything else is tried again only if it never reached a core."""
    level: int = method.GetOptions().idempotency_level
    return level in _RETRY_SAFE


@dataclass(frozen=True)
class Method(Generic[Req, Resp]):
    """A unary RPC: its path, message types and retry safety."""

    path: str  # "/sessiond.v1.AgentService/CreateAgent"
    request_type: type[Req]
    response_type: type[Resp]
    retry_safe: bool
    decode: Callable[[bytes], Resp]


@dataclass(frozen=True)
class StreamMethod(Generic[Req, Resp]):
    """A server-streaming RPC. A stream that broke can be resumed where it got
    to: ``position`` reads a position from an item ("" if it has none) and
    ``resume`` makes the request that goes on after a position."""

    path: str
    request_type: type[Req]
    response_type: type[Resp]
    retry_safe: bool
    decode: Callable[[bytes], Resp]
    start: Callable[[Req], str]
    position: Callable[[Resp], str]
    resume: Callable[[Req, str], Req]


def unary_method(
    file: FileDescriptor, service: str, name: str, request: type[Req], response: type[Resp]
) -> Method[Req, Resp]:
    desc = _descriptor(file, service, name)
    _check(desc, request, response, streaming=False)
    return Method(
        f"/{desc.containing_service.full_name}/{name}",
        request,
        response,
        retry_safe(desc),
        _decoder(response),
    )


def stream_method(
    file: FileDescriptor,
    service: str,
    name: str,
    request: type[Req],
    response: type[Resp],
    *,
    start: Callable[[Req], str],
    position: Callable[[Resp], str],
    resume: Callable[[Req, str], Req],
) -> StreamMethod[Req, Resp]:
    desc = _descriptor(file, service, name)
    _check(desc, request, response, streaming=True)
    return StreamMethod(
        f"/{desc.containing_service.full_name}/{name}",
        request,
        response,
        retry_safe(desc),
        _decoder(response),
        start,
        position,
        resume,
    )


def _decoder(response: type[Resp]) -> Callable[[bytes], Resp]:
    decode: Callable[[bytes], Resp] = response.FromString
    return decode


def _check(
    desc: MethodDescriptor, request: type[Message], response: type[Message], *, streaming: bool
) -> None:
    """The message types given match the descriptor (a typo fails at import)."""
    names = (request.DESCRIPTOR.full_name, response.DESCRIPTOR.full_name)
    if (desc.input_type.full_name, desc.output_type.full_name) != names:
        raise TypeError(f"{desc.full_name}: message types do not match the proto")
    if bool(desc.server_streaming) != streaming or desc.client_streaming:
        raise TypeError(f"{desc.full_name}: wrong kind of RPC")


class Stream(Protocol[Item]):
    """An open server stream: iterate it, then ``aclose`` it (``contextlib.aclosing``)."""

    def __aiter__(self) -> AsyncIterator[Item]: ...

    async def __anext__(self) -> Item: ...

    async def aclose(self) -> None: ...


class Transport(Protocol):
    """Carries calls to the core. Failures are raised as :class:`CoreError`."""

    async def unary(self, method: Method[Req, Resp], request: Req, metadata: Metadata) -> Resp:
        """Sends ``request`` and returns the response."""
        ...

    async def open_stream(
        self, method: StreamMethod[Req, Resp], request: Req, metadata: Metadata
    ) -> Stream[Resp]:
        """Opens a server stream; returns once a core has attached it (every
        item committed afterwards will be delivered)."""
        ...

    async def ready(self) -> bool:
        """Whether a core answers and serves."""
        ...

    async def close(self) -> None:
        """Refuses further calls and ends the open streams."""
        ...
