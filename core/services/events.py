"""The event log of sessions: append in order, list, and stream live."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from sessiond.v1 import common_pb2, event_pb2

from core import errors
from core.eventtypes import DELTA_TYPES, FIELD_BY_TYPE
from core.fanout import Broker, StreamClosed, SubscriberLagged
from core.services.common import decode_page, encode_page, page_size, ts_or_none
from core.store.store import NewEvent, Store, UsageDelta

DEFAULT_PAGE = 100
MAX_PAGE = 1000
REPLAY_BATCH = 500


class EventLog:
    """Appends are serialized per session and published after commit, in order."""

    def __init__(self, store: Store, broker: Broker) -> None:
        self.store = store
        self.broker = broker
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._pending: set[asyncio.Task[list[event_pb2.SessionEvent]]] = set()
        # Hands previews to other replicas (set when several share the database).
        self.relay: Callable[[str, str, event_pb2.StreamEventsResponse], None] | None = None

    def _lock(self, session_id: str) -> asyncio.Lock:
        lock = self._locks.get(session_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[session_id] = lock
        return lock

    async def append(
        self,
        session_id: str,
        new: Sequence[NewEvent],
        *,
        require_open: bool = False,
        status: str | None = None,
        usage: UsageDelta | None = None,
        turn: str | None = None,
        mark_processed: Sequence[str] = (),
        owner: str | None = None,
    ) -> list[event_pb2.SessionEvent]:
        """Commits and publishes. Once called it completes even if the caller is
        cancelled, so an accepted event is never half-delivered."""
        lock = self._lock(session_id)

        async def run() -> list[event_pb2.SessionEvent]:
            async with lock:
                stored = await self.store.append(
                    session_id,
                    new,
                    require_open=require_open,
                    status=status,
                    usage=usage,
                    turn=turn,
                    mark_processed=mark_processed,
                    owner=owner,
                )
                self.broker.publish(session_id, stored)
                return stored

        task = asyncio.ensure_future(run())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return await asyncio.shield(task)

    def preview(
        self, session_id: str, event_type: str, item: event_pb2.StreamEventsResponse
    ) -> None:
        self.broker.publish_preview(session_id, event_type, item)
        if self.relay is not None:
            self.relay(session_id, event_type, item)

    async def drain(self) -> None:
        """Waits for appends in flight (shutdown)."""
        if self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def list_events(
        self, req: event_pb2.ListEventsRequest
    ) -> tuple[list[event_pb2.SessionEvent], str]:
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        for t in req.types:
            if t not in FIELD_BY_TYPE:
                raise errors.InvalidArgument(
                    f"types: unknown event type {t!r}; expected one of "
                    + ", ".join(sorted(FIELD_BY_TYPE))
                )
        if not await self.store.session_exists(req.session_id):
            raise errors.NotFound(f"No session with id {req.session_id!r}.")
        descending = req.order == common_pb2.SORT_ORDER_DESC
        events, more = await self.store.list_events(
            req.session_id,
            limit,
            decode_page(req.page_token),
            descending,
            list(req.types),
            (
                ts_or_none(req, "created_at_gt"),
                ts_or_none(req, "created_at_gte"),
                ts_or_none(req, "created_at_lt"),
                ts_or_none(req, "created_at_lte"),
            ),
        )
        token = encode_page([events[-1].sequence]) if more and events else ""
        return events, token

    async def stream(
        self,
        req: event_pb2.StreamEventsRequest,
        on_subscribed: Callable[[], Awaitable[None]] | None = None,
    ) -> AsyncIterator[event_pb2.StreamEventsResponse]:
        """Replays what follows ``after_event_id`` from the store, then goes live.

        Live events are ordered by sequence: one already sent is skipped and a
        gap (a publish this stream missed) is filled from the store, so the
        stream has no gap and no duplicate. ``on_subscribed`` runs once the
        stream is attached: every event committed after it is delivered.
        """
        for t in req.event_deltas:
            if t not in DELTA_TYPES:
                raise errors.InvalidArgument(
                    f"event_deltas: {t!r} cannot be previewed; use agent.message or agent.thinking."
                )
        sub = self.broker.subscribe(req.session_id, req.event_deltas)
        try:
            if req.after_event_id:
                last = await self.store.event_seq(req.session_id, req.after_event_id)
                if on_subscribed is not None:
                    await on_subscribed()
                    on_subscribed = None
                while True:
                    batch = await self.store.events_after(req.session_id, last, REPLAY_BATCH)
                    for ev in batch:
                        yield event_pb2.StreamEventsResponse(event=ev)
                        last = ev.sequence
                    if len(batch) < REPLAY_BATCH:
                        break
            else:
                last = await self.store.last_seq(req.session_id)
            if on_subscribed is not None:
                await on_subscribed()
            while True:
                try:
                    item = await sub.get()
                except StreamClosed:
                    return
                except SubscriberLagged:
                    raise errors.RateLimited(
                        "This stream fell behind and was closed; reconnect with "
                        "Last-Event-ID set to the last event id you received."
                    ) from None
                if not item.HasField("event"):
                    yield item
                    continue
                seq = item.event.sequence
                if seq <= last:
                    continue
                while seq > last + 1:
                    missed = await self.store.events_after(
                        req.session_id, last, min(REPLAY_BATCH, seq - last - 1)
                    )
                    if not missed:
                        break
                    for ev in missed:
                        yield event_pb2.StreamEventsResponse(event=ev)
                        last = ev.sequence
                yield item
                last = seq
        finally:
            self.broker.unsubscribe(sub)
