"""Session threads: a coordinator delegates to the agents of its roster.

Docs "Multiagent orchestration" (platform.claude.com/docs/en/managed-agents/multiagent):
each roster agent runs in a session thread of its own, a context-isolated event
stream with its own conversation, sharing the session's sandbox and workspace.
The primary thread is the session's own event stream; it shows each thread's
creation, status changes and messages, and the tool uses of a thread that wait
for the client (cross-posted with ``session_thread_id``), which the client
answers by sending to the session.

A thread's turn runs inside the coordinator's turn (the delegate tool call
waits for the reply), so the session's turn lease covers it and an interrupt
of the session cancels it too. The thread's turn is the ordinary
:class:`Turn` over a :class:`ThreadSink`: the thread's own events go to its
own sequence (``thread_events``), and its status changes are cross-posted.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from typing import Any, Protocol

from sessiond.core import errors, ids
from sessiond.core.eventtypes import TYPE_BY_FIELD
from sessiond.core.fanout import Broker
from sessiond.core.runtime import conversation
from sessiond.core.runtime.ports import EventSink
from sessiond.core.sessionstate import Status, TurnMark, pending_actions
from sessiond.core.store.store import NewEvent, UsageDelta
from sessiond.core.store.threads import ThreadRow
from sessiond.v1 import agent_pb2, common_pb2, event_pb2, session_pb2

# Docs "Multiagent orchestration": threads of one session that may run at once.
MAX_ACTIVE_THREADS = 25
_THREAD_AGENT_FIELDS = (
    "id",
    "version",
    "name",
    "description",
    "system",
    "model",
    "tools",
    "mcp_servers",
    "skills",
    "execution_identity",
)
# Waiting tool uses of a thread are cross-posted to the primary thread.
_CROSS_POSTED = ("agent_tool_use", "agent_custom_tool_use", "agent_mcp_tool_use")


class ThreadRows(Protocol):
    """What threads need of the store."""

    async def create_thread(
        self,
        thread_id: str,
        session_id: str,
        agent_name: str,
        agent: agent_pb2.SessionThreadAgent,
        parent_thread_id: str | None,
        *,
        ws: str,
    ) -> ThreadRow: ...

    async def threads_of(self, session_id: str) -> list[ThreadRow]: ...

    async def workspace_of(self, session_id: str) -> str: ...

    async def append_thread(
        self,
        thread_id: str,
        new: Sequence[NewEvent],
        *,
        status: str | None = None,
        usage: UsageDelta | None = None,
        turn: str | None = None,
        mark_processed: Sequence[str] = (),
    ) -> list[event_pb2.SessionEvent]: ...

    async def thread_events_after(
        self, thread_id: str, seq: int, limit: int
    ) -> list[event_pb2.SessionEvent]: ...


def _event(**payload: Any) -> NewEvent:
    ((field, value),) = payload.items()
    return NewEvent(ids.new_id(ids.EVENT), TYPE_BY_FIELD[field], event_pb2.SessionEvent(**payload))


def _text(text: str) -> list[common_pb2.ContentBlock]:
    return [common_pb2.ContentBlock(text=common_pb2.TextBlock(text=text or "(no reply)"))]


class ThreadSink:
    """The event sink of one thread's turn: its events go to the thread's own
    sequence; status changes and waiting tool uses are cross-posted to the
    primary thread (the session's log)."""

    def __init__(
        self,
        rows: ThreadRows,
        broker: Broker,
        primary: EventSink,
        session_id: str,
        thread_id: str,
        agent_name: str,
        owner: str | None,
    ) -> None:
        self._rows = rows
        self._broker = broker
        self._primary = primary
        self._sid = session_id
        self._tid = thread_id
        self._name = agent_name
        self._owner = owner
        self._last: asyncio.Future[list[event_pb2.SessionEvent]] | None = None

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
    ) -> asyncio.Future[list[event_pb2.SessionEvent]]:
        before = self._last
        task = asyncio.ensure_future(
            self._write(before, list(new), status, usage, turn, tuple(mark_processed))
        )
        self._last = task
        return task

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
    ) -> list[event_pb2.SessionEvent]:
        future = self.submit(
            session_id, new, status=status, usage=usage, turn=turn, mark_processed=mark_processed
        )
        return await asyncio.shield(future)

    async def _write(
        self,
        before: asyncio.Future[list[event_pb2.SessionEvent]] | None,
        new: list[NewEvent],
        status: Status | None,
        usage: UsageDelta | None,
        turn: TurnMark | None,
        mark_processed: tuple[str, ...],
    ) -> list[event_pb2.SessionEvent]:
        if before is not None:
            await asyncio.gather(before, return_exceptions=True)
        stored = await self._rows.append_thread(
            self._tid,
            new,
            status=None if status is None else str(status),
            usage=usage,
            turn=turn,
            mark_processed=mark_processed,
        )
        self._broker.publish(self._tid, stored)
        posts = [p for p in (self._cross_post(ev) for ev in stored) if p is not None]
        if posts:
            await self._primary.append(self._sid, posts, owner=self._owner)
        return stored

    def _cross_post(self, ev: event_pb2.SessionEvent) -> NewEvent | None:
        kind = ev.WhichOneof("payload")
        name, tid = self._name, self._tid
        if kind == "session_status_running":
            return _event(
                session_thread_status_running=event_pb2.SessionThreadStatusRunningEvent(
                    agent_name=name, session_thread_id=tid
                )
            )
        if kind == "session_status_idle":
            idle = event_pb2.SessionThreadStatusIdleEvent(
                agent_name=name,
                session_thread_id=tid,
                stop_reason=ev.session_status_idle.stop_reason,
            )
            return _event(session_thread_status_idle=idle)
        if kind == "session_status_terminated":
            return _event(
                session_thread_status_terminated=event_pb2.SessionThreadStatusTerminatedEvent(
                    agent_name=name, session_thread_id=tid
                )
            )
        return None

    async def history(self, session_id: str) -> list[event_pb2.SessionEvent]:
        if self._last is not None:
            await asyncio.gather(self._last, return_exceptions=True)
        return await self._rows.thread_events_after(self._tid, 0, 1 << 62)

    def preview(
        self, session_id: str, event_type: str, item: event_pb2.StreamEventsResponse
    ) -> None:
        self._broker.publish_preview(self._tid, event_type, item)


