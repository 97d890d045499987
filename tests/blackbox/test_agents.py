"""Agents: create, retrieve, update/versions, list, archive — raw JSON checked against the SDK."""

from __future__ import annotations

import uuid
from typing import Any

import anthropic
import pytest
from anthropic import AsyncAnthropic, omit
from anthropic.types.beta import BetaManagedAgentsAgent

from .helpers import RequestCounter, Server, all_pages, assert_error, raw_json

TOOLSET = {
    "type": "agent_toolset_20260401",
    "configs": [{"name": "bash", "type": "bash", "enabled": False}],
    "default_config": {"enabled": True, "permission_policy": {"type": "always_allow"}},
}
CUSTOM_TOOL: dict[str, Any] = {
    "type": "custom",
    "name": "lookup_order",
    "description": "Look an order up by its number.",
    "input_schema": {
        "type": "object",
        "properties": {"order": {"type": "string", "description": "order number"}},
        "required": ["order"],
    },
}
MCP_SERVER = {"type": "url", "name": "docs", "url": "https://mcp.example.com/sse"}
MCP_TOOLSET = {"type": "mcp_toolset", "mcp_server_name": "docs"}


async def create_agent(client: AsyncAnthropic, **kw: Any) -> dict[str, Any]:
    kw.setdefault("model", "claude-sonnet-4-5")
    kw.setdefault("name", "agent-" + uuid.uuid4().hex[:8])
    return await raw_json(client.beta.agents.with_raw_response.create(**kw), BetaManagedAgentsAgent)


async def test_create_with_model_string_and_every_tool_kind(client: AsyncAnthropic) -> None:
    data = await create_agent(
        client,
        model="claude-sonnet-4-5",
        name="support",
        description="answers questions",
        system="Be brief.",
        metadata={"team": "support"},
        tools=[TOOLSET, CUSTOM_TOOL, MCP_TOOLSET],
        mcp_servers=[MCP_SERVER],
    )
    assert data["id"].startswith("agent_")
    assert data["type"] == "agent"
    assert data["version"] == 1
    assert data["archived_at"] is None
    assert data["name"] == "support"
    assert data["description"] == "answers questions"
    assert data["system"] == "Be brief."
    assert data["metadata"] == {"team": "support"}
    assert data["model"]["id"] == "claude-sonnet-4-5"

    assert [t["type"] for t in data["tools"]] == ["agent_toolset_20260401", "custom", "mcp_toolset"]
    toolset, custom, mcp = data["tools"]
    bash = [c for c in toolset["configs"] if c["name"] == "bash"]
    assert len(bash) == 1 and bash[0]["enabled"] is False, toolset
    assert toolset["default_config"]["enabled"] is True
    assert toolset["default_config"]["permission_policy"] == {"type": "always_allow"}
    assert custom["name"] == "lookup_order"
    assert custom["description"] == CUSTOM_TOOL["description"]
    assert custom["input_schema"]["type"] == "object"
    assert custom["input_schema"]["properties"] == CUSTOM_TOOL["input_schema"]["properties"]
    assert custom["input_schema"]["required"] == ["order"]
    assert mcp["mcp_server_name"] == "docs"
    assert [(s["type"], s["name"], s["url"]) for s in data["mcp_servers"]] == [
        ("url", "docs", MCP_SERVER["url"])
    ]

    # The SDK's own parse agrees with the raw JSON.
    agent = await client.beta.agents.retrieve(data["id"])
    assert agent.id == data["id"] and agent.version == 1


async def test_create_with_model_config_object(client: AsyncAnthropic) -> None:
    data = await create_agent(client, model={"id": "claude-opus-4-6", "speed": "standard"})
    assert data["model"]["id"] == "claude-opus-4-6"
    assert data["model"]["speed"] == "standard"


async def test_retrieve_returns_what_create_returned(client: AsyncAnthropic) -> None:
    created = await create_agent(client, tools=[CUSTOM_TOOL], metadata={"k": "v"})
    got = await raw_json(
        client.beta.agents.with_raw_response.retrieve(created["id"]), BetaManagedAgentsAgent
    )
    assert got == created


