"""Live delivery: committed events go to every open stream of their session.

Each subscriber has a bounded queue. Publishing never waits: a subscriber
whose queue is full is cut off (its stream ends with an error telling the
client to resume), so a slow reader never slows the writer or the others.

A subscription may also carry a *sink*: a synchronous callable that takes an
item and returns True if it delivered it (e.g. wrote its frame to the client's
socket). While its queue is empty, the publisher offers each item to the sink
first, so a stream that keeps up costs no task wake-up per item; an item the
sink refuses (or raises on) is queued as if there were no sink. Once anything
is queued, everything after it is queued too until the reader has drained the
queue, so items are never reordered. The end marker is always queued.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Sequence

from sessiond.core import telemetry
from sessiond.v1 import event_pb2

log = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 1024
# Sessions whose newest committed sequence is remembered (see Broker.tail).
MAX_TAILS = 4096


class SubscriberLagged(Exception):
    """The subscriber fell behind and was cut off."""


class StreamClosed(Exception):
    """The session was deleted or the server is shutting down."""


Item = event_pb2.StreamEventsResponse
# Takes an item if it can deliver it now (True), else leaves it to the queue.
Sink = Callable[[Item], bool]


class Subscription:
    """One stream's queue of live items, read by one reader at a time.

    A deque and one waiter rather than an ``asyncio.Queue``: the broker bounds it
    (see ``Broker._offer``), and with a thousand subscribers the per-item work of
    a full queue (putter/getter lists, task counters, an event) adds up. ``None``
    in the queue is the end marker, always the last item. ``sink``: see the
    module docstring."""

    __slots__ = ("session_id", "deltas", "queue", "lagged", "sink", "_waiter")

    def __init__(self, session_id: str, deltas: frozenset[str]) -> None:
        self.session_id = session_id
        self.deltas = deltas
        self.queue: deque[Item | None] = deque()
        self.lagged = False
        self.sink: Sink | None = None
        self._waiter: asyncio.Future[None] | None = None

    def put(self, item: Item | None) -> None:
        self.queue.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> Item:
        queue = self.queue
        while not queue:
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        item = queue.popleft()
        if item is None:
            queue.appendleft(None)  # every later read ends the same way
            raise SubscriberLagged() if self.lagged else StreamClosed()
        return item

    def get_nowait(self) -> Item | None:
        """The next item if one is queued, else None; the end marker is left for
        :meth:`get` (it is the last item, queued after every other)."""
        queue = self.queue
        if not queue or queue[0] is None:
            return None
        return queue.popleft()


class Broker:
    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE, *, track_tails: bool = False) -> None:
        self._subs: dict[str, set[Subscription]] = {}
        # Highest sequence published per session with subscribers: an event
        # that arrives twice (committed here and announced by the database)
        # goes out once.
        self._high: dict[str, int] = {}
        self._queue_size = queue_size
        # With ``track_tails`` (this process is the database's only writer, so
        # every commit is published here): per recently streamed session, its
        # workspace and newest sequence, kept current by ``publish``. A stream
        # opened without Last-Event-ID takes its position from here instead of
        # a read.
        self._tails: OrderedDict[str, tuple[str, int]] | None = (
            OrderedDict() if track_tails else None
        )

    def subscribe(self, session_id: str, deltas: Iterable[str] = ()) -> Subscription:
        sub = Subscription(session_id, frozenset(deltas))
        self._subs.setdefault(session_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.session_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.session_id]
                self._high.pop(sub.session_id, None)

    def close(self, sub: Subscription) -> None:
        """Ends one stream: its subscription goes, and a read waiting on it ends."""
        if sub in self._subs.get(sub.session_id, ()):
            self._cut(sub, lagged=False)

    def subscriber_count(self, session_id: str) -> int:
        return len(self._subs.get(session_id, ()))

    def sessions(self) -> list[str]:
        """Sessions with at least one open stream."""
        return list(self._subs)

    def published(self, session_id: str) -> int:
        """The highest sequence published to this session's streams (0: none)."""
        return self._high.get(session_id, 0)

    def tail(self, session_id: str, ws: str) -> int | None:
        """The newest sequence committed to ``session_id`` if it is known here and
        the session belongs to ``ws``; None when it must be read from the store.
        Commits not yet published may follow it: they are published later, so a
        stream subscribed before taking this position receives them."""
        tails = self._tails
        known = None if tails is None else tails.get(session_id)
        if known is None or known[0] != ws:
            return None
        tails.move_to_end(session_id)  # type: ignore[union-attr]
        return known[1]

    def note_tail(self, session_id: str, ws: str, seq: int) -> None:
        """Records what a stream read from the store: the session is in ``ws`` and
        has ``seq`` committed. The caller holds a subscription on the session, so a
        publish during its read is counted too."""
        tails = self._tails
        if tails is None:
            return
        old = tails.get(session_id)
        seq = max(seq, self._high.get(session_id, 0), 0 if old is None else old[1])
        tails[session_id] = (ws, seq)
        tails.move_to_end(session_id)
        if len(tails) > MAX_TAILS:
            tails.popitem(last=False)

    def publish(self, session_id: str, events: Sequence[event_pb2.SessionEvent]) -> None:
        tails = self._tails
        if tails is not None and events:
            known = tails.get(session_id)
            if known is not None and events[-1].sequence > known[1]:
                tails[session_id] = (known[0], events[-1].sequence)
        subs = self._subs.get(session_id)
        if not subs:
            return
        high = self._high.get(session_id, 0)
        items = [event_pb2.StreamEventsResponse(event=e) for e in events if e.sequence > high]
        if not items:
            return
        self._high[session_id] = items[-1].event.sequence
        for sub in list(subs):
            for item in items:
                if not self._offer(sub, item):
                    break

    def publish_preview(
        self, session_id: str, event_type: str, item: event_pb2.StreamEventsResponse
    ) -> None:
        """Sends a start/delta preview to the subscribers that asked for this type."""
        for sub in list(self._subs.get(session_id, ())):
            if event_type in sub.deltas:
                self._offer(sub, item)

    def close_session(self, session_id: str) -> None:
        """Ends every stream of a session (it was deleted)."""
        self._high.pop(session_id, None)
        if self._tails is not None:
            self._tails.pop(session_id, None)
        for sub in list(self._subs.pop(session_id, ())):
            self._cut(sub, lagged=False)

    def close_all(self) -> None:
        for session_id in list(self._subs):
            self.close_session(session_id)

    def _offer(self, sub: Subscription, item: event_pb2.StreamEventsResponse) -> bool:
        if sub not in self._subs.get(sub.session_id, ()):
            return False
        sink = sub.sink
        if sink is not None and not sub.queue:
            try:
                if sink(item):
                    return True
            except Exception:
                log.exception("a stream's sink failed; the item goes to its queue")
        # Bounded: past ``queue_size`` items only the cut-off marker goes in.
        if len(sub.queue) >= self._queue_size:
            self._cut(sub)
            return False
        sub.put(item)
        return True

    def _cut(self, sub: Subscription, lagged: bool = True) -> None:
        if lagged:
            telemetry.SUBSCRIBERS_CUT.inc()
        sub.lagged = lagged
        self.unsubscribe(sub)
        sub.put(None)
