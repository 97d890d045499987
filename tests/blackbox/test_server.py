"""The process itself: readiness line, generated API key, clean shutdown."""

from __future__ import annotations

from pathlib import Path

import anthropic
import pytest

from .helpers import Server, collect, key_accepted, start_server, user_message


async def test_listening_line_names_both_addresses(server: Server) -> None:
    if not isinstance(server, Server):
        pytest.skip("`serve` prints one line with both addresses")
    line = server.listening_line
    assert "listening" in line
    assert server.http_addr in line, line
    assert server.grpc_addr in line, line


async def test_generated_key_is_the_only_key_and_survives_a_restart(
    keyless_server: Server, tmp_path: Path
) -> None:
    srv = keyless_server
    key = srv.key
    assert key
    assert await key_accepted(srv, key)
    assert not await key_accepted(srv, key + "x")
    assert not await key_accepted(srv, "sk-blackbox-0123456789abcdef")
    async with srv.http(auth=False) as anon:
        assert (await anon.get("/v1/agents")).status_code == 401

    async with srv.client() as c:
        agent = await c.beta.agents.create(model="claude-sonnet-4-5", name="kept")
    async with srv.client(api_key="sk-not-it") as c:
        with pytest.raises(anthropic.AuthenticationError):
            await c.beta.agents.retrieve(agent.id)

    rc = await srv.stop()
    assert rc == 0, f"exit code {rc} on SIGTERM\n{srv.describe()}"

    again = await start_server(srv.data_dir, api_key=None, log_dir=tmp_path / "logs2")
    try:
        assert await key_accepted(again, key), (
            f"the key made on first start is refused after a restart\n{again.describe()}"
        )
        assert not await key_accepted(again, key + "x")
        # Same data dir: the data survived too.
        async with again.client(api_key=key) as c:
            got = await c.beta.agents.retrieve(agent.id)
        assert got.name == "kept"
    finally:
        rc = await again.stop()
    assert rc == 0, f"exit code {rc} on SIGTERM after restart\n{again.describe()}"


async def test_sigterm_with_an_open_stream_and_a_running_turn_exits_cleanly(
    tmp_path: Path,
) -> None:
    srv = await start_server(tmp_path / "data", api_key="k-shutdown", log_dir=tmp_path / "logs")
    try:
        async with srv.client() as c:
            agent = await c.beta.agents.create(model="claude-sonnet-4-5", name="s")
            env = await c.beta.environments.create(name="s")
            sess = await c.beta.sessions.create(agent=agent.id, environment_id=env.id)
            async with collect(c, sess.id) as col:
                await c.beta.sessions.events.send(sess.id, events=[user_message("/sleep 30")])
                await col.wait_count("span.model_request_start", 1)
                rc = await srv.stop()
                assert rc == 0, f"exit code {rc} on SIGTERM\n{srv.describe()}"
                # The open stream ends instead of hanging.
                await col.wait_for(
                    lambda _evs: not col.alive(), within=5, what="the stream to close"
                )
    finally:
        if srv.proc.returncode is None:
            srv.proc.kill()
            await srv.proc.wait()
