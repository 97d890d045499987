"""The edge's AppRunner: errors found while parsing a request (before any
handler runs) answer with the same JSON error body as every other error.

aiohttp answers a request it cannot parse (a request or header line over
``max_line_size``/``max_field_size`` bytes, more than ``max_headers`` headers,
bytes not allowed in a header, a bad request line, conflicting
Content-Length/Transfer-Encoding) through ``RequestHandler.handle_error``,
which renders plain text. The only way to shape that response is a handler
subclass, which the server object builds per connection; the runner swaps in
a server class that builds it. The connection is closed after such an answer,
as aiohttp does.
"""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest
from sessiond.edge.errors import INTERNAL_MESSAGE, ApiError, error_body
from sessiond.edge.jsonio import dumps

# aiohttp's defaults, named for the README ("Limits"): the request line and each
# header line at most 8190 bytes, at most 128 headers.
MAX_LINE_BYTES: Final = 8190
MAX_FIELD_BYTES: Final = 8190
MAX_HEADERS: Final = 128

_TYPES: Final = {413: "request_too_large", 408: "timeout_error", 431: "invalid_request_error"}


class _JsonErrorHandler(RequestHandler):  # type: ignore[misc]
    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:
            # As aiohttp: a response is under way, the connection can only be dropped.
            raise ConnectionError("an error after the response started")
        if status >= 500:
            self.log_exception("Error handling request from %s", request.remote, exc_info=exc)
            err = ApiError(status, "api_error", INTERNAL_MESSAGE)
        else:
            # A client's malformed request: worth a line, not a traceback.
            self.logger.info("refused a malformed request from %s: %s", request.remote, message)
            detail = (message or "").strip() or "the request could not be parsed"
            err = ApiError(
                status,
                _TYPES.get(status, "invalid_request_error"),
                f"Malformed HTTP request: {detail}",
            )
        headers = {"x-should-retry": "false"} if status < 500 else None
        resp = web.Response(
            status=status,
            text=dumps(error_body(err, None)),
            content_type="application/json",
            headers=headers,
        )
        resp.force_close()
        return resp


class _JsonErrorServer(web.Server):
    def __call__(self) -> RequestHandler:
        return _JsonErrorHandler(self, loop=self._loop, **self._kwargs)


class EdgeRunner(web.AppRunner):
    """``web.AppRunner`` whose parser-level errors are JSON error bodies."""

    def __init__(self, app: web.Application, **kwargs: Any) -> None:
        kwargs.setdefault("max_line_size", MAX_LINE_BYTES)
        kwargs.setdefault("max_field_size", MAX_FIELD_BYTES)
        kwargs.setdefault("max_headers", MAX_HEADERS)
        super().__init__(app, **kwargs)

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _JsonErrorServer
        return server