@dataclasses.dataclass
class Delegation:
    """One delegate call of a coordinator: the thread it goes to."""

    thread: ThreadRow
    agent_name: str
    message: str
    primary_id: str


class Threads:
    """Creates a session's threads and runs their turns (for the coordinator's turn)."""

    def __init__(self, rows: ThreadRows, broker: Broker) -> None:
        self._rows = rows
        self._broker = broker
        # Each thread's conversation memo (rebuilt from its events when dropped).
        self._conversations: dict[str, conversation.Conversations] = {}

    async def prepare(
        self, session: session_pb2.Session, args: dict[str, Any]
    ) -> tuple[Delegation, list[NewEvent]] | str:
        """The thread a delegate call goes to (made on first use, with its
        ``session.thread_created`` event), or why the call cannot be made."""
        name = args.get("agent")
        message = args.get("message")
        if not isinstance(name, str) or not isinstance(message, str) or not message.strip():
            return 'The delegate tool needs "agent" (a roster agent\'s name) and "message".'
        roster = {a.name: a for a in session.agent.multiagent.coordinator.agents}
        agent = roster.get(name)
        if agent is None:
            known = ", ".join(sorted(roster)) or "none"
            return f"No agent named {name!r} in this coordinator's roster (roster: {known})."
        threads = await self._rows.threads_of(session.id)
        primary = next((t for t in threads if not t.thread.HasField("parent_thread_id")), None)
        ws = await self._rows.workspace_of(session.id)
        if primary is None:
            primary = await self._rows.create_thread(
                ids.new_id(ids.THREAD),
                session.id,
                session.agent.name,
                thread_agent(session.agent),
                None,
                ws=ws,
            )
        primary_id = primary.thread.id
        children = [t for t in threads if t.thread.HasField("parent_thread_id")]
        for row in children:
            if row.agent_name == name and not row.thread.HasField("archived_at"):
                return Delegation(row, name, message, primary_id), []
        active = [t for t in children if not t.thread.HasField("archived_at")]
        if len(active) >= MAX_ACTIVE_THREADS:
            return (
                f"This session already has {MAX_ACTIVE_THREADS} threads; archive one "
                "before delegating to another agent."
            )
        row = await self._rows.create_thread(
            ids.new_id(ids.THREAD), session.id, name, agent, primary_id, ws=ws
        )
        created = _event(
            session_thread_created=event_pb2.SessionThreadCreatedEvent(
                agent_name=name, session_thread_id=row.thread.id
            )
        )
        return Delegation(row, name, message, primary_id), [created]

    async def delegation_of(self, session_id: str, thread_id: str) -> Delegation | None:
        """A thread's delegation (to resume it once the client answered it)."""
        threads = await self._rows.threads_of(session_id)
        primary = next((t for t in threads if not t.thread.HasField("parent_thread_id")), None)
        for row in threads:
            if row.thread.id == thread_id and primary is not None:
                return Delegation(row, row.agent_name, "", primary.thread.id)
        return None

    def sink(
        self, primary: EventSink, session_id: str, row: ThreadRow, owner: str | None
    ) -> ThreadSink:
        return ThreadSink(
            self._rows, self._broker, primary, session_id, row.thread.id, row.agent_name, owner
        )

    def conversations(self, thread_id: str) -> conversation.Conversations:
        memo = self._conversations.get(thread_id)
        if memo is None:
            memo = self._conversations[thread_id] = conversation.Conversations(1 << 20)
        return memo

    async def waiting(self, thread_id: str) -> list[event_pb2.SessionEvent]:
        """The thread's tool uses that wait for the client."""
        events = await self._rows.thread_events_after(thread_id, 0, 1 << 62)
        open_ids = set(pending_actions(events))
        return [e for e in events if e.id in open_ids]

    async def reply(self, thread_id: str) -> str:
        """The thread's newest agent message (its reply to the coordinator)."""
        events = await self._rows.thread_events_after(thread_id, 0, 1 << 62)
        for ev in reversed(events):
            if ev.HasField("agent_message"):
                return conversation.block_text(list(ev.agent_message.content))
            if ev.HasField("agent_thread_message_received"):
                break
        return ""

    def forget(self, thread_ids: Sequence[str]) -> None:
        for tid in thread_ids:
            self._conversations.pop(tid, None)


