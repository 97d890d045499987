"""The in-process fan-out: bounded queues, slow subscribers cut off."""

from __future__ import annotations

import asyncio

import pytest
from sessiond.core.fanout import Broker, StreamClosed, SubscriberLagged
from sessiond.v1 import event_pb2


def ev(seq: int) -> event_pb2.SessionEvent:
    return event_pb2.SessionEvent(id=f"sevt_{seq}", session_id="s", sequence=seq)


async def test_each_subscriber_gets_every_event_in_order() -> None:
    broker = Broker(queue_size=8)
    a, b = broker.subscribe("s"), broker.subscribe("s")
    other = broker.subscribe("t")
    broker.publish("s", [ev(1), ev(2), ev(3)])
    for sub in (a, b):
        got = [(await asyncio.wait_for(sub.get(), 1)).event.sequence for _ in range(3)]
        assert got == [1, 2, 3]
    assert other.queue.empty()


async def test_a_slow_subscriber_is_cut_off_without_slowing_the_others() -> None:
    broker = Broker(queue_size=4)
    slow, fast = broker.subscribe("s"), broker.subscribe("s")
    for seq in range(1, 11):
        broker.publish("s", [ev(seq)])  # never waits
        assert (await asyncio.wait_for(fast.get(), 1)).event.sequence == seq
    for _ in range(4):
        await slow.get()
    with pytest.raises(SubscriberLagged):
        await asyncio.wait_for(slow.get(), 1)
    assert broker.subscriber_count("s") == 1


async def test_closing_a_session_ends_its_streams() -> None:
    broker = Broker()
    sub = broker.subscribe("s")
    broker.close_session("s")
    with pytest.raises(StreamClosed):
        await asyncio.wait_for(sub.get(), 1)


async def test_previews_go_only_to_subscribers_that_asked() -> None:
    broker = Broker()
    wants, plain = broker.subscribe("s", ["agent.message"]), broker.subscribe("s")
    item = event_pb2.StreamEventsResponse(start=event_pb2.EventStart())
    broker.publish_preview("s", "agent.message", item)
    assert (await asyncio.wait_for(wants.get(), 1)).HasField("start")
    assert plain.queue.empty()
