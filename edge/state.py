"""Typed keys for the state the edge keeps on its application and requests."""

from __future__ import annotations

from typing import Final

from aiohttp import web
from sessiond.edge.client import CoreClient
from sessiond.edge.sse import SseRegistry

CORE: Final = web.AppKey[CoreClient]("core")
API_KEYS: Final = web.AppKey[tuple[bytes, ...]]("api_keys")
PING_INTERVAL: Final = web.AppKey("ping_interval", float)
SSE_STREAMS: Final = web.AppKey("sse_streams", SseRegistry)
OWN_CORE: Final = web.AppKey("own_core", bool)

REQUEST_ID: Final = web.RequestKey("request_id", str)


def core(request: web.Request) -> CoreClient:
    """The core client of the application that serves ``request``."""
    return request.app[CORE]
