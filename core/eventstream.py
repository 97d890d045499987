"""A session's event stream as an object: open it, iterate it, close it.

``open_stream(request)`` returns an :class:`EventStream`. Awaiting it attaches
the stream (it subscribes to live delivery and fixes its starting position), so
every event committed after the await returns is delivered; a bad request or
an unknown session raises there, before anything is sent. Iterating replays
what follows ``after_event_id`` from the store, then goes live: live events are
ordered by sequence, one already sent is skipped and a gap (a publish this
stream missed) is filled from the store, so the stream has no gap and no
duplicate. ``aclose()`` releases the subscription; it may be called from
another task while a read waits, and that read then ends the iteration.

``set_sink(fn)`` adds a direct path for a reader that can take items
synchronously (the in-process edge writes each frame straight to the client's
socket): a live item is handed to ``fn`` inside the publish, with no wake-up,
when that keeps the order. See :meth:`EventStream._direct` for when it does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import Protocol

from sessiond.core import errors
from sessiond.core.eventtypes import DELTA_TYPES
from sessiond.core.fanout import Broker, Sink, StreamClosed, SubscriberLagged, Subscription
from sessiond.v1 import event_pb2

REPLAY_BATCH = 500


class EventSource(Protocol):
    """What a stream reads from the store."""

    async def event_seq(self, session_id: str, event_id: str, *, ws: str | None) -> int: ...

    async def last_seq(self, session_id: str, *, ws: str | None) -> int: ...

    async def events_after(
        self, session_id: str, seq: int, limit: int
    ) -> list[event_pb2.SessionEvent]: ...


class EventStream:
    """One stream of one session's events (see the module docstring)."""

    def __init__(
        self,
        source: EventSource,
        broker: Broker,
        request: event_pb2.StreamEventsRequest,
        ws: str | None,
    ) -> None:
        self._source = source
        # The caller's workspace: its position is read only inside it, so a
        # session of another workspace is not found (and never subscribed to
        # past attaching).
        self._ws = ws
        self._broker = broker
        self._request = request
        self._session_id = request.session_id
        self._sub: Subscription | None = None
        self._last = 0  # the sequence of the last event sent (or skipped over)
        self._replaying = False
        self._pending: deque[event_pb2.SessionEvent] = deque()
        self._held: event_pb2.StreamEventsResponse | None = None  # live, behind a gap
        self._closed = False
        self._sink: Sink | None = None

    def __await__(self) -> Generator[object, None, EventStream]:
        return self._attach().__await__()

    async def _attach(self) -> EventStream:
        if self._closed:
            raise errors.FailedPrecondition("This stream is closed.")
        if self._sub is not None:
            return self
        for t in self._request.event_deltas:
            if t not in DELTA_TYPES:
                raise errors.InvalidArgument(
                    f"event_deltas: {t!r} cannot be previewed; use agent.message or agent.thinking."
                )
        sub = self._broker.subscribe(self._session_id, self._request.event_deltas)
        try:
            after = self._request.after_event_id
            if after:
                self._last = await self._source.event_seq(self._session_id, after, ws=self._ws)
                self._replaying = True
            else:
                ws = self._ws
                known = None if ws is None else self._broker.tail(self._session_id, ws)
                if known is not None:
                    self._last = known  # no read: this process saw every commit since
                else:
                    self._last = await self._source.last_seq(self._session_id, ws=ws)
                    if ws is not None:
                        self._broker.note_tail(self._session_id, ws, self._last)
        except BaseException:
            self._broker.unsubscribe(sub)
            raise
        if self._closed:  # closed while attaching
            self._broker.unsubscribe(sub)
        else:
            self._sub = sub
            if self._sink is not None:
                sub.sink = self._direct
        return self

    async def __aenter__(self) -> EventStream:
        return await self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> event_pb2.StreamEventsResponse:
        while True:
            sub = self._sub
            if self._closed:
                raise StopAsyncIteration
            if sub is None:
                raise RuntimeError("await the stream (which attaches it) before iterating it")
            if self._pending:
                event = self._pending.popleft()
                self._last = event.sequence
                return event_pb2.StreamEventsResponse(event=event)
            if self._replaying:
                batch = await self._source.events_after(self._session_id, self._last, REPLAY_BATCH)
                self._replaying = len(batch) == REPLAY_BATCH
                self._pending.extend(batch)
                continue
            held = self._held
            if held is not None:
                seq = held.event.sequence
                if seq > self._last + 1:
                    missed = await self._source.events_after(
                        self._session_id, self._last, min(REPLAY_BATCH, seq - self._last - 1)
                    )
                    if missed and self._held is held:
                        self._pending.extend(missed)
                        continue
                self._held = None
                if seq <= self._last:
                    continue
                self._last = seq
                return held
            try:
                item = await sub.get()
            except StreamClosed:
                raise StopAsyncIteration from None
            except SubscriberLagged:
                raise errors.RateLimited(
                    "This stream fell behind and was closed; reconnect with "
                    "Last-Event-ID set to the last event id you received."
                ) from None
            if not item.HasField("event"):
                return item
            if item.event.sequence > self._last:
                self._held = item

    def next_ready(self) -> event_pb2.StreamEventsResponse | None:
        """The next item when it is live, in order and already queued, else None
        (then await ``__anext__``, which also replays, fills gaps and ends the
        stream). Lets a reader take what a publish queued in one go."""
        sub = self._sub
        if sub is None or self._closed or self._pending or self._replaying:
            return None
        if self._held is not None:
            return None
        while True:
            item = sub.get_nowait()
            if item is None or not item.HasField("event"):
                return item
            seq = item.event.sequence
            if seq <= self._last:
                continue  # already sent
            if seq > self._last + 1:
                self._held = item  # behind a gap: __anext__ fills it from the store
                return None
            self._last = seq
            return item

    def set_sink(self, sink: Sink | None) -> None:
        """Lets the publisher hand live items to ``sink`` directly (None: no
        longer). ``sink`` must deliver an item it takes before returning, in the
        order given, and return False for one it cannot take now (it is then
        queued and read as usual)."""
        self._sink = sink
        if self._sub is not None:
            self._sub.sink = None if sink is None else self._direct

    def _direct(self, item: event_pb2.StreamEventsResponse) -> bool:
        """The subscription's sink: called by the publisher, only while the queue
        is empty. The item goes straight to the reader's sink when every item
        before it has been delivered: nothing is waiting to be sent (replayed,
        read to fill a gap, or held behind one) and an event is the next one
        (``sequence == last + 1``). As the queue is empty too, the reader has
        delivered everything it took and is waiting for more (the reader hands
        each item on before its next await). A duplicate is dropped; anything
        else (a gap, a refusal) is queued, and the reader then fills the gap
        from the store as usual: the direct path goes on once it has caught up."""
        sink = self._sink
        if sink is None or self._closed or self._pending or self._replaying:
            return False
        if self._held is not None:
            return False
        if not item.HasField("event"):
            return sink(item)  # a preview: it has no place in the sequence
        seq = item.event.sequence
        if seq <= self._last:
            return True  # already sent
        if seq != self._last + 1 or not sink(item):
            return False
        self._last = seq
        return True

    async def aclose(self) -> None:
        """Releases the subscription; a read waiting in another task ends."""
        self._closed = True
        self._sink = None
        sub, self._sub = self._sub, None
        if sub is not None:
            sub.sink = None
            self._broker.close(sub)


class EventStreams:
    """Opens event streams over the store and the live fan-out."""

    def __init__(self, source: EventSource, broker: Broker) -> None:
        self._source = source
        self._broker = broker

    def open_stream(self, request: event_pb2.StreamEventsRequest, *, ws: str | None) -> EventStream:
        """A stream of ``request.session_id`` in workspace ``ws`` (None: any, for
        the server's own use); attached once awaited."""
        return EventStream(self._source, self._broker, request, ws)
