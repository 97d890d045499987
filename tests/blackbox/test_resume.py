"""Resumable streams: a reader that is cut off over and over loses and repeats nothing.

A reader opens the session's stream, takes a random number of events (none, a few,
up to the end of a turn), drops the connection mid-read and reconnects from the last
event it got, while another task runs turn after turn on the session. At the end the
concatenation of everything it received must be the session's ListEvents history:
the same ids in the same order, none lost, none twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import cast

import grpc
import httpx2
from anthropic import AsyncAnthropic, omit
from anthropic.types.beta.sessions import BetaManagedAgentsSessionEvent
from sessiond.v1 import event_pb2, event_pb2_grpc

from .helpers import Server, SSEFrame, all_pages, collect, read_sse_frames, user_message

SEED = 20260401
IDLE = "session.status_idle"
PREVIEW_FRAMES = frozenset({"event_start", "event_delta"})
TEST_DEADLINE = 120.0  # the whole run; it takes a fraction of that
STEP_DEADLINE = 20.0  # one turn, one wait on the reader

# One received event: (id, public type).
Item = tuple[str, str]
# Opens a stream positioned after an event id (None: no position, live only).
Opener = Callable[[str | None, random.Random], AbstractAsyncContextManager[AsyncIterator[Item]]]

THROUGH_IDLE = -1  # a plan: read up to and including the next session.status_idle


def turn_text(i: int) -> str:
    """Ten events: user.message, running, span start, 4 x agent.message and one
    agent.thinking, span end, idle."""
    return "\n".join(
        [
            f"turn {i}",
            f"/say turn {i} one",
            f"/say turn {i} two",
            f"/think turn {i} hmm",
            f"/say turn {i} three",
            f"/say turn {i} four",
        ]
    )


# --------------------------------------------------------------------------- generic helpers


async def wait_until(
    pred: Callable[[], bool], changed: asyncio.Event, *, within: float, what: str
) -> None:
    """Waits for `pred()`, re-checking whenever `changed` is set; fails past the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not pred():
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"no {what} within {within}s")
        changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), remaining)


async def run_together(*coros: Awaitable[None], within: float) -> None:
    """Runs the coroutines concurrently; the first failure (or the deadline) cancels the rest."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        done, pending = await asyncio.wait(
            tasks, timeout=within, return_when=asyncio.FIRST_EXCEPTION
        )
        for t in done:
            if t.exception() is not None:
                raise t.exception()  # type: ignore[misc]
        if pending:
            raise TimeoutError(f"not done within {within}s")
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def compare_ids(received: list[str], history: list[str]) -> str | None:
    """None when equal, else what differs: lost, duplicated, foreign ids, first mismatch."""
    if received == history:
        return None
    counts = Counter(received)
    duplicated = {i: n for i, n in counts.items() if n > 1}
    lost = [i for i in history if i not in counts]
    known = set(history)
    foreign = [i for i in counts if i not in known]
    first = next(
        (k for k, (a, b) in enumerate(zip(received, history, strict=False)) if a != b),
        min(len(received), len(history)),
    )
    lines = [
        f"received {len(received)} events, ListEvents has {len(history)}",
        f"lost: {len(lost)} {lost[:5]}",
        f"duplicated: {sum(n - 1 for n in duplicated.values())} {list(duplicated.items())[:5]}",
        f"not in ListEvents: {len(foreign)} {foreign[:5]}",
        f"first mismatch at index {first}: "
        f"received {received[first : first + 3]} vs ListEvents {history[first : first + 3]}",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the reader


@dataclass
class ResumingReader:
    """Reads a session's stream through many connections, each cut at a random point."""

    open_stream: Opener
    n_turns: int
    rng: random.Random
    received: list[Item] = field(default_factory=list)
    idle_ids: set[str] = field(default_factory=set)
    connections: int = 0
    cuts: Counter[str] = field(default_factory=Counter)
    server_ended: int = 0
    attached: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def last_id(self) -> str | None:
        return self.received[-1][0] if self.received else None

    @property
    def reconnects(self) -> int:
        return max(self.connections - 1, 0)

    def finished(self) -> bool:
        return len(self.idle_ids) >= self.n_turns

    def plan(self) -> int:
        """How many events the next connection takes before it is cut."""
        if self.last_id is None:
            # Without a position a stream is live only: never cut it before the
            # first event, or what follows could not be resumed.
            return self.rng.randint(1, 8)
        r = self.rng.random()
        if r < 0.60:
            return 0
        if r < 0.85:
            return 1
        if r < 0.92:
            return self.rng.randint(2, 3)
        if r < 0.96:
            return THROUGH_IDLE
        return self.rng.randint(4, 12)

    def describe(self) -> str:
        return (
            f"{self.connections} connections ({self.reconnects} reconnects), "
            f"{len(self.received)} events, {len(self.idle_ids)}/{self.n_turns} turns, "
            f"cuts: {dict(self.cuts)}, streams the server ended: {self.server_ended}"
        )

    async def run(self) -> None:
        while not self.finished():
            plan = self.plan()
            taken = 0
            cut = True
            async with self.open_stream(self.last_id, self.rng) as items:
                self.attached.set()
                if plan != 0:
                    cut = False
                    async for ev_id, ev_type in items:
                        self.received.append((ev_id, ev_type))
                        if ev_type == IDLE:
                            self.idle_ids.add(ev_id)
                        self.changed.set()
                        taken += 1
                        if (
                            self.finished()
                            or (plan == THROUGH_IDLE and ev_type == IDLE)
                            or (plan > 0 and taken >= plan)
                        ):
                            cut = True
                            break
                # Leaving the block drops the connection, whatever is still in flight.
            self.connections += 1
            if not cut:
                self.server_ended += 1
            elif taken == 0:
                self.cuts["at 0 events"] += 1
            elif self.received[-1][1] == IDLE:
                self.cuts["between turns"] += 1
            else:
                self.cuts["mid-turn"] += 1


