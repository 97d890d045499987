"""Compact JSON in and out of HTTP messages."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

MAX_BODY_BYTES: Final = 32 * 1024 * 1024

_encoder: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


class BodyError(ValueError):
    """The request body is not a JSON object."""


def dumps(obj: Any) -> str:
    """Compact JSON, on one line (no raw line breaks, so it fits an SSE data line)."""
    return _encoder.encode(obj)


def json_response(
    data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A JSON response with a compact body."""
    return web.Response(
        text=dumps(data), status=status, headers=headers, content_type="application/json"
    )


async def read_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object.

    Raises ``HTTPRequestEntityTooLarge`` over the size limit (before reading, when the
    declared length already says so) and :class:`BodyError` when it is not an object.
    """
    declared = request.content_length
    if declared is not None and declared > request.client_max_size:
        raise web.HTTPRequestEntityTooLarge(max_size=request.client_max_size, actual_size=declared)
    raw = await request.read()
    if not raw.strip():
        raise BodyError("The request body is empty: send a JSON object")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, RecursionError):
        raise BodyError("The request body is not valid UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise BodyError(f"The request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BodyError(f"The request body must be a JSON object, not {_json_kind(body)}")
    return body


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"
