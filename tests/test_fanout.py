"""The in-process fan-out: bounded queues, slow subscribers cut off."""

from __future__ import annotations

import asyncio

import pytest
from sessiond.core import errors
from sessiond.core.eventstream import EventStream, EventStreams
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
    assert not other.queue


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
    assert not plain.queue


# --------------------------------------------------------------------------- tails


def test_a_tail_is_known_once_read_and_follows_publishes() -> None:
    broker = Broker(track_tails=True)
    assert broker.tail("s", "ws") is None  # never read: the stream must read it
    broker.note_tail("s", "ws", 3)
    assert broker.tail("s", "ws") == 3
    assert broker.tail("s", "other") is None  # another workspace's session is read (404)
    broker.publish("s", [ev(4), ev(5)])  # no subscriber, still counted
    assert broker.tail("s", "ws") == 5
    broker.close_session("s")  # deleted
    assert broker.tail("s", "ws") is None


def test_a_tail_read_during_a_publish_keeps_the_newer_sequence() -> None:
    broker = Broker(track_tails=True)
    sub = broker.subscribe("s")
    broker.publish("s", [ev(7)])  # published while the stream read 6
    broker.note_tail("s", "ws", 6)
    assert broker.tail("s", "ws") == 7
    broker.unsubscribe(sub)


def test_tails_are_off_unless_asked() -> None:
    broker = Broker()  # a shared database: other replicas write too
    broker.note_tail("s", "ws", 3)
    assert broker.tail("s", "ws") is None


class FakeSource:
    """A fake store (EventSource) that counts position reads."""

    def __init__(self, last: int) -> None:
        self.last = last
        self.reads = 0

    async def event_seq(self, session_id: str, event_id: str, *, ws: str | None) -> int:
        return int(event_id.removeprefix("sevt_"))

    async def last_seq(self, session_id: str, *, ws: str | None) -> int:
        self.reads += 1
        return self.last

    async def events_after(
        self, session_id: str, seq: int, limit: int
    ) -> list[event_pb2.SessionEvent]:
        return [ev(s) for s in range(seq + 1, min(self.last, seq + limit) + 1)]


async def test_a_stream_reopened_takes_its_position_without_a_read() -> None:
    broker = Broker(track_tails=True)
    source = FakeSource(last=2)
    streams = EventStreams(source, broker)
    request = event_pb2.StreamEventsRequest(session_id="s")
    async with await streams.open_stream(request, ws="ws"):
        pass
    source.last = 3
    broker.publish("s", [ev(3)])  # committed between the two streams
    async with await streams.open_stream(request, ws="ws") as stream:
        assert source.reads == 1
        source.last = 4
        broker.publish("s", [ev(4)])
        got = await asyncio.wait_for(anext(stream), 1)
        assert got.event.sequence == 4  # live from where it opened: no old event, no gap
    async with await streams.open_stream(request, ws="other") as stream:
        assert source.reads == 2  # another workspace: read (and scoped) by the store


# --------------------------------------------------------------------------- next_ready


async def test_queued_events_are_taken_at_once_in_order_without_duplicates() -> None:
    broker = Broker(track_tails=True)
    source = FakeSource(last=2)
    request = event_pb2.StreamEventsRequest(session_id="s")
    async with await EventStreams(source, broker).open_stream(request, ws="ws") as stream:
        assert stream.next_ready() is None  # nothing queued yet
        source.last = 5
        broker.publish("s", [ev(3), ev(4)])
        broker.publish("s", [ev(4), ev(5)])  # 4 announced twice (by the database too)
        first = await asyncio.wait_for(anext(stream), 1)
        taken = [first.event.sequence]
        while (item := stream.next_ready()) is not None:
            taken.append(item.event.sequence)
        assert taken == [3, 4, 5]


async def test_an_event_behind_a_gap_is_left_to_the_store_read() -> None:
    broker = Broker(track_tails=True)
    source = FakeSource(last=2)
    request = event_pb2.StreamEventsRequest(session_id="s")
    async with await EventStreams(source, broker).open_stream(request, ws="ws") as stream:
        source.last = 5
        broker.publish("s", [ev(3)])
        broker.publish("s", [ev(5)])  # 4 committed but never published here
        assert (await asyncio.wait_for(anext(stream), 1)).event.sequence == 3
        assert stream.next_ready() is None  # 5 waits behind the gap
        rest = [(await asyncio.wait_for(anext(stream), 1)).event.sequence for _ in range(2)]
        assert rest == [4, 5]  # 4 from the store, then 5: no gap, no duplicate


async def test_a_cut_off_stream_still_ends_with_its_error_after_the_queued_events() -> None:
    broker = Broker(queue_size=2, track_tails=True)
    source = FakeSource(last=0)
    request = event_pb2.StreamEventsRequest(session_id="s")
    stream = await EventStreams(source, broker).open_stream(request, ws="ws")
    broker.publish("s", [ev(1), ev(2), ev(3)])  # one more than the queue holds: cut off
    assert (await asyncio.wait_for(anext(stream), 1)).event.sequence == 1
    assert stream.next_ready().event.sequence == 2  # type: ignore[union-attr]
    assert stream.next_ready() is None  # the end marker is left for the read
    with pytest.raises(errors.RateLimited):
        await asyncio.wait_for(anext(stream), 1)
    await stream.aclose()


