"""Tool-call latency in the bubblewrap sandbox against `--sandbox none`, in one run.

    .venv/bin/python bench/sandbox.py [--calls N] [--starts N]

Measures, through the same Toolbox the server uses: a bash `true`, a 1 MB file
read with the read tool, a 1 MB `cat` through bash; and the one-time cost of
starting a session's sandbox (first bash call of a new session: cgroup, bwrap,
shell). Prints medians and the sandboxed/unsandboxed ratio. Needs root (or
user namespaces) and bubblewrap (scripts/setup.sh installs it).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sessiond.core.runtime.workspaces import Workspaces
from sessiond.core.sandbox.manager import Sandboxes
from sessiond.core.sandbox.settings import NetPolicy, SandboxSettings

MB = "x" * 99 + "\n"


async def timed(fn: Callable[[], Awaitable[Any]], n: int) -> float:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        out = await fn()
        samples.append(time.perf_counter() - t)
        assert not out.is_error, out.text
    return statistics.median(samples) * 1000


async def measure(ws: Workspaces, calls: int, starts: int) -> dict[str, float]:
    box = await ws.toolbox("bench-calls")
    await box.run("write", {"file_path": "one_mb.txt", "content": MB * 10486})
    await box.run("bash", {"command": "true"})  # the shell is up
    res = {
        "bash true": await timed(lambda: box.run("bash", {"command": "true"}), calls),
        "read 1 MB (read tool)": await timed(
            lambda: box.run("read", {"file_path": "one_mb.txt"}), calls
        ),
        "cat 1 MB (bash)": await timed(
            lambda: box.run("bash", {"command": "cat one_mb.txt > /dev/null"}), calls
        ),
    }
    firsts = []
    for i in range(starts):
        b = await ws.toolbox(f"bench-start-{i}")
        t = time.perf_counter()
        out = await b.run("bash", {"command": "true"})
        firsts.append(time.perf_counter() - t)
        assert not out.is_error, out.text
        await ws.close(f"bench-start-{i}")
    res["session start (first bash call)"] = statistics.median(firsts) * 1000
    await ws.close(None)
    return res


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--calls", type=int, default=50)
    p.add_argument("--starts", type=int, default=10)
    args = p.parse_args()
    base = Path(tempfile.mkdtemp(prefix="sessiond-bench-sandbox-"))
    try:
        plain = Workspaces(base / "plain" / "workspaces")
        none = await measure(plain, args.calls, args.starts)
        sb = await Sandboxes.open(SandboxSettings(mode="bwrap"), base / "data")

        boxed = Workspaces(base / "data" / "workspaces", sandboxes=sb)
        sandboxed = await measure(boxed, args.calls, args.starts)
        # The same, with a proxied (limited) network: the forwarder starts too.
        net = Workspaces(base / "data" / "workspaces", sandboxes=sb)
        orig = sb.session
        sb.session = lambda n, w, _p: orig(n, w, NetPolicy(kind="limited", allowed_hosts=("x",)))  # type: ignore[method-assign]
        with_net = await measure(net, max(5, args.calls // 5), args.starts)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"{'median ms':34} {'none':>8} {'bwrap':>8} {'ratio':>6} {'bwrap+proxy':>12}")
    for k in none:
        print(
            f"{k:34} {none[k]:8.2f} {sandboxed[k]:8.2f} {sandboxed[k] / none[k]:6.2f} "
            f"{with_net[k]:12.2f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
