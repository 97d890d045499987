"""Session-state rules shared by the services and the runtime (pure: no I/O).

Which tool uses wait for the client, which tool use an event answers, and
the names a session's status and a turn's markers travel under.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from sessiond.v1 import environment_pb2, event_pb2, session_pb2


class Status(StrEnum):
    """A session's status, as the store records it and the API names it."""

    IDLE = "idle"
    RUNNING = "running"
    RESCHEDULING = "rescheduling"
    TERMINATED = "terminated"


# An append opens ("start") or closes ("end") a turn's active-time clock.
TurnMark = Literal["start", "end"]

STATUS_OF_PROTO: dict[int, Status] = {
    session_pb2.SESSION_STATUS_IDLE: Status.IDLE,
    session_pb2.SESSION_STATUS_RUNNING: Status.RUNNING,
    session_pb2.SESSION_STATUS_RESCHEDULING: Status.RESCHEDULING,
    session_pb2.SESSION_STATUS_TERMINATED: Status.TERMINATED,
}

# Tool uses that may wait for the client, and the answers that end the wait.
TOOL_USE_KINDS = ("agent_tool_use", "agent_mcp_tool_use", "agent_custom_tool_use")
ANSWER_KINDS = ("user_tool_confirmation", "user_custom_tool_result", "user_tool_result")
# What each answer may target.
ANSWERABLE: dict[str, tuple[str, ...]] = {
    "user_tool_confirmation": ("agent_tool_use", "agent_mcp_tool_use"),
    "user_custom_tool_result": ("agent_custom_tool_use",),
    # A self-hosted worker's result (CONTRACT §5).
    "user_tool_result": ("agent_tool_use",),
}


def in_turn(status: int) -> bool:
    """Whether a session with this status has a turn under way."""
    return status in (
        session_pb2.SESSION_STATUS_RUNNING,
        session_pb2.SESSION_STATUS_RESCHEDULING,
    )


def answer_target(ev: event_pb2.SessionEvent) -> str | None:
    """The id of the tool use an event answers (a confirmation, a custom
    tool result or a self-hosted worker's tool result), or None for any other event."""
    kind = ev.WhichOneof("payload")
    if kind == "user_tool_confirmation":
        return ev.user_tool_confirmation.tool_use_id
    if kind == "user_tool_result":
        return ev.user_tool_result.tool_use_id
    if kind == "user_custom_tool_result":
        return ev.user_custom_tool_result.custom_tool_use_id
    return None


def waits_for_client(ev: event_pb2.SessionEvent) -> bool:
    """A tool use that waits for a confirmation or a custom tool result."""
    kind = ev.WhichOneof("payload")
    if kind in ("agent_tool_use", "agent_mcp_tool_use"):
        use = getattr(ev, kind)
        return bool(use.evaluated_permission == event_pb2.PERMISSION_ASK)
    return kind == "agent_custom_tool_use"


def pending_actions(
    events: Sequence[event_pb2.SessionEvent], *, queued: bool = False, remote: bool = False
) -> list[str]:
    """Ids of tool uses that wait for the client, oldest first. With
    ``queued``, answers not yet processed count as answers too. With ``remote``
    (a self-hosted session) every open ``agent.tool_use`` waits too, for its
    worker's result."""
    waiting: list[str] = []
    answered: set[str] = set()
    remote_open = set(remote_calls(events, queued=queued).open) if remote else set()
    for ev in events:
        if remote and ev.HasField("agent_tool_use"):
            if ev.id in remote_open:
                waiting.append(ev.id)
            continue
        if waits_for_client(ev):
            waiting.append(ev.id)
            continue
        target = answer_target(ev)
        if target is not None and (queued or ev.HasField("processed_at")):
            answered.add(target)
    return [i for i in waiting if i in remote_open or i not in answered]


