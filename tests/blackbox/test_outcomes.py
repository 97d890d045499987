"""Outcomes through the SDK: the agent works, the grader (offline: `must:`
lines, CONTRACT §3) evaluates, feedback drives the next iteration."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
from anthropic import AsyncAnthropic, omit
from anthropic.types.beta import BetaManagedAgentsSession
from anthropic.types.beta.sessions import (
    BetaManagedAgentsSendSessionEvents,
    BetaManagedAgentsSessionEvent,
)

from .helpers import (
    Server,
    all_pages,
    assert_error,
    collect,
    interrupt,
    raw_json,
    start_server,
    text_of,
    type_of,
    user_message,
)
from .test_sse import check_frame, raw_stream

SPANS = (
    "span.outcome_evaluation_start",
    "span.outcome_evaluation_ongoing",
    "span.outcome_evaluation_end",
)


def outcome(description: str, rubric: str, max_iterations: int | None = None) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "type": "user.define_outcome",
        "description": description,
        "rubric": {"type": "text", "content": rubric},
    }
    if max_iterations is not None:
        ev["max_iterations"] = max_iterations
    return ev


async def send(client: AsyncAnthropic, sid: str, *events: Any) -> dict[str, Any]:
    return await raw_json(
        client.beta.sessions.events.with_raw_response.send(sid, events=list(events)),
        BetaManagedAgentsSendSessionEvents,
    )


async def events_of(client: AsyncAnthropic, sid: str) -> list[dict[str, Any]]:
    """Every event, each checked strictly against the SDK's event union."""

    def fetch(tok: str | None):  # type: ignore[no-untyped-def]
        return client.beta.sessions.events.with_raw_response.list(sid, page=tok or omit)

    items, _ = await all_pages(fetch, BetaManagedAgentsSessionEvent)
    return list(items)


async def session_json(client: AsyncAnthropic, sid: str) -> dict[str, Any]:
    return await raw_json(
        client.beta.sessions.with_raw_response.retrieve(sid), BetaManagedAgentsSession
    )


def of_type(events: list[dict[str, Any]], t: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == t]


ASK_TOOLSET: dict[str, Any] = {
    "type": "agent_toolset_20260401",
    "default_config": {"permission_policy": {"type": "always_ask"}},
}
LOOKUP: dict[str, Any] = {
    "type": "custom",
    "name": "lookup",
    "description": "Looks a query up in the caller's catalogue.",
    "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
}


def tool_line(name: str, tool_input: dict[str, Any]) -> str:
    return f"/tool {name} {json.dumps(tool_input)}"


async def session_with(client: AsyncAnthropic, environment_id: str, tools: list[Any]) -> str:
    agent = await client.beta.agents.create(
        model="claude-sonnet-4-5",
        name="outcome-tools",
        tools=tools,  # type: ignore[arg-type]
    )
    return (await client.beta.sessions.create(agent=agent.id, environment_id=environment_id)).id


async def wait_session(
    client: AsyncAnthropic,
    sid: str,
    pred: Callable[[dict[str, Any]], bool],
    what: str,
    within: float = 20,
) -> dict[str, Any]:
    """The session's JSON once ``pred`` holds (polled, with a deadline)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        session = await session_json(client, sid)
        if pred(session):
            return session
        assert loop.time() < deadline, f"no {what} within {within}s: {session}"
        await asyncio.sleep(0.05)


async def paused_on(client: AsyncAnthropic, sid: str, col: Any, tool_type: str) -> dict[str, Any]:
    """Waits until the outcome's turn stopped for the client; returns the tool use."""
    await col.wait_count("session.status_idle", 1, within=20)
    use = next(e for e in col.events if type_of(e) == tool_type)
    idle = [e for e in col.events if type_of(e) == "session.status_idle"][-1]
    assert idle.stop_reason.type == "requires_action", col.summary()
    assert idle.stop_reason.event_ids == [use.id], col.summary()
    assert not any(t in SPANS for t in col.types()), col.summary()
    session = await session_json(client, sid)
    assert session["status"] == "idle"
    (state,) = session["outcome_evaluations"]
    # Paused, not ended: the outcome goes on once the client answers.
    assert (state["result"], state["completed_at"]) == ("running", None), state
    return {"id": use.id}


