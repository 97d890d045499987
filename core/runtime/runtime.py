"""Runs each session's queued user events in order, one turn at a time.

A session gets a runner task while it has work. ``notify`` is called after
user events are committed (here or, through the database, on another
replica); an interrupt cancels the running turn at once, and queued events
sent before the interrupt are passed over.

Several replicas may share one database: a runner first takes the session's
turn lease, renews it while it works and frees it when the queue is empty.
Appends of a turn are fenced by the lease, so a replica that lost it writes
nothing more. A sweeper takes over sessions whose lease expired (their
replica died): a turn left running is ended with an error, queued events run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sessiond.core import telemetry
from sessiond.core.runtime.offline_grader import OfflineGrader
from sessiond.core.runtime.outcome import (
    Grader,
    OutcomeRun,
    Resumption,
    RubricReader,
    end_open_outcomes,
    orphan_outcome_events,
    record_outcome,
)
from sessiond.core.runtime.outcome_pause import (
    INTERRUPTED_WHILE_WAITING,
    SUPERSEDED_WHILE_WAITING,
    has_open_outcome,
    interrupted_pause,
    paused_outcome,
)
from sessiond.core.runtime.ports import TurnStore
from sessiond.core.runtime.turn import (
    Turn,
    TurnContext,
    idle,
    model_request_end,
    session_error,
)
from sessiond.core.sessionstate import (
    ANSWER_KINDS,
    Status,
    answer_target,
    in_turn,
    is_self_hosted,
    open_model_request,
    pending_actions,
)
from sessiond.core.store.store import LeaseLost, NewEvent
from sessiond.core.timeutil import now_us
from sessiond.v1 import event_pb2, session_pb2

log = logging.getLogger(__name__)

ORPHAN_MESSAGE = (
    "The server running this turn stopped before the turn ended; the turn was "
    "ended. Send a new message to continue."
)


@dataclass(frozen=True)
class LeasePolicy:
    ttl_seconds: float = 10.0
    # A queued event older than this with no lease on its session is orphaned.
    settle_seconds: float = 2.0
    # An idle session keeps its runner and lease this long for the next message.
    linger_seconds: float = 2.0

    @property
    def ttl_us(self) -> int:
        return int(self.ttl_seconds * 1e6)


class _Runner:
    def __init__(self, runtime: Runtime, session_id: str, *, orphaned: bool = False) -> None:
        self.runtime = runtime
        self.session_id = session_id
        self.wake = asyncio.Event()
        self.interrupt_seq = 0
        self.turn_task: asyncio.Task[None] | None = None
        self.turn: Turn | OutcomeRun | None = None
        self.orphaned = orphaned
        # The session's environment (it never changes): known after the first
        # read of the session, then read with the session's work, so a turn
        # needs no read of its own to know whether it is self-hosted.
        self.environment_id: str | None = None
        self.task = asyncio.create_task(self._run(), name=f"runner {session_id}")

    def interrupt(self, seq: int) -> None:
        self.interrupt_seq = max(self.interrupt_seq, seq)
        if self.turn_task is not None and not self.turn_task.done():
            self.turn_task.cancel()

    def stop(self) -> None:
        """The server stops: the running turn ends as interrupted by it."""
        if self.turn is not None:
            self.turn.stopping = True

    async def _run(self) -> None:
        rt = self.runtime
        store = rt.store
        try:
            while await store.acquire_lease(self.session_id, rt.owner, rt.lease.ttl_us):
                keeper = asyncio.create_task(self._keep_lease(), name=f"lease {self.session_id}")
                try:
                    if self.orphaned:
                        telemetry.LEASE_TAKEOVERS.inc()
                        self.orphaned = False
                        await self._end_orphaned_turn()
                    await self._loop()
                finally:
                    keeper.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await keeper
                await store.release_lease(self.session_id, rt.owner)
                # Work queued by another replica while we held the lease would
                # wait for nobody: look once more now that the lease is free.
                self.wake.clear()
                if not await store.pending_events(self.session_id) and not self.wake.is_set():
                    break
        except LeaseLost:
            telemetry.LEASES_LOST.inc()
            log.warning("another replica took over session %s", self.session_id)
        except Exception:
            log.exception("runner of %s failed", self.session_id)
        finally:
            rt._retire(self)

    async def _linger(self) -> bool:
        """Keeps the lease a moment for the next event (a conversation's next
        message usually follows soon and then needs no new lease); False when
        none came."""
        try:
            await asyncio.wait_for(self.wake.wait(), self.runtime.lease.linger_seconds)
        except TimeoutError:
            return False
        return True

    async def _keep_lease(self) -> None:
        rt = self.runtime
        while True:
            await asyncio.sleep(rt.lease.ttl_seconds / 3)
            if not await rt.store.renew_lease(self.session_id, rt.owner, rt.lease.ttl_us):
                log.warning("lost the turn lease of session %s", self.session_id)
                self.task.cancel()
                return

    async def _end_orphaned_turn(self) -> None:
        """Ends the turn a stopped replica left running: a model request it
        left open is closed as failed, then the turn ends with an error."""
        rt = self.runtime
        session = await rt.store.get_session(self.session_id, ws=None)
        if not in_turn(session.status):
            return
        new: list[NewEvent] = []
        history = await rt.log.history(self.session_id)
        start_id = open_model_request(history)
        if start_id is not None:
            new.append(model_request_end(start_id, is_error=True))
        new += orphan_outcome_events(history)
        new += [session_error("unknown_error", ORPHAN_MESSAGE, "terminal"), idle()]
        await rt.log.append(self.session_id, new, status=Status.IDLE, turn="end", owner=rt.owner)
        await end_open_outcomes(rt.store, self.session_id)

    async def _end_interrupted_pause(self, session: session_pb2.Session) -> bool:
        """An interrupt sent while an outcome waited for the client ends that
        outcome as `interrupted`; True when it did (the session changed)."""
        rt = self.runtime
        events = await rt.log.history(self.session_id)
        paused = paused_outcome(session, events)
        if paused is None or not interrupted_pause(events):
            return False
        outcome = paused[0].user_define_outcome
        await record_outcome(
            rt.store, self.session_id, outcome, "interrupted", None, INTERRUPTED_WHILE_WAITING
        )
        return True

    async def _next_turn(
        self,
        session: session_pb2.Session,
        ev: event_pb2.SessionEvent,
        resume: bool,
        remote: bool | None = None,
    ) -> Turn | OutcomeRun:
        """What runs for ``ev``: answers resume the turn that waited for them, a
        message starts one, an outcome starts its run; an outcome paused for
        the client goes on with the answers or the message. ``remote``: whether
        the session is self-hosted, if known."""
        rt = self.runtime
        paused = None
        if has_open_outcome(session):
            paused = paused_outcome(session, await rt.log.history(self.session_id))
        if ev.HasField("user_define_outcome"):
            if paused is not None:
                # The user moved on to a new outcome: the paused one ends.
                old = paused[0].user_define_outcome
                await record_outcome(
                    rt.store, self.session_id, old, "interrupted", None, SUPERSEDED_WHILE_WAITING
                )
            return OutcomeRun(rt.ctx, rt.store, rt.grader, session, ev, rubrics=rt.rubrics)
        if paused is not None:
            define, iteration, since = paused
            step = Resumption(iteration, since, () if resume else (ev.id,), resume=resume)
            return OutcomeRun(
                rt.ctx, rt.store, rt.grader, session, define, resumption=step, rubrics=rt.rubrics
            )
        if resume:
            return Turn(rt.ctx, session, [], resume=True, remote=remote)
        return Turn(rt.ctx, session, [ev.id], remote=remote)

    async def _loop(self) -> None:
        rt = self.runtime
        # Whether the queue may hold more than what was last read: new events
        # always set ``wake`` (here or through the listener), so after a turn
        # that emptied the queue there is nothing to read until then.
        look = True
        while True:
            if not look and not self.wake.is_set():
                if not await self._linger():
                    return
            look = True
            self.wake.clear()
            pending, session, env = await rt.store.work_of(self.session_id, self.environment_id)
            self.environment_id = session.environment_id or None
            # Whether the session is self-hosted, when known from that read.
            remote = None if env is None else rt.ctx.remote is not None and is_self_hosted(env)
            if has_open_outcome(session) and await self._end_interrupted_pause(session):
                continue
            if not pending:
                if self.wake.is_set():
                    continue
                if not await self._linger():
                    return
                continue
            last_interrupt = max(
                (e.sequence for e in pending if e.HasField("user_interrupt")), default=0
            )
            cutoff = max(last_interrupt, self.interrupt_seq)
            skipped = [e.id for e in pending if e.sequence <= cutoff]
            if skipped:
                await rt.log.append(self.session_id, [], mark_processed=skipped, owner=rt.owner)
                # What was read beyond them is still to run; else only new
                # events (which set ``wake``) can bring more.
                look = len(skipped) < len(pending)
                continue
            ev = pending[0]
            kind = ev.WhichOneof("payload")
            resume = False
            if kind in ANSWER_KINDS:
                events = await rt.log.history(self.session_id)
                if remote is None:
                    remote = rt.ctx.remote is not None and await rt.ctx.remote.is_remote(session)
                resume = answer_target(ev) in pending_actions(events, remote=remote)
            if kind not in ("user_message", "user_define_outcome") and not resume:
                # Nothing to run for it (system messages, stale answers).
                await rt.log.append(self.session_id, [], mark_processed=[ev.id], owner=rt.owner)
                look = len(pending) > 1
                continue
            if ev.sequence <= self.interrupt_seq:
                continue
            turn = await self._next_turn(session, ev, resume, remote)
            self.turn = turn
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
            self.turn = None
            look = len(pending) > 1 or exc is not None
            if exc is not None:
                log.error("turn of %s failed", self.session_id, exc_info=exc)
                if isinstance(exc, LeaseLost):
                    raise exc
                await rt.log.append(
                    self.session_id, [idle()], status=Status.IDLE, turn="end", owner=rt.owner
                )


class Runtime:
    def __init__(
        self,
        ctx: TurnContext,
        store: TurnStore,
        close_tools: Callable[[str | None], Awaitable[None]],
        *,
        owner: str,
        lease: LeasePolicy | None = None,
        grader: Grader | None = None,
        rubrics: RubricReader | None = None,
    ) -> None:
        self.ctx = ctx
        self.grader: Grader = grader or OfflineGrader()
        # Reads rubric files of outcomes (None: such an outcome fails at grading).
        self.rubrics = rubrics
        self.log = ctx.log
        self.store = store
        self.owner = owner
        self.lease = lease or LeasePolicy()
        self._close_tools = close_tools
        self._runners: dict[str, _Runner] = {}
        self._closing = False
        self._sweeper: asyncio.Task[None] | None = None

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

    def observe(self, session_id: str, events: Sequence[event_pb2.SessionEvent]) -> None:
        """Events another replica committed: a runner here must see interrupts."""
        runner = self._runners.get(session_id)
        if runner is None:
            return
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
        self.ctx.conversations.forget(session_id)
        await self._close_tools(session_id)

    def sessions(self) -> list[str]:
        """Sessions with a runner on this replica."""
        return list(self._runners)

    def runner_count(self) -> int:
        """How many sessions have a runner on this replica."""
        return len(self._runners)

    async def recover(self) -> None:
        """At start: take over work that no live replica holds, then keep
        looking for it (a replica may die at any time)."""
        if not self.store.shared:
            # Only this process uses the database: every lease is stale.
            await self.store.clear_leases()
        await self.sweep()
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="lease sweeper")

    async def sweep(self) -> None:
        settled = now_us() - int(self.lease.settle_seconds * 1e6)
        for sid in await self.store.orphaned_sessions(settled):
            if self._closing or sid in self._runners:
                continue
            log.info("taking over session %s from a replica that stopped", sid)
            self._runners[sid] = _Runner(self, sid, orphaned=True)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.lease.ttl_seconds / 2)
            try:
                await self.sweep()
            except Exception:
                log.exception("lease sweep failed")

    async def close(self) -> None:
        self._closing = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        runners = list(self._runners.values())
        self._runners.clear()
        for r in runners:
            r.stop()
        await asyncio.gather(*(_cancel(r.task, r) for r in runners), return_exceptions=True)
        # Another replica may take these sessions at once, not after the lease expires.
        await asyncio.gather(
            *(self.store.release_lease(r.session_id, self.owner) for r in runners),
            return_exceptions=True,
        )
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
