"""Vaults and credentials in the SDK's shapes; secrets are write-only and sealed
at rest; sessions' MCP servers authenticate with them (a static bearer token,
and an OAuth access token refreshed through a local token endpoint)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from anthropic import AsyncAnthropic
from anthropic.types.beta import BetaManagedAgentsDeletedVault, BetaManagedAgentsVault
from anthropic.types.beta.vaults import (
    BetaManagedAgentsCredential,
    BetaManagedAgentsCredentialValidation,
    BetaManagedAgentsDeletedCredential,
)

from .helpers import Server, assert_error, collect, free_ports, raw_json, raw_page, text_of, type_of
from .test_mcp import mcp_server

SECRET = "sb-secret-token-5f1e2d3c4b5a"


def _no_secret(data: Any, *secrets: str) -> None:
    text = json.dumps(data)
    for s in secrets:
        assert s not in text, f"a secret leaked into a response: {text}"


async def test_vault_and_credential_routes_in_the_sdk_shapes(
    server: Server, client: AsyncAnthropic
) -> None:
    vaults = client.beta.vaults.with_raw_response
    vault = await raw_json(
        vaults.create(display_name="team", metadata={"a": "1", "b": "2"}), BetaManagedAgentsVault
    )
    vid = vault["id"]
    got = await raw_json(vaults.retrieve(vid), BetaManagedAgentsVault)
    assert got["display_name"] == "team"
    updated = await raw_json(
        vaults.update(vid, display_name="team-2", metadata={"a": None}), BetaManagedAgentsVault
    )
    assert updated["display_name"] == "team-2" and updated["metadata"] == {"b": "2"}
    page = await raw_page(vaults.list(), BetaManagedAgentsVault)
    assert vid in [v["id"] for v in page["data"]]

    creds = client.beta.vaults.credentials.with_raw_response
    cred = await raw_json(
        creds.create(
            vid,
            display_name="fx",
            auth={"type": "static_bearer", "mcp_server_url": "http://x/mcp", "token": SECRET},
        ),
        BetaManagedAgentsCredential,
    )
    _no_secret(cred, SECRET)
    assert cred["auth"] == {"type": "static_bearer", "mcp_server_url": "http://x/mcp"}
    cid = cred["id"]
    oauth = await raw_json(
        creds.create(
            vid,
            auth={
                "type": "mcp_oauth",
                "mcp_server_url": "http://127.0.0.1:1/mcp",
                "access_token": "at-" + SECRET,
                "refresh": {
                    "client_id": "c",
                    "token_endpoint": "http://127.0.0.1:1/token",
                    "refresh_token": "rt-" + SECRET,
                    "token_endpoint_auth": {"type": "client_secret_post", "client_secret": "cs"},
                },
            },
        ),
        BetaManagedAgentsCredential,
    )
    _no_secret(oauth, SECRET, '"cs"')
    for data in (
        await raw_json(creds.retrieve(cid, vault_id=vid), BetaManagedAgentsCredential),
        (await raw_page(creds.list(vid), BetaManagedAgentsCredential))["data"],
        await raw_json(
            creds.update(
                cid, vault_id=vid, auth={"type": "static_bearer", "token": "new-" + SECRET}
            ),
            BetaManagedAgentsCredential,
        ),
    ):
        _no_secret(data, SECRET)
    validation = await raw_json(
        creds.mcp_oauth_validate(oauth["id"], vault_id=vid), BetaManagedAgentsCredentialValidation
    )
    assert validation["status"] == "unknown" and validation["refresh"]["status"] == "connect_error"
    archived = await raw_json(creds.archive(cid, vault_id=vid), BetaManagedAgentsCredential)
    assert archived["archived_at"]
    await raw_json(creds.delete(cid, vault_id=vid), BetaManagedAgentsDeletedCredential)
    async with server.http() as h:
        r = await h.get(f"/v1/vaults/{vid}/credentials/{cid}")
        assert_error(r, 404, "not_found_error", no_retry_header=False)
        r = await h.post(f"/v1/vaults/{vid}/credentials", json={"auth": {"type": "static_bearer"}})
        assert_error(r, 400, "invalid_request_error", no_retry_header=False)
    assert (await raw_json(vaults.archive(vid), BetaManagedAgentsVault))["archived_at"]
    await raw_json(vaults.delete(vid), BetaManagedAgentsDeletedVault)
    # Sealed at rest: the embedded server's database never holds the token in clear.
    db = server.data_dir / "sessiond.db"
    if db.exists():
        raw = await asyncio.to_thread(db.read_bytes)
        assert SECRET.encode() not in raw
        key = server.data_dir / "vault.key"
        assert (await asyncio.to_thread(key.stat)).st_mode & 0o777 == 0o600


async def _mcp_session(client: AsyncAnthropic, environment_id: str, url: str, vault_id: str) -> str:
    agent = await client.beta.agents.create(
        model="claude-sonnet-4-5",
        name="mcp-vault",
        mcp_servers=[{"type": "url", "name": "fx", "url": url}],
        tools=[
            {
                "type": "mcp_toolset",
                "mcp_server_name": "fx",
                "default_config": {"permission_policy": {"type": "always_allow"}},
            }
        ],
    )
    session = await client.beta.sessions.create(
        agent=agent.id, environment_id=environment_id, vault_ids=[vault_id]
    )
    return session.id


async def _add(client: AsyncAnthropic, sid: str) -> list[Any]:
    async with collect(client, sid) as col:
        text = '/tool add {"a": 20, "b": 22}'
        await client.beta.sessions.events.send(
            sid, events=[{"type": "user.message", "content": [{"type": "text", "text": text}]}]
        )
        await col.wait_for(
            lambda evs: any(
                type_of(e) == "session.status_idle" and e.stop_reason.type == "end_turn"
                for e in evs
            ),
            within=30,
            what="end_turn",
        )
        return list(col.events)


async def test_a_static_bearer_credential_authenticates_an_mcp_server(
    client: AsyncAnthropic, environment_id: str
) -> None:
    async with mcp_server(SECRET) as url:
        vault = await client.beta.vaults.create(display_name="v")
        await client.beta.vaults.credentials.create(
            vault.id, auth={"type": "static_bearer", "mcp_server_url": url, "token": SECRET}
        )
        events = await _add(client, await _mcp_session(client, environment_id, url, vault.id))
    assert "session.error" not in [type_of(e) for e in events]
    (result,) = [e for e in events if type_of(e) == "agent.mcp_tool_result"]
    assert text_of(result) == "42" and not result.is_error
    _no_secret([e.model_dump(mode="json") for e in events], SECRET)


@pytest.fixture
async def token_endpoint() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    """A tiny OAuth token endpoint: refresh_token "rt-1" with client secret "cs"
    gets the access token "fresh-access" for an hour."""
    seen: list[dict[str, str]] = []

    async def token(request: web.Request) -> web.Response:
        form = dict(await request.post())
        seen.append({k: str(v) for k, v in form.items()})
        ok = (
            form.get("grant_type") == "refresh_token"
            and form.get("refresh_token") == "rt-1"
            and form.get("client_secret") == "cs"
        )
        if not ok:
            return web.json_response({"error": "invalid_grant"}, status=400)
        return web.json_response(
            {"access_token": "fresh-access", "expires_in": 3600, "token_type": "Bearer"}
        )

    app = web.Application()
    app.router.add_post("/token", token)
    runner = web.AppRunner(app)
    await runner.setup()
    (port,) = free_ports(1)
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}/token", seen
    finally:
        await runner.cleanup()


async def test_an_expiring_oauth_token_is_refreshed_before_the_call(
    client: AsyncAnthropic, environment_id: str, token_endpoint: tuple[str, list[Any]]
) -> None:
    endpoint, seen = token_endpoint
    async with mcp_server("fresh-access") as url:
        vault = await client.beta.vaults.create(display_name="oauth")
        soon = datetime.now(UTC) + timedelta(seconds=10)
        cred = await client.beta.vaults.credentials.create(
            vault.id,
            auth={
                "type": "mcp_oauth",
                "mcp_server_url": url,
                "access_token": "stale-access",
                "expires_at": soon,
                "refresh": {
                    "client_id": "client-1",
                    "token_endpoint": endpoint,
                    "refresh_token": "rt-1",
                    "token_endpoint_auth": {"type": "client_secret_post", "client_secret": "cs"},
                },
            },
        )
        events = await _add(client, await _mcp_session(client, environment_id, url, vault.id))
        (result,) = [e for e in events if type_of(e) == "agent.mcp_tool_result"]
        assert text_of(result) == "42", [type_of(e) for e in events]
        assert seen and seen[0]["client_id"] == "client-1"
        after = await client.beta.vaults.credentials.retrieve(cred.id, vault_id=vault.id)
        assert after.auth.expires_at is not None and after.auth.expires_at > soon  # type: ignore[union-attr]
        check = await client.beta.vaults.credentials.mcp_oauth_validate(cred.id, vault_id=vault.id)
        assert check.status == "valid" and check.has_refresh_token