async def test_feedback_drives_a_second_iteration_that_satisfies_the_rubric(
    client: AsyncAnthropic, session_id: str
) -> None:
    # The offline model echoes the description (no "/" lines), which lacks the
    # must: text; the grader's feedback quotes it; the model then works on the
    # feedback as on a message and echoes it, quote included.
    async with collect(client, session_id) as col:
        sent = await send(
            client, session_id, outcome("Write the greeting.", "# Greeting\nmust: HELLO-42")
        )
        await col.wait_count("session.status_idle", 1, within=20)
    echo = sent["data"][0]
    assert echo["type"] == "user.define_outcome"
    assert echo["outcome_id"].startswith("outc_")
    assert echo["processed_at"] is not None
    oid = echo["outcome_id"]
    # Listed on the session from the moment it was accepted.
    assert [
        e["outcome_id"] for e in (await session_json(client, session_id))["outcome_evaluations"]
    ] == [oid]

    types = col.types()
    assert types.count("session.status_running") == 1, col.summary()
    assert types.count("session.status_idle") == 1, col.summary()
    assert types[-1] == "session.status_idle", col.summary()
    spans = [t for t in types if t in SPANS]
    assert spans == [*SPANS, *SPANS], col.summary()

    events = await events_of(client, session_id)
    starts = of_type(events, "span.outcome_evaluation_start")
    ongoing = of_type(events, "span.outcome_evaluation_ongoing")
    ends = of_type(events, "span.outcome_evaluation_end")
    assert [s["iteration"] for s in starts] == [0, 1]
    assert [o["iteration"] for o in ongoing] == [0, 1]
    assert [e["iteration"] for e in ends] == [0, 1]
    assert {x["outcome_id"] for x in starts + ongoing + ends} == {oid}
    assert [e["result"] for e in ends] == ["needs_revision", "satisfied"]
    assert [e["outcome_evaluation_start_id"] for e in ends] == [s["id"] for s in starts]
    assert '"HELLO-42"' in ends[0]["explanation"]
    for e in ends:
        assert e["usage"]["input_tokens"] > 0 and e["usage"]["output_tokens"] > 0

    messages = [text_of(e) for e in of_type(events, "agent.message")]
    assert len(messages) == 2, messages
    assert "HELLO-42" not in messages[0] and "Write the greeting." in messages[0]
    assert "HELLO-42" in messages[1]
    # The second message came after the first evaluation, the last end before idle.
    order = [e["id"] for e in events]
    assert order.index(ends[0]["id"]) < order.index(of_type(events, "agent.message")[1]["id"])
    assert events[-1]["type"] == "session.status_idle"
    assert events[-1]["stop_reason"]["type"] == "end_turn"

    session = await session_json(client, session_id)
    assert session["status"] == "idle"
    (state,) = session["outcome_evaluations"]
    assert state["type"] == "outcome_evaluation"
    assert (state["outcome_id"], state["result"], state["iteration"]) == (oid, "satisfied", 1)
    assert state["description"] == "Write the greeting."
    assert state["completed_at"] is not None and state["explanation"]


async def test_the_budget_runs_out_then_one_acknowledgment_turn_follows(
    client: AsyncAnthropic, session_id: str
) -> None:
    async with collect(client, session_id) as col:
        await send(client, session_id, outcome("Try once.", "must: NEVER-SAID", max_iterations=1))
        await col.wait_count("session.status_idle", 1, within=20)
    events = await events_of(client, session_id)
    ends = of_type(events, "span.outcome_evaluation_end")
    assert [(e["iteration"], e["result"]) for e in ends] == [(0, "max_iterations_reached")]
    assert len(of_type(events, "span.outcome_evaluation_start")) == 1
    # The acknowledgment turn works on the last feedback; nothing is evaluated after it.
    after = [e["type"] for e in events[[e["id"] for e in events].index(ends[0]["id"]) + 1 :]]
    assert after == [
        "span.model_request_start",
        "agent.message",
        "span.model_request_end",
        "session.status_idle",
    ], after
    assert "NEVER-SAID" in text_of(of_type(events, "agent.message")[-1])
    (state,) = (await session_json(client, session_id))["outcome_evaluations"]
    assert (state["result"], state["iteration"]) == ("max_iterations_reached", 0)
    assert state["completed_at"] is not None


