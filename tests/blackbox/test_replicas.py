"""Several replicas on one PostgreSQL: any edge serves any stream, exactly one
core runs a session's turn, and a core killed mid-turn loses nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest
from anthropic import AsyncAnthropic

from .cluster import Cluster, fetch, pg_url, start_cluster
from .helpers import BETA, read_sse_frames, user_message

KEY = "sk-replicas-0123456789abcdef"
DEADLINE = 30.0


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    url = pg_url()
    if url is None:
        pytest.skip("no PostgreSQL for the replica suite (scripts/test.sh starts one)")
    c = await start_cluster(url, tmp_path / "data", api_key=KEY, log_dir=tmp_path / "logs")
    try:
        yield c
    finally:
        rc = await c.stop()
        assert rc == 0, f"a replica exited with {rc} on SIGTERM\n{c.describe()}"


def edge_client(c: Cluster, i: int) -> AsyncAnthropic:
    return AsyncAnthropic(base_url=f"http://{c.edges[i].address}", api_key=KEY, max_retries=0)


def edge_http(c: Cluster, i: int) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        base_url=f"http://{c.edges[i].address}",
        headers={"x-api-key": KEY, "anthropic-beta": BETA},
        timeout=30.0,
    )


async def new_session(client: AsyncAnthropic) -> str:
    agent = await client.beta.agents.create(model="claude-sonnet-4-5", name="replicas")
    env = await client.beta.environments.create(name="replicas")
    return (await client.beta.sessions.create(agent=agent.id, environment_id=env.id)).id


async def history(client: AsyncAnthropic, session_id: str) -> list[Any]:
    return [e async for e in client.beta.sessions.events.list(session_id, limit=100, order="asc")]


class Follower:
    """Reads a session's SSE stream through the edges in turn, resuming with
    Last-Event-ID whenever the stream breaks (its core may be killed)."""

    def __init__(self, c: Cluster, session_id: str) -> None:
        self.cluster = c
        self.session_id = session_id
        self.events: list[dict[str, Any]] = []
        self.reconnects = 0
        self.attached = asyncio.Event()
        self.changed = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        edge = 0
        while True:
            headers = {"accept": "text/event-stream"}
            if self.events:
                headers["last-event-id"] = self.events[-1]["id"]
            try:
                async with (
                    edge_http(self.cluster, edge) as h,
                    h.stream(
                        "GET", f"/v1/sessions/{self.session_id}/events/stream", headers=headers
                    ) as resp,
                ):
                    if resp.status_code == 200:
                        self.attached.set()
                        async for frame in read_sse_frames(resp):
                            if frame.event in (None, "ping") or frame.data is None:
                                continue
                            data = json.loads(frame.data)
                            if "id" in data and data.get("type") == frame.event:
                                self.events.append(data)
                                self.changed.set()
            except (httpx2.HTTPError, OSError):
                pass
            self.reconnects += 1
            edge = (edge + 1) % len(self.cluster.edges)

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    async def wait_for(self, predicate: Any, what: str, within: float = DEADLINE) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not predicate(self):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"never saw {what}; got {self.types()}")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except TimeoutError:
                pass

    async def close(self) -> None:
        self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass


async def test_a_stream_through_one_edge_sees_a_turn_sent_through_the_other(
    cluster: Cluster,
) -> None:
    async with edge_client(cluster, 0) as a, edge_client(cluster, 1) as b:
        sid = await new_session(a)
        async with await a.beta.sessions.events.stream(sid) as stream:
            sent = await b.beta.sessions.events.send(
                sid, events=[user_message("/say across\n/say the replicas")]
            )
            seen: list[Any] = []
            async with asyncio.timeout(DEADLINE):
                async for ev in stream:
                    seen.append(ev)
                    if ev.type == "session.status_idle":
                        break
        assert seen[0].id == sent.data[0].id
        texts = [c.text for e in seen if e.type == "agent.message" for c in e.content]
        assert texts[:2] == ["across", "the replicas"], texts
        assert [e.id for e in seen] == [e.id for e in await history(b, sid)]


async def test_each_turn_runs_once_when_messages_arrive_through_both_edges(
    cluster: Cluster,
) -> None:
    async with edge_client(cluster, 0) as a, edge_client(cluster, 1) as b:
        sid = await new_session(a)
        follower = Follower(cluster, sid)
        try:
            await asyncio.wait_for(follower.attached.wait(), DEADLINE)
            n = 8
            await asyncio.gather(
                *(
                    (a if i % 2 else b).beta.sessions.events.send(
                        sid, events=[user_message(f"message {i}")]
                    )
                    for i in range(n)
                )
            )
            await follower.wait_for(
                lambda f: (
                    f.types().count("session.status_idle") >= n
                    and f.types()[-1] == "session.status_idle"
                ),
                f"{n} finished turns",
            )
        finally:
            await follower.close()
        events = await history(a, sid)
    kinds = [e.type for e in events]
    assert kinds.count("agent.message") == n, kinds
    # Turns never overlap: running and idle strictly alternate.
    states = [k for k in kinds if k in ("session.status_running", "session.status_idle")]
    assert states == ["session.status_running", "session.status_idle"] * n, states
    replies = sorted(
        c.text for e in events if e.type == "agent.message" for c in e.content if c.type == "text"
    )
    assert all(any(f"message {i}" in r for r in replies) for i in range(n)), replies


async def test_a_core_killed_mid_turn_loses_nothing_and_the_session_settles(
    cluster: Cluster,
) -> None:
    async with cluster.client() as client:
        sid = await new_session(client)
        follower = Follower(cluster, sid)
        try:
            await asyncio.wait_for(follower.attached.wait(), DEADLINE)
            sent = await client.beta.sessions.events.send(
                sid, events=[user_message("/say before the crash\n/sleep 30\n/say never")]
            )
            acknowledged = [e.id for e in sent.data]
            await follower.wait_for(
                lambda f: "agent.message" in f.types(), "the turn's first message"
            )
            rows = await fetch(
                cluster.db_url, "SELECT lease_owner, status FROM sessions WHERE id = $1", sid
            )
            assert rows and rows[0]["status"] == "running", rows
            victim = cluster.core_of(rows[0]["lease_owner"])
            victim.proc.kill()
            await victim.proc.wait()

            # The other replica takes the session over once the lease expires.
            await follower.wait_for(
                lambda f: f.types()[-1:] == ["session.status_idle"], "the session going idle"
            )
            assert "session.error" in follower.types(), follower.types()
            session = await client.beta.sessions.retrieve(sid)
            assert session.status == "idle"

            # The session goes on working on the surviving replica.
            more = await client.beta.sessions.events.send(
                sid, events=[user_message("after the crash")]
            )
            acknowledged += [e.id for e in more.data]
            await follower.wait_for(
                lambda f: f.types().count("session.status_idle") == 2, "the next turn"
            )
        finally:
            await follower.close()
        events = await history(client, sid)
    ids = [e.id for e in events]
    assert len(ids) == len(set(ids)), "an event is listed twice"
    missing = [i for i in acknowledged if i not in ids]
    assert not missing, f"acknowledged events lost: {missing}"
    assert [e["id"] for e in follower.events] == ids, "the resumed stream differs from the list"
    kinds = [e.type for e in events]
    assert "never" not in json.dumps(
        [e.model_dump(mode="json") for e in events if e.type == "agent.message"]
    )
    assert kinds.count("session.status_idle") == 2, kinds
    # The request the killed core left open is closed as failed by the new owner.
    assert kinds.count("span.model_request_end") == kinds.count("span.model_request_start"), kinds
    first_end = next(e for e in events if e.type == "span.model_request_end")
    assert first_end.is_error is True, first_end


async def test_open_streams_carry_on_through_another_core_when_theirs_dies(
    cluster: Cluster,
) -> None:
    """Two streams opened back to back through one edge sit on different cores;
    after one core is killed both go on, with no reconnect by the client."""
    async with edge_client(cluster, 1) as client, edge_http(cluster, 0) as h:
        sid = await new_session(client)
        first = await client.beta.sessions.events.send(sid, events=[user_message("one")])
        position = first.data[0].id
        seen: list[list[str]] = [[], []]
        done = [asyncio.Event(), asyncio.Event()]
        caught_up = [asyncio.Event(), asyncio.Event()]

        async def read(i: int) -> None:
            async with h.stream(
                "GET",
                f"/v1/sessions/{sid}/events/stream",
                headers={"accept": "text/event-stream", "last-event-id": position},
            ) as resp:
                assert resp.status_code == 200
                async for frame in read_sse_frames(resp):
                    if frame.event in (None, "ping") or frame.data is None:
                        continue
                    seen[i].append(json.loads(frame.data)["type"])
                    if seen[i].count("session.status_idle") == 1:
                        caught_up[i].set()
                    if seen[i].count("session.status_idle") == 2:
                        done[i].set()
                        return

        readers = [asyncio.create_task(read(i)) for i in range(2)]
        try:
            async with asyncio.timeout(DEADLINE):
                await asyncio.gather(*(c.wait() for c in caught_up))
            cluster.cores[0].proc.kill()
            await cluster.cores[0].proc.wait()
            await client.beta.sessions.events.send(sid, events=[user_message("two")])
            async with asyncio.timeout(DEADLINE):
                await asyncio.gather(*(d.wait() for d in done))
        finally:
            for r in readers:
                r.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
        for s in seen:
            assert s.count("user.message") == 1 and s.count("session.status_idle") == 2, s


async def test_the_running_limit_counts_the_sessions_every_replica_runs(
    tmp_path: Path,
) -> None:
    """A workspace limited to one running session: while a turn runs on one
    core, a message that would start another is refused through either edge
    (the count comes from the database, not from the core that takes it)."""
    url = pg_url()
    if url is None:
        pytest.skip("no PostgreSQL for the replica suite (scripts/test.sh starts one)")
    c = await start_cluster(
        url,
        tmp_path / "data",
        api_key=KEY,
        log_dir=tmp_path / "logs",
        env={"SESSIOND_RUNNING_SESSIONS": "1"},
    )
    try:
        async with edge_client(c, 0) as a, edge_client(c, 1) as b:
            first, second = await new_session(a), await new_session(b)
            async with await a.beta.sessions.events.stream(first) as stream:
                await a.beta.sessions.events.send(first, events=[user_message("/sleep 30")])
                async with asyncio.timeout(DEADLINE):
                    async for ev in stream:
                        if ev.type == "session.status_running":
                            break
                for client in (a, b):
                    with pytest.raises(anthropic.RateLimitError) as caught:
                        await client.beta.sessions.events.send(second, events=[user_message("hi")])
                    assert caught.value.response.headers.get("retry-after") == "1"
                    err = caught.value.response.json()["error"]
                    assert err["type"] == "rate_limit_error", err
                # The refused message was not stored; one to the running
                # session only queues, through either edge.
                assert [e.type for e in await history(b, second)] == []
                await b.beta.sessions.events.send(first, events=[user_message("queued")])
                await a.beta.sessions.events.send(first, events=[{"type": "user.interrupt"}])
                async with asyncio.timeout(DEADLINE):
                    async for ev in stream:
                        if ev.type == "session.status_idle" and ev.stop_reason.type == "end_turn":
                            break
            for _ in range(200):
                if (await a.beta.sessions.retrieve(first)).status == "idle":
                    break
                await asyncio.sleep(0.05)  # polling a status, not synchronising a race
            sent = await b.beta.sessions.events.send(second, events=[user_message("now")])
            assert [e.type for e in sent.data] == ["user.message"]
    finally:
        rc = await c.stop()
        assert rc == 0, f"a replica exited with {rc} on SIGTERM\n{c.describe()}"
