"""The event log of sessions: append in order, list, and stream live."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sessiond.core import errors, telemetry
from sessiond.core.bytecache import DEFAULT_CACHE_BYTES, ByteLRU, decoded_size
from sessiond.core.eventtypes import FIELD_BY_TYPE
from sessiond.core.fanout import Broker
from sessiond.core.services.common import decode_page, encode_page, page_size, ts_or_none
from sessiond.core.sessionstate import Status, TurnMark
from sessiond.core.store.store import Append, NewEvent, Store, UsageDelta
from sessiond.v1 import common_pb2, event_pb2

log = logging.getLogger(__name__)

DEFAULT_PAGE = 100
MAX_PAGE = 1000


# Appends committed together at most (one transaction).
MAX_GROUP = 256


@dataclass(eq=False)
class _Job:
    append: Append
    future: asyncio.Future[list[event_pb2.SessionEvent]]


class EventLog:
    """The one writer of events: appends are queued, committed in groups (one
    transaction for whatever is waiting, across sessions) and published after
    commit. Appends of one session commit and publish in the order submitted.
    """

    def __init__(
        self, store: Store, broker: Broker, *, cache_bytes: int = DEFAULT_CACHE_BYTES
    ) -> None:
        self.store = store
        self.broker = broker
        self._queue: deque[_Job] = deque()
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        # Decoded histories and the index of their first unprocessed event,
        # bounded by their estimated size in memory.
        self._histories: ByteLRU[str, tuple[list[event_pb2.SessionEvent], int]] = ByteLRU(
            cache_bytes
        )
        # Hands previews to other replicas (set when several share the database).
        self.relay: Callable[[str, str, event_pb2.StreamEventsResponse], None] | None = None
        # Told of every committed append (webhooks derive session events from it).
        self.committed: Callable[[str, list[event_pb2.SessionEvent]], None] | None = None

    def submit(
        self,
        session_id: str,
        new: Sequence[NewEvent],
        *,
        require_open: bool = False,
        status: Status | None = None,
        usage: UsageDelta | None = None,
        turn: TurnMark | None = None,
        mark_processed: Sequence[str] = (),
        owner: str | None = None,
        workspace: str | None = None,
        running_limit: int | None = None,
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
                workspace,
                running_limit,
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
        *,
        require_open: bool = False,
        status: Status | None = None,
        usage: UsageDelta | None = None,
        turn: TurnMark | None = None,
        mark_processed: Sequence[str] = (),
        owner: str | None = None,
        workspace: str | None = None,
        running_limit: int | None = None,
    ) -> list[event_pb2.SessionEvent]:
        """Commits and publishes. Once called it completes even if the caller is
        cancelled, so an accepted event is never half-delivered. With
        ``workspace``, only a session of that workspace takes the events; with
        ``running_limit`` too, only one already running or in a workspace
        running fewer sessions (else :class:`RunningLimit`)."""
        future = self.submit(
            session_id,
            new,
            require_open=require_open,
            status=status,
            usage=usage,
            turn=turn,
            mark_processed=mark_processed,
            owner=owner,
            workspace=workspace,
            running_limit=running_limit,
        )
        return await asyncio.shield(future)

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
                if self.committed is not None:
                    self.committed(job.append.session_id, result)
                if not job.future.done():
                    job.future.set_result(result)

    async def history(self, session_id: str) -> list[event_pb2.SessionEvent]:
        """Every event of a session in order, for rebuilding the model's context.

        Recently used histories are kept (up to the cache's byte budget,
        estimated from the events' encoded size) with the index of their first
        unprocessed event (the one field that changes after an append): a call
        reads only the events from there on, so a long session is neither
        decoded nor scanned again per request. The list returned must not be
        changed.
        """
        cached = self._histories.pop(session_id)
        if cached is None:
            events = await self.store.conversation(session_id)
            nbytes = decoded_size(events)
            redo = _first_unprocessed(events, 0)
        else:
            (kept, redo), nbytes = cached
            after = kept[redo - 1].sequence if redo else 0
            fresh = await self.store.events_after(session_id, after, 1 << 62)
            nbytes += decoded_size(fresh) - decoded_size(kept[redo:])
            events = kept[:redo] + fresh
            redo = _first_unprocessed(events, redo)
        self._histories.put(session_id, (events, redo), nbytes)
        return events

    def forget(self, session_id: str) -> None:
        """Drops what is cached of a session (it was deleted)."""
        self._histories.discard(session_id)

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
        self, req: event_pb2.ListEventsRequest, *, ws: str
    ) -> tuple[list[event_pb2.SessionEvent], str]:
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        for t in req.types:
            if t not in FIELD_BY_TYPE:
                raise errors.InvalidArgument(
                    f"types: unknown event type {t!r}; expected one of "
                    + ", ".join(sorted(FIELD_BY_TYPE))
                )
        if not await self.store.session_exists(req.session_id, ws=ws):
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
            ws=ws,
        )
        token = encode_page([events[-1].sequence]) if more and events else ""
        return events, token


def _first_unprocessed(events: list[event_pb2.SessionEvent], start: int) -> int:
    """The index of the first event from ``start`` on not yet processed (the
    length when there is none)."""
    for i in range(start, len(events)):
        if not events[i].HasField("processed_at"):
            return i
    return len(events)


def _settle(future: asyncio.Future[Any], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)
        # Nobody may be waiting for a pipelined append: mark it seen.
        future.exception()
