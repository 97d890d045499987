"""Turn runtime through `sessiond serve` and the SDK: tools, permissions, custom tools, retries,
usage, and the Anthropic model backend against a scripted local Messages API.

Every test here drives its own `sessiond serve` process (one per backend, per module) with the
official SDK, reads events from the SSE stream to synchronise, and asserts on the raw JSON of
the listed events after validating it as `BetaManagedAgentsSessionEvent`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic
import pydantic
import pytest
from anthropic import AsyncAnthropic, omit
from anthropic.types.beta import BetaManagedAgentsSession
from anthropic.types.beta.sessions import BetaManagedAgentsSessionEvent

from tests.blackbox.cluster import Cluster, pg_url, start_cluster
from tests.blackbox.helpers import Server, start_server
from tests.fixtures.messages_server import (
    HttpError,
    MessagesServer,
    Reply,
    text,
    thinking,
    tool_use,
)

KEY = "sk-runtime-blackbox-5f0c2a9d7e"
UPSTREAM_SECRET = "sk-test-secret"
TURN_DEADLINE = 10.0

EVENT = pydantic.TypeAdapter(BetaManagedAgentsSessionEvent)
SESSION = pydantic.TypeAdapter(BetaManagedAgentsSession)

TOOLSET: dict[str, Any] = {"type": "agent_toolset_20260401"}
LOOKUP: dict[str, Any] = {
    "type": "custom",
    "name": "lookup",
    "description": "Looks a query up in the caller's catalogue.",
    "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
}

# --------------------------------------------------------------------------- the server process


FAST_RETRIES = {"SESSIOND_RETRY_BASE_SECONDS": "0.01", "SESSIOND_MAX_RETRIES": "2"}


async def start_serve(data_dir: Path, *, backend: str, env: dict[str, str] | None = None) -> Server:
    """`sessiond serve` with fast retries, through the shared black-box harness."""
    return await start_server(
        data_dir,
        api_key=KEY,
        log_dir=data_dir.parent / "logs",
        backend=backend,
        env={**FAST_RETRIES, **(env or {})},
    )


def client_for(srv: Server) -> AsyncAnthropic:
    return srv.client()


# --------------------------------------------------------------------------- the event stream


def kind(event: Any) -> str:
    return str(event["type"] if isinstance(event, dict) else event.type)


def text_of(event: dict[str, Any]) -> str:
    return "".join(b.get("text", "") for b in event.get("content") or [] if isinstance(b, dict))


class Reader:
    """Reads the SDK event stream in a task; `on_event` runs before the next event is read."""

    def __init__(
        self, stream: Any, on_event: Callable[[Any], Awaitable[None]] | None = None
    ) -> None:
        self.stream = stream
        self.events: list[Any] = []
        self.arrived: list[float] = []
        self._on_event = on_event
        self._pos = 0
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            async for ev in self.stream:
                self.events.append(ev)
                self.arrived.append(time.monotonic())
                self._changed.set()
                if self._on_event is not None:
                    await self._on_event(ev)
        finally:
            self._changed.set()

    def summary(self, events: list[Any] | None = None) -> str:
        return ", ".join(kind(e) for e in (self.events if events is None else events))

    async def index_of(
        self, pred: Callable[[Any], bool], *, within: float = TURN_DEADLINE, what: str
    ) -> int:
        """The index of the first unconsumed event that satisfies `pred`, waiting for it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            for i in range(self._pos, len(self.events)):
                if pred(self.events[i]):
                    return i
            if self._task.done():
                exc = None if self._task.cancelled() else self._task.exception()
                raise AssertionError(f"stream ended ({exc!r}) before {what}: {self.summary()}")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no {what} within {within}s; saw: {self.summary()}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_type(self, event_type: str, *, within: float = TURN_DEADLINE) -> Any:
        i = await self.index_of(lambda e: kind(e) == event_type, within=within, what=event_type)
        return self.events[i]

    async def turn(self, *, within: float = TURN_DEADLINE) -> list[Any]:
        """The unconsumed events up to and including the next session.status_idle."""
        i = await self.index_of(
            lambda e: kind(e) == "session.status_idle", within=within, what="session.status_idle"
        )
        out = self.events[self._pos : i + 1]
        self._pos = i + 1
        return out

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(BaseException):
            await self._task
        with contextlib.suppress(Exception):
            await self.stream.close()


