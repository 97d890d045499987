"""Errors: status, error.type, body shape, x-should-retry, the SDK's exception and retries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

import anthropic
import httpx2
import pytest
from anthropic import AsyncAnthropic

from .helpers import BETA, RequestCounter, Server, assert_error, user_message

SdkCall = Callable[[AsyncAnthropic], Awaitable[Any]]


async def sdk_error(
    server: Server,
    call: SdkCall,
    exc_cls: type[anthropic.APIStatusError],
    status: int,
    error_type: str,
    *,
    api_key: str | None = None,
) -> anthropic.APIStatusError:
    """The SDK (max_retries=2) raises `exc_cls` after exactly one request."""
    counter = RequestCounter()
    async with server.client(
        api_key=api_key, max_retries=2, http_client=counter.http_client()
    ) as c:
        with pytest.raises(exc_cls) as exc_info:
            await call(c)
    assert len(counter.requests) == 1, f"the SDK sent {counter.requests} (retried?)"
    assert exc_info.value.status_code == status
    assert_error(exc_info.value.response, status, error_type)
    return exc_info.value


# ----------------------------------------------------------------------------- 400


async def test_unknown_event_type_is_rejected(
    server: Server, http: httpx2.AsyncClient, session_id: str
) -> None:
    resp = await http.post(
        f"/v1/sessions/{session_id}/events", json={"events": [{"type": "user.shout"}]}
    )
    assert_error(resp, 400, "invalid_request_error")
    await sdk_error(
        server,
        lambda c: c.beta.sessions.events.send(
            session_id, events=cast(Any, [{"type": "user.shout"}])
        ),
        anthropic.BadRequestError,
        400,
        "invalid_request_error",
    )


async def test_user_message_without_content_is_rejected(
    server: Server, http: httpx2.AsyncClient, session_id: str
) -> None:
    resp = await http.post(
        f"/v1/sessions/{session_id}/events", json={"events": [{"type": "user.message"}]}
    )
    assert_error(resp, 400, "invalid_request_error")
    await sdk_error(
        server,
        lambda c: c.beta.sessions.events.send(
            session_id, events=cast(Any, [{"type": "user.message"}])
        ),
        anthropic.BadRequestError,
        400,
        "invalid_request_error",
    )


async def test_empty_events_list_is_rejected(
    server: Server, http: httpx2.AsyncClient, client: AsyncAnthropic, session_id: str
) -> None:
    resp = await http.post(f"/v1/sessions/{session_id}/events", json={"events": []})
    assert_error(resp, 400, "invalid_request_error")
    await sdk_error(
        server,
        lambda c: c.beta.sessions.events.send(session_id, events=[]),
        anthropic.BadRequestError,
        400,
        "invalid_request_error",
    )
    # Nothing was started by the rejected requests.
    page = await client.beta.sessions.events.list(session_id)
    assert page.data == []


async def test_malformed_json_body_is_rejected(http: httpx2.AsyncClient, session_id: str) -> None:
    resp = await http.post(
        f"/v1/sessions/{session_id}/events",
        content=b'{"events": [',
        headers={"content-type": "application/json"},
    )
    assert_error(resp, 400, "invalid_request_error")


BAD_METADATA = {
    "17 pairs": {f"k{i}": "v" for i in range(17)},
    "65-char key": {"k" * 65: "v"},
    "513-char value": {"k": "v" * 513},
}


@pytest.mark.parametrize("bad", list(BAD_METADATA), ids=list(BAD_METADATA))
async def test_metadata_limits(
    server: Server,
    http: httpx2.AsyncClient,
    bad: str,
    agent_id: str,
    environment_id: str,
    session_id: str,
) -> None:
    metadata = BAD_METADATA[bad]
    resp = await http.post(
        "/v1/sessions",
        json={"agent": agent_id, "environment_id": environment_id, "metadata": metadata},
    )
    assert_error(resp, 400, "invalid_request_error")
    resp = await http.post(
        "/v1/agents", json={"model": "claude-sonnet-4-5", "name": "m", "metadata": metadata}
    )
    assert_error(resp, 400, "invalid_request_error")
    resp = await http.post("/v1/environments", json={"name": "m", "metadata": metadata})
    assert_error(resp, 400, "invalid_request_error")
    resp = await http.post(f"/v1/sessions/{session_id}", json={"metadata": metadata})
    assert_error(resp, 400, "invalid_request_error")
    await sdk_error(
        server,
        lambda c: c.beta.sessions.create(
            agent=agent_id, environment_id=environment_id, metadata=metadata
        ),
        anthropic.BadRequestError,
        400,
        "invalid_request_error",
    )


async def test_metadata_at_the_limits_is_accepted(
    client: AsyncAnthropic, agent_id: str, environment_id: str
) -> None:
    metadata = {f"{i:02d}" + "k" * 62: "v" * 512 for i in range(16)}
    sess = await client.beta.sessions.create(
        agent=agent_id, environment_id=environment_id, metadata=metadata
    )
    assert sess.metadata == metadata


@pytest.mark.parametrize(
    "path",
    [
        "/v1/agents",
        "/v1/environments",
        "/v1/sessions",
        "/v1/sessions/{sid}/events",
        "/v1/agents/{aid}/versions",
    ],
)
async def test_negative_limit_is_rejected(
    http: httpx2.AsyncClient, path: str, session_id: str, agent_id: str
) -> None:
    url = path.format(sid=session_id, aid=agent_id)
    assert_error(await http.get(url, params={"limit": -1}), 400, "invalid_request_error")


async def test_negative_limit_through_the_sdk(server: Server, session_id: str) -> None:
    await sdk_error(
        server,
        lambda c: c.beta.sessions.events.list(session_id, limit=-1),  # type: ignore[arg-type,return-value]
        anthropic.BadRequestError,
        400,
        "invalid_request_error",
    )


# ----------------------------------------------------------------------------- 404


async def test_unknown_ids_are_not_found(server: Server, http: httpx2.AsyncClient) -> None:
    sid, aid, eid = "sesn_doesnotexist0000000000", "agent_doesnotexist000000000", "env_nope000000"
    for url in (
        f"/v1/sessions/{sid}",
        f"/v1/sessions/{sid}/events",
        f"/v1/sessions/{sid}/events/stream",
        f"/v1/agents/{aid}",
        f"/v1/agents/{aid}/versions",
        f"/v1/environments/{eid}",
    ):
        assert_error(await http.get(url), 404, "not_found_error")
    assert_error(
        await http.post(f"/v1/sessions/{sid}/events", json={"events": [user_message("hi")]}),
        404,
        "not_found_error",
    )
    assert_error(await http.post(f"/v1/agents/{aid}", json={"name": "x"}), 404, "not_found_error")
    assert_error(await http.delete(f"/v1/environments/{eid}"), 404, "not_found_error")
    assert_error(await http.delete(f"/v1/sessions/{sid}"), 404, "not_found_error")

    await sdk_error(
        server,
        lambda c: c.beta.sessions.retrieve(sid),
        anthropic.NotFoundError,
        404,
        "not_found_error",
    )
    await sdk_error(
        server,
        lambda c: c.beta.agents.retrieve(aid),
        anthropic.NotFoundError,
        404,
        "not_found_error",
    )
    await sdk_error(
        server,
        lambda c: c.beta.environments.retrieve(eid),
        anthropic.NotFoundError,
        404,
        "not_found_error",
    )
    await sdk_error(
        server,
        lambda c: c.beta.sessions.events.send(sid, events=[user_message("hi")]),
        anthropic.NotFoundError,
        404,
        "not_found_error",
    )


async def test_session_with_unknown_agent_or_environment_is_not_found(
    server: Server, agent_id: str, environment_id: str
) -> None:
    await sdk_error(
        server,
        lambda c: c.beta.sessions.create(
            agent="agent_doesnotexist000000000", environment_id=environment_id
        ),
        anthropic.NotFoundError,
        404,
        "not_found_error",
    )
    await sdk_error(
        server,
        lambda c: c.beta.sessions.create(agent=agent_id, environment_id="env_nope000000"),
        anthropic.NotFoundError,
        404,
        "not_found_error",
    )


async def test_unknown_version_of_an_agent_is_not_found(server: Server, agent_id: str) -> None:
    await sdk_error(
        server,
        lambda c: c.beta.agents.retrieve(agent_id, version=7),
        anthropic.NotFoundError,
        404,
        "not_found_error",
    )


async def test_unknown_route_is_not_found(http: httpx2.AsyncClient) -> None:
    assert_error(await http.get("/v1/nothing-here"), 404, "not_found_error")
    assert_error(await http.post("/v1/sessions/x/y/z", json={}), 404, "not_found_error")


# ----------------------------------------------------------------------------- 409


async def test_events_to_an_archived_session_conflict_and_are_not_retried(
    server: Server, http: httpx2.AsyncClient, client: AsyncAnthropic, session_id: str
) -> None:
    await client.beta.sessions.archive(session_id)
    resp = await http.post(
        f"/v1/sessions/{session_id}/events", json={"events": [user_message("hi")]}
    )
    assert_error(resp, 409, "invalid_request_error")
    await sdk_error(
        server,
        lambda c: c.beta.sessions.events.send(session_id, events=[user_message("hi")]),
        anthropic.ConflictError,
        409,
        "invalid_request_error",
    )
    page = await client.beta.sessions.events.list(session_id)
    assert page.data == [], "a refused event was stored"


# ----------------------------------------------------------------------------- 413


async def test_body_over_32_mib_is_too_large(server: Server, http: httpx2.AsyncClient) -> None:
    big = "x" * (33 * 1024 * 1024)
    body = b'{"model": "claude-sonnet-4-5", "name": "' + big.encode() + b'"}'
    resp = await http.post("/v1/agents", content=body, headers={"content-type": "application/json"})
    assert_error(resp, 413, "request_too_large")
    await sdk_error(
        server,
        lambda c: c.beta.agents.create(model="claude-sonnet-4-5", name=big),
        anthropic.ContentTooLargeError,
        413,
        "request_too_large",
    )


# ----------------------------------------------------------------------------- 401


async def test_missing_or_wrong_api_key_is_unauthenticated(server: Server) -> None:
    async with server.http(auth=False) as anon:
        assert_error(await anon.get("/v1/agents"), 401, "authentication_error")
        assert_error(
            await anon.get("/v1/agents", headers={"x-api-key": "sk-wrong"}),
            401,
            "authentication_error",
        )
        assert_error(
            await anon.get("/v1/agents", headers={"authorization": "Bearer sk-wrong"}),
            401,
            "authentication_error",
        )
        assert_error(
            await anon.post("/v1/sessions/sesn_x/events", json={"events": []}),
            401,
            "authentication_error",
        )
        ok = await anon.get("/v1/agents", headers={"authorization": f"Bearer {server.key}"})
        assert ok.status_code == 200, ok.text
        ok = await anon.get("/v1/agents", headers={"x-api-key": server.key or ""})
        assert ok.status_code == 200, ok.text
    await sdk_error(
        server,
        lambda c: c.beta.agents.list(),  # type: ignore[arg-type,return-value]
        anthropic.AuthenticationError,
        401,
        "authentication_error",
        api_key="sk-wrong",
    )


async def test_healthz_answers_without_a_key(server: Server) -> None:
    async with httpx2.AsyncClient(base_url=server.base_url, headers={"anthropic-beta": BETA}) as h:
        resp = await h.get("/healthz")
    assert resp.status_code == 200, resp.text
