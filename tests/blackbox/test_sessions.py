"""Sessions: create, retrieve, update, list (filters, order, pages), archive, delete."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2
import pytest
from anthropic import AsyncAnthropic, omit
from anthropic.types.beta import BetaManagedAgentsDeletedSession, BetaManagedAgentsSession

from .helpers import all_pages, assert_error, collect, interrupt, raw_json, type_of, user_message


async def create_session(client: AsyncAnthropic, **kw: Any) -> dict[str, Any]:
    return await raw_json(
        client.beta.sessions.with_raw_response.create(**kw), BetaManagedAgentsSession
    )


def stable(sess: dict[str, Any]) -> dict[str, Any]:
    """A session without the fields that move on their own (clocks)."""
    return {k: v for k, v in sess.items() if k not in ("stats", "usage", "updated_at")}


async def test_create_with_agent_id_and_retrieve(
    client: AsyncAnthropic, environment_id: str
) -> None:
    agent = await client.beta.agents.create(
        model="claude-sonnet-4-5", name="snap", system="sys", tools=[]
    )
    sess = await create_session(
        client, agent=agent.id, environment_id=environment_id, title="first", metadata={"k": "v"}
    )
    assert sess["id"].startswith("sesn_")
    assert sess["type"] == "session"
    assert sess["status"] == "idle"
    assert sess["environment_id"] == environment_id
    assert sess["title"] == "first"
    assert sess["metadata"] == {"k": "v"}
    assert sess["archived_at"] is None
    assert sess["agent"]["id"] == agent.id
    assert sess["agent"]["type"] == "agent"
    assert sess["agent"]["version"] == 1
    assert sess["agent"]["name"] == "snap"
    assert sess["agent"]["system"] == "sys"
    assert isinstance(sess["usage"], dict) and isinstance(sess["stats"], dict)

    got = await raw_json(
        client.beta.sessions.with_raw_response.retrieve(sess["id"]), BetaManagedAgentsSession
    )
    assert got["status"] == "idle"
    assert stable(got) == stable(sess)
    assert got["usage"].get("input_tokens") in (None, 0)
    assert got["usage"].get("output_tokens") in (None, 0)


async def test_agent_reference_pins_a_version(client: AsyncAnthropic, environment_id: str) -> None:
    agent = await client.beta.agents.create(model="claude-sonnet-4-5", name="v1-name")
    await client.beta.agents.update(agent.id, name="v2-name")

    pinned = await create_session(
        client,
        agent={"type": "agent", "id": agent.id, "version": 1},
        environment_id=environment_id,
    )
    assert (pinned["agent"]["version"], pinned["agent"]["name"]) == (1, "v1-name")

    latest = await create_session(client, agent=agent.id, environment_id=environment_id)
    assert (latest["agent"]["version"], latest["agent"]["name"]) == (2, "v2-name")

    # The snapshot does not follow later agent updates.
    await client.beta.agents.update(agent.id, name="v3-name")
    again = await client.beta.sessions.retrieve(latest["id"])
    assert (again.agent.version, again.agent.name) == (2, "v2-name")


async def test_update_title_and_metadata_patch(client: AsyncAnthropic, session_id: str) -> None:
    first = await raw_json(
        client.beta.sessions.with_raw_response.update(
            session_id, title="t1", metadata={"a": "1", "b": "2"}
        ),
        BetaManagedAgentsSession,
    )
    assert first["title"] == "t1"
    assert first["metadata"] == {"a": "1", "b": "2"}

    second = await raw_json(
        client.beta.sessions.with_raw_response.update(
            session_id, title="t2", metadata={"a": None, "c": "3"}
        ),
        BetaManagedAgentsSession,
    )
    assert second["title"] == "t2"
    assert second["metadata"] == {"b": "2", "c": "3"}

    got = await client.beta.sessions.retrieve(session_id)
    assert (got.title, got.metadata) == ("t2", {"b": "2", "c": "3"})


async def test_list_filters_orders_and_pages(client: AsyncAnthropic, environment_id: str) -> None:
    agent = await client.beta.agents.create(model="claude-sonnet-4-5", name="lister")
    mine = [
        (await create_session(client, agent=agent.id, environment_id=environment_id))["id"]
        for _ in range(5)
    ]

    async def listed(**kw: Any) -> list[str]:
        def fetch(tok: str | None):  # type: ignore[no-untyped-def]
            return client.beta.sessions.with_raw_response.list(
                agent_id=agent.id, limit=2, **kw, page=tok or omit
            )

        items, sizes = await all_pages(fetch, BetaManagedAgentsSession, bidirectional=True)
        assert max(sizes, default=0) <= 2, sizes
        ids = [s["id"] for s in items]
        assert len(ids) == len(set(ids)), f"a session appears twice: {ids}"
        assert all(s["agent"]["id"] == agent.id for s in items), "agent_id filter leaks"
        return ids

    assert await listed(order="asc") == mine
    assert await listed(order="desc") == mine[::-1]
    assert sorted(await listed()) == sorted(mine)
    assert sorted(await listed(statuses=["idle"])) == sorted(mine)

    # One running session: statuses=["running"] finds exactly it.
    busy = mine[2]
    async with collect(client, busy) as col:
        await client.beta.sessions.events.send(busy, events=[user_message("/sleep 30")])
        await col.wait_count("span.model_request_start", 1)
        assert await listed(statuses=["running"]) == [busy]
        assert sorted(await listed(statuses=["idle"])) == sorted(set(mine) - {busy})
        assert sorted(await listed(statuses=["idle", "running"])) == sorted(mine)
        await client.beta.sessions.events.send(busy, events=[interrupt()])
        await col.wait_count("session.status_idle", 1, within=5)
    assert type_of(col.events[0]) == "user.message"

    # Archived sessions are left out unless asked for.
    await client.beta.sessions.archive(mine[0])
    assert await listed(order="asc") == mine[1:]
    assert await listed(order="asc", include_archived=True) == mine


async def test_archive_sets_archived_at(client: AsyncAnthropic, session_id: str) -> None:
    archived = await raw_json(
        client.beta.sessions.with_raw_response.archive(session_id), BetaManagedAgentsSession
    )
    assert archived["id"] == session_id
    assert archived["archived_at"] is not None
    got = await client.beta.sessions.retrieve(session_id)
    assert got.archived_at is not None


async def test_delete_then_retrieve_is_not_found(
    client: AsyncAnthropic, http: httpx2.AsyncClient, session_id: str
) -> None:
    deleted = await raw_json(
        client.beta.sessions.with_raw_response.delete(session_id),
        BetaManagedAgentsDeletedSession,
    )
    assert deleted == {"id": session_id, "type": "session_deleted"}
    with pytest.raises(anthropic.NotFoundError):
        await client.beta.sessions.retrieve(session_id)
    assert_error(await http.get(f"/v1/sessions/{session_id}"), 404, "not_found_error")
    assert_error(await http.get(f"/v1/sessions/{session_id}/events"), 404, "not_found_error")


async def test_update_agent_tools_keeps_the_mcp_servers(
    client: AsyncAnthropic, environment_id: str
) -> None:
    agent = await client.beta.agents.create(
        name="mcp",
        model="claude-sonnet-4-5",
        mcp_servers=[{"type": "url", "name": "docs", "url": "https://example.invalid/mcp"}],
    )
    session = await client.beta.sessions.create(agent=agent.id, environment_id=environment_id)
    updated = await client.beta.sessions.update(
        session.id, agent={"tools": [{"type": "agent_toolset_20260401"}]}
    )
    assert [t.type for t in updated.agent.tools] == ["agent_toolset_20260401"]
    assert [s.name for s in updated.agent.mcp_servers] == ["docs"]
