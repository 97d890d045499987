"""Outcomes: the agent works toward a described result, a grader checks it.

The loop of the docs' "Define outcomes" page
(https://platform.claude.com/docs/en/managed-agents/define-outcomes): the
agent works on the outcome's description; a grader, in a context of its own,
evaluates the agent's work of that iteration against the rubric
(`span.outcome_evaluation_start` / `_ongoing` / `_end`); on `needs_revision`
its feedback goes back to the agent for the next iteration, up to
`max_iterations` (default 3, at most 20). When the budget runs out the result
is `max_iterations_reached` and one last acknowledgment turn follows. An
interrupt ends the outcome as `interrupted`. The session stays running from
the definition until the outcome ends; its `outcome_evaluations` follow each
step.

A turn of an iteration that waits for the client (a tool confirmation under
`always_ask`, a custom tool's result, a self-hosted worker's result) pauses the
outcome with the session: the session goes idle with `requires_action` and the
outcome's entry stays `running`. The runner finds the paused outcome again
from what is stored (``outcome_pause.paused_outcome``), so it goes on after
the answer (or a new `user.message`) with the same iteration, also after a
restart; an interrupt sent while it waits ends it as `interrupted`.

The grader is seen only through :class:`Grader`; the offline grader and the
model grader both implement it. A rubric given as a file is read through
:data:`RubricReader` at the run's first evaluation and kept for the run; a file
that can no longer be read then ends the outcome as `failed`, saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from sessiond.core import errors
from sessiond.core.runtime.conversation import block_text
from sessiond.core.runtime.model import Usage
from sessiond.core.runtime.ports import EventSink, TurnStore
from sessiond.core.runtime.turn import Turn, TurnContext, ended_by_stop, idle, new_event
from sessiond.core.sessionstate import Status
from sessiond.core.store.store import LeaseLost, NewEvent
from sessiond.core.timeutil import now_us, to_timestamp
from sessiond.v1 import common_pb2, event_pb2, session_pb2

DEFAULT_MAX_ITERATIONS = 3
MAX_ITERATIONS = 20
# Seconds between `span.outcome_evaluation_ongoing` heartbeats while a grader runs.
HEARTBEAT_SECONDS = 10.0

SERVER_STOPPED = (
    "The server stopped while this outcome was worked on; it ended. Define it again to go on."
)

Verdict = Literal["satisfied", "needs_revision", "failed"]


@dataclass(frozen=True)
class Grading:
    """What a grader is given: the outcome and the agent's work of one iteration."""

    description: str
    rubric: str
    work: str
    model: str
    iteration: int


@dataclass(frozen=True)
class Evaluation:
    result: Verdict
    explanation: str
    usage: Usage = Usage()


class Grader(Protocol):
    async def grade(self, grading: Grading) -> Evaluation: ...


# (session id, file id) -> the rubric file's text, read in the session's
# workspace; raises a domain error when it cannot.
RubricReader = Callable[[str, str], Awaitable[str]]


class RubricUnavailable(Exception):
    """The outcome's rubric file could not be read when it was to be graded."""


@dataclass(frozen=True)
class Resumption:
    """Where a paused outcome goes on: its iteration, the event after which the
    agent's work of that iteration counts, and the turn that continues it
    (answers to the tool uses it waited for, or a new message)."""

    iteration: int
    since: str
    trigger_ids: tuple[str, ...] = ()
    resume: bool = True


@dataclass(frozen=True)
class _Step:
    """The turn an iteration starts with."""

    trigger_ids: list[str]
    continuing: bool
    resume: bool


