"""The turn loop: model requests and tool calls until the model ends its turn
or waits for the client.

Every step is persisted as an event through the event log; the model is seen
only through :class:`core.runtime.model.Model`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from google.protobuf import empty_pb2, struct_pb2
from sessiond.core import ids, telemetry
from sessiond.core.eventtypes import TYPE_BY_FIELD
from sessiond.core.runtime import conversation
from sessiond.core.runtime.mcp import AUTHENTICATION_FAILED, McpError, McpToolbox
from sessiond.core.runtime.model import (
    Finish,
    Model,
    ModelError,
    ModelRequest,
    TextDelta,
    TextDone,
    ThinkingDone,
    ThinkingStart,
    ToolCall,
    Usage,
)
from sessiond.core.runtime.ports import EventSink, RemoteTools
from sessiond.core.runtime.threads import (
    Delegation,
    Threads,
    cross_posts,
    received_by_thread,
    reply_events,
    sent,
    thread_session,
)
from sessiond.core.runtime.toolplan import CUSTOM, DELEGATE, MCP, ToolPlan
from sessiond.core.sessionstate import (
    Status,
    answer_target,
    pending_actions,
    queued_answers,
    remote_calls,
)
from sessiond.core.store.store import LeaseLost, NewEvent, UsageDelta
from sessiond.v1 import common_pb2, event_pb2, session_pb2

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

# The stop reasons of `session.status_idle` (the SDK's StopReason union).
StopReason = Literal[
    "end_turn", "requires_action", "retries_exhausted", "budget_reached", "refusal"
]
# The retry statuses of a `session.error`.
RetryStatus = Literal["retrying", "exhausted", "terminal"]

SERVER_STOPPED = (
    "The server stopped while this turn was running; the turn was ended. "
    "Send a new message to continue."
)


class ToolRunner(Protocol):
    """The built-in tools of one session's workspace."""

    async def run(self, name: str, input: dict[str, Any]) -> Any: ...


@dataclass
class RetryPolicy:
    max_retries: int = 5
    base_seconds: float = 1.0
    max_seconds: float = 30.0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_seconds, self.base_seconds * (2 ** (attempt - 1))))


@dataclass
class TurnContext:
    log: EventSink
    model: Model
    builtin_schemas: dict[str, dict[str, Any]]
    tools: Callable[[str], Awaitable[ToolRunner]]
    sleep: Sleep = asyncio.sleep
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # This replica's name in turn leases (None: appends are not fenced).
    owner: str | None = None
    conversations: conversation.Conversations = field(default_factory=conversation.Conversations)
    # Issue 12: what the system prompt adds for a session's mounts (memory, skills).
    system_notes: Callable[[str], Awaitable[str]] | None = None
    # Self-hosted environments: their toolset calls wait for a worker (None: none exist).
    remote: RemoteTools | None = None
    # MCP toolsets, reached from this process (None: every MCP call is an error).
    mcp: McpToolbox | None = None
    # Session threads of coordinators (None: a turn of a thread, which delegates to nobody).
    threads: Threads | None = None


def new_event(**payload: Any) -> NewEvent:
    """An agent/session event: ``new_event(agent_message=...)``."""
    ((field, value),) = payload.items()
    ev = event_pb2.SessionEvent(**{field: value})
    return NewEvent(ids.new_id(ids.EVENT), TYPE_BY_FIELD[field], ev)


def idle(stop: StopReason = "end_turn", event_ids: Sequence[str] = ()) -> NewEvent:
    if stop == "requires_action":
        reason = event_pb2.StopReason(
            requires_action=event_pb2.RequiresAction(event_ids=list(event_ids))
        )
    else:
        reason = event_pb2.StopReason(**{stop: empty_pb2.Empty()})
    return new_event(session_status_idle=event_pb2.SessionStatusIdleEvent(stop_reason=reason))


