"""Self-hosted environments (CONTRACT §5): the SDK's own EnvironmentWorker polls
the work queue and runs the session's toolset; the server never runs it.

Runs against `sessiond serve` (SQLite) and two core replicas on PostgreSQL,
both with a 2 s work lease so that a killed worker's item is reclaimed quickly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from anthropic import AsyncAnthropic
from anthropic.types.beta.environments import (
    BetaSelfHostedWork,
    BetaSelfHostedWorkHeartbeatResponse,
    BetaSelfHostedWorkQueueStats,
    BetaWorkLeaseState,
)

from .cluster import PG_ENV, Cluster, pg_url, start_cluster
from .helpers import (
    Server,
    assert_error,
    check,
    collect,
    raw_json,
    raw_page,
    start_server,
    text_of,
    type_of,
)

KEY = "sk-selfhosted-0123456789abcdef"
WORK_ENV = {"SESSIOND_WORK_LEASE_SECONDS": "2"}
WORKER_SCRIPT = Path(__file__).resolve().parent.parent / "fixtures" / "env_worker.py"


@pytest.fixture(scope="module", params=["serve", "replicas"])
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Server]:
    base = tmp_path_factory.mktemp("selfhosted-" + request.param)
    srv: Server | Cluster
    if request.param == "serve":
        srv = await start_server(base / "data", api_key=KEY, log_dir=base, env=WORK_ENV)
    else:
        url = pg_url()
        if url is None:
            pytest.skip(f"no PostgreSQL ({PG_ENV} unset; scripts/test.sh sets it)")
        srv = await start_cluster(url, base / "data", api_key=KEY, log_dir=base, env=WORK_ENV)
    try:
        yield srv  # type: ignore[misc]
    finally:
        assert await srv.stop() == 0, srv.describe()


@pytest.fixture
async def client(server: Server) -> AsyncIterator[AsyncAnthropic]:
    async with server.client() as c:
        yield c


async def _self_hosted(client: AsyncAnthropic, policy: str = "always_allow") -> tuple[str, str]:
    env = await client.beta.environments.create(name="self-hosted", config={"type": "self_hosted"})
    agent = await client.beta.agents.create(
        model="claude-sonnet-4-5",
        name="remote",
        tools=[
            {
                "type": "agent_toolset_20260401",
                "default_config": {"permission_policy": {"type": policy}},
            }
        ],
    )
    return env.id, agent.id


def _tool(command: str) -> list[Any]:
    text = "/tool bash " + json.dumps({"command": command})
    return [{"type": "user.message", "content": [{"type": "text", "text": text}]}]


def _idle(stop: str) -> Any:
    def pred(evs: list[Any]) -> bool:
        return any(type_of(e) == "session.status_idle" and e.stop_reason.type == stop for e in evs)

    return pred


@contextlib.asynccontextmanager
async def _worker(server: Server, environment_id: str, workdir: Path) -> AsyncIterator[None]:
    """The SDK's EnvironmentWorker in this process, for the duration of the block."""
    await asyncio.to_thread(workdir.mkdir, exist_ok=True)
    async with server.client(max_retries=2) as wc:
        worker = wc.beta.environments.work.worker(
            environment_id=environment_id, environment_key=KEY, workdir=str(workdir), max_idle=1.0
        )
        task = asyncio.create_task(worker.run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


async def _wait_state(client: AsyncAnthropic, env_id: str, work_id: str, state: str) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while True:
        item = await client.beta.environments.work.retrieve(work_id, environment_id=env_id)
        if item.state == state:
            return item
        assert loop.time() < deadline, f"work {work_id} stayed {item.state}, want {state}"
        await asyncio.sleep(0.1)


async def test_worker_runs_the_toolset_and_the_server_does_not(
    server: Server, client: AsyncAnthropic, tmp_path: Path
) -> None:
    env_id, agent_id = await _self_hosted(client)
    session = await client.beta.sessions.create(agent=agent_id, environment_id=env_id)
    (queued,) = [w async for w in client.beta.environments.work.list(env_id)]
    assert queued.state == "queued" and queued.data.id == session.id
    async with _worker(server, env_id, tmp_path / "wd"), collect(client, session.id) as col:
        await client.beta.sessions.events.send(session.id, events=_tool("pwd; echo from-worker"))
        await col.wait_for(_idle("end_turn"), within=30, what="end_turn")
        uses = [e for e in col.events if type_of(e) == "agent.tool_use"]
        results = [e for e in col.events if type_of(e) == "user.tool_result"]
        assert len(uses) == 1 and len(results) == 1, col.summary()
        assert results[0].tool_use_id == uses[0].id
        assert "agent.tool_result" not in col.types(), "the server ran a self-hosted tool call"
        assert str(tmp_path / "wd") in text_of(results[0])
        final = [e for e in col.events if type_of(e) == "agent.message"][-1]
        assert "from-worker" in text_of(final)
        # The worker idles out and stops its item.
        await _wait_state(client, env_id, queued.id, "stopped")


async def test_always_ask_gates_the_result_and_the_session_goes_on(
    server: Server, client: AsyncAnthropic, tmp_path: Path
) -> None:
    env_id, agent_id = await _self_hosted(client, "always_ask")
    session = await client.beta.sessions.create(agent=agent_id, environment_id=env_id)
    async with collect(client, session.id) as col:
        await client.beta.sessions.events.send(session.id, events=_tool("echo confirmed-run"))
        await col.wait_for(_idle("requires_action"), what="requires_action")
        (use,) = [e for e in col.events if type_of(e) == "agent.tool_use"]
        assert use.evaluated_permission == "ask"
        async with server.http() as h:
            early = await h.post(
                f"/v1/sessions/{session.id}/events",
                json={
                    "events": [
                        {
                            "type": "user.tool_result",
                            "tool_use_id": use.id,
                            "content": [{"type": "text", "text": "too early"}],
                        }
                    ]
                },
            )
        body = assert_error(early, 400, "invalid_request_error")
        assert "confirmation" in body["error"]["message"]
        async with _worker(server, env_id, tmp_path / "wd"):
            await client.beta.sessions.events.send(
                session.id,
                events=[
                    {"type": "user.tool_confirmation", "tool_use_id": use.id, "result": "allow"}
                ],
            )
            await col.wait_for(_idle("end_turn"), within=30, what="end_turn after allow")
        (result,) = [e for e in col.events if type_of(e) == "user.tool_result"]
        assert "confirmed-run" in text_of(result) and "too early" not in text_of(result)


async def test_tool_result_rules(server: Server, client: AsyncAnthropic) -> None:
    env_id, agent_id = await _self_hosted(client)
    cloud = await client.beta.environments.create(name="cloud")
    on_cloud = await client.beta.sessions.create(agent=agent_id, environment_id=cloud.id)
    remote = await client.beta.sessions.create(agent=agent_id, environment_id=env_id)

    def result(tool_use_id: str, text: str) -> dict[str, Any]:
        return {
            "events": [
                {
                    "type": "user.tool_result",
                    "tool_use_id": tool_use_id,
                    "content": [{"type": "text", "text": text}],
                }
            ]
        }

    async with server.http() as h:
        r = await h.post(f"/v1/sessions/{on_cloud.id}/events", json=result("sevt_made_up", "x"))
        assert "self_hosted" in assert_error(r, 400, "invalid_request_error")["error"]["message"]
        r = await h.post(f"/v1/sessions/{remote.id}/events", json=result("sevt_made_up", "x"))
        assert_error(r, 400, "invalid_request_error")
        async with collect(client, remote.id) as col:
            await client.beta.sessions.events.send(remote.id, events=_tool("echo never-run"))
            await col.wait_for(_idle("requires_action"), what="requires_action")
            (use,) = [e for e in col.events if type_of(e) == "agent.tool_use"]
            # The client answers as a worker would.
            r = await h.post(f"/v1/sessions/{remote.id}/events", json=result(use.id, "by-hand"))
            assert r.status_code == 200, r.text
            await col.wait_for(_idle("end_turn"), what="end_turn")
            messages = [e for e in col.events if type_of(e) == "agent.message"]
            assert "by-hand" in text_of(messages[-1])
        r = await h.post(f"/v1/sessions/{remote.id}/events", json=result(use.id, "again"))
        assert_error(r, 400, "invalid_request_error")


async def test_a_killed_worker_is_replaced_and_the_call_runs_once_more(
    server: Server, client: AsyncAnthropic, tmp_path: Path
) -> None:
    env_id, agent_id = await _self_hosted(client)
    session = await client.beta.sessions.create(agent=agent_id, environment_id=env_id)
    marker = tmp_path / "first-run"
    command = f"if [ -e {marker} ]; then echo second-worker; else touch {marker}; sleep 60; fi"
    (tmp_path / "a").mkdir()
    log = (tmp_path / "worker-a.log").open("wb")  # noqa: ASYNC230
    first = await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER_SCRIPT),
        server.base_url,
        KEY,
        env_id,
        str(tmp_path / "a"),
        "worker-a",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    try:
        async with collect(client, session.id) as col:
            await client.beta.sessions.events.send(session.id, events=_tool(command))
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            while not marker.exists():
                assert first.returncode is None, (tmp_path / "worker-a.log").read_text()
                assert loop.time() < deadline, "worker A never started the tool"
                await asyncio.sleep(0.05)
            (item,) = [w async for w in client.beta.environments.work.list(env_id)]
            assert item.state == "active"
            os.killpg(first.pid, signal.SIGKILL)
            await first.wait()
            async with _worker(server, env_id, tmp_path / "b"):
                await col.wait_for(_idle("end_turn"), within=40, what="end_turn by worker B")
            results = [e for e in col.events if type_of(e) == "user.tool_result"]
            assert [text_of(r).strip() for r in results] == ["second-worker"], col.summary()
        # The same item was reclaimed, not a second one made.
        items = [w async for w in client.beta.environments.work.list(env_id)]
        assert [w.id for w in items] == [item.id]
    finally:
        if first.returncode is None:
            os.killpg(first.pid, signal.SIGKILL)
            await first.wait()
        log.close()