async def test_an_interrupt_ends_the_outcome(client: AsyncAnthropic, session_id: str) -> None:
    async with collect(client, session_id) as col:
        await send(client, session_id, outcome("/sleep 30\n/say late", "must: late"))
        await col.wait_count("span.model_request_start", 1, within=20)
        state = (await session_json(client, session_id))["outcome_evaluations"][0]
        assert (state["result"], state["completed_at"]) == ("running", None)
        await send(client, session_id, interrupt())
        await col.wait_count("session.status_idle", 1, within=20)
    assert not any(t in SPANS for t in col.types()), col.summary()
    assert "late" not in [text_of(e) for e in col.events]
    session = await session_json(client, session_id)
    assert session["status"] == "idle"
    (state,) = session["outcome_evaluations"]
    assert state["result"] == "interrupted" and state["completed_at"] is not None
    # The session takes the next outcome afterwards.
    async with collect(client, session_id) as col:
        await send(client, session_id, outcome("say OK-1", "must: OK-1"))
        await col.wait_count("span.outcome_evaluation_end", 1, within=20)
        await col.wait_count("session.status_idle", 1, within=20)
    results = [e["result"] for e in (await session_json(client, session_id))["outcome_evaluations"]]
    assert results == ["interrupted", "satisfied"]


async def test_an_outcome_in_initial_events_runs_at_create(
    client: AsyncAnthropic, agent_id: str, environment_id: str
) -> None:
    raw = await raw_json(
        client.beta.sessions.with_raw_response.create(
            agent=agent_id,
            environment_id=environment_id,
            initial_events=[outcome("Report DONE-7 now.", "must: DONE-7\nmust: now")],  # type: ignore[list-item]
        ),
        BetaManagedAgentsSession,
    )
    sid = raw["id"]
    (pending,) = raw["outcome_evaluations"]
    assert (pending["result"], pending["iteration"]) == ("pending", 0)
    assert pending["description"] == "Report DONE-7 now."
    assert pending["outcome_id"].startswith("outc_") and pending["completed_at"] is None
    async with collect(client, sid) as col:
        await col.wait_for(
            lambda evs: any(type_of(e) == "session.status_idle" for e in evs),
            within=20,
            what="idle",
        )
    events = await events_of(client, sid)
    ends = of_type(events, "span.outcome_evaluation_end")
    assert [(e["iteration"], e["result"]) for e in ends] == [(0, "satisfied")]
    (state,) = (await session_json(client, sid))["outcome_evaluations"]
    assert state["result"] == "satisfied"


async def test_bad_outcomes_are_refused(http: httpx2.AsyncClient, session_id: str) -> None:
    url = f"/v1/sessions/{session_id}/events"
    for bad in (0, 21):
        resp = await http.post(url, json={"events": [outcome("d", "must: x", max_iterations=bad)]})
        body = assert_error(resp, 400, "invalid_request_error")
        assert "max_iterations" in body["error"]["message"]
    resp = await http.post(url, json={"events": [outcome("d", "")]})
    assert_error(resp, 400, "invalid_request_error")
    resp = await http.post(url, json={"events": [file_outcome("d", "")]})
    body = assert_error(resp, 400, "invalid_request_error")
    assert "file_id" in body["error"]["message"]


# ------------------------------------------------------------------------ file rubrics


def file_outcome(description: str, file_id: str) -> dict[str, Any]:
    return {
        "type": "user.define_outcome",
        "description": description,
        "rubric": {"type": "file", "file_id": file_id},
    }


async def upload(client: AsyncAnthropic, name: str, content: bytes, mime: str) -> str:
    return (await client.beta.files.upload(file=(name, content, mime))).id


async def test_a_file_rubric_is_graded_by_its_must_lines(
    client: AsyncAnthropic, session_id: str
) -> None:
    # The first iteration echoes the description, which lacks FILE-OK-4: the
    # grader quotes it from the file's text, the second iteration satisfies it.
    file_id = await upload(
        client, "rubric.md", "# Rubric — é\nmust: FILE-OK-4\n".encode(), "text/markdown"
    )
    async with collect(client, session_id) as col:
        sent = await send(client, session_id, file_outcome("Write the report.", file_id))
        await col.wait_count("session.status_idle", 1, within=20)
    (echo,) = sent["data"]
    assert echo["rubric"] == {"type": "file", "file_id": file_id}
    events = await events_of(client, session_id)
    (defined,) = of_type(events, "user.define_outcome")
    assert defined["rubric"] == {"type": "file", "file_id": file_id}
    ends = of_type(events, "span.outcome_evaluation_end")
    assert [(e["iteration"], e["result"]) for e in ends] == [
        (0, "needs_revision"),
        (1, "satisfied"),
    ]
    assert '"FILE-OK-4"' in ends[0]["explanation"]
    (state,) = (await session_json(client, session_id))["outcome_evaluations"]
    assert (state["result"], state["iteration"]) == ("satisfied", 1)


