"""Compact JSON in and out of HTTP messages."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Mapping
from typing import Any, Final

from aiohttp import BodyPartReader, web

MAX_BODY_BYTES: Final = 32 * 1024 * 1024
# How long a request body may take to arrive once its headers are in.
DEFAULT_BODY_TIMEOUT: Final = 30.0
BODY_TIMEOUT: Final = web.AppKey("body_timeout", float)
# A JSON escape of a UTF-16 surrogate: only then can a parsed string hold a lone one.
_SURROGATE_ESCAPE: Final = re.compile(rb"\\u[dD][89abcdefABCDEF]")

_encoder: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


class BodyError(ValueError):
    """The request body is not a JSON object."""


class BodyTimeout(Exception):
    """The request body did not arrive in time (answered 408)."""


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
    timeout = request.app.get(BODY_TIMEOUT, DEFAULT_BODY_TIMEOUT)
    try:
        raw = await asyncio.wait_for(request.read(), timeout)
    except TimeoutError:
        raise BodyTimeout(
            f"The request body did not arrive within {timeout:g} s of its headers: "
            "send as many bytes as Content-Length says"
        ) from None
    if not raw.strip():
        raise BodyError("The request body is empty: send a JSON object")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, RecursionError):
        raise BodyError("The request body is not valid UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise BodyError(f"The request body is not valid JSON: {exc}") from None
    except ValueError:
        # Python refuses to convert integers of more than 4,300 digits.
        raise BodyError("The request body holds a number with too many digits") from None
    if not isinstance(body, dict):
        raise BodyError(f"The request body must be a JSON object, not {_json_kind(body)}")
    if _SURROGATE_ESCAPE.search(raw) and _has_lone_surrogate(body):
        raise BodyError(
            "The request body holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape "
            "that is not half of a pair): strings must be valid Unicode"
        )
    return body


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def text_value(value: str | None, what: str) -> str | None:
    """``value`` (a header or query parameter) if it is valid UTF-8 text, else BodyError."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BodyError(f"{what} is not valid UTF-8") from None
    return value


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


async def multipart_parts(request: web.Request) -> AsyncIterator[BodyPartReader]:
    """The parts of a multipart/form-data body; a malformed body (no boundary,
    broken framing, nested multipart) is a 400, never a 500."""
    from sessiond.edge.errors import invalid_request

    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise invalid_request("Nested multipart bodies are not accepted.")
            yield part
    except (ValueError, AssertionError, KeyError, LookupError) as e:
        raise invalid_request(
            "The multipart/form-data body is malformed (check its boundary and framing)."
        ) from e