async def drive_turns(
    client: AsyncAnthropic, session_id: str, reader: ResumingReader, *, lag: int
) -> None:
    """Runs the reader's turns one after the other. Turn i is sent once its own SDK stream
    saw turn i-1 end and the reader saw turn i-1-lag end, so the reader's cuts fall both
    on live events and on replays of turns that are over."""
    async with collect(client, session_id) as col:
        await asyncio.wait_for(reader.attached.wait(), STEP_DEADLINE)
        for i in range(reader.n_turns):
            await wait_until(
                lambda i=i: len(reader.idle_ids) >= i - lag,  # type: ignore[misc]
                reader.changed,
                within=STEP_DEADLINE,
                what=f"reader at the end of turn {i - lag} ({reader.describe()})",
            )
            await client.beta.sessions.events.send(session_id, events=[user_message(turn_text(i))])
            await col.wait_count(IDLE, i + 1, within=STEP_DEADLINE)
    await wait_until(
        reader.finished,
        reader.changed,
        within=STEP_DEADLINE,
        what=f"session.status_idle of the last turn on the reader ({reader.describe()})",
    )


async def history_ids(client: AsyncAnthropic, session_id: str) -> list[str]:
    def fetch(tok: str | None):  # type: ignore[no-untyped-def]
        return client.beta.sessions.events.with_raw_response.list(
            session_id, limit=1000, order="asc", page=tok or omit
        )

    items, _ = await all_pages(fetch, BetaManagedAgentsSessionEvent)
    return [e["id"] for e in items]


async def run_and_compare(
    client: AsyncAnthropic, session_id: str, reader: ResumingReader, *, lag: int
) -> None:
    failure: BaseException | None = None
    try:
        await run_together(
            reader.run(), drive_turns(client, session_id, reader, lag=lag), within=TEST_DEADLINE
        )
    except (AssertionError, TimeoutError) as exc:
        failure = exc
    history = await history_ids(client, session_id)
    received = [i for i, _ in reader.received]
    if failure is not None:
        # Compare what arrived with the history up to the last event that arrived.
        upto = history.index(received[-1]) + 1 if received and received[-1] in history else None
        diff = compare_ids(received, history[:upto])
        raise AssertionError(
            f"the run failed: {failure}\n{reader.describe()}\n"
            f"received so far against ListEvents: {diff or 'equal'}"
        ) from failure
    diff = compare_ids(received, history)
    assert diff is None, f"resumed streams differ from ListEvents ({reader.describe()}):\n{diff}"
    assert reader.server_ended == 0, f"the server ended streams by itself: {reader.describe()}"
    print(f"\n{reader.describe()}")


# --------------------------------------------------------------------------- SSE