async def test_a_file_rubric_that_is_not_met_runs_out_of_iterations(
    client: AsyncAnthropic, session_id: str
) -> None:
    file_id = await upload(client, "rubric.txt", b"must: NEVER-IN-FILE\n", "text/plain")
    async with collect(client, session_id) as col:
        await send(client, session_id, {**file_outcome("Say hi.", file_id), "max_iterations": 1})
        await col.wait_count("session.status_idle", 1, within=20)
    ends = of_type(await events_of(client, session_id), "span.outcome_evaluation_end")
    assert [(e["iteration"], e["result"]) for e in ends] == [(0, "max_iterations_reached")]
    assert '"NEVER-IN-FILE"' in ends[0]["explanation"]


async def test_a_file_rubric_in_initial_events_is_read(
    client: AsyncAnthropic, agent_id: str, environment_id: str
) -> None:
    file_id = await upload(client, "r.md", b"must: Report INIT-2\n", "text/markdown")
    raw = await raw_json(
        client.beta.sessions.with_raw_response.create(
            agent=agent_id,
            environment_id=environment_id,
            initial_events=[file_outcome("Report INIT-2", file_id)],  # type: ignore[list-item]
        ),
        BetaManagedAgentsSession,
    )
    # It may be over before a stream opens: the stored events are read instead.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while not of_type(events := await events_of(client, raw["id"]), "session.status_idle"):
        assert loop.time() < deadline, [e["type"] for e in events]
        await asyncio.sleep(0.05)
    ends = of_type(events, "span.outcome_evaluation_end")
    assert [(e["iteration"], e["result"]) for e in ends] == [(0, "satisfied")]


async def test_bad_rubric_files_are_refused_when_the_outcome_is_defined(
    client: AsyncAnthropic, http: httpx2.AsyncClient, agent_id: str, environment_id: str
) -> None:
    sid = (await client.beta.sessions.create(agent=agent_id, environment_id=environment_id)).id
    url = f"/v1/sessions/{sid}/events"
    missing = "file_011CZZZZZZZZZZZZZZZZZZZZ"
    resp = await http.post(url, json={"events": [file_outcome("d", missing)]})
    body = assert_error(resp, 404, "not_found_error")
    assert missing in body["error"]["message"]
    binary = await upload(client, "r.bin", b"\x89PNG\r\n\x1a\n\x00\xff\xfe", "image/png")
    resp = await http.post(url, json={"events": [file_outcome("d", binary)]})
    body = assert_error(resp, 400, "invalid_request_error")
    assert "UTF-8" in body["error"]["message"] and binary in body["error"]["message"]
    big = await upload(client, "big.md", b"must: x\n" + b"a" * (256 * 1024), "text/markdown")
    resp = await http.post(url, json={"events": [file_outcome("d", big)]})
    body = assert_error(resp, 400, "invalid_request_error")
    assert "at most 262144 bytes" in body["error"]["message"]
    # At create too, and nothing was made.
    before = [s.id async for s in client.beta.sessions.list(limit=100)]
    resp = await http.post(
        "/v1/sessions",
        json={
            "agent": agent_id,
            "environment_id": environment_id,
            "initial_events": [file_outcome("d", missing)],
        },
    )
    assert_error(resp, 404, "not_found_error")
    assert [s.id async for s in client.beta.sessions.list(limit=100)] == before
    # Refused events were not stored: the session has none.
    assert await events_of(client, sid) == []
    assert (await session_json(client, sid))["outcome_evaluations"] == []


# ------------------------------------------------------- iterations that wait for the client