async def test_every_work_route_in_the_sdk_shapes(server: Server, client: AsyncAnthropic) -> None:
    env_id, agent_id = await _self_hosted(client)
    work = client.beta.environments.work.with_raw_response
    assert await client.beta.environments.work.poll(env_id) is None
    session = await client.beta.sessions.create(agent=agent_id, environment_id=env_id)
    stats = await raw_json(work.stats(env_id), BetaSelfHostedWorkQueueStats)
    assert (stats["depth"], stats["pending"]) == (1, 0) and stats["oldest_queued_at"]
    page = await raw_page(work.list(env_id), BetaSelfHostedWork)
    (listed,) = page["data"]
    assert listed["state"] == "queued" and listed["data"] == {"type": "session", "id": session.id}
    polled = await raw_json(
        work.poll(env_id, block_ms=999, anthropic_worker_id="w-1"), BetaSelfHostedWork
    )
    assert polled["id"] == listed["id"] and polled["state"] == "starting"
    stats = await raw_json(work.stats(env_id), BetaSelfHostedWorkQueueStats)
    assert (stats["depth"], stats["pending"], stats["workers_polling"]) == (0, 1, 1)
    work_id = polled["id"]
    # Not acknowledged: another poll with a short reclaim window hands it out again.
    again = await raw_json(
        work.poll(env_id, block_ms=999, reclaim_older_than_ms=1), BetaSelfHostedWork
    )
    assert again["id"] == work_id
    updated = await raw_json(
        work.update(work_id, environment_id=env_id, metadata={"a": "1", "b": "2"}),
        BetaSelfHostedWork,
    )
    assert updated["metadata"] == {"a": "1", "b": "2"}
    updated = await raw_json(
        work.update(work_id, environment_id=env_id, metadata={"a": None}), BetaSelfHostedWork
    )
    assert updated["metadata"] == {"b": "2"}
    acked = await raw_json(work.ack(work_id, environment_id=env_id), BetaSelfHostedWork)
    assert acked["acknowledged_at"]
    beat = await raw_json(
        work.heartbeat(work_id, environment_id=env_id, expected_last_heartbeat="NO_HEARTBEAT"),
        BetaSelfHostedWorkHeartbeatResponse,
    )
    assert beat["lease_extended"] and beat["state"] == "active" and beat["ttl_seconds"] == 2
    async with server.http() as h:
        r = await h.post(
            f"/v1/environments/{env_id}/work/{work_id}/heartbeat",
            params={"expected_last_heartbeat": "NO_HEARTBEAT"},
        )
        assert r.status_code == 412, r.text
        details = r.json()["error"]["details"]
        assert details["error_code"] == "heartbeat_precondition_failed"
        lease = check(BetaWorkLeaseState, details["current_state"])
        assert lease.last_heartbeat == beat["last_heartbeat"] and not lease.lease_extended
        beat2 = await raw_json(
            work.heartbeat(
                work_id,
                environment_id=env_id,
                expected_last_heartbeat=beat["last_heartbeat"],
                desired_ttl_seconds=30,
            ),
            BetaSelfHostedWorkHeartbeatResponse,
        )
        assert beat2["ttl_seconds"] == 30 and beat2["last_heartbeat"] != beat["last_heartbeat"]
        got = await raw_json(work.retrieve(work_id, environment_id=env_id), BetaSelfHostedWork)
        assert got["state"] == "active" and got["started_at"] and got["latest_heartbeat_at"]
        stopping = await raw_json(work.stop(work_id, environment_id=env_id), BetaSelfHostedWork)
        assert stopping["state"] == "stopping" and stopping["stop_requested_at"]
        told = await raw_json(
            work.heartbeat(
                work_id, environment_id=env_id, expected_last_heartbeat=beat2["last_heartbeat"]
            ),
            BetaSelfHostedWorkHeartbeatResponse,
        )
        assert told["state"] == "stopping" and not told["lease_extended"]
        stopped = await raw_json(
            work.stop(work_id, environment_id=env_id, force=True), BetaSelfHostedWork
        )
        assert stopped["state"] == "stopped" and stopped["stopped_at"]
        r = await h.post(f"/v1/environments/{env_id}/work/{work_id}/stop", json={"force": True})
        assert_error(r, 409, "invalid_request_error", no_retry_header=False)
        for bad in ("0", "1000", "x"):
            r = await h.get(f"/v1/environments/{env_id}/work/poll", params={"block_ms": bad})
            assert_error(r, 400, "invalid_request_error", no_retry_header=False)
        cloud = await client.beta.environments.create(name="cloud-q")
        r = await h.get(f"/v1/environments/{cloud.id}/work/poll")
        assert_error(r, 400, "invalid_request_error", no_retry_header=False)
        r = await h.get(f"/v1/environments/{env_id}/work/work_missing")
        assert_error(r, 404, "not_found_error", no_retry_header=False)
    # A stopped item lets a new one be queued for the session's next tool call.
    assert (await client.beta.environments.work.stats(env_id)).depth == 0


