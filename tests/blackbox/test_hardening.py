"""Malformed requests against a real `sessiond serve`: each answers a 4xx with the
Anthropic error body (never a 500, never a hang), parser-level rejections included."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from .helpers import BETA, Server, start_server

KEY = "sk-hardening-0123456789abcdef"
WAIT = 15.0


@pytest.fixture(scope="module")
async def srv(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    base = tmp_path_factory.mktemp("hardening")
    server = await start_server(
        base / "data", api_key=KEY, log_dir=base, env={"SESSIOND_BODY_TIMEOUT": "1"}
    )
    try:
        yield server
    finally:
        rc = await server.stop()
        assert rc == 0, server.describe()


async def raw(
    srv: Server, data: bytes, *, half_close: bool = False
) -> tuple[int, dict[str, str], bytes]:
    """Sends ``data`` on a new connection; the status, headers and body of the answer."""
    host, _, port = srv.http_addr.rpartition(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(data)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        body = await asyncio.wait_for(reader.readexactly(length), WAIT)
        return status, headers, body
    finally:
        writer.close()


def request(method: str, path: str, body: bytes = b"", extra: bytes = b"") -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: x\r\nx-api-key: {KEY}\r\n"
        f"anthropic-beta: {BETA}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
    ).encode()
    return head + extra + b"\r\n" + body


def error_of(status: int, body: bytes, want_status: int, want_type: str) -> dict[str, Any]:
    assert status == want_status, (status, body[:300])
    parsed = json.loads(body)
    assert parsed["type"] == "error", parsed
    assert parsed["error"]["type"] == want_type, parsed
    assert parsed["error"]["message"], parsed
    return dict(parsed)


async def make_session(srv: Server) -> str:
    async with srv.client() as c:
        agent = await c.beta.agents.create(model="claude-sonnet-4-5", name="h")
        env = await c.beta.environments.create(name="h")
        sess = await c.beta.sessions.create(agent=agent.id, environment_id=env.id)
        return sess.id


async def test_a_number_of_5001_digits_is_400(srv: Server) -> None:
    body = b'{"name": "n", "model": "claude-sonnet-4-5", "metadata": {"a": ' + b"9" * 5001 + b"}}"
    status, _, resp = await raw(srv, request("POST", "/v1/agents", body))
    error_of(status, resp, 400, "invalid_request_error")


async def test_last_event_id_that_is_not_utf8_is_400(srv: Server) -> None:
    sid = await make_session(srv)
    data = request(
        "GET", f"/v1/sessions/{sid}/events/stream", extra=b"Last-Event-ID: \xff\xfe\x80\r\n"
    )
    status, _, resp = await raw(srv, data)
    error_of(status, resp, 400, "invalid_request_error")


@pytest.mark.parametrize("where", ["agent name", "session title", "message text"])
async def test_a_lone_surrogate_is_400(srv: Server, where: str) -> None:
    lone = "bad \\ud800 text"
    if where == "agent name":
        path, body = "/v1/agents", f'{{"name": "{lone}", "model": "claude-sonnet-4-5"}}'
    elif where == "session title":
        async with srv.client() as c:
            agent = await c.beta.agents.create(model="claude-sonnet-4-5", name="s")
            env = await c.beta.environments.create(name="s")
        path = "/v1/sessions"
        body = f'{{"agent": "{agent.id}", "environment_id": "{env.id}", "title": "{lone}"}}'
    else:
        sid = await make_session(srv)
        path = f"/v1/sessions/{sid}/events"
        body = (
            '{"events": [{"type": "user.message", "content": '
            f'[{{"type": "text", "text": "{lone}"}}]}}]}}'
        )
    status, _, resp = await raw(srv, request("POST", path, body.encode()))
    error_of(status, resp, 400, "invalid_request_error")
    # A surrogate pair is fine: it is one character.
    async with srv.http(api_key=KEY) as h:
        ok = await h.post("/v1/agents", content=b'{"name": "\\ud83d\\ude00", "model": "m"}')
    assert ok.status_code == 200, ok.text
    assert ok.json()["name"] == "\U0001f600"


async def test_a_body_shorter_than_its_content_length_times_out(srv: Server) -> None:
    head = (
        f"POST /v1/agents HTTP/1.1\r\nHost: x\r\nx-api-key: {KEY}\r\n"
        "content-type: application/json\r\ncontent-length: 100\r\n\r\n"
    ).encode()
    status, _, resp = await raw(srv, head + b'{"name":')
    error_of(status, resp, 408, "timeout_error")


@pytest.mark.parametrize(
    "data",
    [
        b"GET /v1/agents HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n",
        b"GET /v1/agents?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /v1/agents HTTP/1.1\r\nHost: x\r\nX-Bad\x01: b\r\n\r\n",
        b"NOT A REQUEST LINE\r\n\r\n",
        b"POST /v1/agents HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n",
        b"POST /v1/agents HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"GET /v1/agents HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-H%d: v\r\n" % i for i in range(200))
        + b"\r\n",
    ],
    ids=[
        "oversized-header",
        "oversized-url",
        "bad-header-bytes",
        "bad-request-line",
        "two-content-lengths",
        "length-and-chunked",
        "too-many-headers",
    ],
)
async def test_parser_rejections_answer_with_the_error_body(srv: Server, data: bytes) -> None:
    status, headers, resp = await raw(srv, data)
    assert 400 <= status < 500, (status, resp)
    assert headers.get("content-type", "").startswith("application/json"), headers
    error_of(
        status, resp, status, "invalid_request_error" if status != 413 else "request_too_large"
    )


async def test_the_server_still_serves_after_malformed_requests(srv: Server) -> None:
    async with srv.http(api_key=KEY) as h:
        resp = await h.get("/v1/agents")
    assert resp.status_code == 200, resp.text
    assert "Traceback" not in srv.all_output()
