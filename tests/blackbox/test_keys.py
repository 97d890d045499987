"""Keys against a real `sessiond serve`: the `sessiond keys` command, revocation on a
running server, the key table replacing the old plain-text file, keys kept out of
/proc/<pid>/cmdline, the gRPC port's authentication, and the limits per workspace."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anthropic
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sessiond.v1 import agent_pb2, agent_pb2_grpc

from .cluster import pg_url, start_cluster
from .helpers import ROOT, Server, _child_env, key_accepted, start_server, user_message

WAIT = 20.0


async def sessiond(data_dir: Path, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sessiond.cli.main", *args, "--data-dir", str(data_dir),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=str(ROOT),
        env=_child_env(),
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Polls ``check`` until it holds; fails after WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


async def test_keys_create_list_revoke_on_a_running_server(tmp_path: Path) -> None:
    data = tmp_path / "data"
    srv = await start_server(data, api_key=None, log_dir=tmp_path)
    try:
        rc, out, err = await sessiond(
            data, "keys", "create", "--workspace", "team-a", "--name", "ci"
        )
        assert rc == 0, err
        key = out.strip()
        assert key.startswith("sk-sessiond-") and "shown only now" in err
        assert await key_accepted(srv, key)

        rc, listing, err = await sessiond(data, "keys", "list")
        assert rc == 0, err
        assert key not in listing
        row = next(line for line in listing.splitlines() if " ci " in line)
        key_id = row.split()[0]
        assert key_id.startswith("apikey_") and "team-a" in row
        # `serve` made one key for `default` on its first start.
        assert any("made by serve" in line and "default" in line for line in listing.splitlines())

        async def last_use_recorded() -> bool:
            _, text, _ = await sessiond(data, "keys", "list")
            line = next(line for line in text.splitlines() if line.startswith(key_id))
            return line.split()[4] != "-"  # ID NAME WORKSPACE CREATED LAST-USED

        await eventually(last_use_recorded, "the last use of the key to be recorded")

        rc, out, err = await sessiond(data, "keys", "revoke", key_id)
        assert rc == 0, err

        async def refused() -> bool:
            return not await key_accepted(srv, key)

        await eventually(refused, "the revoked key to be refused")
        async with srv.client(api_key=key) as c:
            with pytest.raises(anthropic.AuthenticationError):
                await c.beta.agents.list()
        rc, _, err = await sessiond(data, "keys", "revoke", key_id)
        assert rc == 1 and "no active key" in err
        rc, _, err = await sessiond(data, "keys", "create", "--workspace", "bad name!")
        assert rc == 2
    finally:
        assert await srv.stop() == 0, srv.describe()


async def test_a_plain_text_key_file_moves_into_the_key_table(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    old = "sk-sessiond-an-older-version-made-this-0123456789"
    (data / "api_key").write_text(old + "\n")
    srv = await start_server(data, api_key=None, log_dir=tmp_path)
    try:
        assert await key_accepted(srv, old)
        assert not (data / "api_key").exists()
        assert old not in srv.all_output()
    finally:
        assert await srv.stop() == 0, srv.describe()
    rc, listing, _ = await sessiond(data, "keys", "list")
    assert rc == 0 and old not in listing and "moved from the api_key file" in listing


async def test_keys_given_by_flag_are_not_in_the_command_line(tmp_path: Path) -> None:
    secret = "sk-cmdline-secret-0123456789abcdef"
    srv = await start_server(tmp_path / "data", api_key=f"team={secret}", log_dir=tmp_path)
    try:
        cmdline = await asyncio.to_thread(Path(f"/proc/{srv.proc.pid}/cmdline").read_bytes)
        assert b"serve" in cmdline, cmdline
        assert secret.encode() not in cmdline, cmdline
        environ = await asyncio.to_thread(Path(f"/proc/{srv.proc.pid}/environ").read_bytes)
        assert secret.encode() not in environ
        assert await key_accepted(srv, secret)
    finally:
        assert await srv.stop() == 0, srv.describe()


async def test_key_file_and_workspaces(tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text("# team keys\nsk-file-default-0123456789\n\nteam-b=sk-file-b-0123456789  # b\n")
    srv = await start_server(
        tmp_path / "data", api_key=None, log_dir=tmp_path, env={"SESSIOND_API_KEY_FILE": str(keys)}
    )
    try:
        assert await key_accepted(srv, "sk-file-default-0123456789")
        assert await key_accepted(srv, "sk-file-b-0123456789")
        assert not await key_accepted(srv, "team-b=sk-file-b-0123456789")
        # Configured keys: serve made none.
        assert "created an API key" not in srv.all_output()
    finally:
        assert await srv.stop() == 0, srv.describe()


async def test_grpc_calls_need_a_key_but_health_does_not(server: Server) -> None:
    if not isinstance(server, Server):
        pytest.skip("the serve process's own gRPC port")
    async with grpc.aio.insecure_channel(server.grpc_addr) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        agents = agent_pb2_grpc.AgentServiceStub(channel)
        for metadata in [(), (("x-api-key", "sk-wrong"),), (("authorization", "Bearer sk-wrong"),)]:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await agents.ListAgents(agent_pb2.ListAgentsRequest(), metadata=metadata)
            assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert server.key
        for metadata in [
            (("x-api-key", server.key),),
            (("authorization", f"Bearer {server.key}"),),
        ]:
            await agents.ListAgents(agent_pb2.ListAgentsRequest(), metadata=metadata)


async def test_limits_per_workspace(tmp_path: Path) -> None:
    """60 requests a minute (one a second after a burst of 60), 2 events per send."""
    key_a, key_b = "sk-limited-a-0123456789", "sk-limited-b-0123456789"
    srv = await start_server(
        tmp_path / "data",
        api_key=key_a,
        log_dir=tmp_path,
        env={
            "SESSIOND_API_KEYS": f"other={key_b}",
            "SESSIOND_REQUESTS_PER_MINUTE": "60",
            "SESSIOND_EVENTS_PER_SEND": "2",
        },
    )
    try:
        # --api-key wins over SESSIOND_API_KEYS: key_b is not accepted then.
        assert not await key_accepted(srv, key_b)
    finally:
        assert await srv.stop() == 0, srv.describe()
    srv = await start_server(
        tmp_path / "data2",
        api_key=None,
        log_dir=tmp_path,
        env={
            "SESSIOND_API_KEYS": f"{key_a},other={key_b}",
            "SESSIOND_REQUESTS_PER_MINUTE": "60",
            "SESSIOND_EVENTS_PER_SEND": "2",
        },
    )
    try:
        async with srv.http(api_key=key_a) as h:
            for _ in range(200):
                resp = await h.get("/v1/agents")
                if resp.status_code == 429:
                    break
                assert resp.status_code == 200, resp.text
            assert resp.status_code == 429
            body = resp.json()
            assert body["type"] == "error" and body["error"]["type"] == "rate_limit_error"
            assert int(resp.headers["retry-after"]) >= 1
            assert resp.headers.get("x-should-retry") == "true"

            # What the SDK makes of it: retry, after retry-after seconds.
            async with srv.client(api_key=key_a) as c:
                assert c._should_retry(resp)
                assert c._parse_retry_after_header(resp.headers) == float(
                    resp.headers["retry-after"]
                )
        # Another workspace is not held back.
        assert await key_accepted(srv, key_b)
        # The SDK (with its default retries) waits and succeeds on its own.
        async with srv.client(api_key=key_a, max_retries=3) as c:
            await c.beta.agents.list()

        async with srv.client(api_key=key_b) as c:
            agent = await c.beta.agents.create(model="claude-sonnet-4-5", name="x")
            env = await c.beta.environments.create(name="x")
            sess = await c.beta.sessions.create(agent=agent.id, environment_id=env.id)
            with pytest.raises(anthropic.BadRequestError) as caught:
                await c.beta.sessions.events.send(
                    sess.id, events=[user_message("a"), user_message("b"), user_message("c")]
                )
            assert "limit is 2" in str(caught.value)
    finally:
        assert await srv.stop() == 0, srv.describe()


async def test_revocation_reaches_every_replica(tmp_path: Path) -> None:
    """A stored key works on both cores of a PostgreSQL cluster, and once revoked
    (by `sessiond keys revoke` against the shared database) each core refuses it."""
    url = pg_url()
    if url is None:
        pytest.skip("no PostgreSQL for the replica suite (scripts/test.sh starts one)")
    c = await start_cluster(
        url, tmp_path / "data", api_key="sk-cluster-0123456789", log_dir=tmp_path
    )
    try:
        cli = tmp_path / "cli"
        rc, out, err = await sessiond(cli, "keys", "create", "--workspace", "t", "--db", c.db_url)
        assert rc == 0, err
        key = out.strip()

        async def core_accepts(address: str) -> bool:
            async with grpc.aio.insecure_channel(address) as channel:
                agents = agent_pb2_grpc.AgentServiceStub(channel)
                try:
                    await agents.ListAgents(
                        agent_pb2.ListAgentsRequest(), metadata=(("x-api-key", key),), timeout=10
                    )
                except grpc.aio.AioRpcError as e:
                    assert e.code() == grpc.StatusCode.UNAUTHENTICATED, e
                    return False
                return True

        for core in c.cores:
            assert await core_accepts(core.address)
        async with c.http(api_key=key) as h:
            assert (await h.get("/v1/agents")).status_code == 200

        _, listing, _ = await sessiond(cli, "keys", "list", "--db", c.db_url)
        key_id = next(line.split()[0] for line in listing.splitlines() if " t " in line)
        rc, _, err = await sessiond(cli, "keys", "revoke", key_id, "--db", c.db_url)
        assert rc == 0, err
        for core in c.cores:

            async def refused(address: str = core.address) -> bool:
                return not await core_accepts(address)

            await eventually(refused, f"core {core.address} to refuse the revoked key")
        async with c.http(api_key=key) as h:
            resp = await h.get("/v1/agents")
        assert resp.status_code == 401, resp.text
    finally:
        assert await c.stop() == 0, c.describe()