def check_sse_frame(frame: SSEFrame) -> Item | None:
    """The (id, type) of an event frame; None for pings and previews."""
    if frame.event == "ping" or frame.event in PREVIEW_FRAMES:
        return None
    assert frame.event != "error", f"error frame: {frame.lines}"
    assert frame.data is not None, f"frame without data: {frame.lines}"
    data = json.loads(frame.data)
    assert frame.id, f"event frame without an id: line: {frame.lines}"
    assert frame.id == data.get("id"), f"id: {frame.id!r} but data id {data.get('id')!r}"
    assert frame.event == data.get("type"), f"event: {frame.event!r} but type {data.get('type')!r}"
    return frame.id, data["type"]


def sse_opener(http: httpx2.AsyncClient, session_id: str, via_query: Counter[str]) -> Opener:
    @contextlib.asynccontextmanager
    async def open_stream(
        after: str | None, rng: random.Random
    ) -> AsyncIterator[AsyncIterator[Item]]:
        headers = {"accept": "text/event-stream"}
        params: dict[str, str] = {"beta": "true"}
        if after is not None:
            if rng.random() < 0.3:
                params["after"] = after
                via_query["?after="] += 1
            else:
                headers["last-event-id"] = after
                via_query["Last-Event-ID"] += 1
        async with http.stream(
            "GET", f"/v1/sessions/{session_id}/events/stream", headers=headers, params=params
        ) as resp:
            assert resp.status_code == 200, (
                f"resuming after {after!r}: {resp.status_code} {(await resp.aread()).decode()}"
            )

            async def items() -> AsyncGenerator[Item, None]:
                frames = cast(AsyncGenerator[SSEFrame, None], read_sse_frames(resp))
                async with contextlib.aclosing(frames):
                    async for frame in frames:
                        item = check_sse_frame(frame)
                        if item is not None:
                            yield item

            gen = items()
            try:
                yield gen
            finally:
                await gen.aclose()

    return open_stream


async def test_sse_resumes_without_gap_or_duplicate_across_a_thousand_cuts(
    client: AsyncAnthropic, http: httpx2.AsyncClient, session_id: str
) -> None:
    positions: Counter[str] = Counter()
    reader = ResumingReader(sse_opener(http, session_id, positions), 100, random.Random(SEED))
    await run_and_compare(client, session_id, reader, lag=1)
    assert reader.reconnects >= 1000, f"too few reconnects: {reader.describe()}"
    assert all(reader.cuts[k] > 0 for k in ("at 0 events", "between turns", "mid-turn")), (
        reader.describe()
    )
    assert positions["?after="] > 0 and positions["Last-Event-ID"] > 0, positions
    print(f"positions sent as: {dict(positions)}")


# --------------------------------------------------------------------------- gRPC


def grpc_opener(stub: event_pb2_grpc.EventServiceStub, session_id: str, key: str) -> Opener:
    @contextlib.asynccontextmanager
    async def open_stream(
        after: str | None, rng: random.Random
    ) -> AsyncIterator[AsyncIterator[Item]]:
        call = stub.StreamEvents(
            event_pb2.StreamEventsRequest(session_id=session_id, after_event_id=after or ""),
            metadata=(("x-api-key", key),),
        )
        try:
            # The core sends its initial metadata once the stream is attached.
            await call.initial_metadata()

            async def items() -> AsyncGenerator[Item, None]:
                while True:
                    item = await call.read()
                    if item is grpc.aio.EOF:
                        return
                    if item.WhichOneof("item") != "event":
                        continue
                    payload = item.event.WhichOneof("payload")
                    assert payload, f"event without a payload: {item.event}"
                    yield item.event.id, payload.replace("_", ".", 1)

            gen = items()
            try:
                yield gen
            finally:
                await gen.aclose()
        finally:
            call.cancel()

    return open_stream


async def test_grpc_stream_events_resumes_after_event_id(
    server: Server, client: AsyncAnthropic, session_id: str
) -> None:
    async with grpc.aio.insecure_channel(server.grpc_addr) as channel:
        stub = event_pb2_grpc.EventServiceStub(channel)
        assert server.key
        opener = grpc_opener(stub, session_id, server.key)
        reader = ResumingReader(opener, 20, random.Random(SEED + 1))
        await run_and_compare(client, session_id, reader, lag=1)
    assert reader.reconnects >= 100, f"too few reconnects: {reader.describe()}"
