"""Pure parts of multiagent: roster resolution and the conversations threads make."""

from __future__ import annotations

import pytest
from sessiond.core import errors
from sessiond.core.runtime.conversation import build
from sessiond.core.runtime.model import Text, ToolResult, ToolUse
from sessiond.core.runtime.offline import parse_steps, segments
from sessiond.core.runtime.toolplan import DELEGATE_TOOL
from sessiond.core.services import roster
from sessiond.core.timeutil import to_timestamp
from sessiond.v1 import agent_pb2, common_pb2, event_pb2


def _event(n: int, **payload: object) -> event_pb2.SessionEvent:
    ev = event_pb2.SessionEvent(id=f"sevt_{n}", sequence=n, **payload)  # type: ignore[arg-type]
    ev.processed_at.CopyFrom(to_timestamp(n))
    return ev


def _text(t: str) -> list[common_pb2.ContentBlock]:
    return [common_pb2.ContentBlock(text=common_pb2.TextBlock(text=t))]


def test_a_delegation_is_a_tool_call_and_the_reply_its_result() -> None:
    events = [
        _event(1, user_message=event_pb2.UserMessageEvent(content=_text("go"))),
        _event(2, span_model_request_start=event_pb2.SpanModelRequestStartEvent()),
        _event(
            3,
            agent_thread_message_sent=event_pb2.AgentThreadMessageSentEvent(
                content=_text("find x"), to_session_thread_id="sthr_1", to_agent_name="r"
            ),
        ),
        _event(
            4,
            session_thread_status_idle=event_pb2.SessionThreadStatusIdleEvent(
                agent_name="r", session_thread_id="sthr_1"
            ),
        ),
        _event(
            5,
            agent_thread_message_received=event_pb2.AgentThreadMessageReceivedEvent(
                content=_text("x is 4"), from_session_thread_id="sthr_1", from_agent_name="r"
            ),
        ),
    ]
    messages = build(events)
    assert [m.role for m in messages] == ["user", "assistant", "user"]
    assert messages[1].parts == [
        ToolUse("sevt_3", DELEGATE_TOOL, {"agent": "r", "message": "find x"})
    ]
    assert messages[2].parts == [ToolResult("sevt_3", "x is 4", False)]


def test_a_thread_reads_the_coordinators_message_as_its_user_turn() -> None:
    events = [
        _event(
            1,
            agent_thread_message_received=event_pb2.AgentThreadMessageReceivedEvent(
                content=_text("find x"), from_session_thread_id="sthr_0"
            ),
        ),
    ]
    (message,) = build(events)
    assert message.role == "user" and message.parts == [Text("find x")]


def test_a_cross_posted_tool_use_is_not_the_coordinators_own() -> None:
    use = event_pb2.AgentToolUseEvent(name="bash", session_thread_id="sthr_1")
    events = [
        _event(1, user_message=event_pb2.UserMessageEvent(content=_text("go"))),
        _event(2, agent_tool_use=use),
    ]
    assert [m.role for m in build(events)] == ["user"]


def test_offline_delegate_steps_end_a_model_response() -> None:
    steps = parse_steps("/delegate a one\n/delegate b two\n/say done")
    assert [[s.verb for s in seg] for seg in segments(steps)] == [
        ["delegate", "delegate"],
        ["say"],
    ]


class FakeAgents:
    """A fake of the store's agent lookup."""

    def __init__(self, *agents: agent_pb2.Agent) -> None:
        self.agents = {a.id: a for a in agents}

    async def get(self, agent_id: str, version: int | None) -> agent_pb2.Agent:
        if agent_id not in self.agents:
            raise errors.NotFound(agent_id)
        return self.agents[agent_id]


def _coordinator(*entries: agent_pb2.RosterEntry) -> agent_pb2.Agent:
    agent = agent_pb2.Agent(id="agent_lead", version=3)
    agent.multiagent.coordinator.agents.extend(entries)
    return agent


async def test_roster_entries_are_pinned_and_self_is_the_agent() -> None:
    fake = FakeAgents(agent_pb2.Agent(id="agent_w", version=7))
    agent = _coordinator(
        agent_pb2.RosterEntry(agent=agent_pb2.RosterAgent(id="agent_w")),
        agent_pb2.RosterEntry(self=agent_pb2.RosterEntry().self),
    )
    await roster.resolve(agent, fake.get)
    pinned = [(e.agent.id, e.agent.version) for e in agent.multiagent.coordinator.agents]
    assert pinned == [("agent_w", 7), ("agent_lead", 3)]


@pytest.mark.parametrize("problem", ["nested", "archived", "unknown", "two_selves"])
async def test_bad_rosters_are_invalid(problem: str) -> None:
    worker = agent_pb2.Agent(id="agent_w", version=1)
    if problem == "nested":
        worker.multiagent.coordinator.agents.add(agent=agent_pb2.RosterAgent(id="agent_x"))
    if problem == "archived":
        worker.archived_at.CopyFrom(to_timestamp(1))
    fake = FakeAgents(worker)
    entries = [agent_pb2.RosterEntry(agent=agent_pb2.RosterAgent(id="agent_w"))]
    if problem == "unknown":
        entries = [agent_pb2.RosterEntry(agent=agent_pb2.RosterAgent(id="agent_none"))]
    if problem == "two_selves":
        entries = [agent_pb2.RosterEntry(self=agent_pb2.RosterEntry().self)] * 2
    with pytest.raises(errors.InvalidArgument):
        await roster.resolve(_coordinator(*entries), fake.get)
