"""Environments: create, retrieve, update, list, archive, delete."""

from __future__ import annotations

import uuid
from typing import Any

import anthropic
import httpx2
import pytest
from anthropic import AsyncAnthropic, omit
from anthropic.types.beta import BetaEnvironment, BetaEnvironmentDeleteResponse

from .helpers import all_pages, assert_error, raw_json


async def create_env(client: AsyncAnthropic, **kw: Any) -> dict[str, Any]:
    kw.setdefault("name", "env-" + uuid.uuid4().hex[:8])
    return await raw_json(client.beta.environments.with_raw_response.create(**kw), BetaEnvironment)


async def test_create_and_retrieve(client: AsyncAnthropic) -> None:
    created = await create_env(
        client,
        name="build box",
        description="where builds run",
        metadata={"owner": "ci"},
        config={"type": "cloud", "networking": {"type": "unrestricted"}},
    )
    assert created["id"].startswith("env_")
    assert created["type"] == "environment"
    assert created["name"] == "build box"
    assert created["description"] == "where builds run"
    assert created["metadata"] == {"owner": "ci"}
    assert created["archived_at"] is None
    assert created["config"]["type"] == "cloud"
    assert created["config"]["networking"]["type"] == "unrestricted"

    got = await raw_json(
        client.beta.environments.with_raw_response.retrieve(created["id"]), BetaEnvironment
    )
    assert got == created


async def test_update_changes_fields_and_patches_metadata(client: AsyncAnthropic) -> None:
    created = await create_env(client, name="old", metadata={"a": "1", "b": "2"})
    updated = await raw_json(
        client.beta.environments.with_raw_response.update(
            created["id"], name="new", description="described", metadata={"a": None, "c": "3"}
        ),
        BetaEnvironment,
    )
    assert updated["id"] == created["id"]
    assert updated["name"] == "new"
    assert updated["description"] == "described"
    assert updated["metadata"] == {"b": "2", "c": "3"}

    got = await client.beta.environments.retrieve(created["id"])
    assert (got.name, got.description, got.metadata) == ("new", "described", {"b": "2", "c": "3"})


async def test_list_paginates_over_every_page(client: AsyncAnthropic) -> None:
    mine = [(await create_env(client))["id"] for _ in range(5)]

    def fetch(tok: str | None):  # type: ignore[no-untyped-def]
        return client.beta.environments.with_raw_response.list(limit=2, page=tok or omit)

    items, sizes = await all_pages(fetch, BetaEnvironment)
    ids = [e["id"] for e in items]
    assert len(ids) == len(set(ids)), "an environment appears on two pages"
    assert len(sizes) >= 3 and max(sizes) == 2, sizes
    assert all(ids.count(m) == 1 for m in mine)


async def test_archive_hides_from_list_unless_asked(client: AsyncAnthropic) -> None:
    created = await create_env(client)
    archived = await raw_json(
        client.beta.environments.with_raw_response.archive(created["id"]), BetaEnvironment
    )
    assert archived["archived_at"] is not None

    async def listed(**kw: Any) -> dict[str, dict[str, Any]]:
        def fetch(tok: str | None):  # type: ignore[no-untyped-def]
            return client.beta.environments.with_raw_response.list(
                limit=100, **kw, page=tok or omit
            )

        items, _ = await all_pages(fetch, BetaEnvironment)
        return {e["id"]: e for e in items}

    assert created["id"] not in await listed()
    with_archived = await listed(include_archived=True)
    assert created["id"] in with_archived
    assert with_archived[created["id"]]["archived_at"] is not None


async def test_delete_then_retrieve_is_not_found(
    client: AsyncAnthropic, http: httpx2.AsyncClient
) -> None:
    created = await create_env(client)
    deleted = await raw_json(
        client.beta.environments.with_raw_response.delete(created["id"]),
        BetaEnvironmentDeleteResponse,
    )
    assert deleted == {"id": created["id"], "type": "environment_deleted"}

    with pytest.raises(anthropic.NotFoundError):
        await client.beta.environments.retrieve(created["id"])
    assert_error(await http.get(f"/v1/environments/{created['id']}"), 404, "not_found_error")
