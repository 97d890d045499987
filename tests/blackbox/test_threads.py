"""Multiagent: a coordinator's roster in the SDK's shapes, and session threads."""

from __future__ import annotations

import uuid
from typing import Any

import httpx2
import pytest
from anthropic import AsyncAnthropic
from anthropic.types.beta import BetaManagedAgentsAgent, BetaManagedAgentsSession
from anthropic.types.beta.sessions import (
    BetaManagedAgentsSessionEvent,
    BetaManagedAgentsSessionThread,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from .helpers import (
    EventCollector,
    Server,
    all_pages,
    assert_error,
    collect,
    raw_json,
    raw_page,
    text_of,
    type_of,
    user_message,
)

MODEL = "claude-sonnet-4-5"


def _name() -> str:
    return "agent-" + uuid.uuid4().hex[:8]


async def _agent(client: AsyncAnthropic, **kw: Any) -> dict[str, Any]:
    kw.setdefault("model", MODEL)
    kw.setdefault("name", _name())
    return await raw_json(client.beta.agents.with_raw_response.create(**kw), BetaManagedAgentsAgent)


async def _coordinator(client: AsyncAnthropic, *workers: dict[str, Any], **kw: Any) -> Any:
    roster = [{"type": "agent", "id": w["id"]} for w in workers]
    return await _agent(client, multiagent={"type": "coordinator", "agents": roster}, **kw)


async def test_coordinator_roster_is_resolved_and_lists_strictly(client: AsyncAnthropic) -> None:
    worker = await _agent(client, name="researcher")
    other = await _agent(client)
    data = await _agent(
        client,
        multiagent={
            "type": "coordinator",
            "agents": [
                worker["id"],
                {"type": "agent", "id": other["id"], "version": 1},
                {"type": "self"},
            ],
        },
    )
    assert data["multiagent"] == {
        "type": "coordinator",
        "agents": [
            {"type": "agent", "id": worker["id"], "version": 1},
            {"type": "agent", "id": other["id"], "version": 1},
            {"type": "agent", "id": data["id"], "version": 1},
        ],
    }
    # Once a coordinator exists, the list still validates strictly.
    agents, _ = await all_pages(
        lambda page: client.beta.agents.with_raw_response.list(**({"page": page} if page else {})),
        BetaManagedAgentsAgent,
    )
    assert data["id"] in {a["id"] for a in agents}
    # An update makes a new version: `self` follows it.
    updated = await raw_json(
        client.beta.agents.with_raw_response.update(data["id"], version=1, system="lead"),
        BetaManagedAgentsAgent,
    )
    assert updated["version"] == 2
    assert updated["multiagent"]["agents"][2] == {"type": "agent", "id": data["id"], "version": 2}


async def test_session_copies_each_roster_agent(
    client: AsyncAnthropic, environment_id: str
) -> None:
    worker = await _agent(client, name="researcher", system="Find things.")
    lead = await _coordinator(client, worker)
    sess = await raw_json(
        client.beta.sessions.with_raw_response.create(
            agent=lead["id"], environment_id=environment_id
        ),
        BetaManagedAgentsSession,
    )
    roster = sess["agent"]["multiagent"]
    assert roster["type"] == "coordinator"
    (member,) = roster["agents"]
    assert member["type"] == "agent" and member["id"] == worker["id"]
    assert member["name"] == "researcher" and member["system"] == "Find things."


@pytest.mark.parametrize("case", ["too_many", "empty", "nested", "unknown", "twice", "bad_type"])
async def test_bad_roster_is_400(
    client: AsyncAnthropic, http: httpx2.AsyncClient, case: str
) -> None:
    worker = await _agent(client)
    entries: list[Any]
    kind = "coordinator"
    if case == "too_many":
        entries = [(await _agent(client))["id"] for _ in range(21)]
    elif case == "empty":
        entries = []
    elif case == "nested":
        entries = [(await _coordinator(client, worker))["id"]]
    elif case == "unknown":
        entries = ["agent_doesnotexist"]
    elif case == "twice":
        entries = [worker["id"], {"type": "agent", "id": worker["id"], "version": 1}]
    else:
        entries, kind = [worker["id"]], "swarm"
    body = {"name": _name(), "model": MODEL, "multiagent": {"type": kind, "agents": entries}}
    resp = await http.post("/v1/agents", json=body)
    assert_error(resp, 400, "invalid_request_error")


async def _coordinator_session(
    client: AsyncAnthropic, environment_id: str, **worker: Any
) -> tuple[str, dict[str, Any]]:
    worker.setdefault("name", "researcher")
    w = await _agent(client, **worker)
    lead = await _coordinator(client, w)
    sess = await client.beta.sessions.create(agent=lead["id"], environment_id=environment_id)
    return sess.id, w


def _idle_after(col: EventCollector, start: int) -> bool:
    return any(type_of(e) == "session.status_idle" for e in col.events[start:])


async def _threads(client: AsyncAnthropic, session_id: str) -> list[dict[str, Any]]:
    page = await raw_page(
        client.beta.sessions.threads.with_raw_response.list(session_id),
        BetaManagedAgentsSessionThread,
    )
    data: list[dict[str, Any]] = page["data"]
    return data


async def test_delegate_round_trip_with_thread_stream(
    client: AsyncAnthropic, environment_id: str
) -> None:
    sid, worker = await _coordinator_session(client, environment_id)
    async with collect(client, sid) as col:
        await client.beta.sessions.events.send(
            sid, events=[user_message("/delegate researcher hello from the lead")]
        )
        await col.wait_for(lambda evs: _idle_after(col, 0), what="idle after delegating")
        types = col.types()
        for t in (
            "session.thread_created",
            "agent.thread_message_sent",
            "session.thread_status_running",
            "session.thread_status_idle",
            "agent.thread_message_received",
        ):
            assert t in types, col.summary()
        assert types.index("session.thread_created") < types.index("agent.thread_message_sent")
        created = next(e for e in col.events if type_of(e) == "session.thread_created")
        assert created.agent_name == "researcher"
        tid = created.session_thread_id
        assert tid.startswith("sthr_")
        got = next(e for e in col.events if type_of(e) == "agent.thread_message_received")
        assert got.from_session_thread_id == tid and got.from_agent_name == "researcher"
        assert "hello from the lead" in text_of(got)
        # The coordinator received the reply as its delegate call's result.
        last = [e for e in col.events if type_of(e) == "agent.message"][-1]
        assert "hello from the lead" in text_of(last), col.summary()

        threads = await _threads(client, sid)
        assert len(threads) == 2
        primary = next(t for t in threads if t["parent_thread_id"] is None)
        child = next(t for t in threads if t["id"] == tid)
        assert child["parent_thread_id"] == primary["id"]
        assert child["agent"]["id"] == worker["id"] and child["agent"]["name"] == "researcher"
        assert child["status"] == "idle"
        assert child["session_id"] == sid
        one = await raw_json(
            client.beta.sessions.threads.with_raw_response.retrieve(tid, session_id=sid),
            BetaManagedAgentsSessionThread,
        )
        assert one["id"] == tid and one["usage"]["output_tokens"] > 0

        # A follow-up goes to the same thread, watched live on its own stream.
        stream = await client.beta.sessions.threads.events.stream(tid, session_id=sid)
        thread_col = EventCollector(stream)
        try:
            start = len(col.events)
            await client.beta.sessions.events.send(
                sid, events=[user_message("/delegate researcher /say second answer")]
            )
            await thread_col.wait_for(
                lambda evs: any(type_of(e) == "agent.thread_message_sent" for e in evs),
                what="the thread's reply on its stream",
            )
            ttypes = thread_col.types()
            assert ttypes[0] == "agent.thread_message_received", thread_col.summary()
            assert "agent.message" in ttypes
            said = next(e for e in thread_col.events if type_of(e) == "agent.message")
            assert text_of(said) == "second answer"
            await col.wait_for(lambda evs: _idle_after(col, start), what="second idle")
            replies = [
                e for e in col.events[start:] if type_of(e) == "agent.thread_message_received"
            ]
            assert [text_of(r) for r in replies] == ["second answer"]
        finally:
            await thread_col.close()
    assert len(await _threads(client, sid)) == 2
    # The thread's events, listed and checked against the SDK.
    page = await raw_page(
        client.beta.sessions.threads.events.with_raw_response.list(tid, session_id=sid),
        BetaManagedAgentsSessionEvent,
    )
    listed = [e["type"] for e in page["data"]]
    assert listed.count("agent.thread_message_received") == 2
    # The primary thread's events are the session's: no thread-internal agent messages.
    assert "second answer" not in [text_of(e) for e in col.events if type_of(e) == "agent.message"]


async def test_archive_thread(
    client: AsyncAnthropic, environment_id: str, http: httpx2.AsyncClient
) -> None:
    sid, _ = await _coordinator_session(client, environment_id)
    async with collect(client, sid) as col:
        await client.beta.sessions.events.send(
            sid, events=[user_message("/delegate researcher hi")]
        )
        await col.wait_for(lambda evs: _idle_after(col, 0), what="idle")
    threads = await _threads(client, sid)
    child = next(t for t in threads if t["parent_thread_id"] is not None)
    primary = next(t for t in threads if t["parent_thread_id"] is None)
    archived = await raw_json(
        client.beta.sessions.threads.with_raw_response.archive(child["id"], session_id=sid),
        BetaManagedAgentsSessionThread,
    )
    assert archived["archived_at"] is not None
    resp = await http.post(f"/v1/sessions/{sid}/threads/{primary['id']}/archive")
    assert_error(resp, 400, "invalid_request_error")
    resp = await http.get(f"/v1/sessions/{sid}/threads/sthr_nope")
    assert_error(resp, 404, "not_found_error")
    resp = await http.get(f"/v1/sessions/{sid}/threads/sthr_nope/events")
    assert_error(resp, 404, "not_found_error")


ASK_BASH = {
    "type": "agent_toolset_20260401",
    "configs": [{"name": "bash", "permission_policy": {"type": "always_ask"}}],
}


async def test_confirmation_inside_a_thread_is_answered_through_the_session(
    client: AsyncAnthropic, environment_id: str
) -> None:
    sid, _ = await _coordinator_session(client, environment_id, tools=[ASK_BASH])
    async with collect(client, sid) as col:
        step = '/delegate researcher /tool bash {"command": "echo from-thread"}'
        await client.beta.sessions.events.send(sid, events=[user_message(step)])
        await col.wait_for(lambda evs: _idle_after(col, 0), what="idle asking for confirmation")
        created = next(e for e in col.events if type_of(e) == "session.thread_created")
        tid = created.session_thread_id
        ask = next(e for e in col.events if type_of(e) == "agent.tool_use")
        assert ask.session_thread_id == tid and ask.name == "bash"
        idle = [e for e in col.events if type_of(e) == "session.status_idle"][-1]
        assert idle.stop_reason.type == "requires_action"
        assert idle.stop_reason.event_ids == [ask.id]
        thread = await client.beta.sessions.threads.retrieve(tid, session_id=sid)
        assert thread.status == "idle"

        start = len(col.events)
        await client.beta.sessions.events.send(
            sid,
            events=[{"type": "user.tool_confirmation", "tool_use_id": ask.id, "result": "allow"}],
        )
        await col.wait_for(
            lambda evs: _idle_after(col, start), what="idle after the thread resumed"
        )
        after = col.events[start:]
        assert "agent.thread_message_received" in [type_of(e) for e in after], col.summary()
        (routed,) = [e for e in after if type_of(e) == "user.tool_confirmation"]
        assert routed.session_thread_id == tid
        last_idle = [e for e in after if type_of(e) == "session.status_idle"][-1]
        assert last_idle.stop_reason.type == "end_turn"
    # The thread ran the confirmed call itself: its result is on the thread's stream.
    page = await raw_page(
        client.beta.sessions.threads.events.with_raw_response.list(tid, session_id=sid),
        BetaManagedAgentsSessionEvent,
    )
    results = [e for e in page["data"] if e["type"] == "agent.tool_result"]
    assert [r["tool_use_id"] for r in results] == [ask.id]
    confirmations = [e for e in page["data"] if e["type"] == "user.tool_confirmation"]
    assert [c["tool_use_id"] for c in confirmations] == [ask.id]


async def test_interrupt_stops_the_sessions_threads(
    client: AsyncAnthropic, environment_id: str
) -> None:
    sid, _ = await _coordinator_session(client, environment_id)
    async with collect(client, sid) as col:
        await client.beta.sessions.events.send(
            sid, events=[user_message("/delegate researcher /sleep 60")]
        )
        await col.wait_for(
            lambda evs: any(type_of(e) == "session.thread_status_running" for e in evs),
            what="the thread running",
        )
        tid = next(
            e for e in col.events if type_of(e) == "session.thread_created"
        ).session_thread_id
        await client.beta.sessions.events.send(sid, events=[{"type": "user.interrupt"}])
        await col.wait_for(lambda evs: _idle_after(col, 0), what="idle after the interrupt")
        await col.wait_for(
            lambda evs: any(type_of(e) == "session.thread_status_idle" for e in evs),
            what="the thread idle",
        )
    thread = await client.beta.sessions.threads.retrieve(tid, session_id=sid)
    assert thread.status == "idle"
    session = await client.beta.sessions.retrieve(sid)
    assert session.status == "idle"


async def _thread_rows(server: Server, session_id: str) -> tuple[int, int]:
    """(threads, thread events) stored for ``session_id``, read from the database."""
    url = getattr(server, "db_url", None) or f"sqlite+aiosqlite:///{server.data_dir}/sessiond.db"
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            threads = (
                await conn.execute(
                    text("SELECT count(*) FROM session_threads WHERE session_id = :s"),
                    {"s": session_id},
                )
            ).scalar_one()
            events = (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM thread_events WHERE thread_id IN "
                        "(SELECT id FROM session_threads WHERE session_id = :s)"
                    ),
                    {"s": session_id},
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    return int(threads), int(events)


async def test_deleting_a_session_deletes_its_threads(
    server: Server, client: AsyncAnthropic, environment_id: str
) -> None:
    sid, _ = await _coordinator_session(client, environment_id)
    async with collect(client, sid) as col:
        await client.beta.sessions.events.send(
            sid, events=[user_message("/delegate researcher hi")]
        )
        await col.wait_for(lambda evs: _idle_after(col, 0), what="idle")
    threads, events = await _thread_rows(server, sid)
    assert threads >= 2 and events > 0
    await client.beta.sessions.delete(sid)
    assert await _thread_rows(server, sid) == (0, 0)
