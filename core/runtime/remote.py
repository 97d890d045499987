"""Pure rules for sessions whose toolset runs elsewhere (a ``self_hosted``
environment, CONTRACT §5): which ``agent.tool_use`` calls wait for a worker's
``user.tool_result``, and which of those still wait for their
``user.tool_confirmation`` first.

The server never runs such a call itself. A call under ``always_ask`` waits for
``allow`` before a result is taken; ``deny`` answers it. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sessiond.v1 import environment_pb2, event_pb2


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