def session_error(kind: str, message: str, retry: RetryStatus) -> NewEvent:
    detail = event_pb2.ErrorDetail(
        message=message, retry_status=event_pb2.RetryStatus(**{retry: empty_pb2.Empty()})
    )
    return new_event(
        session_error=event_pb2.SessionErrorEvent(error=event_pb2.SessionError(**{kind: detail}))
    )


def text_content(text: str) -> list[common_pb2.ContentBlock]:
    return [common_pb2.ContentBlock(text=common_pb2.TextBlock(text=text))]


def model_request_end(
    start_id: str, usage: Usage | None = None, *, is_error: bool = False
) -> NewEvent:
    """Closes the span a `span.model_request_start` opened."""
    u = usage or Usage()
    end = event_pb2.SpanModelRequestEndEvent(
        model_request_start_id=start_id,
        model_usage=common_pb2.ModelUsage(
            input_tokens=u.input_tokens,
            output_tokens=u.output_tokens,
            cache_creation_input_tokens=u.cache_creation_input_tokens,
            cache_read_input_tokens=u.cache_read_input_tokens,
            speed=common_pb2.SPEED_STANDARD,
        ),
        is_error=is_error,
    )
    return new_event(span_model_request_end=end)


def ended_by_stop() -> list[NewEvent]:
    """How a turn the server stopped under ends: a `session.error` saying so,
    then idle. None of the SDK's other stop reasons (requires_action,
    retries_exhausted, budget_reached, refusal) describes it, so the reason is
    end_turn and the error before it tells the client the turn did not finish."""
    return [session_error("unknown_error", SERVER_STOPPED, "terminal"), idle()]


async def uncancelled(work: Awaitable[None]) -> None:
    """Awaits ``work`` to the end even if the caller is cancelled meanwhile
    (cleanup that must finish before the runner gives up its lease)."""
    task = asyncio.ensure_future(work)
    while not task.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)
    task.result()


