"""The HTTP edge: the public JSON/SSE API in front of the core's RPCs."""

from __future__ import annotations

import itertools
import logging
import secrets
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler
from sessiond.edge import (
    agents,
    console,
    environments,
    events,
    files,
    memory,
    metrics,
    openapi,
    resources,
    sessions,
    skills,
)
from sessiond.edge import deployments as deployment_routes
from sessiond.edge import threads as thread_routes
from sessiond.edge import vaults as vault_routes
from sessiond.edge import webhooks as webhook_routes
from sessiond.edge import work as work_routes
from sessiond.edge.auth import key_metadata
from sessiond.edge.client import CoreClient
from sessiond.edge.errors import ApiError, error_middleware
from sessiond.edge.jsonio import MAX_BODY_BYTES, json_response
from sessiond.edge.sse import SseRegistry
from sessiond.edge.state import (
    CALLER_METADATA,
    CORE,
    OWN_CORE,
    PING_INTERVAL,
    REQUEST_ID,
    SSE_STREAMS,
)

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"


def create_app(
    core: CoreClient,
    *,
    ping_interval: float = 15.0,
    own_core: bool = False,
) -> web.Application:
    """The edge application over ``core``; the caller's key is passed on to the core,
    which accepts or refuses it. With ``own_core`` the app closes the core on cleanup."""
    app = web.Application(
        client_max_size=MAX_BODY_BYTES,
        middlewares=[
            request_id_middleware,
            metrics.observe_middleware,
            error_middleware,
            forward_key_middleware,
        ],
    )
    app[CORE] = core
    app[PING_INTERVAL] = ping_interval
    app[SSE_STREAMS] = SseRegistry()
    app[OWN_CORE] = own_core

    app.router.add_get(HEALTH_PATH, healthz, allow_head=False)
    for module in (agents, environments, sessions, events):
        app.add_routes(module.routes)
    for module in (files, memory, resources, skills):  # issue 12
        app.add_routes(module.routes)
    # Self-hosted environments: the work queue.
    app.add_routes(work_routes.routes)
    # Vaults and credentials.
    app.add_routes(vault_routes.routes)
    # Deployments and their runs.
    app.add_routes(deployment_routes.routes)
    # Webhooks (an extension: listed in /openapi.json with x-sessiond-extension).
    app.add_routes(webhook_routes.routes)
    # Session threads of multiagent sessions (issue 13).
    app.add_routes(thread_routes.routes)
    # Routes that need no key (CONTRACT.md §2): metrics, the API document, the console.
    app.router.add_get(metrics.METRICS_PATH, metrics.metrics, allow_head=False)
    console.install(app)
    openapi.install(app)

    app.on_response_prepare.append(_echo_request_id)
    app.on_shutdown.append(_close_streams)
    app.on_cleanup.append(_close_core)
    return app


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Names every request; the id is echoed in the ``request-id`` header and error bodies."""
    request[REQUEST_ID] = _new_request_id()
    return await handler(request)


# Request ids need to be unique, not secret: a random prefix per process and a
# counter (no system call per request, as secrets.token_urlsafe would make).
_ID_PREFIX: Final = "req_" + secrets.token_urlsafe(12)
_id_counter = itertools.count(1)


def _new_request_id() -> str:
    return f"{_ID_PREFIX}{next(_id_counter):08x}"


async def _echo_request_id(request: web.Request, response: web.StreamResponse) -> None:
    request_id = request.get(REQUEST_ID)
    if request_id is not None:
        response.headers["request-id"] = request_id


@web.middleware
async def forward_key_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Passes the caller's key on to the core (the routes of ``is_public`` need none).
    The core decides; a request with no usable key at all is answered here."""
    if is_public(request.path):
        return await handler(request)
    x_api_key = request.headers.get("x-api-key")
    authorization = request.headers.get("Authorization")
    metadata = key_metadata(x_api_key, authorization)
    if not metadata:
        if (x_api_key or "").strip() or authorization:
            raise ApiError(401, "authentication_error", "Invalid API key")
        raise ApiError(
            401,
            "authentication_error",
            "No API key: send it in the x-api-key header or as Authorization: Bearer <key>",
        )
    request[CALLER_METADATA] = metadata
    return await handler(request)


def is_public(path: str) -> bool:
    """Health, metrics, the API document and the console answer without a key."""
    return path in (HEALTH_PATH, metrics.METRICS_PATH, openapi.OPENAPI_PATH) or console.is_public(
        path
    )


async def healthz(request: web.Request) -> web.Response:
    """200 once the core answers, else 503."""
    try:
        ready = await request.app[CORE].ready()
    except Exception:
        log.warning("core readiness check failed", exc_info=True)
        ready = False
    if ready:
        return json_response({"status": "ok"})
    return json_response({"status": "unavailable"}, status=503)


async def _close_streams(app: web.Application) -> None:
    app[SSE_STREAMS].close_all()


async def _close_core(app: web.Application) -> None:
    if app[OWN_CORE]:
        await app[CORE].close()
