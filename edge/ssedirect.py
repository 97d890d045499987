"""SSE frames written straight to a response's socket, around aiohttp's writer.

The in-process stream hands a caught-up subscriber's items to the edge inside
the publish (see ``sse.pump``); their frames go through a :class:`DirectWriter`.
It gathers the frames handed over during one loop iteration and writes them at
the end of it as one HTTP chunk (several events of a turn are often published
back to back: one send instead of one each), then as aiohttp's own writer would
frame them. It never interleaves with the response's own writes as long as the
owner flushes it before each of them (see ``_Copier``).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Final

from aiohttp import web
from aiohttp.http import StreamWriter

log = logging.getLogger(__name__)

# Frames gathered at most before they are written at once.
MAX_GATHERED: Final = 64 * 1024


class _Flusher:
    """Flushes the writers with gathered frames once per loop iteration (one
    callback for all of them, not one each). One per event loop; it holds no
    reference to its loop, which keys it weakly."""

    def __init__(self) -> None:
        self._dirty: list[DirectWriter] = []

    def add(self, writer: DirectWriter) -> None:
        if not self._dirty:
            asyncio.get_running_loop().call_soon(self._flush)
        self._dirty.append(writer)

    def _flush(self) -> None:
        dirty, self._dirty = self._dirty, []
        for writer in dirty:
            writer.flush()


_FLUSHERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Flusher] = (
    weakref.WeakKeyDictionary()
)


class DirectWriter:
    """Writes whole frames of one prepared response to its socket."""

    __slots__ = ("_writer", "_transport", "_protocol", "_flusher", "_frames", "_size", "_stopped")

    def __init__(self, writer: StreamWriter, transport: asyncio.Transport) -> None:
        loop = asyncio.get_running_loop()
        flusher = _FLUSHERS.get(loop)
        if flusher is None:
            flusher = _FLUSHERS[loop] = _Flusher()
        self._writer = writer
        self._transport = transport
        self._protocol = writer.protocol
        self._flusher = flusher
        self._frames: list[bytes] = []
        self._size = 0
        self._stopped = False

    @classmethod
    def of(cls, request: web.Request, resp: web.StreamResponse) -> DirectWriter | None:
        """One for ``resp`` if frames can go around its writer: prepared, chunked,
        uncompressed, with its headers on the wire (aiohttp's writer may hold them
        back until the first body write; once sent they count in ``output_size``)."""
        writer = request.writer
        if not (
            isinstance(writer, StreamWriter)
            and resp.prepared
            and writer.chunked
            and writer.length is None
            and not resp.compression
            and writer.output_size > 0
        ):
            return None
        transport = writer.transport
        if transport is None or transport.is_closing():
            return None
        return cls(writer, transport)

    def ready(self) -> bool:
        """Whether a frame can be taken now: not stopped, the client still there
        and keeping up (aiohttp pauses writing while the socket's buffer is past
        its high-water mark; the stream's bounded queue then takes over)."""
        return not (self._stopped or self._transport.is_closing() or self._protocol.writing_paused)

    def add(self, frame: bytes) -> None:
        """Takes ``frame``; it is written by the end of this loop iteration, or by
        the next :meth:`flush`, whichever comes first."""
        frames = self._frames
        if not frames:
            self._flusher.add(self)
        frames.append(frame)
        self._size += len(frame)
        if self._size >= MAX_GATHERED:
            self.flush()

    def flush(self) -> None:
        """Writes the frames taken so far as one chunk (dropped if the client is gone)."""
        frames = self._frames
        if not frames:
            return
        data = frames[0] if len(frames) == 1 else b"".join(frames)
        frames.clear()
        self._size = 0
        if self._transport.is_closing():
            return
        chunk = b"%x\r\n%b\r\n" % (len(data), data)
        try:
            self._transport.write(chunk)
        except Exception:
            # Frames the stream counts as sent are lost: end the connection, so
            # that the client resumes from its last event rather than skip them.
            log.exception("an SSE stream's frames could not be written; closing it")
            self._stopped = True
            self._transport.abort()
            return
        # The writer's counters: its drain threshold and the logged body size.
        self._writer.buffer_size += len(chunk)
        self._writer.output_size += len(chunk)

    def stop(self) -> None:
        """Writes what was taken and takes nothing more."""
        self.flush()
        self._stopped = True