def queued_answers(events: Sequence[event_pb2.SessionEvent]) -> list[event_pb2.SessionEvent]:
    """Answers sent but not yet processed, oldest first."""
    return [e for e in events if not e.HasField("processed_at") and answer_target(e) is not None]


def check_answer(
    answer: event_pb2.SessionEvent, waiting: set[str], kinds: dict[str, str | None]
) -> str | None:
    """Why ``answer`` cannot be accepted (None: it can): it must target a
    waiting tool use of a kind it may answer. ``kinds`` maps the waiting
    ids to their payload kind."""
    kind = answer.WhichOneof("payload") or ""
    target = answer_target(answer)
    if target in waiting and kinds.get(target or "") in ANSWERABLE.get(kind, ()):
        return None
    what = (
        "a tool use that waits for confirmation"
        if kind == "user_tool_confirmation"
        else "a custom tool use that waits for its result"
    )
    return f"{target!r} is not {what}"


def open_model_request(events: Sequence[event_pb2.SessionEvent]) -> str | None:
    """The id of the newest `span.model_request_start` with no end, if any."""
    ended = {
        e.span_model_request_end.model_request_start_id
        for e in events
        if e.HasField("span_model_request_end")
    }
    for ev in reversed(events):
        if ev.HasField("span_model_request_start"):
            return None if ev.id in ended else ev.id
    return None


# ----------------------------------------------------------------- self-hosted
# Sessions whose toolset runs elsewhere (a ``self_hosted`` environment,
# CONTRACT §5): which ``agent.tool_use`` calls wait for a worker's
# ``user.tool_result``, and which of those still wait for their
# ``user.tool_confirmation`` first. The server never runs such a call itself; a
# call under ``always_ask`` waits for ``allow`` before a result is taken, and
# ``deny`` answers it.


def is_self_hosted(env: environment_pb2.Environment) -> bool:
    return env.config.WhichOneof("type") == "self_hosted"


@dataclass
class RemoteCalls:
    """Tool calls of a self-hosted session that are still open, oldest first."""

    # Every open call: each waits for its result (or first its confirmation).
    open: list[str] = field(default_factory=list)
    # The subset still waiting for ``user.tool_confirmation``.
    unconfirmed: set[str] = field(default_factory=set)

    def awaiting_result(self) -> list[str]:
        return [i for i in self.open if i not in self.unconfirmed]


def remote_calls(events: Sequence[event_pb2.SessionEvent], *, queued: bool = False) -> RemoteCalls:
    """Open ``agent.tool_use`` calls of a self-hosted session. With ``queued``,
    answers sent but not yet processed count too (what a new answer is checked
    against)."""
    out = RemoteCalls()
    closed: set[str] = set()
    for ev in events:
        kind = ev.WhichOneof("payload")
        if kind == "agent_tool_use":
            use = ev.agent_tool_use
            if use.evaluated_permission == event_pb2.PERMISSION_DENY:
                continue
            out.open.append(ev.id)
            if use.evaluated_permission == event_pb2.PERMISSION_ASK:
                out.unconfirmed.add(ev.id)
        elif kind == "user_message" and ev.HasField("processed_at"):
            # The user moved on: calls never answered are closed (as the conversation closes them).
            closed.update(out.open)
        elif kind == "agent_tool_result":
            # The server answered it (e.g. an error for a call it refused).
            closed.add(ev.agent_tool_result.tool_use_id)
        elif kind in ("user_tool_confirmation", "user_tool_result") and (
            queued or ev.HasField("processed_at")
        ):
            if kind == "user_tool_result":
                closed.add(ev.user_tool_result.tool_use_id)
                continue
            c = ev.user_tool_confirmation
            if c.tool_use_id not in out.unconfirmed:
                continue
            out.unconfirmed.discard(c.tool_use_id)
            if c.result != event_pb2.TOOL_CONFIRMATION_RESULT_ALLOW:
                closed.add(c.tool_use_id)
    out.open = [i for i in out.open if i not in closed]
    out.unconfirmed &= set(out.open)
    return out
