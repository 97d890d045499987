"""Sequential turn latency through the SDK against `sessiond serve` (offline model).

Latency is send -> session.status_idle seen on an open stream. The baseline,
measured in the same run, is one request/response through the same SDK client
machinery against a bare aiohttp app (the floor for any HTTP round trip here).

Usage: .venv/bin/python bench/turn_latency.py [TURNS]
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time

import anthropic
import httpx2
from aiohttp import web


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def baseline(n: int) -> list[float]:
    async def hello(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/x", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    out = []
    async with httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(n):
            t = time.perf_counter()
            (await client.post("/x", json={"a": 1})).raise_for_status()
            out.append(time.perf_counter() - t)
    await runner.cleanup()
    return out


async def turns(n: int) -> list[float]:
    hp, gp = free_port(), free_port()
    data = tempfile.mkdtemp()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        "serve",
        "--http",
        f"127.0.0.1:{hp}",
        "--grpc",
        f"127.0.0.1:{gp}",
        "--data-dir",
        data,
        "--api-key",
        "bench",
        "--model-backend",
        "offline",
        "--log-level",
        "WARNING",
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ},
    )
    assert proc.stdout is not None
    while b"listening" not in await asyncio.wait_for(proc.stdout.readline(), 30):
        pass
    client = anthropic.AsyncAnthropic(base_url=f"http://127.0.0.1:{hp}", api_key="bench")
    agent = await client.beta.agents.create(name="bench", model="claude-sonnet-4-5")
    env = await client.beta.environments.create(name="bench")
    session = await client.beta.sessions.create(agent=agent.id, environment_id=env.id)
    stream = await client.beta.sessions.events.stream(session.id)
    it = stream.__aiter__()
    out = []
    msg = {"type": "user.message", "content": [{"type": "text", "text": "hello there"}]}
    for _ in range(n):
        t = time.perf_counter()
        await client.beta.sessions.events.send(session.id, events=[msg])  # type: ignore[list-item]
        while (await it.__anext__()).type != "session.status_idle":
            pass
        out.append(time.perf_counter() - t)
    await stream.close()
    await client.close()
    proc.terminate()
    await proc.wait()
    return out


async def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    base = await baseline(n)
    turn = await turns(n)
    print(f"{'figure':44} {'p50 ms':>8} {'p99 ms':>8}")
    for name, xs in (
        ("baseline: bare aiohttp POST round trip", base),
        ("turn: send -> idle on stream (serve)", turn),
    ):
        print(f"{name:44} {pct(xs, 50) * 1e3:8.2f} {pct(xs, 99) * 1e3:8.2f}")
    print(f"ratio turn/baseline p50: {statistics.median(turn) / statistics.median(base):.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