class Turn:
    """One turn of one session: started by a user message, or resumed by the
    client's answers to tool uses that waited for it."""

    def __init__(
        self,
        ctx: TurnContext,
        session: session_pb2.Session,
        trigger_ids: list[str],
        *,
        resume: bool = False,
        hold_idle: bool = False,
        continuing: bool = False,
        remote: bool | None = None,
    ) -> None:
        self._ctx = ctx
        self._log = ctx.log
        self._session = session
        self._sid = session.id
        self._trigger_ids = trigger_ids
        self._resume = resume
        self._plan = ToolPlan(session.agent, ctx.builtin_schemas)
        self._inflight: list[asyncio.Future[Any]] = []
        # Set when the server stops: a cancellation then ends the turn with an error.
        self.stopping = False
        # A self-hosted session: its toolset calls wait for a worker's results
        # (``remote``: already known by the caller; else asked at the start).
        self._remote = False
        self._remote_known = remote
        # Outcomes: a turn that ends normally (or is interrupted) leaves the
        # session running for the grader (``hold_idle``); a turn that goes on
        # from an earlier one of the same run does not open a new one
        # (``continuing``). ``ended`` is how the turn stopped.
        self._hold_idle = hold_idle
        self._continuing = continuing
        self.ended = ""
        # Delegate calls of a coordinator: the thread each goes to, or why it cannot.
        self._delegations: dict[str, Delegation | str] = {}

    async def run(self) -> None:
        agent = self._session.agent
        with telemetry.turn_span(self._sid, agent.name, agent.id, agent.model.id):
            await self._run()

    async def _run(self) -> None:
        if self._ctx.remote is not None:
            known = self._remote_known
            self._remote = (
                known if known is not None else await self._ctx.remote.is_remote(self._session)
            )
        if self._continuing:
            await self._append([], mark_processed=self._trigger_ids, wait=False)
        else:
            await self._append(
                [new_event(session_status_running=event_pb2.SessionStatusRunningEvent())],
                status=Status.RUNNING,
                turn="start",
                mark_processed=self._trigger_ids,
                wait=False,
            )
        try:
            await self._list_mcp_tools()
            if self._resume:
                waiting = await self._apply_answers()
                if waiting:
                    await self._finish(idle("requires_action", waiting))
                    return
            while True:
                calls = await self._request_with_retries()
                if calls is None:
                    return
                if not calls:
                    break
                waiting = await self._handle_calls(calls)
                if waiting:
                    await self._finish(idle("requires_action", waiting))
                    return
            if self._hold_idle:
                self.ended = "end_turn"
                await self._flush()
                return
            await self._finish(idle())
        except asyncio.CancelledError:
            # A replica that lost the lease writes nothing: the new owner ends the turn.
            last = ended_by_stop() if self.stopping else [idle()]
            with contextlib.suppress(LeaseLost):
                if self._hold_idle and not self.stopping:
                    await uncancelled(self._flush())
                else:
                    await uncancelled(self._finish(last[-1], *last[:-1]))
            raise
        except LeaseLost:
            raise
        except Exception:
            log.exception("turn of %s failed", self._sid)
            await self._append(
                [
                    session_error("unknown_error", "The turn failed unexpectedly.", "terminal"),
                    new_event(session_status_terminated=event_pb2.SessionStatusTerminatedEvent()),
                ],
                status=Status.TERMINATED,
                turn="end",
            )

    async def _finish(self, last: NewEvent, *before: NewEvent) -> None:
        stop = last.payload.session_status_idle.stop_reason.WhichOneof("type")
        # An idle after an error is not a normal end, whatever its stop reason.
        self.ended = "error" if before else (stop or "stopped")
        await self._append([*before, last], status=Status.IDLE, turn="end")

    async def _append(self, new: list[NewEvent], *, wait: bool = True, **changes: Any) -> None:
        """Appends while this replica holds the session's lease (else LeaseLost).

        With ``wait=False`` the append is pipelined: the turn goes on while it
        commits (in order, possibly in one transaction with the next ones).
        The next waiting append, or a read of the store, waits for it first.
        """
        future = self._log.submit(self._sid, new, owner=self._ctx.owner, **changes)
        self._inflight.append(future)
        if wait:
            await self._flush()

    async def _flush(self) -> None:
        """Waits until every append of this turn is committed; raises the first failure."""
        inflight, self._inflight = self._inflight, []
        for future in inflight:
            await asyncio.shield(future)

    # -------------------------------------------------------------- model calls

    async def _request_with_retries(self) -> list[tuple[str, ToolCall]] | None:
        """The calls the model asked for (empty: it ended its turn), or None
        when the turn ended on an error."""
        attempt = 0
        retry = self._ctx.retry
        while True:
            try:
                return await self._model_request()
            except ModelError as e:
                if e.transient and attempt < retry.max_retries:
                    attempt += 1
                    await self._append(
                        [
                            session_error(e.kind, e.message, "retrying"),
                            new_event(
                                session_status_rescheduled=event_pb2.SessionStatusRescheduledEvent()
                            ),
                        ],
                        status=Status.RESCHEDULING,
                    )
                    await self._ctx.sleep(retry.delay(attempt))
                    await self._append(
                        [new_event(session_status_running=event_pb2.SessionStatusRunningEvent())],
                        status=Status.RUNNING,
                    )
                    continue
                if e.transient:
                    await self._finish(
                        idle("retries_exhausted"), session_error(e.kind, e.message, "exhausted")
                    )
                else:
                    await self._finish(idle(), session_error(e.kind, e.message, "terminal"))
                return None

    async def _model_request(self) -> list[tuple[str, ToolCall]]:
        await self._flush()
        events = await self._log.history(self._sid)
        agent = self._session.agent
        system = agent.system if agent.HasField("system") else None
        if self._ctx.system_notes is not None:
            notes = (await self._ctx.system_notes(self._sid)).strip()
            if notes:
                system = f"{system}\n\n{notes}" if system else notes
        messages, words = self._ctx.conversations.build_counted(self._sid, events)
        request = ModelRequest(
            model=agent.model.id,
            system=system,
            messages=messages,
            message_words=words,
            tools=self._plan.specs(),
            turn_key=_turn_key(events, self._sid),
            effort=agent.model.effort.WhichOneof("type"),
            speed={1: "standard", 2: "fast"}.get(agent.model.speed),
            inference_geo=(
                agent.model.inference_geo if agent.model.HasField("inference_geo") else None
            ),
        )
        start = new_event(span_model_request_start=event_pb2.SpanModelRequestStartEvent())
        await self._append([start], wait=False)
        with telemetry.chat_span(request.model, self._sid) as span:
            calls, usage = await self._stream_reply(request, start.id)
            telemetry.record_usage(
                span,
                usage.input_tokens,
                usage.output_tokens,
                usage.cache_read_input_tokens,
                usage.cache_creation_input_tokens,
            )
        return await self._announce_calls(calls)

    async def _stream_reply(
        self, request: ModelRequest, start_id: str
    ) -> tuple[list[ToolCall], Usage]:
        usage = Usage()
        calls: list[ToolCall] = []
        preview_id = ""
        try:
            async for chunk in self._ctx.model.stream(request):
                if isinstance(chunk, TextDelta):
                    if not preview_id:
                        preview_id = ids.new_id(ids.EVENT)
                        self._preview_start(preview_id, "agent.message")
                    self._preview_delta(preview_id, chunk.text)
                elif isinstance(chunk, TextDone):
                    msg = event_pb2.AgentMessageEvent(content=text_content(chunk.text))
                    await self._emit(preview_id, event_pb2.SessionEvent(agent_message=msg))
                    preview_id = ""
                elif isinstance(chunk, ThinkingStart):
                    preview_id = ids.new_id(ids.EVENT)
                    self._preview_start(preview_id, "agent.thinking")
                elif isinstance(chunk, ThinkingDone):
                    thinking = event_pb2.AgentThinkingEvent()
                    await self._emit(preview_id, event_pb2.SessionEvent(agent_thinking=thinking))
                    preview_id = ""
                elif isinstance(chunk, ToolCall):
                    calls.append(chunk)
                elif isinstance(chunk, Finish):
                    usage = chunk.usage
        except asyncio.CancelledError:
            # An interrupt ends the request normally; a server stop does not.
            await self._end_span(start_id, usage, is_error=self.stopping)
            raise
        except ModelError:
            await self._end_span(start_id, usage, is_error=True)
            raise
        await self._end_span(start_id, usage, is_error=False)
        return calls, usage

    async def _emit(self, event_id: str, payload: event_pb2.SessionEvent) -> None:
        field = payload.WhichOneof("payload") or ""
        await self._append(
            [NewEvent(event_id or ids.new_id(ids.EVENT), TYPE_BY_FIELD[field], payload)],
            wait=False,
        )

    async def _end_span(self, start_id: str, usage: Usage, is_error: bool) -> None:
        await self._append(
            [model_request_end(start_id, usage, is_error=is_error)],
            usage=UsageDelta(
                usage.input_tokens,
                usage.output_tokens,
                usage.cache_creation_input_tokens,
                usage.cache_read_input_tokens,
            ),
            wait=False,
        )

    # --------------------------------------------------------------- tool calls

    async def _announce_calls(self, calls: list[ToolCall]) -> list[tuple[str, ToolCall]]:
        """Persists one tool-use event per call; returns (event id, call)."""
        out: list[tuple[str, ToolCall]] = []
        new: list[NewEvent] = []
        for call in calls:
            kind = self._plan.kind(call.name)
            args = struct_pb2.Struct()
            args.update(call.input)
            if kind is not None and kind.kind == DELEGATE and self._ctx.threads is not None:
                prep = await self._ctx.threads.prepare(self._session, call.input)
                if not isinstance(prep, str):
                    delegation, created = prep
                    new.extend(created)
                    ev = sent(delegation)
                    self._delegations[ev.id] = delegation
                    new.append(ev)
                    out.append((ev.id, call))
                    continue
                ev = new_event(
                    agent_tool_use=event_pb2.AgentToolUseEvent(
                        name=call.name, input=args, evaluated_permission=event_pb2.PERMISSION_DENY
                    )
                )
                self._delegations[ev.id] = prep
            elif kind is not None and kind.kind == CUSTOM:
                ev = new_event(
                    agent_custom_tool_use=event_pb2.AgentCustomToolUseEvent(
                        name=call.name, input=args
                    )
                )
            elif kind is not None and kind.kind == MCP:
                ev = new_event(
                    agent_mcp_tool_use=event_pb2.AgentMcpToolUseEvent(
                        name=call.name,
                        mcp_server_name=kind.mcp_server,
                        input=args,
                        evaluated_permission=_permission(kind.policy),
                        evaluation=_evaluation(kind.policy),
                    )
                )
            elif kind is None:
                # Not a tool this agent has (or one it has disabled): denied.
                ev = new_event(
                    agent_tool_use=event_pb2.AgentToolUseEvent(
                        name=call.name, input=args, evaluated_permission=event_pb2.PERMISSION_DENY
                    )
                )
            else:
                ev = new_event(
                    agent_tool_use=event_pb2.AgentToolUseEvent(
                        name=call.name,
                        input=args,
                        evaluated_permission=_permission(kind.policy),
                        evaluation=_evaluation(kind.policy),
                    )
                )
            new.append(ev)
            out.append((ev.id, call))
        if new:
            await self._append(new)
        return out

    async def _handle_calls(self, calls: list[tuple[str, ToolCall]]) -> list[str]:
        """Runs what may run now; returns the ids that wait for the client."""
        waiting: list[str] = []
        for event_id, call in calls:
            kind = self._plan.kind(call.name)
            telemetry.count_tool(
                "unknown" if kind is None else kind.kind,
                "asked" if kind is not None and kind.policy == "always_ask" else "called",
            )
            if kind is None:
                await self._tool_result(
                    event_id, f"Unknown tool {call.name!r}: this agent has no such tool.", True
                )
            elif kind.kind == DELEGATE:
                delegation = self._delegations.get(event_id)
                if isinstance(delegation, Delegation):
                    waiting += await self._delegate(delegation)
                else:
                    reason = delegation or "This agent cannot delegate."
                    await self._tool_result(event_id, reason, True)
            elif kind.kind == CUSTOM or kind.policy == "always_ask":
                waiting.append(event_id)
            elif self._remote and kind.kind != MCP:
                # Self-hosted: the worker runs it and sends user.tool_result.
                waiting.append(event_id)
            elif kind.kind == MCP:
                await self._run_mcp(event_id, kind.mcp_server, call.name, call.input)
            else:
                await self._run_builtin(event_id, call.name, call.input)
        if waiting:
            # Answers that arrived before this point are taken at once.
            waiting = await self._apply_answers()
        return waiting

    async def _apply_answers(self) -> list[str]:
        """Applies queued confirmations and custom results; returns what still waits."""
        await self._flush()
        events = await self._log.history(self._sid)
        remote = self._remote
        order = pending_actions(events, remote=remote)
        waiting = set(order)
        by_id = {e.id: e for e in events}
        routed: dict[str, list[event_pb2.SessionEvent]] = {}
        for ans in queued_answers(events):
            target = answer_target(ans)
            if target not in waiting:
                continue
            await self._append([], mark_processed=[ans.id])
            if ans.HasField("user_tool_result"):
                continue
            use_ev = by_id[target]
            thread_id = _thread_of(use_ev)
            if thread_id:
                # Answered through the primary thread: the thread that asked takes it.
                routed.setdefault(thread_id, []).append(ans)
                waiting.discard(target)
                continue
            if remote and use_ev.HasField("agent_tool_use"):
                # The worker runs it once allowed; its result is what resumes the turn.
                continue
            waiting.discard(target)
            if not ans.HasField("user_tool_confirmation"):
                continue
            if ans.user_tool_confirmation.result != event_pb2.TOOL_CONFIRMATION_RESULT_ALLOW:
                continue
            if use_ev.HasField("agent_mcp_tool_use"):
                m = use_ev.agent_mcp_tool_use
                await self._run_mcp(use_ev.id, m.mcp_server_name, m.name, _struct_dict(m.input))
            else:
                use = use_ev.agent_tool_use
                await self._run_builtin(use_ev.id, use.name, _struct_dict(use.input))
        if routed:
            for thread_id, answers in routed.items():
                await self._resume_thread(thread_id, answers)
            await self._flush()
            events = await self._log.history(self._sid)
            return pending_actions(events, remote=remote)
        if not remote:
            return [i for i in order if i in waiting]
        await self._flush()
        events = await self._log.history(self._sid)
        left = pending_actions(events, remote=True)
        if self._ctx.remote is not None and set(left) & set(remote_calls(events).open):
            await self._ctx.remote.need_worker(self._session)
        return left

    # ------------------------------------------------------------------ threads

    async def _delegate(self, d: Delegation, *, resume: bool = False) -> list[str]:
        """Runs the thread's turn on the delegated message; its reply comes back
        to this thread, or its tool uses that wait for the client are
        cross-posted here (returned: this turn then waits for them too)."""
        threads = self._ctx.threads
        assert threads is not None
        tid = d.thread.thread.id
        sink = threads.sink(self._log, self._sid, d.thread, self._ctx.owner)
        ctx = dataclasses.replace(
            self._ctx, log=sink, conversations=threads.conversations(tid), threads=None
        )
        trigger: list[str] = []
        if not resume:
            start = received_by_thread(d)
            await sink.append(self._sid, [start])
            trigger = [start.id]
        await self._flush()
        turn = Turn(ctx, thread_session(self._session, d.thread), trigger, resume=resume)
        await turn.run()
        if turn.ended == "requires_action":
            events = await self._log.history(self._sid)
            seen = {e.id for e in events}
            posts = [p for p in cross_posts(await threads.waiting(tid), tid) if p.id not in seen]
            if posts:
                await self._append(posts)
            return [p.id for p in posts]
        on_thread, on_primary = reply_events(d, await threads.reply(tid))
        await sink.append(self._sid, [on_thread])
        await self._append([on_primary])
        return []

    async def _resume_thread(
        self, thread_id: str, answers: list[event_pb2.SessionEvent]
    ) -> list[str]:
        threads = self._ctx.threads
        if threads is None:
            return []
        d = await threads.delegation_of(self._sid, thread_id)
        if d is None:
            return []
        sink = threads.sink(self._log, self._sid, d.thread, self._ctx.owner)
        copies = []
        for ans in answers:
            kind = ans.WhichOneof("payload") or ""
            copy = event_pb2.SessionEvent()
            getattr(copy, kind).CopyFrom(getattr(ans, kind))
            getattr(copy, kind).ClearField("session_thread_id")
            copies.append(NewEvent(ans.id, TYPE_BY_FIELD[kind], copy, processed=False))
        await sink.append(self._sid, copies)
        return await self._delegate(d, resume=True)

    async def _run_builtin(self, event_id: str, name: str, args: dict[str, Any]) -> None:
        with telemetry.tool_span(name, event_id, "builtin") as span:
            toolbox = await self._ctx.tools(self._sid)
            output = await toolbox.run(name, args)
            span.set_attribute("sessiond.tool.is_error", bool(output.is_error))
        telemetry.count_tool("builtin", "error" if output.is_error else "ok")
        await self._tool_result(event_id, str(output.text), bool(output.is_error))

    async def _tool_result(self, event_id: str, text: str, is_error: bool) -> None:
        result = event_pb2.AgentToolResultEvent(
            tool_use_id=event_id, content=text_content(text or "(no output)"), is_error=is_error
        )
        await self._append([new_event(agent_tool_result=result)], wait=False)

    async def _list_mcp_tools(self) -> None:
        """Lists the agent's MCP tools (once per session) so the model gets their
        schemas; a server that fails is reported as a session.error."""
        mcp = self._ctx.mcp
        if mcp is None or not self._session.agent.mcp_servers:
            return
        listing = await mcp.list_tools(self._session)
        self._plan = ToolPlan(self._session.agent, self._ctx.builtin_schemas, listing.tools)
        if listing.errors:
            await self._append([_mcp_error(e) for e in listing.errors], wait=False)

    async def _run_mcp(self, event_id: str, server: str, name: str, args: dict[str, Any]) -> None:
        mcp = self._ctx.mcp
        errors: list[NewEvent] = []
        if mcp is None:
            text, is_error = f"MCP server {server!r} cannot be reached from this server.", True
        else:
            try:
                text, is_error = await mcp.call(self._session, server, name, args)
            except McpError as e:
                text, is_error = e.message, True
                errors.append(_mcp_error(e))
        result = event_pb2.AgentMcpToolResultEvent(
            mcp_tool_use_id=event_id, content=text_content(text or "(no output)"), is_error=is_error
        )
        await self._append([*errors, new_event(agent_mcp_tool_result=result)], wait=False)

    # ----------------------------------------------------------------- previews

    def _preview_start(self, event_id: str, event_type: str) -> None:
        item = event_pb2.StreamEventsResponse(
            start=event_pb2.EventStart(event=event_pb2.EventPreview(id=event_id, type=event_type))
        )
        self._log.preview(self._sid, event_type, item)

    def _preview_delta(self, event_id: str, text: str) -> None:
        item = event_pb2.StreamEventsResponse(
            delta=event_pb2.EventDelta(
                event_id=event_id,
                delta=event_pb2.DeltaContent(content=event_pb2.DeltaText(text=text)),
            )
        )
        self._log.preview(self._sid, "agent.message", item)