@dataclass
class Session:
    client: AsyncAnthropic
    id: str
    reader: Reader

    async def send(self, *events: Any) -> None:
        await self.client.beta.sessions.events.send(self.id, events=list(events))

    async def say(self, message: str) -> None:
        await self.send({"type": "user.message", "content": [{"type": "text", "text": message}]})

    async def turn(self, *, within: float = TURN_DEADLINE) -> list[dict[str, Any]]:
        """Waits for the next idle on the stream; returns those events as validated raw JSON."""
        return await self.raw(await self.reader.turn(within=within))

    async def raw_all(self) -> list[dict[str, Any]]:
        """Every event of the session from the list endpoint, each validated as the SDK type."""
        out: list[dict[str, Any]] = []
        page: str | None = None
        for _ in range(100):
            resp = await self.client.beta.sessions.events.with_raw_response.list(
                self.id, limit=100, page=page if page is not None else omit
            )
            assert resp.http_response.status_code == 200, resp.http_response.text
            body = resp.http_response.json()
            for item in body["data"]:
                EVENT.validate_python(item)
                out.append(item)
            page = body.get("next_page")
            if not page:
                return out
        raise AssertionError("event pagination does not end")

    async def raw(self, events: list[Any]) -> list[dict[str, Any]]:
        by_id = {e["id"]: e for e in await self.raw_all()}
        missing = [f"{kind(e)} {e.id}" for e in events if e.id not in by_id]
        assert not missing, f"streamed events missing from the list: {missing}"
        return [by_id[e.id] for e in events]

    async def raw_session(self) -> dict[str, Any]:
        resp = await self.client.beta.sessions.with_raw_response.retrieve(self.id)
        assert resp.http_response.status_code == 200, resp.http_response.text
        body = resp.http_response.json()
        SESSION.validate_python(body)
        return body


@contextlib.asynccontextmanager
async def open_session(
    client: AsyncAnthropic,
    environment_id: str,
    tools: list[dict[str, Any]] | None = None,
    on_event: Callable[[Any], Awaitable[None]] | None = None,
) -> AsyncIterator[Session]:
    """An agent with `tools`, a session of it, and its event stream attached."""
    agent = await client.beta.agents.create(
        model="claude-sonnet-4-5",
        name="runtime-blackbox",
        tools=tools if tools is not None else omit,  # type: ignore[arg-type]
    )
    sess = await client.beta.sessions.create(agent=agent.id, environment_id=environment_id)
    stream = await client.beta.sessions.events.stream(sess.id)
    reader = Reader(stream, on_event)
    try:
        yield Session(client, sess.id, reader)
    finally:
        await reader.close()


def of_type(events: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == event_type]


def one(events: list[dict[str, Any]], event_type: str) -> dict[str, Any]:
    found = of_type(events, event_type)
    assert len(found) == 1, f"expected one {event_type}, got {[e['type'] for e in events]}"
    return found[0]


def idle_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    assert events and events[-1]["type"] == "session.status_idle", events
    return events[-1]


def stop_type(events: list[dict[str, Any]]) -> str:
    return str(idle_of(events)["stop_reason"]["type"])


def final_text(events: list[dict[str, Any]]) -> str:
    msgs = of_type(events, "agent.message")
    assert msgs, f"no agent.message in {[e['type'] for e in events]}"
    return text_of(msgs[-1])


def said(events: list[dict[str, Any]]) -> str:
    """The text of every agent.message, in order (a /say step is not the closing message)."""
    return "\n".join(text_of(m) for m in of_type(events, "agent.message"))


def tool_line(name: str, tool_input: dict[str, Any]) -> str:
    return f"/tool {name} {json.dumps(tool_input)}"


# --------------------------------------------------------------------------- offline fixtures


