"""Server-sent events: framing, keep-alive pings and the streams a shutdown closes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Any, Final, TypeVar

from aiohttp import web

log = logging.getLogger(__name__)

T = TypeVar("T")

PING_FRAME: Final = b'event: ping\ndata: {"type":"ping"}\n\n'
HEADERS: Final = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
}


def frame(event: str, data: str, event_id: str | None = None) -> bytes:
    """One SSE frame; ``data`` must be a single line (compact JSON is)."""
    id_line = f"id: {event_id}\n" if event_id else ""
    return f"event: {event}\ndata: {data}\n{id_line}\n".encode()


class SseStream:
    """One open stream; closing it ends the stream at its next wake-up."""

    def __init__(self) -> None:
        self._closed = asyncio.Event()

    def close(self) -> None:
        self._closed.set()

    async def wait_closed(self) -> None:
        await self._closed.wait()


class SseRegistry:
    """The open streams of an app, held weakly; a shutdown closes them all."""

    def __init__(self) -> None:
        self._streams: weakref.WeakSet[SseStream] = weakref.WeakSet()
        self._shutting_down = False

    def open(self) -> SseStream:
        stream = SseStream()
        if self._shutting_down:
            stream.close()
        self._streams.add(stream)
        return stream

    def close_all(self) -> None:
        self._shutting_down = True
        for stream in list(self._streams):
            stream.close()


async def pump(
    request: web.Request,
    resp: web.StreamResponse,
    open_items: Callable[[], AsyncIterator[T]],
    *,
    render: Callable[[T], bytes],
    render_error: Callable[[Exception], bytes],
    stream: SseStream,
    ping_interval: float,
) -> None:
    """Writes the items of ``open_items()`` to a prepared ``resp`` until they end, the
    stream is closed or the client leaves, with a ping whenever ``ping_interval`` passes
    with nothing sent.

    A failure to open, read or render the items becomes one error frame that ends the
    stream. A ping never cancels the pending ``__anext__``; the items are always closed
    on the way out, and a cancellation is re-raised once they are.
    """
    iterator: AsyncIterator[T] | None = None
    closed = asyncio.ensure_future(stream.wait_closed())
    pending: asyncio.Future[T] | None = None
    try:
        try:
            iterator = aiter(open_items())
        except Exception as exc:
            await resp.write(render_error(exc))
            return
        while not _client_gone(request):
            if pending is None:
                pending = asyncio.ensure_future(anext(iterator))
            done, _ = await asyncio.wait(
                (pending, closed), timeout=ping_interval, return_when=asyncio.FIRST_COMPLETED
            )
            if closed in done:
                return
            if pending not in done:
                await resp.write(PING_FRAME)
                continue
            finished, pending = pending, None
            try:
                data = render(finished.result())
            except StopAsyncIteration:
                return
            except Exception as exc:
                await resp.write(render_error(exc))
                return
            await resp.write(data)
    except ConnectionError:
        log.debug("SSE client left: %s", request.path)
    finally:
        closed.cancel()
        await _cancel(pending)
        if iterator is not None:
            await _aclose(iterator)


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def _cancel(future: asyncio.Future[Any] | None) -> None:
    if future is None:
        return
    future.cancel()
    await asyncio.wait((future,))
    if not future.cancelled():
        future.exception()  # retrieved, so that it is not logged as lost


async def _aclose(iterator: AsyncIterator[Any]) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is None:
        return
    with contextlib.suppress(Exception):
        await aclose()