async def test_an_outcome_waits_for_a_tool_confirmation_then_is_graded(
    client: AsyncAnthropic, environment_id: str
) -> None:
    sid = await session_with(client, environment_id, [ASK_TOOLSET])
    async with collect(client, sid) as col:
        await send(
            client,
            sid,
            outcome(tool_line("bash", {"command": "echo CONFIRMED-7"}), "must: CONFIRMED-7"),
        )
        use = await paused_on(client, sid, col, "agent.tool_use")
        await send(
            client,
            sid,
            {"type": "user.tool_confirmation", "tool_use_id": use["id"], "result": "allow"},
        )
        await col.wait_count("session.status_idle", 2, within=20)
    events = await events_of(client, sid)
    (result,) = of_type(events, "agent.tool_result")
    assert result["tool_use_id"] == use["id"] and "CONFIRMED-7" in text_of(result)
    ends = of_type(events, "span.outcome_evaluation_end")
    assert [(e["iteration"], e["result"]) for e in ends] == [(0, "satisfied")]
    # Evaluated after the answer; the session went idle once, at the end, with end_turn.
    order = [e["id"] for e in events]
    assert order.index(result["id"]) < order.index(ends[0]["id"])
    assert events[-1]["type"] == "session.status_idle"
    assert events[-1]["stop_reason"]["type"] == "end_turn"
    assert [e["type"] for e in events].count("session.status_running") == 2
    (state,) = (await session_json(client, sid))["outcome_evaluations"]
    assert (state["result"], state["iteration"]) == ("satisfied", 0)
    assert state["completed_at"] is not None


async def test_an_outcome_waits_for_a_custom_tool_result_then_is_graded(
    client: AsyncAnthropic, environment_id: str
) -> None:
    sid = await session_with(client, environment_id, [LOOKUP])
    async with collect(client, sid) as col:
        await send(client, sid, outcome(tool_line("lookup", {"q": "price"}), "must: CUSTOM-OUT-9"))
        use = await paused_on(client, sid, col, "agent.custom_tool_use")
        await send(
            client,
            sid,
            {
                "type": "user.custom_tool_result",
                "custom_tool_use_id": use["id"],
                "content": [{"type": "text", "text": "CUSTOM-OUT-9"}],
            },
        )
        await col.wait_count("span.outcome_evaluation_end", 1, within=20)
        await col.wait_count("session.status_idle", 2, within=20)
    ends = of_type(await events_of(client, sid), "span.outcome_evaluation_end")
    assert [(e["iteration"], e["result"]) for e in ends] == [(0, "satisfied")]
    (state,) = (await session_json(client, sid))["outcome_evaluations"]
    assert state["result"] == "satisfied" and state["completed_at"] is not None


async def test_a_second_iteration_that_waits_goes_on_with_its_feedback(
    client: AsyncAnthropic, environment_id: str
) -> None:
    # Iteration 0 waits for a custom tool whose answer lacks the must: text;
    # after the answer it is graded needs_revision, and iteration 1 works on
    # the feedback (which quotes the missing text) as usual.
    sid = await session_with(client, environment_id, [LOOKUP])
    async with collect(client, sid) as col:
        await send(client, sid, outcome(tool_line("lookup", {"q": "a"}), "must: NEEDED-3"))
        use = await paused_on(client, sid, col, "agent.custom_tool_use")
        await send(
            client,
            sid,
            {
                "type": "user.custom_tool_result",
                "custom_tool_use_id": use["id"],
                "content": [{"type": "text", "text": "not it"}],
            },
        )
        await col.wait_count("session.status_idle", 2, within=20)
    ends = of_type(await events_of(client, sid), "span.outcome_evaluation_end")
    assert [(e["iteration"], e["result"]) for e in ends] == [
        (0, "needs_revision"),
        (1, "satisfied"),
    ]


async def test_an_interrupt_while_the_outcome_waits_ends_it_interrupted(
    client: AsyncAnthropic, environment_id: str
) -> None:
    sid = await session_with(client, environment_id, [ASK_TOOLSET])
    async with collect(client, sid) as col:
        await send(
            client, sid, outcome(tool_line("bash", {"command": "echo LATE-1"}), "must: LATE-1")
        )
        use = await paused_on(client, sid, col, "agent.tool_use")
        await send(client, sid, interrupt())
        session = await wait_session(
            client,
            sid,
            lambda s: s["outcome_evaluations"][0]["completed_at"] is not None,
            "ended outcome",
        )
        (state,) = session["outcome_evaluations"]
        assert state["result"] == "interrupted" and "interrupt" in state["explanation"]
        # The tool use still waits; answering it runs an ordinary turn, graded by nobody.
        await send(
            client,
            sid,
            {"type": "user.tool_confirmation", "tool_use_id": use["id"], "result": "allow"},
        )
        await col.wait_count("session.status_idle", 2, within=20)
    assert not any(t in SPANS for t in col.types()), col.summary()
    (state,) = (await session_json(client, sid))["outcome_evaluations"]
    assert state["result"] == "interrupted"


