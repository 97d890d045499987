"""What operators and integrators see of a running `sessiond serve`: /metrics,
/openapi.json, request ids and the access log, gRPC reflection, the Node.js
example, and `sessiond tail`."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sys
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from openapi_spec_validator import validate
from prometheus_client.parser import text_string_to_metric_families

from .helpers import ROOT, Server, start_server

KEY = "sk-operator-blackbox-9d1f3a"
TURN_DEADLINE = 15.0


@pytest.fixture(scope="module")
async def op_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    base = tmp_path_factory.mktemp("operator")
    srv = await start_server(
        base / "data", api_key=KEY, log_dir=base / "logs", env={"SESSIOND_LOG_FORMAT": "json"}
    )
    try:
        yield srv
    finally:
        assert await srv.stop() == 0, srv.describe()


async def run_turn(srv: Server, text: str, *, tools: list[Any] | None = None) -> str:
    """A session whose agent has the built-in tools; one turn of ``text``, waited for."""
    async with srv.client() as c:
        agent = await c.beta.agents.create(
            name="operator",
            model="claude-sonnet-4-5",
            tools=tools or [{"type": "agent_toolset_20260401"}],
        )
        env = await c.beta.environments.create(name="operator")
        session = await c.beta.sessions.create(agent=agent.id, environment_id=env.id)
        stream = await c.beta.sessions.events.stream(session.id)
        await c.beta.sessions.events.send(
            session.id,
            events=[{"type": "user.message", "content": [{"type": "text", "text": text}]}],
        )

        async def until_idle() -> None:
            async for event in stream:
                if event.type == "session.status_idle":
                    return

        await asyncio.wait_for(until_idle(), TURN_DEADLINE)
        await stream.close()
        return session.id


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(
    all_samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    want = set(labels.items())
    return sum(v for (n, ls), v in all_samples.items() if n == name and want <= ls)


# --------------------------------------------------------------------------- /metrics


async def test_metrics_need_no_key_and_count_requests_turns_tools_and_tokens(
    op_server: Server,
) -> None:
    await run_turn(op_server, '/tool bash {"command": "echo metered"}')
    async with op_server.http(auth=False) as h:
        resp = await h.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    got = samples(resp.text)
    assert (
        value(
            got, "sessiond_http_requests_total", route="/v1/sessions", method="POST", status="200"
        )
        >= 1
    )
    assert (
        value(
            got,
            "sessiond_http_requests_total",
            route="/v1/sessions/{session_id}/events",
            status="200",
        )
        >= 1
    )
    assert value(got, "sessiond_turns_total", outcome="ok") >= 1
    assert value(got, "sessiond_turn_duration_seconds_count") >= 1
    assert value(got, "sessiond_tool_calls_total", kind="builtin") >= 1
    assert value(got, "sessiond_model_requests_total", outcome="ok") >= 2
    assert value(got, "sessiond_model_tokens_total", kind="input") > 0
    assert value(got, "sessiond_model_tokens_total", kind="output") > 0
    assert value(got, "sessiond_group_commit_batch_size_count") >= 1
    assert value(got, "sessiond_store_commit_seconds_count") >= 1
    for name in (
        "sessiond_http_streams_open",
        "sessiond_stream_subscribers_cut_total",
        "sessiond_lease_takeovers_total",
    ):
        assert any(n == name for n, _ in got), name
    # Routes are templates: no session id (content) ever becomes a label.
    assert "sesn_" not in resp.text


# --------------------------------------------------------------------------- /openapi.json


async def test_openapi_document_is_valid_31_and_covers_every_route(op_server: Server) -> None:
    async with op_server.http(auth=False) as h:
        resp = await h.get("/openapi.json")
    assert resp.status_code == 200
    spec = resp.json()
    assert spec["openapi"].startswith("3.1")
    validate(spec)
    paths = spec["paths"]
    for path, method in [
        ("/v1/agents", "post"),
        ("/v1/agents/{agent_id}/versions", "get"),
        ("/v1/environments/{environment_id}", "delete"),
        ("/v1/sessions", "get"),
        ("/v1/sessions/{session_id}/archive", "post"),
        ("/v1/sessions/{session_id}/events", "post"),
        ("/v1/sessions/{session_id}/events/stream", "get"),
        ("/v1/webhooks", "post"),
        ("/v1/webhooks/{webhook_id}/deliveries", "get"),
    ]:
        assert method in paths[path], (path, method)
    # Webhooks are sessiond's own extension, and say so.
    assert paths["/v1/webhooks"]["post"]["x-sessiond-extension"] is True
    assert "x-sessiond-extension" not in paths["/v1/agents"]["post"]
    # Bodies and query parameters come from the proto request messages.
    create = paths["/v1/sessions"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"agent", "environment_id", "metadata"} <= set(create["properties"])
    listing = {p["name"] for p in paths["/v1/sessions"]["get"]["parameters"]}
    assert {"limit", "page", "order", "created_at[gte]"} <= listing
    schemas = spec["components"]["schemas"]
    tool_variants = schemas["AgentTool"]["oneOf"]
    tags = {v["properties"]["type"]["const"] for v in tool_variants}
    assert tags == {"agent_toolset_20260401", "mcp_toolset", "custom"}


# --------------------------------------------------------------------------- request ids


async def test_every_response_names_its_request_and_the_access_log_has_it(
    op_server: Server,
) -> None:
    async with op_server.http() as h:
        ok = await h.get("/v1/agents")
        missing = await h.get("/v1/sessions/sesn_nope")
    assert ok.headers["request-id"].startswith("req_")
    assert missing.status_code == 404
    assert missing.headers["request-id"] == missing.json()["request_id"]

    async def logged() -> dict[str, Any]:
        while True:
            for raw in op_server.stderr_path.read_text().splitlines():
                if missing.headers["request-id"] in raw:
                    return json.loads(raw)
            await asyncio.sleep(0.05)

    record = await asyncio.wait_for(logged(), 5)
    assert record["logger"] == "sessiond.access"
    assert record["status"] == 404
    assert record["route"] == "/v1/sessions/{session_id}"
    assert record["method"] == "GET" and record["duration_ms"] >= 0
    assert KEY not in op_server.stderr_path.read_text()


# --------------------------------------------------------------------------- gRPC


async def test_grpc_reflection_lists_the_services(op_server: Server) -> None:
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
        ProtoReflectionDescriptorDatabase,
    )

    def services() -> list[str]:
        with grpc.insecure_channel(op_server.grpc_addr) as channel:
            db = ProtoReflectionDescriptorDatabase(channel)
            names = list(db.get_services())
            # A type can be resolved by name, as grpcurl does to build requests.
            db.FindFileContainingSymbol("sessiond.v1.CreateSessionRequest")
            return names

    names = await asyncio.to_thread(services)
    assert {
        "sessiond.v1.AgentService",
        "sessiond.v1.EnvironmentService",
        "sessiond.v1.SessionService",
        "sessiond.v1.EventService",
        "grpc.health.v1.Health",
    } <= set(names)


async def test_node_example_runs_a_turn_over_grpc(op_server: Server) -> None:
    node = shutil.which("node")
    assert node, "node is needed for the Node.js example"
    example = ROOT / "examples" / "node"
    if not (example / "node_modules" / "@grpc" / "grpc-js").is_dir():
        npm = await asyncio.create_subprocess_exec(
            "npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(example)
        )
        assert await asyncio.wait_for(npm.wait(), 300) == 0
    proc = await asyncio.create_subprocess_exec(
        node,
        str(example / "example.js"),
        op_server.grpc_addr,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "SESSIOND_API_KEY": KEY},
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    text = out.decode()
    assert proc.returncode == 0, text + err.decode()
    assert 'tool_use bash {"command":"echo hello from node"}' in text
    assert "tool_result hello from node" in text
    assert "(number)" in text  # int64 token counts arrive as numbers
    assert "idle" in text


# --------------------------------------------------------------------------- sessiond tail


async def test_tail_prints_a_sessions_events_live(op_server: Server) -> None:
    async with op_server.client() as c:
        agent = await c.beta.agents.create(name="tailed", model="claude-sonnet-4-5")
        env = await c.beta.environments.create(name="tailed")
        session = await c.beta.sessions.create(agent=agent.id, environment_id=env.id)
        # The turn is under way when the tail starts: it prints the history, then
        # follows the stream from the last event it printed.
        await c.beta.sessions.events.send(
            session.id,
            events=[
                {
                    "type": "user.message",
                    "content": [{"type": "text", "text": "/say tail me\n/sleep 1\n/say later"}],
                }
            ],
        )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sessiond.cli.main", "tail", session.id,
        "--url", op_server.base_url, "--api-key", KEY,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    lines: list[str] = []
    try:

        async def read_until_idle() -> None:
            while True:
                raw = await proc.stdout.readline()  # type: ignore[union-attr]
                assert raw, "tail ended early"
                lines.append(raw.decode())
                if "session.status_idle" in lines[-1]:
                    return

        await asyncio.wait_for(read_until_idle(), TURN_DEADLINE)
    finally:
        proc.terminate()
        await proc.wait()
    kinds = [line.split()[1] for line in lines]
    assert kinds[0] == "user.message" and "tail me" in lines[0], lines
    said = [line.split(None, 2)[2].strip() for line in lines if line.split()[1] == "agent.message"]
    assert said[:2] == ["tail me", "later"], lines
    assert len(kinds) == len(set(line.strip() for line in lines)), "a line printed twice"
    assert "end_turn" in lines[-1]


async def test_tail_without_a_key_or_with_a_bad_one_says_so_in_one_line(op_server: Server) -> None:
    for extra in ([], ["--api-key", "wrong"]):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sessiond.cli.main", "tail", "sesn_x",
            "--url", op_server.base_url, *extra,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={"PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        _, err = await asyncio.wait_for(proc.communicate(), 20)
        assert proc.returncode != 0
        lines = err.decode().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("sessiond tail:"), lines
    assert "401" in lines[0]


async def test_the_readme_quickstart_runs_as_written(op_server: Server) -> None:
    readme = (ROOT / "README.md").read_text()
    script = (ROOT / "examples" / "quickstart.py").read_text()
    assert script.split('"""', 2)[2].strip() in readme, "README shows examples/quickstart.py"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "examples" / "quickstart.py"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "SESSIOND_API_KEY": KEY, "SESSIOND_URL": op_server.base_url},
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    text = out.decode()
    assert "tool call: bash" in text and "tool result: hello from a tool" in text
    assert re.search(r"tokens: [1-9]\d* in, [1-9]\d* out", text), text
