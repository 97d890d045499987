"""Session webhooks derived from the event log: once an append commits, its
status events become ``session.status_*`` (and ``session.running`` /
``idled`` / ``requires_action`` / ``budget_reached``) webhook events, and an
outcome's evaluation end ``session.outcome_evaluation_ended``. One task
writes them to the outbox in commit order, through a bounded queue."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from sessiond.core.eventtypes import type_of
from sessiond.core.services.webhooks import Emitter
from sessiond.v1 import event_pb2

log = logging.getLogger(__name__)

QUEUE_LIMIT = 10_000
WORKSPACES_LIMIT = 10_000
_IDLE_REASONS = {
    "requires_action": "session.requires_action",
    "budget_reached": "session.budget_reached",
}


def webhook_types(ev: event_pb2.SessionEvent) -> list[str]:
    """The webhook event types a committed session event stands for."""
    t = type_of(ev)
    if t == "session.status_running":
        return ["session.status_run_started", "session.running"]
    if t == "session.status_idle":
        reason = ev.session_status_idle.stop_reason.WhichOneof("type") or ""
        return ["session.status_idled", _IDLE_REASONS.get(reason, "session.idled")]
    if t == "session.status_terminated":
        return ["session.status_terminated"]
    if t == "session.status_rescheduled":
        return ["session.status_rescheduled"]
    if t == "span.outcome_evaluation_end":
        return ["session.outcome_evaluation_ended"]
    return [_THREAD_TYPES[t]] if t in _THREAD_TYPES else []


# A thread's lifecycle, as mirrored on the primary thread (runtime/threads.py).
_THREAD_TYPES = {
    "session.thread_created": "session.thread_created",
    "session.thread_status_idle": "session.thread_idled",
    "session.thread_status_terminated": "session.thread_terminated",
}


def webhook_data(ev: event_pb2.SessionEvent, session_id: str) -> dict[str, str]:
    """The webhook data fields of a committed session event (besides the type)."""
    kind = ev.WhichOneof("payload")
    if kind is not None and kind.startswith("session_thread_"):
        return {"id": session_id, "session_thread_id": getattr(ev, kind).session_thread_id}
    return {"id": session_id}


class SessionRelay:
    """``observe`` is the event log's commit hook (never blocks); ``close``
    writes what is queued and stops."""

    def __init__(self, emitter: Emitter, workspace_of: Callable[[str], Awaitable[str]]) -> None:
        self._emitter = emitter
        self._workspace_of = workspace_of
        # A session's workspace never changes: read it once.
        self._workspaces: dict[str, str] = {}
        self._queue: asyncio.Queue[tuple[str, str, dict[str, str]] | None] = asyncio.Queue(
            QUEUE_LIMIT
        )
        self._task: asyncio.Task[None] | None = None

    def observe(self, session_id: str, events: Sequence[event_pb2.SessionEvent]) -> None:
        for ev in events:
            for wtype in webhook_types(ev):
                if self._task is None or self._task.done():
                    self._task = asyncio.create_task(self._run(), name="webhook relay")
                try:
                    self._queue.put_nowait((session_id, wtype, webhook_data(ev, session_id)))
                except asyncio.QueueFull:
                    log.warning("webhooks: relay queue full, %s of %s dropped", wtype, session_id)

    async def _run(self) -> None:
        while True:
            item = await self._queue.get()
            if item is None:
                return
            session_id, wtype, data = item
            ws = self._workspaces.get(session_id)
            if ws is None:
                try:
                    ws = await self._workspace_of(session_id)
                except Exception:
                    continue  # deleted meanwhile
                if len(self._workspaces) >= WORKSPACES_LIMIT:
                    self._workspaces.clear()
                self._workspaces[session_id] = ws
            await self._emitter.emit(ws, wtype, data)

    async def close(self) -> None:
        if self._task is None or self._task.done():
            return
        try:
            self._queue.put_nowait(None)
            await asyncio.wait_for(asyncio.shield(self._task), 5)
        except (asyncio.QueueFull, TimeoutError):
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
