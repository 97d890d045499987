"""event_deltas: start/delta previews while the model streams, then the full event."""

from __future__ import annotations

import asyncio
from typing import Any

import pydantic
from anthropic import AsyncAnthropic
from anthropic.types.beta.sessions import BetaManagedAgentsStreamSessionEvents

from tests.blackbox.helpers import user_message

STREAM_ITEM: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(BetaManagedAgentsStreamSessionEvents)


async def _read_turn(stream: Any) -> list[Any]:
    seen: list[Any] = []
    async for ev in stream:
        seen.append(ev)
        if ev.type == "session.status_idle":
            return seen
    return seen


async def test_message_deltas_precede_the_final_event(
    client: AsyncAnthropic, session_id: str
) -> None:
    stream = await client.beta.sessions.events.stream(
        session_id, event_deltas=["agent.message", "agent.thinking"]
    )
    await client.beta.sessions.events.send(
        session_id, events=[user_message("/think hmm\n/say one two three")]
    )
    seen = await asyncio.wait_for(_read_turn(stream), 10)
    await stream.close()
    for ev in seen:
        STREAM_ITEM.validate_python(ev.model_dump(mode="json", exclude_none=False))
    kinds = [ev.type for ev in seen]
    thinking_start = next(
        e for e in seen if e.type == "event_start" and e.event.type == "agent.thinking"
    )
    thinking = next(e for e in seen if e.type == "agent.thinking")
    assert thinking_start.event.id == thinking.id
    assert kinds.index("event_start") < kinds.index("agent.thinking")
    message_start = next(
        e for e in seen if e.type == "event_start" and e.event.type == "agent.message"
    )
    message = next(e for e in seen if e.type == "agent.message")
    deltas = [e for e in seen if e.type == "event_delta"]
    assert message_start.event.id == message.id
    assert all(d.event_id == message.id for d in deltas)
    assert "".join(d.delta.content.text for d in deltas) == "one two three"
    assert seen.index(deltas[-1]) < seen.index(message)
    assert message.content[0].text == "one two three"


async def test_streams_without_event_deltas_get_no_previews(
    client: AsyncAnthropic, session_id: str
) -> None:
    stream = await client.beta.sessions.events.stream(session_id)
    await client.beta.sessions.events.send(session_id, events=[user_message("/say a b c")])
    seen = await asyncio.wait_for(_read_turn(stream), 10)
    await stream.close()
    assert not [e for e in seen if e.type in ("event_start", "event_delta")]
    assert [e.content[0].text for e in seen if e.type == "agent.message"] == ["a b c"]
