"""Multiagent: a coordinator's roster in the SDK's shapes, and session threads."""

from __future__ import annotations

import uuid
from typing import Any

import httpx2
import pytest
from anthropic import AsyncAnthropic
from anthropic.types.beta import BetaManagedAgentsAgent, BetaManagedAgentsSession

from .helpers import all_pages, assert_error, raw_json

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
