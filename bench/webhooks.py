"""Webhooks: what the outbox costs a change, and how fast the worker delivers.

    .venv/bin/python bench/webhooks.py [--events N] [--rounds R]

One process: a CoreServer (SQLite, offline model) started on a loopback port,
and an aiohttp receiver on 127.0.0.1 answering 200. Measures

- the time of ``AgentService.create`` (the store write and its
  ``agent.created`` emit) in rounds that alternate between no webhook in the
  workspace (the emit only reads) and one webhook that wants the event (the
  emit writes an outbox row): medians and their ratio;
- the latency from the create's return to the receiver's POST, per event
  (sequential creates), median and p95;
- the time for a burst of N creates to all arrive (deliveries per second).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from aiohttp import web
from sessiond.core.server import CoreServer
from sessiond.core.webhookdelivery import DeliveryPolicy
from sessiond.v1 import agent_pb2, webhook_pb2

WS = "default"


def _agent() -> agent_pb2.CreateAgentRequest:
    return agent_pb2.CreateAgentRequest(name="bench", model=agent_pb2.ModelConfig(id="m"))


async def _creates(core: CoreServer, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await core.agents.create(_agent(), ws=WS)
    return (time.perf_counter() - start) / n


async def main(n: int, rounds: int) -> None:
    arrived: asyncio.Queue[float] = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        await request.read()
        arrived.put_nowait(time.perf_counter())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    with tempfile.TemporaryDirectory() as tmp:
        core = await CoreServer.open(
            f"sqlite+aiosqlite:///{Path(tmp) / 'db.sqlite'}",
            Path(tmp),
            webhooks=DeliveryPolicy(allow_private=True),
        )
        await core.start("127.0.0.1:0")
        try:
            without: list[float] = []
            with_hook: list[float] = []
            for _ in range(rounds):
                without.append(await _creates(core, n))
                made = await core.webhooks.create(
                    webhook_pb2.CreateWebhookRequest(url=url, event_types=["agent.created"]), WS
                )
                with_hook.append(await _creates(core, n))
                for _ in range(n):
                    await asyncio.wait_for(arrived.get(), 30)
                await core.webhooks.delete(made.id, WS)
            a, b = statistics.median(without), statistics.median(with_hook)
            print(f"agent create, no webhook:   {a * 1e3:.2f} ms (median of {rounds} x {n})")
            print(f"agent create, one webhook:  {b * 1e3:.2f} ms")
            print(f"ratio with/without: {b / a:.2f}")

            made = await core.webhooks.create(
                webhook_pb2.CreateWebhookRequest(url=url, event_types=["agent.created"]), WS
            )
            lat = []
            for _ in range(n):
                await core.agents.create(_agent(), ws=WS)
                done = time.perf_counter()
                lat.append(await asyncio.wait_for(arrived.get(), 30) - done)
            lat.sort()
            p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
            print(
                f"create -> receiver: median {statistics.median(lat) * 1e3:.1f} ms, "
                f"p95 {p95 * 1e3:.1f} ms ({n} sequential)"
            )
            start = time.perf_counter()
            await asyncio.gather(*(core.agents.create(_agent(), ws=WS) for _ in range(n)))
            for _ in range(n):
                last = await asyncio.wait_for(arrived.get(), 60)
            took = last - start
            print(f"burst of {n}: all delivered in {took:.2f} s ({n / took:.0f} deliveries/s)")
        finally:
            await core.stop()
            await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.rounds))
