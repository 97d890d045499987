"""Authentication in the core, on both transports: a real grpc.aio server (plain and
TLS, with a self-signed certificate made here by the openssl command) and the in-process core."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from sessiond.cli.inprocess import InProcessTransport
from sessiond.core.auth.gate import Gate, current_caller, guard_unary
from sessiond.core.auth.keys import KeyRing, create_key, list_keys, revoke_key
from sessiond.core.auth.limits import Limits, RateLimiter
from sessiond.core.errors import RateLimited
from sessiond.core.server import CoreServer
from sessiond.edge.client import CoreClient, CoreError
from sessiond.edge.grpc_transport import GrpcTransport
from sessiond.v1 import agent_pb2, event_pb2

KEY = "sk-auth-test-0123456789"


def self_signed(tmp: Path) -> tuple[bytes, bytes]:
    """(certificate, private key) in PEM for 127.0.0.1 and localhost, made by openssl."""
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
            "-subj", "/CN=sessiond test",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert.read_bytes(), key.read_bytes()


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[CoreServer, bytes]]:
    cert, key = self_signed(tmp_path)
    server = await CoreServer.open(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        tmp_path,
        api_keys={KEY: "team"},
        tls=(cert, key),
    )
    await server.start("127.0.0.1:0")
    try:
        yield server, cert
    finally:
        await server.stop(0.5)


async def test_tls_core_with_an_edge_that_trusts_its_ca(
    tls_server: tuple[CoreServer, bytes],
) -> None:
    server, cert = tls_server
    core = CoreClient(GrpcTransport(f"127.0.0.1:{server.port}", tls_ca=cert))
    try:
        assert await core.ready()
        keyed = core.with_metadata((("x-api-key", KEY),))
        reply = await keyed.agents.list_agents(agent_pb2.ListAgentsRequest())
        assert list(reply.agents) == []
        with pytest.raises(CoreError) as caught:
            wrong = core.with_metadata((("x-api-key", "sk-wrong"),))
            await wrong.agents.list_agents(agent_pb2.ListAgentsRequest())
        assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
    finally:
        await core.close()
    # A plain-text client cannot talk to the TLS port.
    plain = CoreClient(GrpcTransport(f"127.0.0.1:{server.port}"))
    try:
        assert not await plain.ready()
    finally:
        await plain.close()


async def test_in_process_calls_pass_the_same_gate(tmp_path: Path) -> None:
    server = await CoreServer.open(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", tmp_path, api_keys={KEY: "team"}
    )
    await server.start("127.0.0.1:0")
    core = CoreClient(InProcessTransport(server))
    try:
        for metadata in [(), (("x-api-key", "sk-wrong"),), (("authorization", "Bearer nope"),)]:
            caller = core.with_metadata(metadata)
            with pytest.raises(CoreError) as caught:
                await caller.agents.list_agents(agent_pb2.ListAgentsRequest())
            assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
            with pytest.raises(CoreError) as caught:
                await caller.events.stream_events(event_pb2.StreamEventsRequest(session_id="x"))
            assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
        keyed = core.with_metadata((("authorization", f"Bearer {KEY}"),))
        await keyed.agents.list_agents(agent_pb2.ListAgentsRequest())
    finally:
        await core.close()
        await server.stop(0.5)


class _Echo:
    """A servicer stand-in whose one method reports the caller it saw."""

    async def Who(self, request: object, context: object) -> str:  # noqa: N802
        return current_caller().workspace


class _Context:
    def __init__(self, metadata: tuple[tuple[str, str], ...]) -> None:
        self._metadata = metadata

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self._metadata

    async def abort(self, code: grpc.StatusCode, details: str, trailing_metadata: object) -> None:
        raise CoreError(code, details)


async def test_the_servicer_sees_the_workspace_of_the_key(tmp_path: Path) -> None:
    from sessiond.core.store.store import Store

    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        stored = await create_key(store, "team-b", "t")
        ring = KeyRing(store, {KEY: "team-a"}, ttl=0.0)
        who = guard_unary(Gate(ring), "/test.Echo/Who", _Echo().Who)
        assert await who(None, _Context((("x-api-key", KEY),))) == "team-a"
        assert await who(None, _Context((("x-api-key", stored),))) == "team-b"
        records = await list_keys(store)
        assert await revoke_key(store, records[0].id)
        with pytest.raises(CoreError) as caught:
            await who(None, _Context((("x-api-key", stored),)))
        assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
        # Last use is written by flush, in one batch.
        await ring.flush()
    finally:
        await store.close()


def test_rate_limiter_refills_and_names_the_wait() -> None:
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    for _ in range(60):
        limiter.take("w")
    with pytest.raises(RateLimited) as caught:
        limiter.take("w")
    assert caught.value.retry_after == 1
    limiter.take("other")  # per workspace
    now[0] += 1.0
    limiter.take("w")
    assert Limits().requests_per_minute >= 100_000