class OutcomeRun:
    """One `user.define_outcome`, run to its end by the session's runner
    (from its start, or from a pause with ``resumption``)."""

    def __init__(
        self,
        ctx: TurnContext,
        store: TurnStore,
        grader: Grader,
        session: session_pb2.Session,
        event: event_pb2.SessionEvent,
        *,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
        resumption: Resumption | None = None,
        rubrics: RubricReader | None = None,
    ) -> None:
        self._ctx = ctx
        self._log: EventSink = ctx.log
        self._store = store
        self._grader = grader
        self._session = session
        self._sid = session.id
        self._event = event
        self._outcome = event.user_define_outcome
        self._max = self._outcome.max_iterations or DEFAULT_MAX_ITERATIONS
        self._heartbeat = heartbeat_seconds
        self._turn: Turn | None = None
        self._stopping = False
        self._resumption = resumption
        self._rubrics = rubrics
        self._rubric: str | None = None

    @property
    def stopping(self) -> bool:
        return self._stopping

    @stopping.setter
    def stopping(self, value: bool) -> None:
        """Set when the server stops: the running turn ends with an error."""
        self._stopping = value
        if self._turn is not None:
            self._turn.stopping = value

    async def run(self) -> None:
        r = self._resumption
        if r is None:
            iteration, since = 0, self._event.id
            step = _Step([self._event.id], continuing=False, resume=False)
            await self._record("running", 0)
        else:
            iteration, since = r.iteration, r.since
            step = _Step(list(r.trigger_ids), continuing=False, resume=r.resume)
        while True:
            if not await self._work(step):
                return
            evaluation = await self._evaluate(iteration, since)
            if evaluation is None:
                return
            result, end_id = evaluation
            if result == "needs_revision":
                iteration += 1
                since = end_id
                await self._record("running", iteration)
                step = _Step([], continuing=True, resume=False)
                continue
            if result == "max_iterations_reached":
                # One last turn acknowledges the feedback; no evaluation follows.
                await self._work(_Step([], continuing=True, resume=False), hold=False)
                return
            await self._append([idle()], status=Status.IDLE, turn="end")
            return

    async def _work(self, step: _Step, *, hold: bool = True) -> bool:
        """One turn of the agent; False when it did not end normally (the turn
        then ended the session's activity itself). A turn that waits for the
        client leaves the outcome `running`: it goes on after the answer."""
        turn = Turn(
            self._ctx,
            self._session,
            step.trigger_ids,
            hold_idle=hold,
            continuing=step.continuing,
            resume=step.resume,
        )
        turn.stopping = self._stopping
        self._turn = turn
        try:
            await turn.run()
        except asyncio.CancelledError:
            if hold and self._stopping:
                await uncancelled_quiet(self._record("failed", None, SERVER_STOPPED))
            elif hold:
                await uncancelled_quiet(self._interrupted(None))
            raise
        finally:
            self._turn = None
        if turn.ended == "requires_action":
            return False
        if turn.ended != "end_turn":
            if hold:
                await self._record(
                    "failed",
                    None,
                    "The agent's turn stopped before its work could be evaluated "
                    f"({turn.ended or 'error'}); the outcome ended.",
                )
            return False
        return True

    async def _evaluate(self, iteration: int, since: str) -> tuple[str, str] | None:
        oid = self._outcome.outcome_id
        start = new_event(
            span_outcome_evaluation_start=event_pb2.SpanOutcomeEvaluationStartEvent(
                iteration=iteration, outcome_id=oid
            )
        )
        await self._append([start, self._ongoing(iteration)])
        await self._record("evaluating", iteration)
        work = agent_work(await self._log.history(self._sid), since)
        beat = asyncio.create_task(self._beat(iteration), name=f"outcome heartbeat {self._sid}")
        try:
            grading = Grading(
                description=self._outcome.description,
                rubric=await self._rubric_text(),
                work=work,
                model=self._session.agent.model.id,
                iteration=iteration,
            )
            verdict = await self._grader.grade(grading)
        except asyncio.CancelledError:
            if self._stopping:
                end = self._end(start.id, iteration, "failed", SERVER_STOPPED, Usage())
                await uncancelled_quiet(self._record("failed", None, SERVER_STOPPED))
                await uncancelled_quiet(
                    self._append([end, *ended_by_stop()], status=Status.IDLE, turn="end")
                )
            else:
                await uncancelled_quiet(self._interrupted((start.id, iteration)))
            raise
        except RubricUnavailable as e:
            verdict = Evaluation("failed", str(e))
        except Exception as e:  # a grader that cannot answer ends the outcome
            verdict = Evaluation("failed", f"The grader could not evaluate the work: {e}")
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        result: str = verdict.result
        if result == "needs_revision" and iteration + 1 >= self._max:
            result = "max_iterations_reached"
        end = self._end(start.id, iteration, result, verdict.explanation, verdict.usage)
        await self._append([end])
        terminal = result != "needs_revision"
        await self._record(result, iteration, verdict.explanation, done=terminal)
        if result == "failed":
            await self._append([idle()], status=Status.IDLE, turn="end")
            return None
        return result, end.id

    async def _rubric_text(self) -> str:
        """The rubric: inline text, or the file's text (read once per run)."""
        rubric = self._outcome.rubric
        if rubric.WhichOneof("type") != "file":
            return rubric.text.content
        if self._rubric is None:
            file_id = rubric.file.file_id
            if self._rubrics is None:
                raise RubricUnavailable(f"The rubric file {file_id!r} cannot be read here.")
            try:
                self._rubric = await self._rubrics(self._sid, file_id)
            except errors.SessiondError as e:
                raise RubricUnavailable(
                    f"The rubric file {file_id!r} could not be read: {e.message}"
                ) from None
        return self._rubric

    async def _beat(self, iteration: int) -> None:
        while True:
            await self._ctx.sleep(self._heartbeat)
            await self._append([self._ongoing(iteration)])

    def _ongoing(self, iteration: int) -> NewEvent:
        return new_event(
            span_outcome_evaluation_ongoing=event_pb2.SpanOutcomeEvaluationOngoingEvent(
                iteration=iteration, outcome_id=self._outcome.outcome_id
            )
        )

    def _end(
        self, start_id: str, iteration: int, result: str, explanation: str, usage: Usage
    ) -> NewEvent:
        return new_event(
            span_outcome_evaluation_end=event_pb2.SpanOutcomeEvaluationEndEvent(
                explanation=explanation,
                iteration=iteration,
                outcome_evaluation_start_id=start_id,
                outcome_id=self._outcome.outcome_id,
                result=result,
                usage=common_pb2.ModelUsage(
                    input_tokens=usage.input_tokens,
                    output_tokens=usage.output_tokens,
                    cache_creation_input_tokens=usage.cache_creation_input_tokens,
                    cache_read_input_tokens=usage.cache_read_input_tokens,
                    speed=common_pb2.SPEED_STANDARD,
                ),
            )
        )

    async def _interrupted(self, span: tuple[str, int] | None) -> None:
        """An interrupt ends the outcome: an open evaluation ends `interrupted`."""
        why = "The user interrupted the session; the outcome ended."
        new: list[NewEvent] = []
        if span is not None:
            new.append(self._end(span[0], span[1], "interrupted", why, Usage()))
        # The session's state first: a client that sees the idle reads it settled.
        await self._record("interrupted", None, why)
        await self._append([*new, idle()], status=Status.IDLE, turn="end")

    async def _append(self, new: list[NewEvent], **changes: Any) -> None:
        await self._log.append(self._sid, new, owner=self._ctx.owner, **changes)

    async def _record(
        self,
        result: str,
        iteration: int | None,
        explanation: str | None = None,
        *,
        done: bool = False,
    ) -> None:
        await record_outcome(
            self._store, self._sid, self._outcome, result, iteration, explanation, done=done
        )