@pytest.fixture(scope="module", params=["serve", "replicas"])
async def offline(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Server]:
    """The offline runtime suite runs against `serve` and against two replicas."""
    base = tmp_path_factory.mktemp(f"runtime-offline-{request.param}")
    srv: Server | Cluster
    if request.param == "serve":
        srv = await start_serve(base / "data", backend="offline")
    else:
        url = pg_url()
        if url is None:
            pytest.skip("no PostgreSQL for the replica suite (scripts/test.sh starts one)")
        srv = await start_cluster(
            url, base / "data", api_key=KEY, log_dir=base / "logs", env=FAST_RETRIES
        )
    try:
        yield srv
    finally:
        rc = await srv.stop()
        assert rc == 0, f"sessiond exited with {rc} on SIGTERM (want 0)\n{srv.describe()}"


@pytest.fixture(scope="module")
async def client(offline: Server) -> AsyncIterator[AsyncAnthropic]:
    async with client_for(offline) as c:
        yield c


@pytest.fixture(scope="module")
async def env_id(client: AsyncAnthropic) -> str:
    return (await client.beta.environments.create(name="runtime-blackbox")).id


# --------------------------------------------------------------------------- 1. built-in tools


async def test_bash_tool_use_then_result_and_the_final_message_lists_it(
    client: AsyncAnthropic, env_id: str
) -> None:
    async with open_session(client, env_id, [TOOLSET]) as s:
        await s.say(tool_line("bash", {"command": "echo hi-there"}))
        turn = await s.turn()
    kinds = [e["type"] for e in turn]
    use = one(turn, "agent.tool_use")
    result = one(turn, "agent.tool_result")
    assert kinds.index("agent.tool_use") < kinds.index("agent.tool_result"), kinds
    assert use["name"] == "bash" and use["input"] == {"command": "echo hi-there"}, use
    assert use["evaluated_permission"] == "allow", use
    assert result["tool_use_id"] == use["id"], (result, use)
    assert not result.get("is_error"), result
    assert "hi-there" in text_of(result), result
    final = of_type(turn, "agent.message")[-1]
    assert turn.index(final) > turn.index(result), kinds
    assert "hi-there" in text_of(final), final
    assert stop_type(turn) == "end_turn", idle_of(turn)


async def test_write_then_read_in_one_model_response(client: AsyncAnthropic, env_id: str) -> None:
    async with open_session(client, env_id, [TOOLSET]) as s:
        await s.say(
            tool_line("write", {"file_path": "notes/a.txt", "content": "alpha-beta-gamma\n"})
            + "\n"
            + tool_line("read", {"file_path": "notes/a.txt"})
        )
        turn = await s.turn()
    uses = of_type(turn, "agent.tool_use")
    results = of_type(turn, "agent.tool_result")
    assert [u["name"] for u in uses] == ["write", "read"], uses
    by_use = {r["tool_use_id"]: r for r in results}
    assert set(by_use) == {u["id"] for u in uses}, (uses, results)
    write_result, read_result = by_use[uses[0]["id"]], by_use[uses[1]["id"]]
    assert not write_result.get("is_error"), write_result
    assert not read_result.get("is_error"), read_result
    assert "alpha-beta-gamma" in text_of(read_result), read_result
    assert "alpha-beta-gamma" in final_text(turn)
    assert stop_type(turn) == "end_turn", idle_of(turn)


async def test_edit_without_a_unique_match_is_an_error_result(
    client: AsyncAnthropic, env_id: str
) -> None:
    async with open_session(client, env_id, [TOOLSET]) as s:
        await s.say(
            "\n".join(
                [
                    tool_line("write", {"file_path": "dup.txt", "content": "twin twin\n"}),
                    tool_line(
                        "edit", {"file_path": "dup.txt", "old_string": "twin", "new_string": "x"}
                    ),
                    tool_line(
                        "edit",
                        {"file_path": "dup.txt", "old_string": "absent", "new_string": "x"},
                    ),
                    tool_line("read", {"file_path": "dup.txt"}),
                ]
            )
        )
        turn = await s.turn()
    uses = of_type(turn, "agent.tool_use")
    assert [u["name"] for u in uses] == ["write", "edit", "edit", "read"], uses
    by_use = {r["tool_use_id"]: r for r in of_type(turn, "agent.tool_result")}
    assert set(by_use) == {u["id"] for u in uses}, by_use
    assert not by_use[uses[0]["id"]].get("is_error"), by_use[uses[0]["id"]]
    assert by_use[uses[1]["id"]].get("is_error") is True, by_use[uses[1]["id"]]
    assert by_use[uses[2]["id"]].get("is_error") is True, by_use[uses[2]["id"]]
    read_back = by_use[uses[3]["id"]]
    assert not read_back.get("is_error") and "twin twin" in text_of(read_back), read_back
    assert stop_type(turn) == "end_turn", idle_of(turn)


