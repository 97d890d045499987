"""The event log of sessions: append in order, list, and stream live."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sessiond.core import errors, telemetry
from sessiond.core.eventtypes import DELTA_TYPES, FIELD_BY_TYPE
from sessiond.core.fanout import Broker, StreamClosed, SubscriberLagged
from sessiond.core.services.common import decode_page, encode_page, page_size, ts_or_none
from sessiond.core.store.store import Append, NewEvent, Store, UsageDelta
from sessiond.v1 import common_pb2, event_pb2

log = logging.getLogger(__name__)

DEFAULT_PAGE = 100
MAX_PAGE = 1000
REPLAY_BATCH = 500


# Appends committed together at most (one transaction).
MAX_GROUP = 256
# Sessions whose history is kept decoded (least recently used go first).
MAX_HISTORIES = 64


@dataclass(eq=False)
class _Job:
    append: Append
    future: asyncio.Future[list[event_pb2.SessionEvent]]


class EventLog:
    """The one writer of events: appends are queued, committed in groups (one
    transaction for whatever is waiting, across sessions) and published after
    commit. Appends of one session commit and publish in the order submitted.
    """

    def __init__(self, store: Store, broker: Broker) -> None:
        self.store = store
        self.broker = broker
        self._queue: deque[_Job] = deque()
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._histories: OrderedDict[str, list[event_pb2.SessionEvent]] = OrderedDict()
        # Hands previews to other replicas (set when several share the database).
        self.relay: Callable[[str, str, event_pb2.StreamEventsResponse], None] | None = None

    def submit(
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
    ) -> asyncio.Future[list[event_pb2.SessionEvent]]:
        """Queues an append. The future resolves once it is committed and
        published; the append happens whether or not anyone awaits it."""
        job = _Job(
            Append(
                session_id,
                list(new),
                require_open,
                status,
                usage,
                turn,
                tuple(mark_processed),
                owner,
            ),
            asyncio.get_running_loop().create_future(),
        )
        self._queue.append(job)
        self._wake.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_forever(), name="event writer")
        return job.future

    async def append(
        self,
        session_id: str,
        new: Sequence[NewEvent],
        **changes: Any,
    ) -> list[event_pb2.SessionEvent]:
        """Commits and publishes. Once called it completes even if the caller is
        cancelled, so an accepted event is never half-delivered."""
        return await asyncio.shield(self.submit(session_id, new, **changes))

    async def _write_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                n = min(len(self._queue), MAX_GROUP)
                jobs = [self._queue.popleft() for _ in range(n)]
                await self._commit(jobs)

    async def _commit(self, jobs: list[_Job]) -> None:
        results: list[list[event_pb2.SessionEvent] | Exception]
        telemetry.COMMIT_BATCH.observe(len(jobs))
        started = time.perf_counter()
        try:
            results = await self.store.append_batch([j.append for j in jobs])
            telemetry.STORE_SECONDS.observe(time.perf_counter() - started)
        except Exception as e:
            log.exception("could not commit %d appends", len(jobs))
            results = [e] * len(jobs)
            # Later appends of these sessions were queued on top of these:
            # they fail too, so a session's events never skip one.
            failed = {j.append.session_id for j in jobs}
            kept: deque[_Job] = deque()
            for job in self._queue:
                if job.append.session_id in failed:
                    _settle(job.future, e)
                else:
                    kept.append(job)
            self._queue = kept
        for job, result in zip(jobs, results, strict=True):
            if isinstance(result, Exception):
                _settle(job.future, result)
            else:
                self.broker.publish(job.append.session_id, result)
                if not job.future.done():
                    job.future.set_result(result)

    async def history(self, session_id: str) -> list[event_pb2.SessionEvent]:
        """Every event of a session in order, for rebuilding the model's context.

        Recently used histories are kept: a call reads only the events after
        the first one that was still unprocessed (the one field that changes
        after an append), so a long session is not decoded again per request.
        The list returned must not be changed.
        """
        cached = self._histories.pop(session_id, None)
        if cached is None:
            events = await self.store.conversation(session_id)
        else:
            redo = next(
                (i for i, e in enumerate(cached) if not e.HasField("processed_at")), len(cached)
            )
            after = cached[redo - 1].sequence if redo else 0
            events = cached[:redo] + await self.store.events_after(session_id, after, 1 << 62)
        self._histories[session_id] = events
        while len(self._histories) > MAX_HISTORIES:
            self._histories.popitem(last=False)
        return events

    def preview(
        self, session_id: str, event_type: str, item: event_pb2.StreamEventsResponse
    ) -> None:
        self.broker.publish_preview(session_id, event_type, item)
        if self.relay is not None:
            self.relay(session_id, event_type, item)

    async def drain(self) -> None:
        """Commits what is queued, then stops the writer (shutdown)."""
        pending = [j.future for j in self._queue]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None

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


def _settle(future: asyncio.Future[Any], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)
        # Nobody may be waiting for a pipelined append: mark it seen.
        future.exception()