def thread_agent(agent: agent_pb2.SessionAgent) -> agent_pb2.SessionThreadAgent:
    out = agent_pb2.SessionThreadAgent()
    for name in _THREAD_AGENT_FIELDS:
        field = agent.DESCRIPTOR.fields_by_name[name]
        value = getattr(agent, name)
        if field.is_repeated:
            getattr(out, name).extend(value)
        elif field.message_type is not None:
            if agent.HasField(name):
                getattr(out, name).CopyFrom(value)
        elif field.has_presence:
            if agent.HasField(name):
                setattr(out, name, value)
        else:
            setattr(out, name, value)
    return out


def thread_session(session: session_pb2.Session, row: ThreadRow) -> session_pb2.Session:
    """The session as a thread's turn sees it: the same session (sandbox,
    workspace, vaults) running the thread's agent."""
    out = session_pb2.Session()
    out.CopyFrom(session)
    out.agent.Clear()
    for name in _THREAD_AGENT_FIELDS:
        field = row.thread.agent.DESCRIPTOR.fields_by_name[name]
        value = getattr(row.thread.agent, name)
        if field.is_repeated:
            getattr(out.agent, name).extend(value)
        elif field.message_type is not None:
            if row.thread.agent.HasField(name):
                getattr(out.agent, name).CopyFrom(value)
        elif field.has_presence:
            if row.thread.agent.HasField(name):
                setattr(out.agent, name, value)
        else:
            setattr(out.agent, name, value)
    return out


def sent(delegation: Delegation) -> NewEvent:
    """On the primary thread: the coordinator's message to the thread."""
    return _event(
        agent_thread_message_sent=event_pb2.AgentThreadMessageSentEvent(
            content=_text(delegation.message),
            to_session_thread_id=delegation.thread.thread.id,
            to_agent_name=delegation.agent_name,
        )
    )


def received_by_thread(delegation: Delegation) -> NewEvent:
    """On the thread: the coordinator's message arriving (it starts the thread's
    turn, which marks it processed)."""
    ev = _event(
        agent_thread_message_received=event_pb2.AgentThreadMessageReceivedEvent(
            content=_text(delegation.message), from_session_thread_id=delegation.primary_id
        )
    )
    return NewEvent(ev.id, ev.type, ev.payload, processed=False)


def reply_events(delegation: Delegation, text: str) -> tuple[NewEvent, NewEvent]:
    """The thread's reply: sent on the thread, received on the primary thread."""
    on_thread = _event(
        agent_thread_message_sent=event_pb2.AgentThreadMessageSentEvent(
            content=_text(text), to_session_thread_id=delegation.primary_id
        )
    )
    on_primary = _event(
        agent_thread_message_received=event_pb2.AgentThreadMessageReceivedEvent(
            content=_text(text),
            from_session_thread_id=delegation.thread.thread.id,
            from_agent_name=delegation.agent_name,
        )
    )
    return on_thread, on_primary


def cross_posts(waiting: Sequence[event_pb2.SessionEvent], thread_id: str) -> list[NewEvent]:
    """A thread's waiting tool uses, surfaced on the primary thread with the
    same ids (the client answers them by sending to the session)."""
    out = []
    for ev in waiting:
        kind = ev.WhichOneof("payload")
        if kind not in _CROSS_POSTED:
            continue
        copy = event_pb2.SessionEvent()
        getattr(copy, kind).CopyFrom(getattr(ev, kind))
        getattr(copy, kind).session_thread_id = thread_id
        out.append(NewEvent(ev.id, TYPE_BY_FIELD[kind], copy))
    return out


def not_found(session_id: str, thread_id: str) -> errors.NotFound:
    return errors.NotFound(f"Session {session_id!r} has no thread {thread_id!r}.")