async def test_update_makes_a_new_version_and_keeps_the_old_one(client: AsyncAnthropic) -> None:
    v1 = await create_agent(client, name="before", system="one")
    aid = v1["id"]

    v2 = await raw_json(
        client.beta.agents.with_raw_response.update(aid, name="after", system="two"),
        BetaManagedAgentsAgent,
    )
    assert v2["version"] == 2
    assert (v2["name"], v2["system"]) == ("after", "two")

    latest = await raw_json(
        client.beta.agents.with_raw_response.retrieve(aid), BetaManagedAgentsAgent
    )
    assert latest["version"] == 2 and latest["name"] == "after"

    old = await raw_json(
        client.beta.agents.with_raw_response.retrieve(aid, version=1), BetaManagedAgentsAgent
    )
    assert old["version"] == 1
    assert (old["name"], old["system"]) == ("before", "one")

    # An update that changes nothing keeps the version.
    same = await raw_json(
        client.beta.agents.with_raw_response.update(aid, name="after", system="two"),
        BetaManagedAgentsAgent,
    )
    assert same["version"] == 2
    latest = await client.beta.agents.retrieve(aid)
    assert latest.version == 2

    # A metadata patch: set a key, then null removes it.
    v3 = await raw_json(
        client.beta.agents.with_raw_response.update(aid, metadata={"a": "1", "b": "2"}),
        BetaManagedAgentsAgent,
    )
    assert v3["metadata"] == {"a": "1", "b": "2"}
    v4 = await raw_json(
        client.beta.agents.with_raw_response.update(aid, metadata={"a": None}),
        BetaManagedAgentsAgent,
    )
    assert v4["metadata"] == {"b": "2"}


async def test_versions_list_has_every_version(client: AsyncAnthropic) -> None:
    v1 = await create_agent(client, name="n1")
    aid = v1["id"]
    await client.beta.agents.update(aid, name="n2")
    await client.beta.agents.update(aid, name="n3")

    items, sizes = await all_pages(
        lambda tok: client.beta.agents.versions.with_raw_response.list(
            aid, limit=1, page=tok or omit
        ),
        BetaManagedAgentsAgent,
    )
    assert sizes == [1, 1, 1]
    assert sorted((a["version"], a["name"]) for a in items) == [(1, "n1"), (2, "n2"), (3, "n3")]
    assert all(a["id"] == aid for a in items)


async def test_update_with_a_stale_version_is_a_conflict_and_not_retried(
    server: Server, client: AsyncAnthropic
) -> None:
    v1 = await create_agent(client, name="x")
    aid = v1["id"]
    await client.beta.agents.update(aid, name="y", version=1)  # the current version: fine

    counter = RequestCounter()
    async with server.client(max_retries=2, http_client=counter.http_client()) as retrying:
        with pytest.raises(anthropic.ConflictError) as exc_info:
            await retrying.beta.agents.update(aid, name="z", version=1)
    assert exc_info.value.status_code == 409
    assert counter.requests == [f"POST /v1/agents/{aid}"], (
        f"the SDK retried a 409: {counter.requests}"
    )
    assert_error(exc_info.value.response, 409, "invalid_request_error")

    still = await client.beta.agents.retrieve(aid)
    assert (still.version, still.name) == (2, "y")


async def test_list_paginates_and_hides_archived_agents(client: AsyncAnthropic) -> None:
    tag = uuid.uuid4().hex[:8]
    mine = [(await create_agent(client, name=f"list-{tag}-{i}"))["id"] for i in range(5)]

    def fetch(include_archived: bool | None = None):  # type: ignore[no-untyped-def]
        def go(tok: str | None):  # type: ignore[no-untyped-def]
            kw: dict[str, Any] = {"limit": 2}
            if tok:
                kw["page"] = tok
            if include_archived is not None:
                kw["include_archived"] = include_archived
            return client.beta.agents.with_raw_response.list(**kw)

        return go

    items, sizes = await all_pages(fetch(), BetaManagedAgentsAgent)
    ids = [a["id"] for a in items]
    assert len(ids) == len(set(ids)), "an agent appears on two pages"
    assert len(sizes) >= 3 and max(sizes) == 2, sizes
    assert all(ids.count(m) == 1 for m in mine)

    archived = await raw_json(
        client.beta.agents.with_raw_response.archive(mine[0]), BetaManagedAgentsAgent
    )
    assert archived["archived_at"] is not None

    items, _ = await all_pages(fetch(), BetaManagedAgentsAgent)
    ids = [a["id"] for a in items]
    assert mine[0] not in ids, "an archived agent is listed by default"
    assert all(m in ids for m in mine[1:])
    assert all(a["archived_at"] is None for a in items)

    items, _ = await all_pages(fetch(include_archived=True), BetaManagedAgentsAgent)
    by_id = {a["id"]: a for a in items}
    assert mine[0] in by_id, "include_archived=true leaves out an archived agent"
    assert by_id[mine[0]]["archived_at"] is not None
    assert all(m in by_id for m in mine)


async def test_archive_sets_archived_at(client: AsyncAnthropic) -> None:
    created = await create_agent(client)
    archived = await raw_json(
        client.beta.agents.with_raw_response.archive(created["id"]), BetaManagedAgentsAgent
    )
    assert archived["id"] == created["id"]
    assert archived["archived_at"] is not None
    got = await client.beta.agents.retrieve(created["id"])
    assert got.archived_at is not None