# --------------------------------------------------------------------------- direct path


class FakeSink:
    """A fake reader's sink: records what it took; refuses while ``full``."""

    def __init__(self) -> None:
        self.taken: list[int] = []  # sequences (0: a preview)
        self.full = False
        self.fail = False

    def __call__(self, item: event_pb2.StreamEventsResponse) -> bool:
        if self.fail:
            raise RuntimeError("broken sink")
        if self.full:
            return False
        self.taken.append(item.event.sequence if item.HasField("event") else 0)
        return True


async def open_direct(
    broker: Broker, source: FakeSource, after: str = "", deltas: tuple[str, ...] = ()
) -> tuple[EventStream, FakeSink]:
    request = event_pb2.StreamEventsRequest(
        session_id="s", after_event_id=after, event_deltas=deltas
    )
    stream = await EventStreams(source, broker).open_stream(request, ws="ws")
    sink = FakeSink()
    stream.set_sink(sink)
    return stream, sink


async def read(stream: EventStream, n: int) -> list[int]:
    return [(await asyncio.wait_for(anext(stream), 1)).event.sequence for _ in range(n)]


async def test_a_caught_up_stream_takes_live_events_inside_the_publish() -> None:
    broker = Broker(track_tails=True)
    source = FakeSource(last=2)
    stream, sink = await open_direct(broker, source, deltas=("agent.message",))
    broker.publish("s", [ev(3), ev(4)])
    broker.publish_preview("s", "agent.message", event_pb2.StreamEventsResponse(
        start=event_pb2.EventStart()
    ))  # fmt: skip
    broker.publish("s", [ev(5)])
    assert sink.taken == [3, 4, 0, 5]  # delivered in order, without a read
    assert stream.next_ready() is None  # nothing was queued
    await stream.aclose()
    broker.publish("s", [ev(6)])
    assert sink.taken == [3, 4, 0, 5]  # closed: no longer


async def test_a_gap_goes_through_the_queue_and_the_direct_path_resumes_after_it() -> None:
    broker = Broker(track_tails=True)
    source = FakeSource(last=2)
    stream, sink = await open_direct(broker, source)
    source.last = 6
    broker.publish("s", [ev(3)])
    broker.publish("s", [ev(5)])  # 4 committed but never published here
    broker.publish("s", [ev(6)])  # queued behind 5
    assert sink.taken == [3]
    assert await read(stream, 3) == [4, 5, 6]  # 4 from the store: no gap, no duplicate
    broker.publish("s", [ev(7)])
    assert sink.taken == [3, 7]  # caught up again: direct
    await stream.aclose()


async def test_a_refusing_sink_leaves_items_to_the_queue_until_the_reader_drains_it() -> None:
    broker = Broker(track_tails=True)
    source = FakeSource(last=0)
    stream, sink = await open_direct(broker, source, deltas=("agent.message",))
    broker.publish("s", [ev(1)])
    sink.full = True  # e.g. the client's socket buffer is full
    broker.publish("s", [ev(2)])
    sink.full = False
    preview = event_pb2.StreamEventsResponse(start=event_pb2.EventStart())
    broker.publish_preview("s", "agent.message", preview)  # must follow 2
    broker.publish("s", [ev(3)])  # the queue is not empty: 3 must follow 2 there
    assert sink.taken == [1]
    assert await read(stream, 1) == [2]
    assert (await asyncio.wait_for(anext(stream), 1)).HasField("start")
    assert await read(stream, 1) == [3]
    broker.publish("s", [ev(4)])
    assert sink.taken == [1, 4]
    sink.fail = True  # a sink that raises is treated as a refusal
    broker.publish("s", [ev(5)])
    assert await read(stream, 1) == [5]
    await stream.aclose()


async def test_a_refusing_sink_is_still_cut_off_at_the_queue_bound() -> None:
    broker = Broker(queue_size=2, track_tails=True)
    source = FakeSource(last=0)
    stream, sink = await open_direct(broker, source)
    sink.full = True
    broker.publish("s", [ev(1), ev(2), ev(3)])  # one more than the queue holds: cut off
    assert await read(stream, 2) == [1, 2]
    sink.full = False
    broker.publish("s", [ev(4)])  # cut off: never delivered, the client resumes
    with pytest.raises(errors.RateLimited):
        await asyncio.wait_for(anext(stream), 1)
    assert sink.taken == []
    await stream.aclose()


async def test_a_resumed_stream_replays_then_goes_direct_without_gap_or_duplicate() -> None:
    broker = Broker(track_tails=True)
    source = FakeSource(last=4)
    stream, sink = await open_direct(broker, source, after="sevt_2")
    source.last = 5
    broker.publish("s", [ev(5)])  # live while the stream has yet to replay 3 and 4
    assert sink.taken == []
    first = await read(stream, 2)
    source.last = 6
    broker.publish("s", [ev(6)])  # committed during the replay: queued behind it
    assert first + await read(stream, 2) == [3, 4, 5, 6]
    broker.publish("s", [ev(6), ev(7)])  # 6 again (announced twice): dropped
    assert sink.taken == [7]
    await stream.aclose()