async def test_a_message_while_the_outcome_waits_goes_on_with_the_outcome(
    client: AsyncAnthropic, environment_id: str
) -> None:
    sid = await session_with(client, environment_id, [LOOKUP])
    async with collect(client, sid) as col:
        await send(client, sid, outcome(tool_line("lookup", {"q": "a"}), "must: FROM-USER-5"))
        await paused_on(client, sid, col, "agent.custom_tool_use")
        await send(client, sid, user_message("Here it is: FROM-USER-5"))
        await col.wait_count("span.outcome_evaluation_end", 1, within=20)
        await col.wait_count("session.status_idle", 2, within=20)
    ends = of_type(await events_of(client, sid), "span.outcome_evaluation_end")
    assert [(e["iteration"], e["result"]) for e in ends] == [(0, "satisfied")]


async def test_a_restart_while_the_outcome_waits_then_the_answer_resumes_it(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    srv: Server = await start_server(data, api_key="k-outcome", log_dir=tmp_path / "logs")
    try:
        async with srv.client() as c:
            env = await c.beta.environments.create(name="outcome-restart")
            sid = await session_with(c, env.id, [ASK_TOOLSET])
            async with collect(c, sid) as col:
                await send(
                    c, sid, outcome(tool_line("bash", {"command": "echo AFTER-9"}), "must: AFTER-9")
                )
                use = await paused_on(c, sid, col, "agent.tool_use")
    finally:
        assert await srv.stop() == 0, srv.describe()
    again = await start_server(data, api_key="k-outcome", log_dir=tmp_path / "logs2")
    try:
        async with again.client() as c:
            (state,) = (await session_json(c, sid))["outcome_evaluations"]
            assert (state["result"], state["completed_at"]) == ("running", None)
            async with collect(c, sid) as col:
                await send(
                    c,
                    sid,
                    {"type": "user.tool_confirmation", "tool_use_id": use["id"], "result": "allow"},
                )
                await col.wait_count("span.outcome_evaluation_end", 1, within=20)
                await col.wait_count("session.status_idle", 1, within=20)
            ends = of_type(await events_of(c, sid), "span.outcome_evaluation_end")
            assert [(e["iteration"], e["result"]) for e in ends] == [(0, "satisfied")]
            (state,) = (await session_json(c, sid))["outcome_evaluations"]
            assert state["result"] == "satisfied" and state["completed_at"] is not None
    finally:
        assert await again.stop() == 0, again.describe()


async def test_a_rubric_file_deleted_before_grading_fails_the_outcome(
    client: AsyncAnthropic, environment_id: str
) -> None:
    # The rubric is read when the first evaluation starts: here after the
    # iteration's wait for a custom tool, by which time the file is gone.
    file_id = await upload(client, "r.md", b"must: GONE-1\n", "text/markdown")
    sid = await session_with(client, environment_id, [LOOKUP])
    async with collect(client, sid) as col:
        await send(client, sid, file_outcome(tool_line("lookup", {"q": "a"}), file_id))
        use = await paused_on(client, sid, col, "agent.custom_tool_use")
        await client.beta.files.delete(file_id)
        await send(
            client,
            sid,
            {
                "type": "user.custom_tool_result",
                "custom_tool_use_id": use["id"],
                "content": [{"type": "text", "text": "GONE-1"}],
            },
        )
        await col.wait_count("session.status_idle", 2, within=20)
    ends = of_type(await events_of(client, sid), "span.outcome_evaluation_end")
    assert [(e["iteration"], e["result"]) for e in ends] == [(0, "failed")]
    assert file_id in ends[0]["explanation"]
    (state,) = (await session_json(client, sid))["outcome_evaluations"]
    assert state["result"] == "failed" and state["completed_at"] is not None


async def test_a_rubric_file_of_another_workspace_is_not_found(tmp_path: Path) -> None:
    srv = await start_server(
        tmp_path / "data",
        api_key=None,
        log_dir=tmp_path / "logs",
        args=["--api-key", "a=k-outcome-a", "--api-key", "b=k-outcome-b"],
    )
    try:
        async with srv.client(api_key="k-outcome-a") as a:
            theirs = await upload(a, "r.md", b"must: A-ONLY\n", "text/markdown")
        async with srv.client(api_key="k-outcome-b") as b, srv.http(api_key="k-outcome-b") as h:
            agent = await b.beta.agents.create(model="claude-sonnet-4-5", name="b")
            env = await b.beta.environments.create(name="b")
            sid = (await b.beta.sessions.create(agent=agent.id, environment_id=env.id)).id
            resp = await h.post(
                f"/v1/sessions/{sid}/events", json={"events": [file_outcome("d", theirs)]}
            )
            body = assert_error(resp, 404, "not_found_error")
            assert theirs in body["error"]["message"]
            mine = await upload(b, "r.md", b"must: B-OWN\n", "text/markdown")
            async with collect(b, sid) as col:
                await send(b, sid, file_outcome("Say B-OWN", mine))
                await col.wait_count("session.status_idle", 1, within=20)
            ends = of_type(await events_of(b, sid), "span.outcome_evaluation_end")
            assert [e["result"] for e in ends] == ["satisfied"]
    finally:
        assert await srv.stop() == 0, srv.describe()


async def test_the_outcome_surface_is_the_sdks_on_the_raw_stream_and_in_lists(
    client: AsyncAnthropic, http: httpx2.AsyncClient, environment_id: str
) -> None:
    """Every raw SSE frame of an outcome with a file rubric that pauses for a
    custom tool, then needs a revision, is a strict SDK stream event; the
    session in lists carries its outcome_evaluations as the SDK has them."""
    file_id = await upload(client, "r.md", b"must: STRICT-8\n", "text/markdown")
    sid = await session_with(client, environment_id, [LOOKUP])
    async with raw_stream(http, sid) as rs:
        await send(client, sid, file_outcome(tool_line("lookup", {"q": "a"}), file_id))
        await rs.wait_count("session.status_idle", 1, within=20)
        use = next(check_frame(f) for f in rs.frames if f.event == "agent.custom_tool_use")
        await send(
            client,
            sid,
            {
                "type": "user.custom_tool_result",
                "custom_tool_use_id": use["id"],
                "content": [{"type": "text", "text": "no"}],
            },
        )
        await rs.wait_count("session.status_idle", 2, within=20)
        frames = [check_frame(f) for f in rs.frames]
    types = [f["type"] for f in frames]
    assert types.count("span.outcome_evaluation_end") == 2, types
    (defined,) = [f for f in frames if f["type"] == "user.define_outcome"]
    assert defined["rubric"] == {"type": "file", "file_id": file_id}
    ends = [f for f in frames if f["type"] == "span.outcome_evaluation_end"]
    assert [e["result"] for e in ends] == ["needs_revision", "satisfied"]

    def fetch(tok: str | None):  # type: ignore[no-untyped-def]
        return client.beta.sessions.with_raw_response.list(limit=100, page=tok or omit)

    sessions, _ = await all_pages(fetch, BetaManagedAgentsSession, bidirectional=True)
    (listed,) = [x for x in sessions if x["id"] == sid]
    (state,) = listed["outcome_evaluations"]
    assert (state["type"], state["result"], state["iteration"]) == (
        "outcome_evaluation",
        "satisfied",
        1,
    )


async def test_a_new_outcome_while_one_waits_ends_the_waiting_one(
    client: AsyncAnthropic, environment_id: str
) -> None:
    sid = await session_with(client, environment_id, [LOOKUP])
    async with collect(client, sid) as col:
        await send(client, sid, outcome(tool_line("lookup", {"q": "a"}), "must: FIRST-1"))
        await paused_on(client, sid, col, "agent.custom_tool_use")
        await send(client, sid, outcome("Say SECOND-2", "must: SECOND-2"))
        await col.wait_count("span.outcome_evaluation_end", 1, within=20)
        await col.wait_count("session.status_idle", 2, within=20)
    first, second = (await session_json(client, sid))["outcome_evaluations"]
    assert first["result"] == "interrupted" and first["completed_at"] is not None
    assert "new outcome" in first["explanation"]
    assert second["result"] == "satisfied"
    ends = of_type(await events_of(client, sid), "span.outcome_evaluation_end")
    assert [e["outcome_id"] for e in ends] == [second["outcome_id"]]
