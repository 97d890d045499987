"""A turn cut short by the server stopping ends so that a client can tell:
the open model request is closed as failed, a `session.error` says the
server stopped, then the session goes idle. Both for a graceful stop
(SIGTERM) and for a crash (SIGKILL, then a restart on the same data dir)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from anthropic import AsyncAnthropic

from .helpers import Server, collect, start_server, type_of, user_message

KEY = "k-stop"


async def _turn_held_open(srv: Server) -> tuple[str, str]:
    """A session whose turn is inside a model request; returns (session, span start id)."""
    async with srv.client() as c:
        agent = await c.beta.agents.create(model="claude-sonnet-4-5", name="stop")
        env = await c.beta.environments.create(name="stop")
        sess = await c.beta.sessions.create(agent=agent.id, environment_id=env.id)
        async with collect(c, sess.id) as col:
            await c.beta.sessions.events.send(
                sess.id, events=[user_message("/say partial\n/sleep 30\n/say never")]
            )
            await col.wait_count("span.model_request_start", 1)
            start = next(e for e in col.events if type_of(e) == "span.model_request_start")
    return sess.id, start.id


async def _events(c: AsyncAnthropic, session_id: str) -> list[Any]:
    return [e async for e in c.beta.sessions.events.list(session_id, limit=100)]


async def _wait_idle_after_error(c: AsyncAnthropic, session_id: str) -> list[Any]:
    """The session's events once the interrupted turn was ended (10 s at most)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while True:
        events = await _events(c, session_id)
        if events and type_of(events[-1]) == "session.status_idle":
            return events
        assert loop.time() < deadline, [type_of(e) for e in events]
        await asyncio.sleep(0.05)


def _assert_ended_by_stop(events: list[Any], start_id: str) -> None:
    types = [type_of(e) for e in events]
    said = [e.content[0].text for e in events if type_of(e) == "agent.message"]
    assert "never" not in said, said
    assert types[-3:] == ["span.model_request_end", "session.error", "session.status_idle"], types
    end, error, idle = events[-3:]
    assert end.model_request_start_id == start_id
    assert end.is_error is True, "the interrupted model request must be closed as failed"
    assert error.error.type == "unknown_error"
    assert "server" in error.error.message and "stopped" in error.error.message, error
    assert idle.stop_reason.type == "end_turn"
    # Exactly one end for the one start: nothing reads as a finished request.
    assert types.count("span.model_request_end") == types.count("span.model_request_start")


async def test_sigterm_mid_turn_ends_the_turn_with_a_server_stopped_error(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    srv = await start_server(data, api_key=KEY, log_dir=tmp_path / "logs")
    try:
        session_id, start_id = await _turn_held_open(srv)
        rc = await srv.stop()
        assert rc == 0, f"exit code {rc} on SIGTERM\n{srv.describe()}"
    finally:
        if srv.proc.returncode is None:
            srv.proc.kill()
            await srv.proc.wait()
    again = await start_server(data, api_key=KEY, log_dir=tmp_path / "logs2")
    try:
        async with again.client() as c:
            # Recorded by the stopping server itself: nothing is left to recover.
            events = await _events(c, session_id)
            _assert_ended_by_stop(events, start_id)
            assert (await c.beta.sessions.retrieve(session_id)).status == "idle"
    finally:
        assert await again.stop() == 0, again.describe()


async def test_sigkill_mid_turn_is_ended_on_restart_with_the_span_closed(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    srv = await start_server(data, api_key=KEY, log_dir=tmp_path / "logs")
    try:
        session_id, start_id = await _turn_held_open(srv)
    finally:
        srv.proc.kill()
        await srv.proc.wait()
    again = await start_server(data, api_key=KEY, log_dir=tmp_path / "logs2")
    try:
        async with again.client() as c:
            events = await _wait_idle_after_error(c, session_id)
            _assert_ended_by_stop(events, start_id)
            assert (await c.beta.sessions.retrieve(session_id)).status == "idle"
            # The session takes the next message as usual.
            async with collect(c, session_id) as col:
                await c.beta.sessions.events.send(session_id, events=[user_message("again")])
                await col.wait_count("session.status_idle", 1)
                assert "agent.message" in col.types(), col.summary()
    finally:
        assert await again.stop() == 0, again.describe()
