"""W3C trace context from the edge to the core: the edge's current span rides in
each unary call's metadata as ``traceparent`` (the core reads it back)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from opentelemetry import trace
from opentelemetry.propagate import inject


def tracing() -> bool:
    """Whether a tracer provider is installed (without one every span is a no-op)."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


def client_interceptors() -> list[grpc.aio.ClientInterceptor]:
    """The trace-context interceptor once a tracer provider is installed, else none
    (an interceptor puts every call on grpc.aio's slower intercepted path)."""
    if not tracing():
        return []
    return [TraceContextClientInterceptor()]


class TraceContextClientInterceptor(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Carries the current W3C trace context to the core in the call's metadata."""

    async def intercept_unary_unary(
        self, continuation: Callable[..., Any], client_call_details: Any, request: Any
    ) -> Any:
        carrier: dict[str, str] = {}
        inject(carrier)
        if carrier:
            metadata = grpc.aio.Metadata(*(client_call_details.metadata or ()))
            for key, value in carrier.items():
                metadata.add(key, value)
            client_call_details = client_call_details._replace(metadata=metadata)
        return await continuation(client_call_details, request)
