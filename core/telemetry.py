"""The core's counters and spans: Prometheus metrics and OpenTelemetry traces.

Metrics live in the process's default Prometheus registry, so in ``serve`` mode
the edge's ``/metrics`` shows them beside its own; a lone ``sessiond core``
serves them on ``--metrics HOST:PORT`` when given. Spans follow the OpenTelemetry
GenAI semantic conventions (``invoke_agent`` per turn, ``chat`` per model
request, ``execute_tool`` per tool call). Without a configured tracer provider
the OpenTelemetry API hands out no-op spans.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, Final

import grpc
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import extract
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from prometheus_client import Counter, Histogram

tracer: Final = trace.get_tracer("sessiond.core")

TURNS: Final = Counter("sessiond_turns_total", "Turns run, by how they ended", ["outcome"])
TURN_SECONDS: Final = Histogram(
    "sessiond_turn_duration_seconds",
    "Wall time of a turn",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
MODEL_REQUESTS: Final = Counter(
    "sessiond_model_requests_total", "Model requests, by outcome", ["outcome"]
)
MODEL_TOKENS: Final = Counter(
    "sessiond_model_tokens_total", "Model tokens, by kind (input, output, cache_*)", ["kind"]
)
TOOL_CALLS: Final = Counter(
    "sessiond_tool_calls_total",
    "Tool calls the model made, by kind and outcome",
    ["kind", "outcome"],
)
SUBSCRIBERS_CUT: Final = Counter(
    "sessiond_stream_subscribers_cut_total", "Stream subscribers cut off for falling behind"
)
LEASE_TAKEOVERS: Final = Counter(
    "sessiond_lease_takeovers_total", "Turns of another replica ended after its lease expired"
)
LEASES_LOST: Final = Counter("sessiond_leases_lost_total", "Turn leases this replica lost")
COMMIT_BATCH: Final = Histogram(
    "sessiond_group_commit_batch_size",
    "Appends committed together in one transaction",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
STORE_SECONDS: Final = Histogram(
    "sessiond_store_commit_seconds",
    "Time to commit one group of appends",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)

# The children of the per-turn counters, looked up once (``labels`` per call
# costs a lock and a dict lookup on every turn).
_TURN_OUTCOMES: Final = {o: TURNS.labels(o) for o in ("ok", "error", "interrupted")}
_REQUEST_OUTCOMES: Final = {o: MODEL_REQUESTS.labels(o) for o in ("ok", "error")}
_TOKENS: Final = {
    k: MODEL_TOKENS.labels(k) for k in ("input", "output", "cache_read", "cache_creation")
}


def extract_context(metadata: Sequence[tuple[str, str | bytes]] | None) -> otel_context.Context:
    """The W3C trace context (``traceparent``/``tracestate``) carried by gRPC metadata."""
    carrier: Mapping[str, str] = {
        k: v.decode() if isinstance(v, bytes) else v for k, v in (metadata or ())
    }
    return extract(carrier)


@contextlib.contextmanager
def attached(ctx: otel_context.Context | None) -> Iterator[None]:
    """Makes ``ctx`` current for the block (nothing when None)."""
    if ctx is None:
        yield
        return
    token = otel_context.attach(ctx)
    try:
        yield
    finally:
        otel_context.detach(token)


def tracing() -> bool:
    """Whether a tracer provider is installed (without one every span is a
    no-op: the turn path then makes none, which costs nothing)."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


@contextlib.contextmanager
def _no_span() -> Iterator[Span]:
    yield trace.INVALID_SPAN


def _span(
    name: str, kind: SpanKind, attributes: dict[str, str], *, exceptions: bool = True
) -> contextlib.AbstractContextManager[Span]:
    """A current span named ``name`` when tracing, else the invalid span (no work).
    Without ``exceptions`` the caller records a failure itself."""
    if not tracing():
        return _no_span()
    return tracer.start_as_current_span(
        name,
        kind=kind,
        attributes=attributes,
        record_exception=exceptions,
        set_status_on_exception=exceptions,
    )


@contextlib.contextmanager
def turn_span(session_id: str, agent_name: str, agent_id: str, model: str) -> Iterator[Span]:
    """``invoke_agent`` around one turn; counts the turn and its duration."""
    start = time.perf_counter()
    outcome = "error"
    opened = _span(
        f"invoke_agent {agent_name}".strip(),
        SpanKind.INTERNAL,
        {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.provider.name": "anthropic",
            "gen_ai.agent.id": agent_id,
            "gen_ai.agent.name": agent_name,
            "gen_ai.request.model": model,
            "gen_ai.conversation.id": session_id,
        },
    )
    with opened as span:
        try:
            yield span
            outcome = "ok"
        except BaseException as e:
            outcome = "interrupted" if type(e).__name__ == "CancelledError" else "error"
            raise
        finally:
            _TURN_OUTCOMES[outcome].inc()
            TURN_SECONDS.observe(time.perf_counter() - start)


@contextlib.contextmanager
def chat_span(model: str, session_id: str) -> Iterator[Span]:
    """``chat`` around one model request."""
    opened = _span(
        f"chat {model}",
        SpanKind.CLIENT,
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "anthropic",
            "gen_ai.request.model": model,
            "gen_ai.conversation.id": session_id,
        },
        exceptions=False,
    )
    with opened as span:
        try:
            yield span
        except Exception as e:
            _REQUEST_OUTCOMES["error"].inc()
            span.set_status(Status(StatusCode.ERROR, type(e).__name__))
            span.set_attribute("error.type", type(e).__name__)
            raise
        else:
            _REQUEST_OUTCOMES["ok"].inc()


def record_usage(
    span: Span, input_tokens: int, output_tokens: int, cache_read: int, cache_write: int
) -> None:
    """Token usage of one model request, on its span and in the counters."""
    if span.is_recording():
        span.set_attribute("gen_ai.usage.input_tokens", input_tokens)
        span.set_attribute("gen_ai.usage.output_tokens", output_tokens)
    _TOKENS["input"].inc(input_tokens)
    _TOKENS["output"].inc(output_tokens)
    _TOKENS["cache_read"].inc(cache_read)
    _TOKENS["cache_creation"].inc(cache_write)


@contextlib.contextmanager
def tool_span(name: str, call_id: str, kind: str) -> Iterator[Span]:
    """``execute_tool`` around one tool call the server runs."""
    with tracer.start_as_current_span(
        f"execute_tool {name}",
        kind=SpanKind.INTERNAL,
        attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": name,
            "gen_ai.tool.call.id": call_id,
            "gen_ai.tool.type": "function" if kind != "extension" else "extension",
        },
    ) as span:
        yield span


def count_tool(kind: str, outcome: str) -> None:
    TOOL_CALLS.labels(kind, outcome).inc()


class TraceContextInterceptor(grpc.aio.ServerInterceptor):
    """Runs each unary call in the W3C trace context its metadata carries (``traceparent``),
    so a turn that a call starts is a child of the caller's span."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        metadata = details.invocation_metadata or ()  # type: ignore[attr-defined]
        if handler is None or handler.unary_unary is None:
            return handler
        if not any(key == "traceparent" for key, _ in metadata):
            return handler
        ctx = extract_context(metadata)
        inner = handler.unary_unary

        async def traced(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            with attached(ctx):
                return await inner(request, context)

        return grpc.unary_unary_rpc_method_handler(
            traced, handler.request_deserializer, handler.response_serializer
        )


def server_interceptors() -> list[grpc.aio.ServerInterceptor]:
    """The trace-context interceptor once a tracer provider is installed, else none."""
    if not tracing():
        return []
    return [TraceContextInterceptor()]