async def record_outcome(
    store: TurnStore,
    session_id: str,
    outcome: event_pb2.UserDefineOutcomeEvent,
    result: str,
    iteration: int | None,
    explanation: str | None = None,
    *,
    done: bool = False,
) -> None:
    """The session's `outcome_evaluations` entry of this outcome."""
    terminal = done or result in ("failed", "interrupted")
    at = now_us()

    def patch(s: session_pb2.Session) -> None:
        entry = next((e for e in s.outcome_evaluations if e.outcome_id == outcome.outcome_id), None)
        if entry is None:
            entry = s.outcome_evaluations.add(
                outcome_id=outcome.outcome_id, description=outcome.description
            )
        entry.result = result
        if iteration is not None:
            entry.iteration = iteration
        if explanation is not None:
            entry.explanation = explanation
        if terminal:
            entry.completed_at.CopyFrom(to_timestamp(at))

    await store.update_session(session_id, patch, at, ws=None)


async def uncancelled_quiet(work: Any) -> None:
    """Finishes ``work`` even if cancelled meanwhile; a lost lease writes nothing."""
    task = asyncio.ensure_future(work)
    while not task.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)
    with contextlib.suppress(LeaseLost):
        task.result()


def agent_work(events: Sequence[event_pb2.SessionEvent], since: str) -> str:
    """The text of the agent's messages after the event ``since``."""
    out: list[str] = []
    seen = False
    for ev in events:
        if ev.id == since:
            seen = True
            continue
        if seen and ev.HasField("agent_message"):
            out.append(block_text(list(ev.agent_message.content)))
    return "\n\n".join(out)


def open_evaluation(events: Sequence[event_pb2.SessionEvent]) -> event_pb2.SessionEvent | None:
    """The newest `span.outcome_evaluation_start` with no end, if any."""
    ended = {
        e.span_outcome_evaluation_end.outcome_evaluation_start_id
        for e in events
        if e.HasField("span_outcome_evaluation_end")
    }
    for ev in reversed(events):
        if ev.HasField("span_outcome_evaluation_start"):
            return None if ev.id in ended else ev
    return None


def orphan_outcome_events(events: Sequence[event_pb2.SessionEvent]) -> list[NewEvent]:
    """What closes an evaluation a stopped replica left open: its end, `failed`."""
    start = open_evaluation(events)
    if start is None:
        return []
    s = start.span_outcome_evaluation_start
    end = event_pb2.SpanOutcomeEvaluationEndEvent(
        explanation=SERVER_STOPPED,
        iteration=s.iteration,
        outcome_evaluation_start_id=start.id,
        outcome_id=s.outcome_id,
        result="failed",
        usage=common_pb2.ModelUsage(speed=common_pb2.SPEED_STANDARD),
    )
    return [new_event(span_outcome_evaluation_end=end)]


async def end_open_outcomes(store: TurnStore, session_id: str) -> None:
    """Every outcome of the session still under way ends `failed` (its runner is gone)."""
    at = now_us()

    def patch(s: session_pb2.Session) -> None:
        for entry in s.outcome_evaluations:
            if not entry.HasField("completed_at"):
                entry.result = "failed"
                entry.explanation = SERVER_STOPPED
                entry.completed_at.CopyFrom(to_timestamp(at))

    await store.update_session(session_id, patch, at, ws=None)
