"""The one table from gRPC status to HTTP error, and the middleware that renders errors.

Every error leaves the edge as ``{"type": "error", "error": {"type", "message"},
"request_id"}``. Server-side failures never carry internals: their message is fixed
and the detail goes to the log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from http import HTTPStatus
from types import MappingProxyType
from typing import Any, Final

import grpc
from aiohttp import web
from aiohttp.typedefs import Handler
from sessiond.edge.codec import CodecError
from sessiond.edge.jsonio import BodyError, BodyTimeout, json_response
from sessiond.edge.rpc import CoreError
from sessiond.edge.state import REQUEST_ID

log = logging.getLogger(__name__)

INTERNAL_ERROR: Final = (500, "api_error")
INTERNAL_MESSAGE: Final = "Internal server error"

# gRPC status of a failed core call -> (HTTP status, error.type).
STATUS_TABLE: Final[Mapping[grpc.StatusCode, tuple[int, str]]] = MappingProxyType(
    {
        grpc.StatusCode.INVALID_ARGUMENT: (400, "invalid_request_error"),
        grpc.StatusCode.FAILED_PRECONDITION: (400, "invalid_request_error"),
        grpc.StatusCode.UNAUTHENTICATED: (401, "authentication_error"),
        grpc.StatusCode.PERMISSION_DENIED: (403, "permission_error"),
        grpc.StatusCode.NOT_FOUND: (404, "not_found_error"),
        grpc.StatusCode.ALREADY_EXISTS: (409, "invalid_request_error"),
        grpc.StatusCode.ABORTED: (409, "invalid_request_error"),
        grpc.StatusCode.RESOURCE_EXHAUSTED: (429, "rate_limit_error"),
        grpc.StatusCode.UNAVAILABLE: (529, "overloaded_error"),
        grpc.StatusCode.DEADLINE_EXCEEDED: (504, "timeout_error"),
    }
)

# Server-side failures answer with a fixed message: the core's text may name hosts,
# addresses or stack details that must not reach a client.
_SERVER_MESSAGES: Final[Mapping[int, str]] = MappingProxyType(
    {529: "Overloaded", 504: "Request timed out", 500: INTERNAL_MESSAGE}
)

# HTTP errors raised by aiohttp itself (routing, body size) -> error.type.
_HTTP_TYPES: Final[Mapping[int, str]] = MappingProxyType(
    {
        400: "invalid_request_error",
        401: "authentication_error",
        403: "permission_error",
        404: "not_found_error",
        405: "invalid_request_error",
        413: "request_too_large",
        429: "rate_limit_error",
        504: "timeout_error",
        529: "overloaded_error",
    }
)

# Responses that cannot succeed on retry; the SDK obeys `x-should-retry: false`.
NO_RETRY_STATUSES: Final = frozenset({400, 401, 403, 404, 405, 409, 413, 422})


class ApiError(Exception):
    """An error in the public API's terms: HTTP status, ``error.type`` and message."""

    def __init__(
        self, status: int, error_type: str, message: str, *, retry_after: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.retry_after = retry_after


def invalid_request(message: str) -> ApiError:
    """A 400 ``invalid_request_error`` that tells the caller what to fix."""
    return ApiError(400, "invalid_request_error", message)


def from_core_error(err: CoreError) -> ApiError:
    """Translates a failed core call through the status table."""
    status, error_type = STATUS_TABLE.get(err.code, INTERNAL_ERROR)
    if status >= 500:
        level = logging.ERROR if status == 500 else logging.WARNING
        log.log(level, "core call failed: %s: %s", err.code.name, err.message)
        return ApiError(status, error_type, _SERVER_MESSAGES.get(status, INTERNAL_MESSAGE))
    return ApiError(
        status, error_type, err.message or HTTPStatus(status).phrase, retry_after=err.retry_after
    )


def from_http_exception(exc: web.HTTPException, request: web.Request) -> ApiError:
    """Translates an HTTP error raised by aiohttp (unknown route, body too large, ...)."""
    status = exc.status
    error_type = _HTTP_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    if status == 404:
        message = f"Not found: {request.method} {request.path}"
    elif status == 405:
        message = f"Method not allowed: {request.method} {request.path}"
    elif status == 413:
        message = f"Request body is too large: the limit is {request.client_max_size} bytes"
    elif status >= 500:
        message = INTERNAL_MESSAGE
    else:
        message = exc.reason
    return ApiError(status, error_type, message)


def from_exception(exc: Exception, request: web.Request) -> ApiError:
    """The public error for any exception a handler raised."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, CoreError):
        return from_core_error(exc)
    if isinstance(exc, CodecError | BodyError):
        return invalid_request(str(exc))
    if isinstance(exc, BodyTimeout):
        return ApiError(408, "timeout_error", str(exc))
    if isinstance(exc, web.HTTPException):
        return from_http_exception(exc, request)
    log.error("unhandled error in %s %s", request.method, request.path, exc_info=exc)
    return ApiError(*INTERNAL_ERROR, INTERNAL_MESSAGE)


def error_body(err: ApiError, request_id: str | None) -> dict[str, Any]:
    """The JSON body of an error, as the SDK parses it."""
    return {
        "type": "error",
        "error": {"type": err.error_type, "message": err.message},
        "request_id": request_id,
    }


def error_response(err: ApiError, request: web.Request) -> web.Response:
    """An error rendered as a JSON response, with ``x-should-retry: false`` when futile."""
    headers = {"x-should-retry": "false"} if err.status in NO_RETRY_STATUSES else {}
    if err.retry_after is not None:
        # The SDK waits `retry-after` seconds (up to 60) before its next try.
        headers = {"retry-after": err.retry_after, "x-should-retry": "true"}
    body = error_body(err, request.get(REQUEST_ID))
    return json_response(body, status=err.status, headers=headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Renders every failure of the handlers below it as an Anthropic error body."""
    try:
        return await handler(request)
    except asyncio.CancelledError:
        raise
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(from_http_exception(exc, request), request)
    except Exception as exc:
        return error_response(from_exception(exc, request), request)
