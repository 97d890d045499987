"""Deployments and their runs through the real SDK (docs: "Scheduled deployments").

The schedules that must fire run on a fast test clock (SESSIOND_TEST_CLOCK_RATE:
the scheduler's minute passes in a real second), on one server and on two
replicas over one PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anthropic
import pytest
from anthropic import AsyncAnthropic
from anthropic.types.beta import BetaManagedAgentsDeployment, BetaManagedAgentsDeploymentRun
from anthropic.types.beta.sessions import BetaManagedAgentsSessionEvent

from .cluster import pg_url, start_cluster
from .helpers import Server, all_pages, assert_error, check, raw_json, raw_page, start_server

WAIT = 30.0
KEY = "sk-deployments-0123456789abcdef"
FAST = {"SESSIOND_TEST_CLOCK_RATE": "60"}


async def eventually(check_: Callable[[], Awaitable[bool]], what: str) -> None:
    """Polls ``check_`` until it holds; fails after WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while not await check_():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _message(text: str) -> dict[str, Any]:
    return {"type": "user.message", "content": [_text(text)]}


async def _deployment(
    client: AsyncAnthropic, agent_id: str, env_id: str, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "agent": agent_id,
        "environment_id": env_id,
        "name": "nightly",
        "initial_events": [_message("hello from the deployment")],
        **extra,
    }
    return await raw_json(
        client.beta.deployments.with_raw_response.create(**body), BetaManagedAgentsDeployment
    )


async def _runs(client: AsyncAnthropic, deployment_id: str, **query: Any) -> list[dict[str, Any]]:
    items, _ = await all_pages(
        lambda page: client.beta.deployment_runs.with_raw_response.list(
            deployment_id=deployment_id, limit=100, **({"page": page} if page else {}), **query
        ),
        BetaManagedAgentsDeploymentRun,
    )
    return items


async def _events(client: AsyncAnthropic, session_id: str) -> list[dict[str, Any]]:
    page = await raw_page(
        client.beta.sessions.events.with_raw_response.list(session_id),
        BetaManagedAgentsSessionEvent,
    )
    return list(page["data"])


# --------------------------------------------------------------------------- the API


async def test_create_get_list_update_pause_unpause_archive(
    client: AsyncAnthropic, agent_id: str, environment_id: str
) -> None:
    d = await _deployment(
        client,
        agent_id,
        environment_id,
        description="every new year",
        metadata={"team": "a"},
        schedule={"type": "cron", "expression": "0 0 1 1 *", "timezone": "Europe/Paris"},
    )
    assert d["id"].startswith("depl_") and d["type"] == "deployment"
    assert d["agent"] == {"type": "agent", "id": agent_id, "version": 1}
    assert d["status"] == "active" and d["paused_reason"] is None
    assert d["initial_events"] == [_message("hello from the deployment")]
    upcoming = d["schedule"]["upcoming_runs_at"]
    assert len(upcoming) == 5 and all(
        u.endswith(("23:00:00Z", "23:00:00.000000Z")) for u in upcoming
    )

    got = await raw_json(
        client.beta.deployments.with_raw_response.retrieve(d["id"]), BetaManagedAgentsDeployment
    )
    assert got["id"] == d["id"] and got["metadata"] == {"team": "a"}

    page = await raw_page(
        client.beta.deployments.with_raw_response.list(agent_id=agent_id),
        BetaManagedAgentsDeployment,
    )
    assert [x["id"] for x in page["data"]] == [d["id"]]

    upd = await raw_json(
        client.beta.deployments.with_raw_response.update(
            d["id"], name="renamed", metadata={"team": None, "k": "v"}, schedule=None
        ),
        BetaManagedAgentsDeployment,
    )
    assert upd["name"] == "renamed" and upd["metadata"] == {"k": "v"} and upd["schedule"] is None
    assert upd["description"] == "every new year"

    paused = await raw_json(
        client.beta.deployments.with_raw_response.pause(d["id"]), BetaManagedAgentsDeployment
    )
    assert paused["status"] == "paused" and paused["paused_reason"] == {"type": "manual"}
    listed = await raw_page(
        client.beta.deployments.with_raw_response.list(agent_id=agent_id, status="paused"),
        BetaManagedAgentsDeployment,
    )
    assert [x["id"] for x in listed["data"]] == [d["id"]]

    active = await raw_json(
        client.beta.deployments.with_raw_response.unpause(d["id"]), BetaManagedAgentsDeployment
    )
    assert active["status"] == "active" and active["paused_reason"] is None

    archived = await raw_json(
        client.beta.deployments.with_raw_response.archive(d["id"]), BetaManagedAgentsDeployment
    )
    assert archived["archived_at"] is not None and archived["status"] == "active"
    hidden = await raw_page(
        client.beta.deployments.with_raw_response.list(agent_id=agent_id),
        BetaManagedAgentsDeployment,
    )
    assert hidden["data"] == []
    shown = await raw_page(
        client.beta.deployments.with_raw_response.list(agent_id=agent_id, include_archived=True),
        BetaManagedAgentsDeployment,
    )
    assert [x["id"] for x in shown["data"]] == [d["id"]]


