"""The store's SQLite hot paths in-process (append, queue read, history read),
against a baseline checkout measured in the same run.

    .venv/bin/python bench/store_paths.py --against DIR [--rounds N]

DIR holds a `sessiond` package of the baseline (e.g. `git archive` of main with
`core` linked as `sessiond/core`). Each round runs the measurement once with the
baseline and once with this checkout, in fresh processes, alternating; the table
gives the median ops/s of each and the ratio (this ÷ baseline, higher is better).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N_APPEND = 3000
N_QUEUE = 3000
N_HISTORY = 200
HISTORY_LEN = 2000


async def _measure() -> dict[str, float]:
    from sessiond.core.store.store import NewEvent, Store, UsageDelta
    from sessiond.core.timeutil import now_us, to_timestamp
    from sessiond.v1 import agent_pb2, common_pb2, event_pb2, session_pb2

    def message(i: int) -> event_pb2.SessionEvent:
        block = common_pb2.ContentBlock(text=common_pb2.TextBlock(text=f"message {i} " * 8))
        return event_pb2.SessionEvent(user_message=event_pb2.UserMessageEvent(content=[block]))

    def session(sid: str) -> session_pb2.Session:
        return session_pb2.Session(
            id=sid,
            agent=agent_pb2.SessionAgent(id="agent_b", version=1),
            status=session_pb2.SESSION_STATUS_IDLE,
            created_at=to_timestamp(now_us()),
            updated_at=to_timestamp(now_us()),
        )

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(f"sqlite+aiosqlite:///{tmp}/db.sqlite")
        try:
            for sid in ("sesn_a", "sesn_q", "sesn_h"):
                await store.insert_session(session(sid))
            await store.acquire_lease("sesn_a", "me", 10**12)

            t0 = time.perf_counter()
            for i in range(N_APPEND):
                await store.append("sesn_a", [NewEvent(f"sevt_a{i}", "user.message", message(i))])
            out["append 1 event"] = N_APPEND / (time.perf_counter() - t0)

            t0 = time.perf_counter()
            for i in range(N_APPEND):
                await store.append(
                    "sesn_a",
                    [NewEvent(f"sevt_f{i}", "user.message", message(i))],
                    usage=UsageDelta(1, 2, 3, 4),
                    turn="end",
                    status="idle",
                    owner="me",
                )
            out["fenced turn append"] = N_APPEND / (time.perf_counter() - t0)

            queued = [
                NewEvent(f"sevt_q{i}", "user.message", message(i), processed=False)
                for i in range(5)
            ]
            await store.append("sesn_q", queued)
            t0 = time.perf_counter()
            for _ in range(N_QUEUE):
                await store.work_of("sesn_q")
            out["queue read (5 pending)"] = N_QUEUE / (time.perf_counter() - t0)

            for start in range(0, HISTORY_LEN, 100):
                batch = [
                    NewEvent(f"sevt_h{i}", "user.message", message(i))
                    for i in range(start, start + 100)
                ]
                await store.append("sesn_h", batch)
            t0 = time.perf_counter()
            for _ in range(N_HISTORY):
                events = await store.conversation("sesn_h")
            assert len(events) == HISTORY_LEN
            out[f"history read ({HISTORY_LEN} events)"] = N_HISTORY / (time.perf_counter() - t0)
        finally:
            await store.close()
    return out


def _run(pythonpath: str | None) -> dict[str, float]:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    done = subprocess.run(
        [sys.executable, __file__, "--child"],
        env=env,
        cwd=tempfile.gettempdir(),
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", type=Path, help="baseline dir holding a sessiond package")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(_measure())))
        return
    if args.against is None:
        parser.error("--against is required")
    base: list[dict[str, float]] = []
    this: list[dict[str, float]] = []
    for r in range(args.rounds):
        base.append(_run(str(args.against.resolve())))
        this.append(_run(None))
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    print("| path | baseline ops/s | this ops/s | ratio |\n|---|---|---|---|")
    for key in base[0]:
        b = statistics.median(x[key] for x in base)
        t = statistics.median(x[key] for x in this)
        print(f"| {key} | {b:,.0f} | {t:,.0f} | {t / b:.2f}× |")


if __name__ == "__main__":
    main()
