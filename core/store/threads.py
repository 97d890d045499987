"""SQL of session threads: the thread rows and each child thread's own events.

A thread's events are written only by the turn of the session that runs it (the
session's turn lease fences the session, and the thread runs inside it), so an
append reads the thread's last sequence and writes after it in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sessiond.core import errors
from sessiond.core.store.base import Scope, StoreBase, in_scope
from sessiond.core.store.rows import envelope
from sessiond.core.store.threads_schema import session_threads, thread_events
from sessiond.core.store.types import NewEvent, Page, UsageDelta
from sessiond.core.timeutil import now_us, to_timestamp
from sessiond.v1 import agent_pb2, event_pb2, thread_pb2
from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

THREAD_PREFIX = "sthr_"


def is_thread(key: str) -> bool:
    """Whether a stream key (a session's or a thread's id) is a thread's."""
    return key.startswith(THREAD_PREFIX)


STATUS_OF_NAME = {
    "running": thread_pb2.SESSION_THREAD_STATUS_RUNNING,
    "idle": thread_pb2.SESSION_THREAD_STATUS_IDLE,
    "rescheduling": thread_pb2.SESSION_THREAD_STATUS_RESCHEDULING,
    "terminated": thread_pb2.SESSION_THREAD_STATUS_TERMINATED,
}
NAME_OF_STATUS = {v: k for k, v in STATUS_OF_NAME.items()}

_T = session_threads
_E = thread_events
_EVENT_COLUMNS = (_E.c.id, _E.c.thread_id, _E.c.seq, _E.c.created_at, _E.c.processed_at, _E.c.body)


@dataclass(frozen=True)
class ThreadRow:
    thread: thread_pb2.SessionThread
    agent_name: str
    workspace: str


def _thread(row: Any) -> ThreadRow:
    th = thread_pb2.SessionThread(
        id=row.id,
        session_id=row.session_id,
        status=STATUS_OF_NAME.get(row.status, thread_pb2.SESSION_THREAD_STATUS_IDLE),
    )
    th.agent.CopyFrom(agent_pb2.SessionThreadAgent.FromString(row.agent))
    if row.parent_thread_id is not None:
        th.parent_thread_id = row.parent_thread_id
    th.created_at.CopyFrom(to_timestamp(row.created_at))
    th.updated_at.CopyFrom(to_timestamp(row.updated_at))
    if row.archived_at is not None:
        th.archived_at.CopyFrom(to_timestamp(row.archived_at))
    end = row.archived_at or now_us()
    active = float(row.active_seconds)
    if row.turn_started_at is not None:
        active += max(0, now_us() - row.turn_started_at) / 1e6
    th.stats.active_seconds = active
    th.stats.duration_seconds = max(0, end - row.created_at) / 1e6
    th.stats.startup_seconds = 0.0
    th.usage.active_seconds = active
    th.usage.input_tokens = int(row.input_tokens)
    th.usage.output_tokens = int(row.output_tokens)
    th.usage.cache_read_input_tokens = int(row.cache_read_input_tokens)
    return ThreadRow(th, row.agent_name, row.workspace)


def _event(row: Any) -> event_pb2.SessionEvent:
    ev = event_pb2.SessionEvent.FromString(row.body)
    envelope(ev, row.id, row.thread_id, row.seq, row.created_at, row.processed_at)
    return ev