async def test_run_now_makes_a_session_with_the_initial_events(
    client: AsyncAnthropic, agent_id: str, environment_id: str
) -> None:
    d = await _deployment(
        client,
        agent_id,
        environment_id,
        initial_events=[
            {"type": "system.message", "content": [{"type": "text", "text": "be brief"}]},
            _message("summarize the day"),
        ],
    )
    # A paused deployment still runs when asked to.
    await client.beta.deployments.pause(d["id"])
    run = await raw_json(
        client.beta.deployments.with_raw_response.run(d["id"]), BetaManagedAgentsDeploymentRun
    )
    assert run["id"].startswith("drun_") and run["error"] is None
    assert run["trigger_context"] == {"type": "manual"}
    assert run["agent"] == {"type": "agent", "id": agent_id, "version": 1}
    session = await client.beta.sessions.retrieve(run["session_id"])
    assert session.environment_id == environment_id

    async def answered() -> bool:
        types = [e["type"] for e in await _events(client, run["session_id"])]
        return "agent.message" in types

    await eventually(answered, "the run's session to answer")
    events = await _events(client, run["session_id"])
    sent = [e for e in events if e["type"] in ("system.message", "user.message")]
    assert [e["type"] for e in sent] == ["system.message", "user.message"]
    assert sent[1]["content"][0]["text"] == "summarize the day"

    again = await raw_json(
        client.beta.deployment_runs.with_raw_response.retrieve(run["id"]),
        BetaManagedAgentsDeploymentRun,
    )
    assert again == run
    assert [r["id"] for r in await _runs(client, d["id"])] == [run["id"]]
    assert await _runs(client, d["id"], has_error=True) == []
    assert await _runs(client, d["id"], trigger_type="schedule") == []


async def test_bad_input_is_a_clear_400(
    http: Any, client: AsyncAnthropic, agent_id: str, environment_id: str
) -> None:
    base = {
        "agent": agent_id,
        "environment_id": environment_id,
        "name": "x",
        "initial_events": [_message("hi")],
    }
    cases: list[dict[str, Any]] = [
        {**base, "schedule": {"type": "cron", "expression": "@daily", "timezone": "UTC"}},
        {**base, "schedule": {"type": "cron", "expression": "0 0 L * *", "timezone": "UTC"}},
        {**base, "schedule": {"type": "cron", "expression": "0 0 * * *", "timezone": "Mars/X"}},
        {**base, "initial_events": []},
        {
            **base,
            "initial_events": [
                {"type": "system.message", "content": [{"type": "text", "text": "s"}]}
            ],
        },
        {**base, "initial_events": [{"type": "user.interrupt"}]},
        {**base, "name": ""},
        {k: v for k, v in base.items() if k != "environment_id"},
        {**base, "bogus": 1},
    ]
    for body in cases:
        resp = await http.post("/v1/deployments", json=body)
        assert_error(resp, 400, "invalid_request_error")
    resp = await http.post("/v1/deployments", json={**base, "environment_id": "env_nope"})
    assert_error(resp, 404, "not_found_error")
    resp = await http.get("/v1/deployments/depl_nope")
    assert_error(resp, 404, "not_found_error")
    resp = await http.get("/v1/deployment_runs/drun_nope")
    assert_error(resp, 404, "not_found_error")
    resp = await http.get("/v1/deployment_runs", params={"page": "garbage!"})
    assert_error(resp, 400, "invalid_request_error")


# --------------------------------------------------------------------------- the schedule


async def _fast_server(tmp_path: Path, **env: str) -> Server:
    return await start_server(
        tmp_path / "data", api_key=KEY, log_dir=tmp_path / "logs", env={**FAST, **env}
    )


async def _agent_and_env(client: AsyncAnthropic) -> tuple[str, str]:
    agent = await client.beta.agents.create(model="claude-sonnet-4-5", name="scheduled")
    env = await client.beta.environments.create(name="scheduled")
    return agent.id, env.id