async def test_a_long_poll_wakes_when_work_arrives(client: AsyncAnthropic) -> None:
    env_id, agent_id = await _self_hosted(client)
    poll = asyncio.create_task(client.beta.environments.work.poll(env_id, block_ms=999))
    session = await client.beta.sessions.create(agent=agent_id, environment_id=env_id)
    item = await poll
    if item is None:  # the session came after the poll's window: the next poll has it
        item = await client.beta.environments.work.poll(env_id, block_ms=999)
    assert item is not None and item.data.id == session.id


async def test_concurrent_polls_never_claim_one_item_twice(client: AsyncAnthropic) -> None:
    env_id, agent_id = await _self_hosted(client)
    sessions = {
        (await client.beta.sessions.create(agent=agent_id, environment_id=env_id)).id
        for _ in range(8)
    }
    polls = await asyncio.gather(
        *(client.beta.environments.work.poll(env_id, block_ms=200) for _ in range(16))
    )
    claimed = [w for w in polls if w is not None]
    assert sorted(w.data.id for w in claimed) == sorted(sessions)
    assert len({w.id for w in claimed}) == len(claimed) == 8


async def test_an_outcome_goes_on_with_the_workers_result_then_is_graded(
    server: Server, client: AsyncAnthropic, tmp_path: Path
) -> None:
    """An outcome's iteration that waits for a worker pauses with the session
    and is graded once the worker's result came back."""
    env_id, agent_id = await _self_hosted(client)
    session = await client.beta.sessions.create(agent=agent_id, environment_id=env_id)
    define = {
        "type": "user.define_outcome",
        "description": "/tool bash " + json.dumps({"command": "echo WORKED-6"}),
        "rubric": {"type": "text", "content": "must: WORKED-6"},
    }
    async with _worker(server, env_id, tmp_path / "wd"), collect(client, session.id) as col:
        await client.beta.sessions.events.send(session.id, events=[define])  # type: ignore[list-item]
        await col.wait_count("span.outcome_evaluation_end", 1, within=30)
        await col.wait_for(_idle("end_turn"), within=30, what="end_turn")
    assert [e.result for e in col.events if type_of(e) == "span.outcome_evaluation_end"] == [
        "satisfied"
    ], col.summary()
    assert col.types().count("user.tool_result") == 1, col.summary()
    assert "agent.tool_result" not in col.types(), "the server ran a self-hosted tool call"
    (state,) = (await client.beta.sessions.retrieve(session.id)).outcome_evaluations
    assert state.result == "satisfied" and state.completed_at is not None
