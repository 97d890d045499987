"""What the edge counts and traces: Prometheus ``/metrics``, the access log and a
server span per request (W3C ``traceparent`` in, OpenTelemetry GenAI spans below).

``/metrics`` renders the process's default registry: in ``serve`` mode it holds the
core's counters too (turns, tool calls, tokens, commits); a lone edge shows its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler
from opentelemetry import trace
from opentelemetry.propagate import extract
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sessiond.edge.state import REQUEST_ID
from sessiond.edge.tracing import tracing

access_log = logging.getLogger("sessiond.access")
tracer: Final = trace.get_tracer("sessiond.edge")

METRICS_PATH: Final = "/metrics"
CLIENT_CLOSED: Final = 499

REQUESTS: Final = Counter(
    "sessiond_http_requests_total",
    "HTTP requests, by method, route and status",
    ["method", "route", "status"],
)
REQUEST_SECONDS: Final = Histogram(
    "sessiond_http_request_duration_seconds",
    "Time to answer an HTTP request (streams: until the stream ends)",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60),
)
OPEN_STREAMS: Final = Gauge("sessiond_http_streams_open", "SSE event streams open on the edge")

_STREAM_SUFFIX: Final = "/events/stream"


def route_of(request: web.Request) -> str:
    """The route's template (``/v1/sessions/{session_id}``), never the concrete path."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


# One labelled child per (method, route[, status]): ``labels()`` looks it up under a lock
# on every call, so the children are kept here once made (routes are templates: bounded).
_REQUESTS: dict[tuple[str, str, int], Counter] = {}
_SECONDS: dict[tuple[str, str], Histogram] = {}


def _count(method: str, route: str, status: int, elapsed: float) -> None:
    counter = _REQUESTS.get((method, route, status))
    if counter is None:
        counter = _REQUESTS[(method, route, status)] = REQUESTS.labels(method, route, str(status))
    counter.inc()
    timer = _SECONDS.get((method, route))
    if timer is None:
        timer = _SECONDS[(method, route)] = REQUEST_SECONDS.labels(method, route)
    timer.observe(elapsed)


@web.middleware
async def observe_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Counts, times, traces and logs every request (outermost but for the request id)."""
    route = route_of(request)
    method = request.method
    streaming = route.endswith(_STREAM_SUFFIX)
    start = time.perf_counter()
    status = 500
    if streaming:
        OPEN_STREAMS.inc()
    # With no tracer provider installed a span records nothing: skip making one
    # (and parsing the trace headers) on every request.
    span_cm = (
        tracer.start_as_current_span(
            f"{method} {route}",
            context=extract(request.headers),
            kind=SpanKind.SERVER,
            attributes={
                "http.request.method": method,
                "http.route": route,
                "url.path": request.path,
            },
        )
        if tracing()
        else contextlib.nullcontext(None)
    )
    with span_cm as span:
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as e:
            status = e.status
            raise
        except asyncio.CancelledError:
            # The client left (a stream it closed, the docs' pattern on every
            # turn): nginx's "client closed request", not a server error.
            status = CLIENT_CLOSED
            raise
        finally:
            elapsed = time.perf_counter() - start
            if streaming:
                OPEN_STREAMS.dec()
            if span is not None:
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
            _count(method, route, status, elapsed)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %d %.1fms",
                    method,
                    request.path,
                    status,
                    elapsed * 1000,
                    extra={
                        "request_id": request.get(REQUEST_ID),
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )


async def metrics(request: web.Request) -> web.Response:
    """The Prometheus text format: counts and timings only, never content."""
    body = generate_latest()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