async def test_a_schedule_fires_on_the_fast_clock(tmp_path: Path) -> None:
    srv = await _fast_server(tmp_path)
    try:
        async with srv.client() as client:
            agent_id, env_id = await _agent_and_env(client)
            d = await _deployment(
                client,
                agent_id,
                env_id,
                schedule={"type": "cron", "expression": "* * * * *", "timezone": "Asia/Tokyo"},
            )

            async def two_runs() -> bool:
                return len(await _runs(client, d["id"], trigger_type="schedule")) >= 2

            await eventually(two_runs, "two scheduled runs")
            runs = await _runs(client, d["id"], trigger_type="schedule")
            for run in runs:
                assert run["error"] is None and run["session_id"]
                assert run["trigger_context"]["type"] == "schedule"
                assert run["trigger_context"]["scheduled_at"].endswith((":00Z", ":00.000000Z"))
            scheduled = [r["trigger_context"]["scheduled_at"] for r in runs]
            assert len(set(scheduled)) == len(scheduled)
            first = runs[-1]
            events = await _events(client, first["session_id"])
            assert events[0]["type"] == "user.message"
            got = await client.beta.deployments.retrieve(d["id"])
            assert got.schedule is not None and got.schedule.last_run_at is not None
            sessions = await client.beta.sessions.list(limit=100)
            mine = {s.id for s in sessions.data}
            assert {r["session_id"] for r in runs} <= mine
    finally:
        assert await srv.stop() == 0


async def test_auto_pause_when_the_agent_is_archived(tmp_path: Path) -> None:
    srv = await _fast_server(tmp_path)
    try:
        async with srv.client() as client:
            agent_id, env_id = await _agent_and_env(client)
            d = await _deployment(
                client,
                agent_id,
                env_id,
                schedule={"type": "cron", "expression": "* * * * *", "timezone": "UTC"},
            )
            await client.beta.agents.archive(agent_id)

            async def paused() -> bool:
                got = await client.beta.deployments.retrieve(d["id"])
                return got.status == "paused"

            await eventually(paused, "the deployment to pause itself")
            got = await raw_json(
                client.beta.deployments.with_raw_response.retrieve(d["id"]),
                BetaManagedAgentsDeployment,
            )
            assert got["paused_reason"] == {
                "type": "error",
                "error": {"type": "agent_archived_error"},
            }
            failed = await _runs(client, d["id"], has_error=True)
            assert len(failed) == 1
            assert failed[0]["session_id"] is None
            assert failed[0]["error"]["type"] == "agent_archived_error"
            assert failed[0]["error"]["message"]
            assert len(await _runs(client, d["id"])) == 1
            # Still editable: what an update does not name is not checked again.
            renamed = await client.beta.deployments.update(d["id"], name="still editable")
            assert renamed.name == "still editable" and renamed.status == "paused"
            with pytest.raises(anthropic.BadRequestError):
                await client.beta.deployments.update(d["id"], agent=agent_id)
    finally:
        assert await srv.stop() == 0


async def test_a_restart_loses_no_due_run(tmp_path: Path) -> None:
    """A daily tick that came while the server was down fires once on restart."""
    srv = await start_server(tmp_path / "data", api_key=KEY, log_dir=tmp_path / "logs")
    try:
        async with srv.client() as client:
            agent_id, env_id = await _agent_and_env(client)
            d = await _deployment(
                client,
                agent_id,
                env_id,
                schedule={"type": "cron", "expression": "0 0 * * *", "timezone": "UTC"},
            )
            due = d["schedule"]["upcoming_runs_at"][0]
    finally:
        assert await srv.stop() == 0
    # Back two days later: two midnights passed; the newest fires, once.
    srv = await start_server(
        tmp_path / "data",
        api_key=KEY,
        log_dir=tmp_path / "logs",
        env={"SESSIOND_TEST_CLOCK_OFFSET": str(2 * 86400)},
    )
    try:
        async with srv.client() as client:

            async def fired() -> bool:
                return len(await _runs(client, d["id"])) >= 1

            await eventually(fired, "the missed tick to fire")
            runs = await _runs(client, d["id"])
            assert len(runs) == 1 and runs[0]["session_id"]
            scheduled = runs[0]["trigger_context"]["scheduled_at"]
            assert scheduled > due, (scheduled, due)
    finally:
        assert await srv.stop() == 0


