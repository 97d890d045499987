"""Self-hosted tools: poll-to-work latency, and a tool call's round trip through
the SDK's EnvironmentWorker beside the same call run by the server itself
(a built-in tool on a cloud environment), in the same run against one
`sessiond serve` (SQLite, offline model).

    .venv/bin/python bench/worker_roundtrip.py [--n 20]

poll-to-work: a `work.poll(block_ms=999)` is in flight when a session is created
on a self_hosted environment; the figure is the time from the create call to the
poll's answer. round trip: from sending `/tool bash {"command": "true"}` to the
`session.status_idle` (end_turn) that follows the tool's result, as the client's
event stream sees it; tool_use→result is the part between the two events.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from anthropic import AsyncAnthropic

KEY = "sk-bench-worker-0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def serve(data_dir: Path) -> AsyncIterator[str]:
    http, grpc_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SESSIOND_", "ANTHROPIC_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sessiond.cli.main", "serve",
        "--http", f"127.0.0.1:{http}", "--grpc", f"127.0.0.1:{grpc_port}",
        "--data-dir", str(data_dir), "--model-backend", "offline", "--api-key", KEY,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    while b"listening" not in await asyncio.wait_for(proc.stdout.readline(), 30):
        pass
    try:
        yield f"http://127.0.0.1:{http}"
    finally:
        proc.terminate()
        await proc.wait()


def _summary(name: str, values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    return f"| {name} | {len(ms)} | {statistics.median(ms):.1f} | {p90:.1f} |"


async def poll_to_work(client: AsyncAnthropic, env_id: str, agent_id: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        poll = asyncio.create_task(client.beta.environments.work.poll(env_id, block_ms=999))
        await asyncio.sleep(0.05)  # the poll is in flight
        start = time.perf_counter()
        await client.beta.sessions.create(agent=agent_id, environment_id=env_id)
        item = await poll
        out.append(time.perf_counter() - start)
        assert item is not None
        await client.beta.environments.work.stop(item.id, environment_id=env_id, force=True)
    return out


async def tool_calls(
    client: AsyncAnthropic, env_id: str, agent_id: str, n: int
) -> tuple[list[float], list[float]]:
    session = await client.beta.sessions.create(agent=agent_id, environment_id=env_id)
    text = "/tool bash " + json.dumps({"command": "true"})
    totals, hops = [], []
    stream = await client.beta.sessions.events.stream(session.id)
    try:
        events = stream.__aiter__()
        for _ in range(n):
            start = time.perf_counter()
            await client.beta.sessions.events.send(
                session.id,
                events=[{"type": "user.message", "content": [{"type": "text", "text": text}]}],
            )
            used = 0.0
            while True:
                ev: Any = await asyncio.wait_for(events.__anext__(), 30)
                now = time.perf_counter()
                if ev.type == "agent.tool_use":
                    used = now
                elif ev.type in ("agent.tool_result", "user.tool_result"):
                    hops.append(now - used)
                elif ev.type == "session.status_idle" and ev.stop_reason.type == "end_turn":
                    totals.append(now - start)
                    break
    finally:
        await stream.close()
    return totals, hops


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with serve(Path(tmp) / "data") as base_url:
            client = AsyncAnthropic(base_url=base_url, api_key=KEY, max_retries=0)
            tools = [{"type": "agent_toolset_20260401"}]
            agent = await client.beta.agents.create(model="m", name="bench", tools=tools)  # type: ignore[arg-type]
            hosted = await client.beta.environments.create(
                name="sh", config={"type": "self_hosted"}
            )
            cloud = await client.beta.environments.create(name="cloud")
            latency = await poll_to_work(client, hosted.id, agent.id, n)
            builtin = await tool_calls(client, cloud.id, agent.id, n)
            workdir = Path(tmp) / "worker"
            workdir.mkdir()
            worker = client.beta.environments.work.worker(
                environment_id=hosted.id, environment_key=KEY, workdir=str(workdir)
            )
            task = asyncio.create_task(worker.run())
            try:
                remote = await tool_calls(client, hosted.id, agent.id, n)
            finally:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
            await client.close()
    print("| measure | n | median ms | p90 ms |")
    print("|---|---|---|---|")
    print(_summary("poll-to-work (create session → poll answers)", latency))
    print(_summary("built-in bash, server runs it: send → end_turn", builtin[0]))
    print(_summary("built-in bash, server runs it: tool_use → result", builtin[1]))
    print(_summary("bash through EnvironmentWorker: send → end_turn", remote[0]))
    print(_summary("bash through EnvironmentWorker: tool_use → result", remote[1]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    asyncio.run(main(parser.parse_args().n))