async def test_a_path_outside_the_workspace_is_an_error_result(
    client: AsyncAnthropic, env_id: str
) -> None:
    async with open_session(client, env_id, [TOOLSET]) as s:
        await s.say(tool_line("read", {"file_path": "/etc/passwd"}))
        turn = await s.turn()
    use = one(turn, "agent.tool_use")
    result = one(turn, "agent.tool_result")
    assert result["tool_use_id"] == use["id"]
    assert result.get("is_error") is True, result
    assert "root:" not in text_of(result), result
    assert stop_type(turn) == "end_turn", idle_of(turn)


async def interrupted_sleep(s: Session) -> list[dict[str, Any]]:
    """Starts `sleep 30` in bash and interrupts it: the turn ends long before
    the command would (the reader's deadline), with no result of the command."""
    await s.say(tool_line("bash", {"command": "sleep 30"}))
    await s.reader.wait_type("agent.tool_use")
    await s.send({"type": "user.interrupt"})
    events = await s.reader.turn(within=5)
    kinds = [e["type"] for e in await s.raw(events)]
    assert "agent.tool_result" not in kinds, kinds
    return await s.raw(events)


async def test_interrupt_stops_a_running_bash(client: AsyncAnthropic, env_id: str) -> None:
    async with open_session(client, env_id, [TOOLSET]) as s:
        turn = await interrupted_sleep(s)
    kinds = [e["type"] for e in turn]
    assert "agent.tool_use" in kinds and "user.interrupt" in kinds, kinds
    assert kinds.index("agent.tool_use") < kinds.index("user.interrupt"), kinds


async def test_the_turn_after_an_interrupt_runs_its_own_steps(
    client: AsyncAnthropic, env_id: str
) -> None:
    async with open_session(client, env_id, [TOOLSET]) as s:
        await interrupted_sleep(s)
        await s.say("/say after-the-interrupt")
        after = await s.turn()
    assert "after-the-interrupt" in said(after), said(after)
    assert stop_type(after) == "end_turn", idle_of(after)


# --------------------------------------------------------------------------- 2. disabled tools


DISABLED_BASH = {**TOOLSET, "configs": [{"name": "bash", "enabled": False}]}


async def test_a_disabled_tool_is_refused_with_an_error_result(
    client: AsyncAnthropic, env_id: str
) -> None:
    async with open_session(client, env_id, [DISABLED_BASH]) as s:
        await s.say(tool_line("bash", {"command": "echo should-$((6*7))-not-run"}))
        turn = await s.turn()
    use = one(turn, "agent.tool_use")
    result = one(turn, "agent.tool_result")
    assert result["tool_use_id"] == use["id"], (result, use)
    assert result.get("is_error") is True, result
    assert "bash" in text_of(result), result
    assert "should-42-not-run" not in json.dumps(turn), "the disabled tool ran"
    assert stop_type(turn) == "end_turn", idle_of(turn)


async def test_a_disabled_tool_call_is_reported_as_denied(
    client: AsyncAnthropic, env_id: str
) -> None:
    """The SDK documents a refusal before any policy applies (e.g. the tool is not enabled):
    evaluated_permission "deny" and no `evaluation`."""
    async with open_session(client, env_id, [DISABLED_BASH]) as s:
        await s.say(tool_line("bash", {"command": "true"}))
        turn = await s.turn()
    use = one(turn, "agent.tool_use")
    assert use.get("evaluated_permission") == "deny", use
    assert use.get("evaluation") is None, use


# --------------------------------------------------------------------------- 3. always_ask


ASK_TOOLSET = {**TOOLSET, "default_config": {"permission_policy": {"type": "always_ask"}}}


