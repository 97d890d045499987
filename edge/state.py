"""Typed keys for the state the edge keeps on its application and requests."""

from __future__ import annotations

from typing import Final

from aiohttp import web
from sessiond.edge.client import CoreClient
from sessiond.edge.rpc import Metadata
from sessiond.edge.sse import SseRegistry

CORE: Final = web.AppKey[CoreClient]("core")
PING_INTERVAL: Final = web.AppKey("ping_interval", float)
SSE_STREAMS: Final = web.AppKey("sse_streams", SseRegistry)
OWN_CORE: Final = web.AppKey("own_core", bool)

REQUEST_ID: Final = web.RequestKey("request_id", str)
# The caller's key as call metadata: every call made for the request carries it,
# and the core decides (the edge keeps no list of keys).
CALLER_METADATA: Final = web.RequestKey[Metadata]("caller_metadata")


def core(request: web.Request) -> CoreClient:
    """The core, as the caller of ``request`` (its key goes with every call)."""
    return request.app[CORE].with_metadata(request.get(CALLER_METADATA, ()))
