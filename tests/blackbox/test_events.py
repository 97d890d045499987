"""Events: turns seen on the stream and in the list, queueing, interrupts, event pagination."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from anthropic import AsyncAnthropic, omit
from anthropic.types.beta.sessions import (
    BetaManagedAgentsSendSessionEvents,
    BetaManagedAgentsSessionEvent,
)

from .helpers import (
    EventCollector,
    all_pages,
    assert_starts_with_user_message,
    collect,
    id_of,
    interrupt,
    raw_json,
    text_of,
    type_of,
    user_message,
)

TURN = [
    "user.message",
    "session.status_running",
    "span.model_request_start",
    "agent.message",
    "span.model_request_end",
    "session.status_idle",
]


async def send(client: AsyncAnthropic, session_id: str, *events: Any) -> dict[str, Any]:
    return await raw_json(
        client.beta.sessions.events.with_raw_response.send(session_id, events=list(events)),
        BetaManagedAgentsSendSessionEvents,
    )


async def list_all(client: AsyncAnthropic, session_id: str, **kw: Any) -> list[dict[str, Any]]:
    def fetch(tok: str | None):  # type: ignore[no-untyped-def]
        return client.beta.sessions.events.with_raw_response.list(
            session_id, **kw, page=tok or omit
        )

    items, _ = await all_pages(fetch, BetaManagedAgentsSessionEvent)
    return items


async def run_turn(client: AsyncAnthropic, col: EventCollector, sid: str, text: str) -> None:
    n = col.count("session.status_idle")
    await send(client, sid, user_message(text))
    await col.wait_count("session.status_idle", n + 1)


async def test_basic_turn_on_the_stream_and_in_the_list(
    client: AsyncAnthropic, session_id: str
) -> None:
    async with collect(client, session_id) as col:
        sent = await send(client, session_id, user_message("hello world"))
        await col.wait_count("session.status_idle", 1)
    assert_starts_with_user_message(col)

    assert len(sent["data"]) == 1
    assert sent["data"][0]["type"] == "user.message"
    assert sent["data"][0]["id"].startswith("sevt_")
    assert text_of(sent["data"][0]) == "hello world"

    evs = col.events
    assert col.types() == TURN, col.summary()
    assert id_of(evs[0]) == sent["data"][0]["id"]
    assert "hello world" in text_of(evs[3])
    end = evs[4]
    assert end.model_request_start_id == evs[2].id
    assert (end.model_usage.input_tokens, end.model_usage.output_tokens) == (2, 2)
    assert evs[5].stop_reason.type == "end_turn"
    assert all(e.id.startswith("sevt_") for e in evs)
    assert len({e.id for e in evs}) == len(evs)

    listed = await list_all(client, session_id)
    assert [e["type"] for e in listed] == TURN
    assert [e["id"] for e in listed] == [e.id for e in evs]
    assert listed[0]["processed_at"] is not None, "the user.message was never marked processed"
    assert "hello world" in text_of(listed[3])
    assert listed[4]["model_usage"]["input_tokens"] == 2
    assert listed[4]["model_usage"]["output_tokens"] == 2
    assert listed[5]["stop_reason"] == {"type": "end_turn"}

    sess = await client.beta.sessions.retrieve(session_id)
    assert sess.status == "idle"
    assert (sess.usage.input_tokens, sess.usage.output_tokens) == (2, 2)


async def test_offline_steps_run_in_order_in_one_model_request(
    client: AsyncAnthropic, session_id: str
) -> None:
    async with collect(client, session_id) as col:
        await send(client, session_id, user_message("/say one\n/think hmm\n/say two"))
        await col.wait_count("session.status_idle", 1)
    assert_starts_with_user_message(col)

    types = col.types()
    assert types.count("span.model_request_start") == 1, col.summary()
    assert types.count("span.model_request_end") == 1, col.summary()
    start, end = types.index("span.model_request_start"), types.index("span.model_request_end")
    inner = [(type_of(e), text_of(e)) for e in col.events[start + 1 : end]]
    assert inner == [("agent.message", "one"), ("agent.thinking", ""), ("agent.message", "two")]
    assert types[-1] == "session.status_idle"
    assert col.events[-1].stop_reason.type == "end_turn"


async def test_message_sent_while_running_is_queued(
    client: AsyncAnthropic, session_id: str
) -> None:
    async with collect(client, session_id) as col:
        await send(client, session_id, user_message("/sleep 2\n/say first"))
        await col.wait_count("span.model_request_start", 1)
        queued = await send(client, session_id, user_message("second"))
        assert queued["data"][0]["processed_at"] is None, queued
        await col.wait_count("session.status_idle", 2, within=15)
    assert_starts_with_user_message(col)

    evs = col.events
    idles = [i for i, e in enumerate(evs) if type_of(e) == "session.status_idle"]
    replies = [(i, text_of(e)) for i, e in enumerate(evs) if type_of(e) == "agent.message"]
    assert [t for _, t in replies][:1] == ["first"], col.summary()
    assert replies[0][0] < idles[0], col.summary()
    later = [(i, t) for i, t in replies if "second" in t]
    assert later and later[0][0] > idles[0], (
        f"'second' answered before the first idle: {col.summary()}"
    )
    # Two complete turns: the second one runs on its own after the first ends.
    after = [type_of(e) for e in evs[idles[0] + 1 :]]
    assert after[after.index("session.status_running") :] == TURN[1:], col.summary()

    listed = await list_all(client, session_id)
    msgs = [e for e in listed if e["type"] == "user.message"]
    assert [text_of(m) for m in msgs] == ["/sleep 2\n/say first", "second"]
    first_idle = next(e for e in listed if e["type"] == "session.status_idle")
    assert msgs[1]["processed_at"] is not None
    assert dt.datetime.fromisoformat(msgs[1]["processed_at"]) >= dt.datetime.fromisoformat(
        first_idle["processed_at"]
    ), "the queued message was processed before the first turn ended"


async def test_interrupt_and_redirect_in_one_request(
    client: AsyncAnthropic, session_id: str
) -> None:
    async with collect(client, session_id) as col:
        await send(client, session_id, user_message("/sleep 30\n/say never"))
        await col.wait_count("span.model_request_start", 1)
        sent = await send(client, session_id, interrupt(), user_message("redirected"))
        assert [e["type"] for e in sent["data"]] == ["user.interrupt", "user.message"]
        # The /sleep 30 never ends by itself within these deadlines: only the
        # interrupt can bring the idle.
        await col.wait_count("session.status_idle", 1, within=5)
        first_idle = col.types().index("session.status_idle")
        await col.wait_for(
            lambda evs: any(
                type_of(e) == "agent.message" and "redirected" in text_of(e) for e in evs
            ),
            within=5,
            what="an agent.message answering 'redirected'",
        )
        await col.wait_count("session.status_idle", 2, within=5)
    assert_starts_with_user_message(col)

    assert "never" not in [text_of(e) for e in col.events], col.summary()
    answer = next(
        i
        for i, e in enumerate(col.events)
        if type_of(e) == "agent.message" and "redirected" in text_of(e)
    )
    assert answer > first_idle, col.summary()
    assert not any("never" in text_of(e) for e in col.events if type_of(e) != "user.message"), (
        col.summary()
    )
    listed = await list_all(client, session_id)
    assert not any("never" in text_of(e) for e in listed if e["type"] != "user.message")
    assert [e["type"] for e in listed if e["type"].startswith("user.")] == [
        "user.message",
        "user.interrupt",
        "user.message",
    ]


async def test_event_list_pagination_order_and_filters(
    client: AsyncAnthropic, session_id: str
) -> None:
    marks: list[dt.datetime] = []
    async with collect(client, session_id) as col:
        for word in ("alpha", "beta", "gamma"):
            await run_turn(client, col, session_id, word)
            marks.append(dt.datetime.now(dt.UTC))
    assert_starts_with_user_message(col)
    seen = [e.id for e in col.events]
    assert len(seen) == 3 * len(TURN)

    def fetch(**kw: Any):  # type: ignore[no-untyped-def]
        def go(tok: str | None):  # type: ignore[no-untyped-def]
            return client.beta.sessions.events.with_raw_response.list(
                session_id, limit=2, **kw, page=tok or omit
            )

        return go

    items, sizes = await all_pages(fetch(), BetaManagedAgentsSessionEvent)
    assert [e["id"] for e in items] == seen, "limit=2 pages do not give every event once, in order"
    assert max(sizes) == 2 and len(sizes) >= 9, sizes

    items, _ = await all_pages(fetch(order="asc"), BetaManagedAgentsSessionEvent)
    assert [e["id"] for e in items] == seen
    items, _ = await all_pages(fetch(order="desc"), BetaManagedAgentsSessionEvent)
    assert [e["id"] for e in items] == seen[::-1]

    only = await list_all(client, session_id, types=["agent.message"])
    assert [e["type"] for e in only] == ["agent.message"] * 3
    assert [text_of(e) for e in only] == ["alpha", "beta", "gamma"]

    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=3650)
    past = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    assert await list_all(client, session_id, created_at_gte=future) == []
    assert await list_all(client, session_id, created_at_lte=past) == []
    assert [e["id"] for e in await list_all(client, session_id, created_at_gte=past)] == seen
    assert [e["id"] for e in await list_all(client, session_id, created_at_lte=future)] == seen
    # Bounds taken between turns split the log at those turns.
    n = len(TURN)
    got = await list_all(client, session_id, created_at_gte=marks[0])
    assert [e["id"] for e in got] == seen[n:]
    got = await list_all(client, session_id, created_at_lte=marks[0])
    assert [e["id"] for e in got] == seen[:n]
    got = await list_all(client, session_id, created_at_gte=marks[0], created_at_lte=marks[1])
    assert [e["id"] for e in got] == seen[n : 2 * n]


async def test_two_concurrent_streams_see_the_same_events(
    client: AsyncAnthropic, session_id: str
) -> None:
    async with collect(client, session_id) as a, collect(client, session_id) as b:
        await send(client, session_id, user_message("/say one\n/think x\n/say two"))
        await asyncio.gather(
            a.wait_count("session.status_idle", 1), b.wait_count("session.status_idle", 1)
        )
        await send(client, session_id, user_message("again"))
        await asyncio.gather(
            a.wait_count("session.status_idle", 2), b.wait_count("session.status_idle", 2)
        )
    assert_starts_with_user_message(a)
    assert_starts_with_user_message(b)
    assert [e.id for e in a.events] == [e.id for e in b.events], (a.summary(), b.summary())
    assert a.types() == b.types()
    assert len(a.events) >= 2 * len(TURN)