async def test_always_ask_waits_for_confirmation_then_allow_runs_the_tool(
    client: AsyncAnthropic, env_id: str
) -> None:
    async with open_session(client, env_id, [ASK_TOOLSET]) as s:
        await s.say(tool_line("bash", {"command": "echo confirmed-run"}))
        first = await s.turn()
        use = one(first, "agent.tool_use")
        assert use["evaluated_permission"] == "ask", use
        assert not of_type(first, "agent.tool_result"), first
        idle = idle_of(first)
        assert idle["stop_reason"]["type"] == "requires_action", idle
        assert idle["stop_reason"]["event_ids"] == [use["id"]], idle

        await s.send(
            {"type": "user.tool_confirmation", "tool_use_id": use["id"], "result": "allow"}
        )
        second = await s.turn()
    result = one(second, "agent.tool_result")
    assert result["tool_use_id"] == use["id"] and not result.get("is_error"), result
    assert "confirmed-run" in text_of(result), result
    assert "confirmed-run" in final_text(second)
    assert stop_type(second) == "end_turn", idle_of(second)


async def test_always_ask_deny_runs_nothing_and_the_model_gets_the_message(
    client: AsyncAnthropic, env_id: str
) -> None:
    async with open_session(client, env_id, [ASK_TOOLSET]) as s:
        await s.say(tool_line("bash", {"command": "echo denied-run"}))
        first = await s.turn()
        use = one(first, "agent.tool_use")
        assert idle_of(first)["stop_reason"]["event_ids"] == [use["id"]], idle_of(first)
        await s.send(
            {
                "type": "user.tool_confirmation",
                "tool_use_id": use["id"],
                "result": "deny",
                "deny_message": "nope",
            }
        )
        second = await s.turn()
        everything = await s.raw_all()
    assert not of_type(second, "agent.tool_result"), second
    assert not of_type(everything, "agent.tool_result"), everything
    assert "nope" in final_text(second)
    assert stop_type(second) == "end_turn", idle_of(second)


# --------------------------------------------------------------------------- 4. custom tools


def custom_result(tool_use_id: str, value: str) -> dict[str, Any]:
    return {
        "type": "user.custom_tool_result",
        "custom_tool_use_id": tool_use_id,
        "content": [{"type": "text", "text": value}],
    }


async def test_custom_tools_wait_for_every_result(client: AsyncAnthropic, env_id: str) -> None:
    async with open_session(client, env_id, [LOOKUP]) as s:
        await s.say(
            tool_line("lookup", {"q": "first"}) + "\n" + tool_line("lookup", {"q": "second"})
        )
        first = await s.turn()
        uses = of_type(first, "agent.custom_tool_use")
        assert [(u["name"], u["input"]) for u in uses] == [
            ("lookup", {"q": "first"}),
            ("lookup", {"q": "second"}),
        ], uses
        idle = idle_of(first)
        assert idle["stop_reason"]["type"] == "requires_action", idle
        assert idle["stop_reason"]["event_ids"] == [u["id"] for u in uses], idle

        await s.send(custom_result(uses[0]["id"], "answer-one"))
        second = await s.turn()
        idle = idle_of(second)
        assert idle["stop_reason"]["type"] == "requires_action", idle
        assert idle["stop_reason"]["event_ids"] == [uses[1]["id"]], idle
        assert not of_type(second, "agent.message"), second

        await s.send(custom_result(uses[1]["id"], "answer-two"))
        third = await s.turn()
        final = final_text(third)
        assert "answer-one" in final and "answer-two" in final, final
        assert stop_type(third) == "end_turn", idle_of(third)

        # Nothing is pending any more: neither an answered id nor an unknown one is accepted.
        for stale in (uses[0]["id"], "sevt_not_a_pending_tool_use"):
            with pytest.raises(anthropic.BadRequestError) as e:
                await s.send(custom_result(stale, "late"))
            assert e.value.status_code == 400, e.value


