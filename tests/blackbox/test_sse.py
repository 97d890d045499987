"""The SSE wire format of GET /v1/sessions/{id}/events/stream, read with plain httpx."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
from anthropic import AsyncAnthropic

from .helpers import (
    STREAM_EVENT_TYPE,
    SSEFrame,
    check,
    collect,
    read_sse_frames,
    user_message,
)


class RawStream:
    """Frames of one raw SSE response, read in a task."""

    def __init__(self, resp: httpx2.Response) -> None:
        self.resp = resp
        self.frames: list[SSEFrame] = []
        self.ended = False
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            async for frame in read_sse_frames(self.resp):
                self.frames.append(frame)
                self._changed.set()
        finally:
            self.ended = True
            self._changed.set()

    def types(self) -> list[str | None]:
        return [f.event for f in self.frames]

    async def wait_count(self, event: str, n: int, within: float = 10.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while sum(1 for f in self.frames if f.event == event) < n:
            assert not self.ended, f"the stream ended before {n} x {event}: {self.types()}"
            remaining = deadline - loop.time()
            assert remaining > 0, f"no {n} x {event} within {within}s: {self.types()}"
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(BaseException):
            await self._task


@contextlib.asynccontextmanager
async def raw_stream(
    http: httpx2.AsyncClient, session_id: str, headers: dict[str, str] | None = None
) -> AsyncIterator[RawStream]:
    async with http.stream(
        "GET",
        f"/v1/sessions/{session_id}/events/stream",
        headers={"accept": "text/event-stream", **(headers or {})},
    ) as resp:
        assert resp.status_code == 200, (await resp.aread()).decode()
        assert resp.headers["content-type"].startswith("text/event-stream"), resp.headers
        rs = RawStream(resp)
        try:
            yield rs
        finally:
            await rs.close()


def check_frame(frame: SSEFrame) -> dict[str, Any]:
    assert frame.event, f"frame without an event: line: {frame.lines}"
    assert frame.data is not None, f"frame without a data: line: {frame.lines}"
    assert frame.id, f"frame without an id: line: {frame.lines}"
    data = json.loads(frame.data)
    check(STREAM_EVENT_TYPE, data)
    assert frame.event == data["type"], f"event: {frame.event!r} but data type {data['type']!r}"
    assert frame.id == data["id"], f"id: {frame.id!r} but data id {data['id']!r}"
    return data


async def test_frames_carry_event_data_and_id_and_the_stream_stays_open(
    client: AsyncAnthropic, http: httpx2.AsyncClient, session_id: str
) -> None:
    async with raw_stream(http, session_id) as rs:
        await client.beta.sessions.events.send(session_id, events=[user_message("hello world")])
        await rs.wait_count("session.status_idle", 1)
        n_first = len(rs.frames)
        # Still open after idle: the next turn arrives on the same connection.
        await client.beta.sessions.events.send(session_id, events=[user_message("once more")])
        await rs.wait_count("session.status_idle", 2)
        assert not rs.ended

    datas = [check_frame(f) for f in rs.frames]
    assert datas[0]["type"] == "user.message", rs.types()
    assert [d["type"] for d in datas[:n_first]] == [
        "user.message",
        "session.status_running",
        "span.model_request_start",
        "agent.message",
        "span.model_request_end",
        "session.status_idle",
    ]
    assert len({d["id"] for d in datas}) == len(datas), "an event was delivered twice"
    assert any(d["type"] == "agent.message" and "once more" in json.dumps(d) for d in datas)


async def test_stream_resumes_after_last_event_id(
    client: AsyncAnthropic, http: httpx2.AsyncClient, session_id: str
) -> None:
    """STYLE.md: a reconnecting client resumes after the last event id it saw, no gap/duplicate."""
    async with collect(client, session_id) as col:
        await client.beta.sessions.events.send(session_id, events=[user_message("hello world")])
        await col.wait_count("session.status_idle", 1)
    ids = [e.id for e in col.events]
    assert len(ids) == 6

    async with raw_stream(http, session_id, headers={"last-event-id": ids[2]}) as rs:
        await rs.wait_count("session.status_idle", 1)
        await client.beta.sessions.events.send(session_id, events=[user_message("live")])
        await rs.wait_count("session.status_idle", 2)
    datas = [check_frame(f) for f in rs.frames]
    got = [d["id"] for d in datas]
    assert got[:3] == ids[3:], f"replay after {ids[2]} gave {got[:3]}, want {ids[3:]}"
    assert len(set(got)) == len(got), "duplicate after resuming"
    assert datas[3]["type"] == "user.message" and "live" in json.dumps(datas[3])
