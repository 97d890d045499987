"""The HTTP edge: the public JSON/SSE API in front of the core's RPCs."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Sequence

from aiohttp import web
from aiohttp.typedefs import Handler
from sessiond.edge import agents, environments, events, sessions
from sessiond.edge import vaults as vault_routes
from sessiond.edge import work as work_routes
from sessiond.edge.client import Core
from sessiond.edge.errors import ApiError, error_middleware
from sessiond.edge.jsonio import MAX_BODY_BYTES, json_response
from sessiond.edge.sse import SseRegistry
from sessiond.edge.state import API_KEYS, CORE, OWN_CORE, PING_INTERVAL, REQUEST_ID, SSE_STREAMS

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"


def create_app(
    core: Core,
    api_keys: Sequence[str],
    *,
    ping_interval: float = 15.0,
    own_core: bool = False,
) -> web.Application:
    """The edge application over ``core``, accepting ``api_keys`` (none: every request
    is refused). With ``own_core`` the app closes the core on cleanup."""
    app = web.Application(
        client_max_size=MAX_BODY_BYTES,
        middlewares=[request_id_middleware, error_middleware, auth_middleware],
    )
    app[CORE] = core
    app[API_KEYS] = tuple(key.encode() for key in api_keys if key)
    app[PING_INTERVAL] = ping_interval
    app[SSE_STREAMS] = SseRegistry()
    app[OWN_CORE] = own_core

    app.router.add_get(HEALTH_PATH, healthz, allow_head=False)
    for module in (agents, environments, sessions, events):
        app.add_routes(module.routes)
    # Self-hosted environments: the work queue.
    app.add_routes(work_routes.routes)
    # Vaults and credentials.
    app.add_routes(vault_routes.routes)

    app.on_response_prepare.append(_echo_request_id)
    app.on_shutdown.append(_close_streams)
    app.on_cleanup.append(_close_core)
    return app


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Names every request; the id is echoed in the ``request-id`` header and error bodies."""
    request[REQUEST_ID] = "req_" + secrets.token_urlsafe(18)
    return await handler(request)


async def _echo_request_id(request: web.Request, response: web.StreamResponse) -> None:
    request_id = request.get(REQUEST_ID)
    if request_id is not None:
        response.headers["request-id"] = request_id


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Lets through requests that carry a known key (``/healthz`` needs none)."""
    if request.path != HEALTH_PATH:
        _authenticate(request)
    return await handler(request)


def _authenticate(request: web.Request) -> None:
    presented = _presented_keys(request)
    if not presented:
        raise ApiError(
            401,
            "authentication_error",
            "No API key: send it in the x-api-key header or as Authorization: Bearer <key>",
        )
    accepted = False
    for candidate in presented:
        for key in request.app[API_KEYS]:
            accepted |= hmac.compare_digest(candidate, key)
    if not accepted:
        raise ApiError(401, "authentication_error", "Invalid API key")


def _presented_keys(request: web.Request) -> list[bytes]:
    keys: list[str] = []
    api_key = request.headers.get("x-api-key")
    if api_key:
        keys.append(api_key.strip())
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        keys.append(token.strip())
    return [key.encode("utf-8", "surrogateescape") for key in keys]


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