async def test_a_custom_result_for_an_unknown_id_is_a_400(
    client: AsyncAnthropic, env_id: str
) -> None:
    async with open_session(client, env_id, [LOOKUP]) as s:
        await s.say(tool_line("lookup", {"q": "pending"}))
        first = await s.turn()
        use = one(first, "agent.custom_tool_use")
        assert idle_of(first)["stop_reason"]["event_ids"] == [use["id"]]
        with pytest.raises(anthropic.BadRequestError) as e:
            await s.send(custom_result("sevt_0000000000000000000000", "wrong id"))
        assert e.value.status_code == 400, e.value
        # The real pending call is still answerable.
        await s.send(custom_result(use["id"], "right-answer"))
        second = await s.turn()
    assert "right-answer" in final_text(second)
    assert stop_type(second) == "end_turn", idle_of(second)


async def test_a_custom_result_sent_before_the_idle_is_accepted(
    client: AsyncAnthropic, env_id: str
) -> None:
    holder: dict[str, Any] = {}
    sent: list[str] = []

    async def answer_at_once(ev: Any) -> None:
        # Runs in the stream reader before it reads the next event (so before the idle).
        if kind(ev) == "agent.custom_tool_use" and not sent:
            sent.append(ev.id)
            await holder["session"].send(custom_result(ev.id, "early-answer"))

    async with open_session(client, env_id, [LOOKUP], on_event=answer_at_once) as s:
        holder["session"] = s
        await s.say(tool_line("lookup", {"q": "fast"}))
        seen: list[dict[str, Any]] = []
        for _ in range(3):
            seen += await s.turn()
            if stop_type(seen) == "end_turn":
                break
    assert sent, "no agent.custom_tool_use arrived"
    use = one(seen, "agent.custom_tool_use")
    assert use["id"] == sent[0]
    for idle in of_type(seen, "session.status_idle")[:-1]:
        assert idle["stop_reason"] == {"type": "requires_action", "event_ids": [use["id"]]}, idle
    assert stop_type(seen) == "end_turn", [e["type"] for e in seen]
    assert "early-answer" in final_text(seen)


async def test_a_custom_result_sent_while_a_sibling_tool_runs_skips_the_wait(
    client: AsyncAnthropic, env_id: str
) -> None:
    """With a slow built-in call in the same response, the early result surely precedes the
    idle: the session must then not go idle asking for a result it already has."""
    holder: dict[str, Any] = {}
    sent: list[tuple[str, int]] = []

    async def answer_at_once(ev: Any) -> None:
        if kind(ev) == "agent.custom_tool_use" and not sent:
            await holder["session"].send(custom_result(ev.id, "early-answer"))
            reader: Reader = holder["session"].reader
            sent.append((ev.id, sum(1 for e in reader.events if kind(e) == "session.status_idle")))

    async with open_session(client, env_id, [LOOKUP, TOOLSET], on_event=answer_at_once) as s:
        holder["session"] = s
        await s.say(
            tool_line("lookup", {"q": "fast"})
            + "\n"
            + tool_line("bash", {"command": "sleep 1; echo sibling-done"})
        )
        seen: list[dict[str, Any]] = []
        for _ in range(3):
            seen += await s.turn()
            if stop_type(seen) == "end_turn":
                break
    assert sent, "no agent.custom_tool_use arrived"
    use_id, idles_before_send = sent[0]
    assert idles_before_send == 0, "the idle came before the result could be sent"
    assert one(seen, "agent.custom_tool_use")["id"] == use_id
    answer = one(seen, "user.custom_tool_result")
    assert answer["custom_tool_use_id"] == use_id, answer
    idles = of_type(seen, "session.status_idle")
    assert [i["stop_reason"]["type"] for i in idles] == ["end_turn"], idles
    final = final_text(seen)
    assert "early-answer" in final and "sibling-done" in final, final


# --------------------------------------------------------------------------- 5. retries


async def test_an_overload_is_retried_then_the_turn_succeeds(
    client: AsyncAnthropic, env_id: str
) -> None:
    async with open_session(client, env_id) as s:
        await s.say("/fail overloaded 1\n/say ok-after-retry")
        turn = await s.turn()
    kinds = [e["type"] for e in turn]
    err = one(turn, "session.error")
    assert err["error"]["type"] == "model_overloaded_error", err
    assert err["error"]["retry_status"]["type"] == "retrying", err
    resched = one(turn, "session.status_rescheduled")
    assert turn.index(err) < turn.index(resched), kinds
    assert "ok-after-retry" in said(turn), said(turn)
    assert turn.index(resched) < turn.index(of_type(turn, "agent.message")[0]), kinds
    assert stop_type(turn) == "end_turn", idle_of(turn)