class ThreadStore(StoreBase):
    async def create_thread(
        self,
        thread_id: str,
        session_id: str,
        agent_name: str,
        agent: agent_pb2.SessionThreadAgent,
        parent_thread_id: str | None,
        *,
        ws: str,
    ) -> ThreadRow:
        at = now_us()
        stmt = insert(_T).values(
            id=thread_id,
            session_id=session_id,
            workspace=ws,
            parent_thread_id=parent_thread_id,
            agent_name=agent_name,
            status="idle",
            created_at=at,
            updated_at=at,
            last_seq=0,
            input_tokens=0,
            output_tokens=0,
            cache_read_input_tokens=0,
            active_seconds=0.0,
            agent=agent.SerializeToString(),
        )
        await self._tx(lambda conn: conn.execute(stmt), write=True)
        return await self.get_thread(session_id, thread_id, ws=None)

    async def get_thread(self, session_id: str, thread_id: str, *, ws: Scope) -> ThreadRow:
        query = select(_T).where(
            _T.c.id == thread_id, _T.c.session_id == session_id, *in_scope(_T.c.workspace, ws)
        )
        row = await self._tx(lambda conn: conn.execute(query).first(), write=False)
        if row is None:
            raise errors.NotFound(f"Session {session_id!r} has no thread {thread_id!r}.")
        return _thread(row)

    async def threads_of(self, session_id: str) -> list[ThreadRow]:
        query = select(_T).where(_T.c.session_id == session_id).order_by(_T.c.created_at, _T.c.id)
        rows = await self._tx(lambda conn: list(conn.execute(query)), write=False)
        return [_thread(r) for r in rows]

    async def list_threads(
        self, session_id: str, limit: int, page: Page | None, statuses: Sequence[str], *, ws: Scope
    ) -> tuple[list[ThreadRow], bool]:
        conds: list[Any] = [_T.c.session_id == session_id, *in_scope(_T.c.workspace, ws)]
        if statuses:
            conds.append(_T.c.status.in_(list(statuses)))
        found, more = await self._keyset(
            select(_T), conds, (_T.c.created_at, _T.c.id), False, limit, page
        )
        return [_thread(r) for r in found], more

    async def archive_thread(self, session_id: str, thread_id: str, *, ws: Scope) -> ThreadRow:
        at = now_us()

        def work(conn: Connection) -> None:
            conn.execute(
                update(_T)
                .where(
                    _T.c.id == thread_id,
                    _T.c.session_id == session_id,
                    _T.c.archived_at.is_(None),
                    *in_scope(_T.c.workspace, ws),
                )
                .values(archived_at=at, updated_at=at)
            )

        await self._tx(work, write=True)
        return await self.get_thread(session_id, thread_id, ws=ws)

    async def append_thread(
        self,
        thread_id: str,
        new: Sequence[NewEvent],
        *,
        status: str | None = None,
        usage: UsageDelta | None = None,
        turn: str | None = None,
        mark_processed: Sequence[str] = (),
    ) -> list[event_pb2.SessionEvent]:
        """Appends a thread's events with the thread changes they imply (``turn``
        "start"/"end" opens or closes its active-time clock)."""
        at = now_us()

        def work(conn: Connection) -> list[event_pb2.SessionEvent]:
            row = conn.execute(
                select(_T.c.last_seq, _T.c.turn_started_at, _T.c.active_seconds).where(
                    _T.c.id == thread_id
                )
            ).first()
            if row is None:
                raise errors.NotFound(f"No thread {thread_id!r}.")
            if mark_processed:
                conn.execute(
                    update(_E)
                    .where(
                        _E.c.thread_id == thread_id,
                        _E.c.id.in_(list(mark_processed)),
                        _E.c.processed_at.is_(None),
                    )
                    .values(processed_at=at)
                )
            first = int(row.last_seq)
            stored: list[event_pb2.SessionEvent] = []
            for i, ev in enumerate(new, start=1):
                processed = at if ev.processed else None
                conn.execute(
                    insert(_E).values(
                        thread_id=thread_id,
                        seq=first + i,
                        id=ev.id,
                        type=ev.type,
                        created_at=at,
                        processed_at=processed,
                        body=ev.payload.SerializeToString(),
                    )
                )
                full = event_pb2.SessionEvent()
                full.CopyFrom(ev.payload)
                envelope(full, ev.id, thread_id, first + i, at, processed)
                stored.append(full)
            changes: dict[str, Any] = {"last_seq": first + len(new), "updated_at": at}
            if status is not None:
                changes["status"] = status
            if turn == "start" and row.turn_started_at is None:
                changes["turn_started_at"] = at
            elif turn == "end" and row.turn_started_at is not None:
                changes["turn_started_at"] = None
                changes["active_seconds"] = (
                    float(row.active_seconds) + max(0, at - row.turn_started_at) / 1e6
                )
            if usage is not None:
                changes["input_tokens"] = _T.c.input_tokens + usage.input_tokens
                changes["output_tokens"] = _T.c.output_tokens + usage.output_tokens
                changes["cache_read_input_tokens"] = (
                    _T.c.cache_read_input_tokens + usage.cache_read_input_tokens
                )
            conn.execute(update(_T).where(_T.c.id == thread_id).values(**changes))
            return stored

        return await self._tx(work, write=True)

    # ------------------------------------------------------------ reads (EventSource)

    async def thread_events_after(
        self, thread_id: str, seq: int, limit: int
    ) -> list[event_pb2.SessionEvent]:
        query = (
            select(*_EVENT_COLUMNS)
            .where(_E.c.thread_id == thread_id, _E.c.seq > seq)
            .order_by(_E.c.seq)
            .limit(limit)
        )
        rows = await self._tx(lambda conn: list(conn.execute(query)), write=False)
        return [_event(r) for r in rows]

    async def thread_last_seqs(self, thread_ids: Sequence[str]) -> dict[str, int]:
        query = select(_T.c.id, _T.c.last_seq).where(_T.c.id.in_(list(thread_ids)))
        rows = await self._tx(lambda conn: list(conn.execute(query)), write=False)
        return {r.id: int(r.last_seq) for r in rows}

    async def thread_events_between(
        self, thread_id: str, first: int, last: int
    ) -> list[event_pb2.SessionEvent]:
        return await self.thread_events_after(thread_id, first - 1, last - first + 1)

    async def thread_last_seq(self, thread_id: str, *, ws: Scope) -> int:
        query = select(_T.c.last_seq).where(_T.c.id == thread_id, *in_scope(_T.c.workspace, ws))
        row = await self._tx(lambda conn: conn.execute(query).first(), write=False)
        if row is None:
            raise errors.NotFound(f"No thread {thread_id!r}.")
        return int(row.last_seq)

    async def thread_event_seq(self, thread_id: str, event_id: str, *, ws: Scope) -> int:
        query = (
            select(_E.c.seq)
            .select_from(_E.join(_T, _T.c.id == _E.c.thread_id))
            .where(_E.c.thread_id == thread_id, _E.c.id == event_id, *in_scope(_T.c.workspace, ws))
        )
        row = await self._tx(lambda conn: conn.execute(query).first(), write=False)
        if row is None:
            raise errors.NotFound(f"Thread {thread_id!r} has no event {event_id!r}.")
        return int(row.seq)

    async def list_thread_events(
        self,
        thread_id: str,
        limit: int,
        page: Page | None,
        descending: bool,
        types: Sequence[str],
    ) -> tuple[list[event_pb2.SessionEvent], bool]:
        conds: list[Any] = [_E.c.thread_id == thread_id]
        if types:
            conds.append(_E.c.type.in_(list(types)))
        found, more = await self._keyset(
            select(*_EVENT_COLUMNS), [and_(*conds)], (_E.c.seq,), descending, limit, page
        )
        return [_event(r) for r in found], more


class ThreadEventSource:
    """One thread's events as an ``EventSource`` of core.eventstream (keyed by
    the thread's id); the thread must be of ``session_id``."""

    def __init__(self, store: ThreadStore, session_id: str) -> None:
        self._store = store
        self._session_id = session_id

    async def event_seq(self, thread_id: str, event_id: str, *, ws: str | None) -> int:
        await self._store.get_thread(self._session_id, thread_id, ws=ws)
        return await self._store.thread_event_seq(thread_id, event_id, ws=ws)

    async def last_seq(self, thread_id: str, *, ws: str | None) -> int:
        await self._store.get_thread(self._session_id, thread_id, ws=ws)
        return await self._store.thread_last_seq(thread_id, ws=ws)

    async def events_after(
        self, session_id: str, seq: int, limit: int
    ) -> list[event_pb2.SessionEvent]:
        return await self._store.thread_events_after(session_id, seq, limit)