async def test_two_replicas_fire_each_tick_once(tmp_path: Path) -> None:
    url = pg_url()
    if url is None:
        pytest.skip("no PostgreSQL (SESSIOND_TEST_PG unset)")
    # Both replicas' clocks start at the same instant, so they agree on the time.
    env = {**FAST, "SESSIOND_TEST_CLOCK_START": str(time.time())}
    cluster = await start_cluster(url, tmp_path / "data", api_key=KEY, log_dir=tmp_path, env=env)
    try:
        async with cluster.client() as client:
            agent_id, env_id = await _agent_and_env(client)
            d = await _deployment(
                client,
                agent_id,
                env_id,
                schedule={"type": "cron", "expression": "* * * * *", "timezone": "UTC"},
            )

            async def three_runs() -> bool:
                return len(await _runs(client, d["id"])) >= 3

            await eventually(three_runs, "three scheduled runs")
            await client.beta.deployments.pause(d["id"])

            async def settled() -> bool:
                # A run in flight when we paused makes its session before it is listed.
                runs = await _runs(client, d["id"])
                listed = await client.beta.sessions.list(limit=100)
                return {r["session_id"] for r in runs} == {s.id for s in listed.data}

            # Every session belongs to exactly one run: no tick made two.
            await eventually(settled, "each session to have its run")
            runs = await _runs(client, d["id"])
            assert len(runs) >= 3
            scheduled = [r["trigger_context"]["scheduled_at"] for r in runs]
            assert len(set(scheduled)) == len(scheduled), scheduled
            sessions = [r["session_id"] for r in runs]
            assert all(sessions) and len(set(sessions)) == len(sessions)
    finally:
        assert await cluster.stop() == 0


def test_run_json_is_checked_strictly() -> None:
    """The strict check refuses an undeclared key (so the checks above can fail)."""
    run = {
        "id": "drun_x",
        "type": "deployment_run",
        "agent": {"type": "agent", "id": "agent_x", "version": 1},
        "created_at": "2026-01-01T00:00:00Z",
        "deployment_id": "depl_x",
        "error": None,
        "session_id": "sesn_x",
        "trigger_context": {"type": "manual"},
    }
    check(BetaManagedAgentsDeploymentRun, run)
    with pytest.raises(AssertionError):
        check(BetaManagedAgentsDeploymentRun, {**run, "extra": 1})


async def test_repository_tokens_are_never_echoed_nor_stored_in_clear(
    server: Server, client: AsyncAnthropic, agent_id: str, environment_id: str
) -> None:
    token = "ghp_deploymentsecret0123456789"
    repo = {
        "type": "github_repository",
        "url": "https://github.com/example/repo",
        "authorization_token": token,
        "mount_path": "/workspace/repo",
    }
    d = await _deployment(client, agent_id, environment_id, resources=[repo])
    assert d["resources"] == [
        {"type": "github_repository", "url": repo["url"], "mount_path": "/workspace/repo"}
        | ({"checkout": d["resources"][0]["checkout"]} if "checkout" in d["resources"][0] else {})
    ]
    raw = await client.beta.deployments.with_raw_response.retrieve(d["id"])
    assert token not in raw.http_response.text
    # The SQLite server's files (with its write-ahead log); replicas use PostgreSQL.
    for path in server.data_dir.glob("sessiond.db*"):
        assert token.encode() not in await asyncio.to_thread(path.read_bytes), path


async def test_another_workspace_sees_no_deployment_nor_run(tmp_path: Path) -> None:
    key_a, key_b = "sk-depl-team-a-0123456789abcdef", "sk-depl-team-b-0123456789abcdef"
    srv = await start_server(
        tmp_path / "data",
        api_key=None,
        log_dir=tmp_path / "logs",
        env={"SESSIOND_API_KEYS": f"team-a={key_a},team-b={key_b}"},
    )
    try:
        async with srv.client(api_key=key_a) as a, srv.client(api_key=key_b) as b:
            agent_id, env_id = await _agent_and_env(a)
            d = await _deployment(a, agent_id, env_id)
            run = await a.beta.deployments.run(d["id"])
            for call in (
                b.beta.deployments.retrieve(d["id"]),
                b.beta.deployments.pause(d["id"]),
                b.beta.deployments.run(d["id"]),
                b.beta.deployments.archive(d["id"]),
                b.beta.deployment_runs.retrieve(run.id),
            ):
                with pytest.raises(anthropic.NotFoundError):
                    await call
            assert (await b.beta.deployments.list()).data == []
            assert (await b.beta.deployment_runs.list()).data == []
            # Team b cannot deploy team a's agent either.
            env_b = await b.beta.environments.create(name="b")
            with pytest.raises(anthropic.NotFoundError):
                await _deployment(b, agent_id, env_b.id)
    finally:
        assert await srv.stop() == 0
