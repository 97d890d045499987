"""Server-sent events: framing, keep-alive pings and the streams a shutdown closes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Any, Final, Generic, TypeVar

from aiohttp import web
from sessiond.edge.ssedirect import DirectWriter

log = logging.getLogger(__name__)

T = TypeVar("T")

PING_FRAME: Final = b'event: ping\ndata: {"type":"ping"}\n\n'
# Frames joined into one write at most (aiohttp drains past 64 KiB buffered).
MAX_BATCH_BYTES: Final = 64 * 1024
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
        # A plain future (no task per stream): the pump waits on it directly.
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def close(self) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    async def wait_closed(self) -> None:
        await asyncio.shield(self.closed)


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
    stream. One task per stream copies the items (no task or wait per item); this one
    only wakes for pings and the end, so a ping never cancels a pending read. The items
    are always closed on the way out, and a cancellation is re-raised once they are.

    Items that offer ``set_sink`` (the in-process stream) are also handed over by
    whoever publishes them, synchronously, while the stream is caught up, and their
    frames written by the end of that loop iteration with no task woken: see
    :meth:`_Copier.take`.
    """
    loop = asyncio.get_running_loop()
    copier = _Copier(request, resp, open_items, render, render_error, loop.time())
    task = asyncio.ensure_future(copier.run())
    try:
        while not task.done():
            wait = copier.last_write + ping_interval - loop.time()
            if wait <= 0:
                copier.flush()
                await resp.write(PING_FRAME)
                copier.last_write = loop.time()
                continue
            await asyncio.wait(
                (task, stream.closed), timeout=wait, return_when=asyncio.FIRST_COMPLETED
            )
            if stream.closed.done():
                return
        task.result()  # a lost connection surfaces here
    except ConnectionError:
        log.debug("SSE client left: %s", request.path)
    finally:
        copier.stop()
        await _cancel(task)
        if copier.iterator is not None:
            await _aclose(copier.iterator)


class _Copier(Generic[T]):
    """Copies the rendered items to the response, noting when it last wrote.

    With a stream that has ``set_sink``, :meth:`take` is its sink: the publisher
    calls it with each live item while the stream is caught up, and its frame goes
    to the socket through a :class:`DirectWriter` by the end of the loop iteration.
    Its writes and the response's never interleave wrongly: the direct writer is
    flushed before every ``resp.write`` (items, pings, the error frame), each of
    which puts a whole chunk on the transport synchronously; the stream hands an
    item to the sink only when every earlier one has been handed on; and the
    direct writer is stopped (flushed, then refusing) before the error frame and
    before the pump returns, so before ``write_eof``'s last chunk."""

    def __init__(
        self,
        request: web.Request,
        resp: web.StreamResponse,
        open_items: Callable[[], AsyncIterator[T]],
        render: Callable[[T], bytes],
        render_error: Callable[[Exception], bytes],
        now: float,
    ) -> None:
        self._request = request
        self._resp = resp
        self._open_items = open_items
        self._render = render
        self._render_error = render_error
        self.iterator: AsyncIterator[T] | None = None
        self.last_write = now
        self._loop = asyncio.get_running_loop()
        self._direct: DirectWriter | None = None  # set while take() may write

    def flush(self) -> None:
        """Writes the frames taken directly so far (before any other write)."""
        if self._direct is not None:
            self._direct.flush()

    def stop(self) -> None:
        """No more direct writes (before an error frame or the end of the response)."""
        if self._direct is not None:
            self._direct.stop()

    def take(self, item: T) -> bool:
        """The stream's sink: takes ``item``'s frame for the direct writer; False
        (the item is then queued and copied by :meth:`run`) if stopped, the client is
        gone or slow, or the item does not render (the copy then sends the error
        frame)."""
        direct = self._direct
        if direct is None or not direct.ready():
            return False
        try:
            frame = self._render(item)
        except Exception:
            return False
        direct.add(frame)
        self.last_write = self._loop.time()
        return True

    async def run(self) -> None:
        try:
            await self._copy()
        finally:
            self.stop()

    async def _copy(self) -> None:
        resp = self._resp
        try:
            iterator = self.iterator = aiter(self._open_items())
        except Exception as exc:
            await resp.write(self._render_error(exc))
            return
        # A stream that can hand over what is already queued (the in-process
        # one) has every item of a publish written at once: one write, one wake-up.
        next_ready: Callable[[], T | None] | None = getattr(iterator, "next_ready", None)
        # One that takes a sink has its live items written by the publisher.
        set_sink: Callable[[Callable[[T], bool]], object] | None = getattr(
            iterator, "set_sink", None
        )
        if set_sink is not None:
            self._direct = DirectWriter.of(self._request, resp)
            if self._direct is not None and set_sink(self.take) is False:
                self._direct = None  # this stream cannot hand its items over
        while not _client_gone(self._request):
            try:
                data = self._render(await anext(iterator))
            except StopAsyncIteration:
                return
            except Exception as exc:
                self.stop()
                await resp.write(self._render_error(exc))
                return
            if next_ready is not None:
                failed, data = self._take_ready(next_ready, data)
                if failed is not None:
                    self.stop()
                    await resp.write(data + self._render_error(failed))
                    return
            self.flush()
            await resp.write(data)
            self.last_write = self._loop.time()

    def _take_ready(
        self, next_ready: Callable[[], T | None], data: bytes
    ) -> tuple[Exception | None, bytes]:
        """``data`` followed by the frames of the items already queued (up to
        MAX_BATCH_BYTES), and the failure that stopped it if one did."""
        chunks = [data]
        size = len(data)
        try:
            while size < MAX_BATCH_BYTES and (item := next_ready()) is not None:
                frame = self._render(item)
                chunks.append(frame)
                size += len(frame)
        except Exception as exc:
            return exc, b"".join(chunks)
        return None, data if len(chunks) == 1 else b"".join(chunks)


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
