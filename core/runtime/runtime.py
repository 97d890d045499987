"""Runs each session's queued user events in order, one turn at a time.

A session gets a runner task while it has work. ``notify`` is called after
user events are committed; an interrupt cancels the running turn at once, and
queued events sent before the interrupt are passed over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from sessiond.v1 import event_pb2

from core.runtime.turn import Turn, TurnContext, idle, pending_actions

log = logging.getLogger(__name__)


class _Runner:
    def __init__(self, runtime: Runtime, session_id: str) -> None:
        self.runtime = runtime
        self.session_id = session_id
        self.wake = asyncio.Event()
        self.interrupt_seq = 0
        self.turn_task: asyncio.Task[None] | None = None
        self.task = asyncio.create_task(self._loop(), name=f"runner {session_id}")

    def interrupt(self, seq: int) -> None:
        self.interrupt_seq = max(self.interrupt_seq, seq)
        if self.turn_task is not None and not self.turn_task.done():
            self.turn_task.cancel()

    async def _loop(self) -> None:
        rt = self.runtime
        try:
            while True:
                self.wake.clear()
                pending = await rt.log.store.pending_events(self.session_id)
                if not pending:
                    if self.wake.is_set():
                        continue
                    rt._retire(self)
                    return
                last_interrupt = max(
                    (e.sequence for e in pending if e.HasField("user_interrupt")), default=0
                )
                cutoff = max(last_interrupt, self.interrupt_seq)
                skipped = [e.id for e in pending if e.sequence <= cutoff]
                if skipped:
                    await rt.log.store.mark_processed(skipped)
                    continue
                ev = pending[0]
                kind = ev.WhichOneof("payload")
                resume = False
                if kind in ("user_tool_confirmation", "user_custom_tool_result"):
                    events = await rt.log.store.conversation(self.session_id)
                    answer = getattr(ev, kind)
                    target = (
                        answer.tool_use_id
                        if kind == "user_tool_confirmation"
                        else answer.custom_tool_use_id
                    )
                    resume = target in pending_actions(events)
                if kind != "user_message" and not resume:
                    # Nothing to run for it (system messages, outcomes, stale answers).
                    await rt.log.store.mark_processed([ev.id])
                    continue
                session = await rt.log.store.get_session(self.session_id)
                if ev.sequence <= self.interrupt_seq:
                    continue
                if resume:
                    turn = Turn(rt.ctx, session, [], resume=True)
                else:
                    turn = Turn(rt.ctx, session, [ev.id])
                self.turn_task = asyncio.create_task(turn.run(), name=f"turn {self.session_id}")
                try:
                    await asyncio.wait({self.turn_task})
                finally:
                    if not self.turn_task.done():
                        self.turn_task.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await self.turn_task
                exc = None if self.turn_task.cancelled() else self.turn_task.exception()
                self.turn_task = None
                if exc is not None:
                    log.error("turn of %s failed", self.session_id, exc_info=exc)
                    await rt.log.append(self.session_id, [idle()], status="idle", turn="end")
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("runner of %s failed", self.session_id)
            rt._retire(self)


class Runtime:
    def __init__(
        self, ctx: TurnContext, close_tools: Callable[[str | None], Awaitable[None]]
    ) -> None:
        self.ctx = ctx
        self.log = ctx.log
        self._close_tools = close_tools
        self._runners: dict[str, _Runner] = {}
        self._closing = False

    def notify(self, session_id: str, events: Sequence[event_pb2.SessionEvent]) -> None:
        """Called after user events were committed."""
        if self._closing:
            return
        runner = self._runners.get(session_id)
        if runner is None:
            runner = self._runners[session_id] = _Runner(self, session_id)
        for ev in events:
            if ev.HasField("user_interrupt"):
                runner.interrupt(ev.sequence)
        runner.wake.set()

    def _retire(self, runner: _Runner) -> None:
        if self._runners.get(runner.session_id) is runner:
            del self._runners[runner.session_id]

    def is_running(self, session_id: str) -> bool:
        return session_id in self._runners

    async def stop_session(self, session_id: str) -> None:
        runner = self._runners.pop(session_id, None)
        if runner is not None:
            await _cancel(runner.task, runner)
        await self._close_tools(session_id)

    async def recover(self) -> None:
        """At start: close turns a previous process left open, resume queues."""
        store = self.log.store
        for sid in await store.sessions_with_status(["running", "rescheduling"]):
            await self.log.append(sid, [idle()], status="idle", turn="end")
        for sid in await store.sessions_with_pending_events():
            self.notify(sid, [])

    async def close(self) -> None:
        self._closing = True
        runners = list(self._runners.values())
        self._runners.clear()
        await asyncio.gather(*(_cancel(r.task, r) for r in runners), return_exceptions=True)
        await self._close_tools(None)


async def _cancel(task: asyncio.Task[None], runner: _Runner) -> None:
    if runner.turn_task is not None:
        runner.turn_task.cancel()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    if runner.turn_task is not None:
        with contextlib.suppress(asyncio.CancelledError):
            await runner.turn_task
