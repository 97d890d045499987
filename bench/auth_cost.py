"""The cost of authentication per request, against the same request without it.

    .venv/bin/python bench/auth_cost.py [--requests N] [--rounds R]

One process: a CoreServer (SQLite, offline model) with its edge on a loopback
port, in the two compositions (`serve`: the in-process core; `split`: the edge
over gRPC to the same core). A client sends N sequential GET /v1/agents/{id}
with a key, in rounds that alternate between the gate as built (key looked up
through its cache, limits counted) and the gate's check skipped (``admit``
replaced by a constant caller: the request without authentication; the
wrappers stay). Also times ``Gate.admit`` alone, for a key held in memory and
for a stored key (a cache hit). Prints medians and the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sessiond.cli.inprocess import InProcessTransport
from sessiond.core.auth.gate import Caller
from sessiond.core.auth.keys import create_key
from sessiond.core.server import CoreServer
from sessiond.edge.app import create_app
from sessiond.edge.client import CoreClient
from sessiond.edge.grpc_transport import GrpcTransport

KEY = "sk-bench-auth-0123456789abcdef"


async def _site(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


async def _round(session: aiohttp.ClientSession, url: str, n: int) -> float:
    """Seconds per request (mean over n sequential requests)."""
    headers = {"x-api-key": KEY, "anthropic-beta": "managed-agents-2026-04-01"}
    start = time.perf_counter()
    for _ in range(n):
        async with session.get(url, headers=headers) as resp:
            await resp.read()
            assert resp.status == 200, resp.status
    return (time.perf_counter() - start) / n


async def main(n: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        core = await CoreServer.open(
            f"sqlite+aiosqlite:///{data / 'db'}", data, api_keys={KEY: "default"}
        )
        await core.start("127.0.0.1:0")
        stored = await create_key(core.store, "default", "bench")
        compositions = {
            "serve (in-process)": create_app(CoreClient(InProcessTransport(core)), own_core=True),
            "split (gRPC)": create_app(
                CoreClient(GrpcTransport(f"127.0.0.1:{core.port}")), own_core=True
            ),
        }
        real_admit = core.gate.admit

        async def skipped(method: str, metadata: Any, request: Any) -> Caller:
            return Caller("default")

        try:
            async with aiohttp.ClientSession() as session:
                for name, app in compositions.items():
                    runner, base = await _site(app)
                    try:
                        headers = {"x-api-key": KEY, "anthropic-beta": "managed-agents-2026-04-01"}
                        async with session.post(
                            f"{base}/v1/agents", json={"name": "a", "model": "m"}, headers=headers
                        ) as resp:
                            agent_id = (await resp.json())["id"]
                        url = f"{base}/v1/agents/{agent_id}"
                        await _round(session, url, n // 4)  # warm up
                        on: list[float] = []
                        off: list[float] = []
                        for _ in range(rounds):
                            core.gate.admit = real_admit  # type: ignore[method-assign]
                            on.append(await _round(session, url, n))
                            core.gate.admit = skipped  # type: ignore[method-assign]
                            off.append(await _round(session, url, n))
                        core.gate.admit = real_admit  # type: ignore[method-assign]
                        a, b = statistics.median(on), statistics.median(off)
                        print(
                            f"{name}: GET /v1/agents/{{id}} with auth {a * 1e6:.0f} µs, "
                            f"check skipped {b * 1e6:.0f} µs, ratio {a / b:.3f} "
                            f"(median of {rounds} rounds of {n})"
                        )
                    finally:
                        await runner.cleanup()
            for label, key in (("memory key", KEY), ("stored key (cache hit)", stored)):
                md = (("x-api-key", key),)
                await real_admit("/sessiond.v1.AgentService/GetAgent", md, None)
                start = time.perf_counter()
                for _ in range(n * 10):
                    await real_admit("/sessiond.v1.AgentService/GetAgent", md, None)
                per = (time.perf_counter() - start) / (n * 10)
                print(f"Gate.admit alone, {label}: {per * 1e6:.1f} µs per call")
        finally:
            await core.stop(0.5)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds))