async def test_overloads_beyond_the_retry_budget_exhaust_the_turn(
    client: AsyncAnthropic, env_id: str
) -> None:
    async with open_session(client, env_id) as s:
        await s.say("/fail overloaded 5\n/say never-said")
        turn = await s.turn()
    errors = of_type(turn, "session.error")
    assert errors, [e["type"] for e in turn]
    assert all(e["error"]["type"] == "model_overloaded_error" for e in errors), errors
    assert errors[-1]["error"]["retry_status"]["type"] == "exhausted", errors[-1]
    assert len(of_type(turn, "session.status_rescheduled")) == 2, [e["type"] for e in turn]
    assert not any("never-said" in text_of(m) for m in of_type(turn, "agent.message")), turn
    assert stop_type(turn) == "retries_exhausted", idle_of(turn)


async def test_a_request_failure_is_not_retried(client: AsyncAnthropic, env_id: str) -> None:
    async with open_session(client, env_id) as s:
        await s.say("/fail request\n/say never-said")
        turn = await s.turn()
    kinds = [e["type"] for e in turn]
    assert kinds.count("session.error") == 1, kinds
    assert "session.status_rescheduled" not in kinds, kinds
    assert not of_type(turn, "agent.message"), kinds
    assert one(turn, "session.error")["error"]["retry_status"]["type"] != "retrying"


# --------------------------------------------------------------------------- 6. usage


async def test_session_usage_is_the_sum_of_the_model_requests(
    client: AsyncAnthropic, env_id: str
) -> None:
    async with open_session(client, env_id, [TOOLSET]) as s:
        await s.say(tool_line("bash", {"command": "echo counted words here"}))
        turn = await s.turn()
        assert stop_type(turn) == "end_turn", idle_of(turn)
        everything = await s.raw_all()
        session = await s.raw_session()
    ends = of_type(everything, "span.model_request_end")
    assert len(ends) == 2, [e["type"] for e in everything]
    assert len(of_type(everything, "span.model_request_start")) == 2
    inputs = sum(e["model_usage"]["input_tokens"] for e in ends)
    outputs = sum(e["model_usage"]["output_tokens"] for e in ends)
    assert inputs > 0 and outputs > 0, ends
    assert session["usage"].get("input_tokens") == inputs, (session["usage"], ends)
    assert session["usage"].get("output_tokens") == outputs, (session["usage"], ends)
    assert (session["stats"].get("active_seconds") or 0) > 0, session["stats"]


# --------------------------------------------------------------------------- Anthropic backend


@dataclass
class Upstream:
    messages: MessagesServer
    srv: Server
    client: AsyncAnthropic
    env_id: str


@pytest.fixture(scope="module")
async def upstream(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Upstream]:
    async with MessagesServer() as messages:
        srv = await start_serve(
            tmp_path_factory.mktemp("runtime-anthropic") / "data",
            backend="anthropic",
            env={"ANTHROPIC_API_KEY": UPSTREAM_SECRET, "ANTHROPIC_BASE_URL": messages.url},
        )
        try:
            async with client_for(srv) as c:
                env = await c.beta.environments.create(name="runtime-anthropic")
                yield Upstream(messages, srv, c, env.id)
        finally:
            rc = await srv.stop()
            output = srv.all_output()
            assert UPSTREAM_SECRET not in output, (
                "the server printed the upstream API key:\n"
                + "\n".join(line for line in output.splitlines() if UPSTREAM_SECRET in line)
            )
            assert rc == 0, f"sessiond exited with {rc} on SIGTERM (want 0)\n{srv.describe()}"