def _thread_of(ev: event_pb2.SessionEvent) -> str:
    """The thread a cross-posted tool use came from ("" for this thread's own)."""
    kind = ev.WhichOneof("payload")
    if kind in ("agent_tool_use", "agent_custom_tool_use", "agent_mcp_tool_use"):
        use = getattr(ev, kind)
        if use.HasField("session_thread_id"):
            return str(use.session_thread_id)
    return ""


def _mcp_error(e: McpError) -> NewEvent:
    """Docs ("MCP connector"): a session.error naming the server. A refused
    credential will not pass on a retry; a server that could not be reached is
    tried again on the session's next turn."""
    retry = "terminal" if e.kind == AUTHENTICATION_FAILED else "retrying"
    detail = event_pb2.McpErrorDetail(
        message=e.message,
        retry_status=event_pb2.RetryStatus(**{retry: empty_pb2.Empty()}),
        mcp_server_name=e.server,
    )
    error = event_pb2.SessionError(**{e.kind: detail})
    return new_event(session_error=event_pb2.SessionErrorEvent(error=error))


def _turn_key(events: Sequence[event_pb2.SessionEvent], session_id: str) -> str:
    """The newest processed user message: a turn and its resumptions share it."""
    for ev in reversed(events):
        if ev.HasField("user_message") and ev.HasField("processed_at"):
            return ev.id
    return session_id


def _permission(policy: str) -> event_pb2.Permission:
    return event_pb2.PERMISSION_ASK if policy == "always_ask" else event_pb2.PERMISSION_ALLOW


def _evaluation(policy: str) -> event_pb2.ToolEvaluation:
    if policy == "always_ask":
        return event_pb2.ToolEvaluation(always_ask=empty_pb2.Empty())
    if policy == "auto":
        return event_pb2.ToolEvaluation(
            auto=event_pb2.AutoEvaluation(
                evaluated_permission=event_pb2.AutoEvaluatedPermission(allow=empty_pb2.Empty())
            )
        )
    return event_pb2.ToolEvaluation(always_allow=empty_pb2.Empty())


def _struct_dict(s: struct_pb2.Struct) -> dict[str, Any]:
    from google.protobuf import json_format

    return dict(json_format.MessageToDict(s))
