"""The work queue of self-hosted environments (``/v1/environments/{id}/work``).

A session on a ``self_hosted`` environment gets a work item when it is created
and whenever one of its tool calls waits for a worker while it has no live
item. A worker polls (claim), acknowledges (its lease starts), heartbeats (a
compare-and-swap on the last heartbeat that extends the lease) and stops it.
An item whose lease expires goes back to the queue; one polled but never
acknowledged is handed out again after ``reclaim_older_than_ms``.

States: queued → starting (polled) → active (first heartbeat) → stopping
(graceful stop requested) → stopped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sessiond.core import errors, ids
from sessiond.core.services.common import decode_page, encode_page, page_size, require
from sessiond.core.sessionstate import is_self_hosted, remote_calls
from sessiond.core.store import work as q
from sessiond.core.store.base import INTERNAL, Scope
from sessiond.core.store.store import Store
from sessiond.core.store.work import WorkRow, WorkStore
from sessiond.core.timeutil import now_us, to_timestamp
from sessiond.v1 import event_pb2, session_pb2, work_pb2

WORK = "work"
NO_HEARTBEAT = "NO_HEARTBEAT"
DEFAULT_RECLAIM_MS = 5000
MAX_BLOCK_MS = 999
DEFAULT_PAGE = 20
MAX_PAGE = 100
# How often a long poll looks at the database for work another replica queued.
RECHECK_SECONDS = 0.25
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_STATES = {
    q.QUEUED: work_pb2.WORK_STATE_QUEUED,
    q.STARTING: work_pb2.WORK_STATE_STARTING,
    q.ACTIVE: work_pb2.WORK_STATE_ACTIVE,
    q.STOPPING: work_pb2.WORK_STATE_STOPPING,
    q.STOPPED: work_pb2.WORK_STATE_STOPPED,
}

History = Callable[[str], Awaitable[Sequence[event_pb2.SessionEvent]]]


@dataclass(frozen=True)
class WorkPolicy:
    # The lease a heartbeat grants when the worker asks for no other.
    ttl_seconds: int = 60
    min_ttl_seconds: int = 1
    max_ttl_seconds: int = 600


def heartbeat_token(us: int | None) -> str:
    """The RFC 3339 form of a heartbeat, compared verbatim by the next one."""
    if us is None:
        return ""
    moment = _EPOCH + timedelta(microseconds=us)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_message(row: WorkRow) -> work_pb2.Work:
    out = work_pb2.Work(
        id=row.id,
        environment_id=row.environment_id,
        data=work_pb2.SessionWorkData(id=row.session_id),
        state=_STATES[row.state],
        metadata=row.metadata,
        created_at=to_timestamp(row.created_at),
    )
    for name in (
        "acknowledged_at",
        "started_at",
        "latest_heartbeat_at",
        "stop_requested_at",
        "stopped_at",
    ):
        value = getattr(row, name)
        if value is not None:
            getattr(out, name).CopyFrom(to_timestamp(value))
    return out


class WorkService:
    """The queue's rules; also the runtime's ``RemoteTools``."""

    def __init__(self, store: Store, history: History, policy: WorkPolicy | None = None) -> None:
        self._store = store
        self._work: WorkStore = store
        self._history = history
        self.policy = policy or WorkPolicy()
        self._arrived: dict[str, asyncio.Event] = {}

    # ----------------------------------------------------------- RemoteTools

    async def is_remote(self, session: session_pb2.Session) -> bool:
        try:
            env = await self._store.get_environment(session.environment_id, ws=INTERNAL)
        except errors.NotFound:
            return False
        return is_self_hosted(env)

    async def need_worker(self, session: session_pb2.Session) -> None:
        if await self._work.ensure_work(ids.new_id(WORK), session.environment_id, session.id):
            self._wake(session.environment_id)

    def _wake(self, environment_id: str) -> None:
        event = self._arrived.pop(environment_id, None)
        if event is not None:
            event.set()

    # ---------------------------------------------------------------- verbs

    async def _scope(self, environment_id: str, ws: Scope) -> None:
        """A work item belongs to its environment's workspace: another's is not found."""
        await self._store.get_environment(require(environment_id, "environment_id"), ws=ws)

    async def _environment(self, environment_id: str, ws: Scope) -> None:
        env = await self._store.get_environment(require(environment_id, "environment_id"), ws=ws)
        if not is_self_hosted(env):
            raise errors.InvalidArgument(
                f"Environment {environment_id!r} is not self_hosted: it has no work queue."
            )

    async def poll(self, req: work_pb2.PollWorkRequest, *, ws: Scope) -> work_pb2.Work | None:
        if req.block_ms < 0 or req.block_ms > MAX_BLOCK_MS:
            raise errors.InvalidArgument(f"block_ms must be between 1 and {MAX_BLOCK_MS}.")
        if req.reclaim_older_than_ms < 0:
            raise errors.InvalidArgument("reclaim_older_than_ms must not be negative.")
        await self._environment(req.environment_id, ws)
        if req.worker_id:
            await self._work.note_work_poller(req.environment_id, req.worker_id)
        reclaim_ms = req.reclaim_older_than_ms or DEFAULT_RECLAIM_MS
        deadline = time.monotonic() + req.block_ms / 1000
        while True:
            arrived = self._arrived.setdefault(req.environment_id, asyncio.Event())
            reclaim_before = now_us() - reclaim_ms * 1000
            row = await self._work.claim_work(req.environment_id, reclaim_before, req.worker_id)
            if row is not None:
                return to_message(row)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                await asyncio.wait_for(arrived.wait(), min(remaining, RECHECK_SECONDS))
            except TimeoutError:
                pass

    async def get(self, environment_id: str, work_id: str, *, ws: Scope) -> work_pb2.Work:
        await self._scope(environment_id, ws)
        return to_message(await self._work.get_work(environment_id, work_id))

    async def list_work(
        self, req: work_pb2.ListWorkRequest, *, ws: Scope
    ) -> tuple[list[work_pb2.Work], str]:
        await self._scope(req.environment_id, ws)
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        page = decode_page(req.page_token)
        after = (int(page.key[0]), str(page.key[1])) if page is not None else None
        rows, more = await self._work.list_work(req.environment_id, limit, after)
        token = encode_page([rows[-1].created_at, rows[-1].id]) if more and rows else ""
        return [to_message(r) for r in rows], token

    async def update(self, req: work_pb2.UpdateWorkRequest, *, ws: Scope) -> work_pb2.Work:
        await self._scope(req.environment_id, ws)
        import json

        def step(row: WorkRow, now: int) -> tuple[dict[str, Any], None]:
            meta = dict(row.metadata)
            meta.update(req.metadata)
            for key in req.metadata_remove:
                meta.pop(key, None)
            return {"metadata": json.dumps(meta, sort_keys=True)}, None

        row, _ = await self._work.change_work(req.environment_id, req.work_id, step)
        return to_message(row)

    async def ack(self, environment_id: str, work_id: str, *, ws: Scope) -> work_pb2.Work:
        await self._scope(environment_id, ws)
        ttl_us = self.policy.ttl_seconds * 1_000_000

        def step(row: WorkRow, now: int) -> tuple[dict[str, Any], None]:
            if row.state == q.STARTING and row.acknowledged_at is None:
                return {"acknowledged_at": now, "lease_expires_at": now + ttl_us}, None
            if row.state in (q.STARTING, q.ACTIVE) and row.acknowledged_at is not None:
                return {}, None
            raise errors.Conflict(
                f"Work {work_id!r} is {row.state}; only a polled work item can be acknowledged."
            )

        row, _ = await self._work.change_work(environment_id, work_id, step)
        return to_message(row)

    async def heartbeat(
        self, req: work_pb2.HeartbeatWorkRequest, *, ws: Scope
    ) -> tuple[work_pb2.WorkLease, bool]:
        await self._scope(req.environment_id, ws)
        p = self.policy
        ttl = p.ttl_seconds
        if req.HasField("desired_ttl_seconds"):
            ttl = max(p.min_ttl_seconds, min(p.max_ttl_seconds, req.desired_ttl_seconds))
        expected = req.expected_last_heartbeat if req.HasField("expected_last_heartbeat") else None

        def lease(row: WorkRow, extended: bool, last: int | None) -> work_pb2.WorkLease:
            return work_pb2.WorkLease(
                state=_STATES[row.state],
                last_heartbeat=heartbeat_token(last),
                lease_extended=extended,
                ttl_seconds=row.ttl_seconds or ttl,
            )

        def step(row: WorkRow, now: int) -> tuple[dict[str, Any], tuple[work_pb2.WorkLease, bool]]:
            if row.state in (q.STOPPING, q.STOPPED):
                # Not compared: the worker is told to stop.
                return {}, (lease(row, False, row.latest_heartbeat_at), False)
            stored = heartbeat_token(row.latest_heartbeat_at) or NO_HEARTBEAT
            if row.state == q.QUEUED or (expected is not None and expected != stored):
                return {}, (lease(row, False, row.latest_heartbeat_at), True)
            values = {
                "state": q.ACTIVE,
                "latest_heartbeat_at": now,
                "lease_expires_at": now + ttl * 1_000_000,
                "ttl_seconds": ttl,
                "started_at": row.started_at or now,
                "acknowledged_at": row.acknowledged_at or now,
            }
            out = work_pb2.WorkLease(
                state=work_pb2.WORK_STATE_ACTIVE,
                last_heartbeat=heartbeat_token(now),
                lease_extended=True,
                ttl_seconds=ttl,
            )
            return values, (out, False)

        _, outcome = await self._work.change_work(req.environment_id, req.work_id, step)
        result: tuple[work_pb2.WorkLease, bool] = outcome
        return result

    async def stop(self, req: work_pb2.StopWorkRequest, *, ws: Scope) -> work_pb2.Work:
        await self._scope(req.environment_id, ws)

        def step(row: WorkRow, now: int) -> tuple[dict[str, Any], None]:
            if row.state == q.STOPPED:
                raise errors.Conflict(f"Work {req.work_id!r} is already stopped.")
            requested = row.stop_requested_at or now
            if req.force or row.state in (q.QUEUED, q.STARTING):
                return {
                    "state": q.STOPPED,
                    "stopped_at": now,
                    "stop_requested_at": requested,
                    "live_session_id": None,
                    "lease_expires_at": None,
                }, None
            return {"state": q.STOPPING, "stop_requested_at": requested}, None

        row, _ = await self._work.change_work(req.environment_id, req.work_id, step)
        if row.state == q.STOPPED:
            await self._requeue_if_waiting(row)
        return to_message(row)

    async def _requeue_if_waiting(self, row: WorkRow) -> None:
        """A stopped item whose session still waits for tool results gets a new
        one: a worker that gives up never leaves the session wedged."""
        try:
            session = await self._store.get_session(row.session_id, ws=INTERNAL)
        except errors.NotFound:
            return
        if session.status == session_pb2.SESSION_STATUS_TERMINATED or session.HasField(
            "archived_at"
        ):
            return
        if remote_calls(await self._history(row.session_id)).open:
            await self.need_worker(session)

    async def stats(self, environment_id: str, *, ws: Scope) -> work_pb2.GetWorkQueueStatsResponse:
        await self._scope(environment_id, ws)
        counts = await self._work.work_counts(environment_id, 0)
        out = work_pb2.GetWorkQueueStatsResponse(
            depth=counts.depth, pending=counts.pending, workers_polling=counts.workers_polling
        )
        if counts.oldest_queued_at is not None:
            out.oldest_queued_at.CopyFrom(to_timestamp(counts.oldest_queued_at))
        return out