async def test_anthropic_thinking_and_text_reach_the_session(upstream: Upstream) -> None:
    before = len(upstream.messages.requests)
    upstream.messages.queue(
        Reply(
            [thinking("let me consider this"), text("hello from claude")],
            usage={"input_tokens": 31, "output_tokens": 17},
        )
    )
    async with open_session(upstream.client, upstream.env_id) as s:
        await s.say("say hello")
        turn = await s.turn()
    kinds = [e["type"] for e in turn]
    assert "agent.thinking" in kinds and "agent.message" in kinds, kinds
    assert kinds.index("agent.thinking") < kinds.index("agent.message"), kinds
    assert final_text(turn) == "hello from claude"
    end = one(turn, "span.model_request_end")
    assert not end.get("is_error"), end
    assert end["model_usage"]["input_tokens"] == 31, end
    assert end["model_usage"]["output_tokens"] == 17, end
    assert stop_type(turn) == "end_turn", idle_of(turn)

    reqs = upstream.messages.requests[before:]
    assert len(reqs) == 1, [r.body for r in reqs]
    assert UPSTREAM_SECRET in (
        reqs[0].headers.get("x-api-key"),
        reqs[0].headers.get("authorization", "").removeprefix("Bearer "),
    ), "the upstream request did not carry ANTHROPIC_API_KEY"
    assert reqs[0].body["model"] == "claude-sonnet-4-5"
    assert reqs[0].body["messages"][-1]["role"] == "user"
    assert "say hello" in json.dumps(reqs[0].body["messages"][-1])


async def test_anthropic_tool_use_runs_and_the_result_goes_back(upstream: Upstream) -> None:
    before = len(upstream.messages.requests)
    upstream.messages.queue(
        Reply(
            [tool_use("toolu_fixture_01", "bash", {"command": "echo via-upstream"})],
            stop_reason="tool_use",
        ),
        Reply([text("all done")]),
    )
    async with open_session(upstream.client, upstream.env_id, [TOOLSET]) as s:
        await s.say("run something")
        turn = await s.turn()
    use = one(turn, "agent.tool_use")
    result = one(turn, "agent.tool_result")
    assert use["name"] == "bash" and use["input"] == {"command": "echo via-upstream"}, use
    assert result["tool_use_id"] == use["id"] and not result.get("is_error"), result
    assert "via-upstream" in text_of(result), result
    assert final_text(turn) == "all done"
    assert stop_type(turn) == "end_turn", idle_of(turn)

    reqs = upstream.messages.requests[before:]
    assert len(reqs) == 2, [r.body for r in reqs]
    assert any(t["name"] == "bash" for t in reqs[0].body.get("tools", [])), reqs[0].body
    messages = reqs[1].body["messages"]
    assistant_uses = [
        b
        for m in messages
        if m["role"] == "assistant" and isinstance(m["content"], list)
        for b in m["content"]
        if b.get("type") == "tool_use"
    ]
    results = [
        b
        for m in messages
        if m["role"] == "user" and isinstance(m["content"], list)
        for b in m["content"]
        if b.get("type") == "tool_result"
    ]
    assert len(assistant_uses) == 1 and len(results) == 1, messages
    tool_use_id = assistant_uses[0]["id"]
    assert tool_use_id in ("toolu_fixture_01", use["id"]), assistant_uses
    assert results[0]["tool_use_id"] == tool_use_id, results
    assert "via-upstream" in json.dumps(results[0]), results


async def test_anthropic_overload_is_retried_once(upstream: Upstream) -> None:
    before = len(upstream.messages.requests)
    upstream.messages.queue(
        HttpError(529, "overloaded_error", "Overloaded"), Reply([text("second try works")])
    )
    async with open_session(upstream.client, upstream.env_id) as s:
        await s.say("are you there")
        turn = await s.turn()
    err = one(turn, "session.error")
    assert err["error"]["type"] == "model_overloaded_error", err
    assert err["error"]["retry_status"]["type"] == "retrying", err
    assert len(of_type(turn, "session.status_rescheduled")) == 1, [e["type"] for e in turn]
    assert final_text(turn) == "second try works"
    assert stop_type(turn) == "end_turn", idle_of(turn)
    reqs = upstream.messages.requests[before:]
    assert len(reqs) == 2, [r.body for r in reqs]
    # The retry resends the same conversation: the failed attempt adds nothing to it.
    assert reqs[1].body["messages"] == reqs[0].body["messages"], [r.body for r in reqs]
