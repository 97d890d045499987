"""Session threads: list, get, archive, and each thread's events (list, stream)."""

from __future__ import annotations

from sessiond.core import errors
from sessiond.core.eventstream import EventStream
from sessiond.core.eventtypes import FIELD_BY_TYPE
from sessiond.core.fanout import Broker
from sessiond.core.services.common import decode_page, encode_page, page_size
from sessiond.core.store.store import Store
from sessiond.core.store.threads import NAME_OF_STATUS, ThreadEventSource, ThreadRow
from sessiond.core.timeutil import from_timestamp
from sessiond.v1 import common_pb2, event_pb2, session_pb2, thread_pb2

# thread_list_params: "Maximum results per page. Defaults to 1000."
DEFAULT_PAGE = 1000
MAX_PAGE = 1000
DEFAULT_EVENT_PAGE = 100
MAX_EVENT_PAGE = 1000
_SESSION_TO_THREAD = {
    session_pb2.SESSION_STATUS_RUNNING: thread_pb2.SESSION_THREAD_STATUS_RUNNING,
    session_pb2.SESSION_STATUS_IDLE: thread_pb2.SESSION_THREAD_STATUS_IDLE,
    session_pb2.SESSION_STATUS_RESCHEDULING: thread_pb2.SESSION_THREAD_STATUS_RESCHEDULING,
    session_pb2.SESSION_STATUS_TERMINATED: thread_pb2.SESSION_THREAD_STATUS_TERMINATED,
}


class ThreadService:
    def __init__(self, store: Store, broker: Broker) -> None:
        self._store = store
        self._broker = broker

    async def _view(self, row: ThreadRow) -> thread_pb2.SessionThread:
        th = row.thread
        if not th.HasField("parent_thread_id"):
            # The primary thread is the session's own: it has the session's status.
            session = await self._store.get_session(th.session_id, ws=None)
            th.status = _SESSION_TO_THREAD.get(session.status, th.status)
        return th

    async def list_threads(
        self, req: thread_pb2.ListSessionThreadsRequest, *, ws: str
    ) -> tuple[list[thread_pb2.SessionThread], str]:
        await self._store.get_session(req.session_id, ws=ws)
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        statuses = [NAME_OF_STATUS[s] for s in req.statuses if s in NAME_OF_STATUS]
        rows, more = await self._store.list_threads(
            req.session_id, limit, decode_page(req.page_token), statuses, ws=ws
        )
        token = ""
        if more and rows:
            last = rows[-1].thread
            token = encode_page([from_timestamp(last.created_at), last.id])
        return [await self._view(r) for r in rows], token

    async def get(self, session_id: str, thread_id: str, *, ws: str) -> thread_pb2.SessionThread:
        return await self._view(await self._store.get_thread(session_id, thread_id, ws=ws))

    async def archive(
        self, session_id: str, thread_id: str, *, ws: str
    ) -> thread_pb2.SessionThread:
        row = await self._store.get_thread(session_id, thread_id, ws=ws)
        if not row.thread.HasField("parent_thread_id"):
            raise errors.FailedPrecondition(
                "The primary thread is the session itself; archive the session instead."
            )
        if row.thread.status == thread_pb2.SESSION_THREAD_STATUS_RUNNING:
            raise errors.FailedPrecondition(
                f"Thread {thread_id!r} is running; interrupt the session, then archive it."
            )
        return await self._view(await self._store.archive_thread(session_id, thread_id, ws=ws))

    async def list_events(
        self, req: event_pb2.ListEventsRequest, *, ws: str
    ) -> tuple[list[event_pb2.SessionEvent], str]:
        await self._store.get_thread(req.session_id, req.session_thread_id, ws=ws)
        for t in req.types:
            if t not in FIELD_BY_TYPE:
                raise errors.InvalidArgument(f"types: unknown event type {t!r}.")
        limit = page_size(req.page_size, DEFAULT_EVENT_PAGE, MAX_EVENT_PAGE)
        events, more = await self._store.list_thread_events(
            req.session_thread_id,
            limit,
            decode_page(req.page_token),
            req.order == common_pb2.SORT_ORDER_DESC,
            list(req.types),
        )
        token = encode_page([events[-1].sequence]) if more and events else ""
        return events, token

    def open_stream(self, req: event_pb2.StreamEventsRequest, *, ws: str) -> EventStream:
        """A thread's own stream (attached once awaited; an unknown thread is
        not found then)."""
        keyed = event_pb2.StreamEventsRequest(
            session_id=req.session_thread_id,
            after_event_id=req.after_event_id,
            event_deltas=req.event_deltas,
        )
        source = ThreadEventSource(self._store, req.session_id)
        return EventStream(source, self._broker, keyed, ws)
