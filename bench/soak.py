"""Soak: many sessions doing turns for minutes while the server's RSS is sampled.

    .venv/bin/python bench/soak.py [--sessions 50] [--seconds 300] [--config sqlite-serve]

Each session has an open SSE stream (raw aiohttp) and loops send → its
`session.status_idle`, so histories grow for the whole run. RSS (the server
process and its children) is sampled every second; printed are the RSS at
the start of the load, at mid-run and at the end, and the growth over the
second half in %. Target: flat within 10 % over the second half.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lib import (  # noqa: E402
    CONFIGS,
    OP_DEADLINE,
    Api,
    Postgres,
    client_session,
    close_readers,
    fresh_store,
    log,
    open_readers,
    raise_fd_limit,
    sessiond,
    user_message,
    wait_until,
)

_EVENT_ID = re.compile(rb'"id"\s*:\s*"(sevt_[^"]+)"')


class Turns:
    """Counts the turns one session's stream has seen end."""

    def __init__(self) -> None:
        self.ended = 0
        self.changed = asyncio.Event()

    def on_frame(self, event: bytes, _data: bytes, _t: float) -> None:
        if event == b"session.status_idle":
            self.ended += 1
            self.changed.set()


async def soak(sessions: int, seconds: float, config: str, workdir: Path) -> int:
    problems: list[str] = []
    pg = Postgres()
    async with (
        fresh_store(CONFIGS[config], workdir, pg) as store,
        sessiond(store, "soak", problems) as srv,
        client_session() as http,
    ):
        api = Api(http, srv.base_url)
        ids = await api.new_sessions(sessions)
        turns = [Turns() for _ in ids]
        readers = await open_readers(
            http,
            [f"{srv.base_url}/v1/sessions/{sid}/events/stream?beta=true" for sid in ids],
            lambda i: turns[i].on_frame,
        )
        samples: list[tuple[float, int]] = []
        done = 0
        start = time.monotonic()
        end = start + seconds

        async def worker(i: int) -> None:
            nonlocal done
            n = 0
            while time.monotonic() < end:
                n += 1
                text = f"turn {n} of session {i}: " + " ".join(f"w{n}x{k}" for k in range(30))
                want = turns[i].ended + 1
                await api.call(
                    "POST", f"/v1/sessions/{ids[i]}/events", {"events": [user_message(text)]}
                )
                await wait_until(
                    lambda want=want: turns[i].ended >= want,  # type: ignore[misc]
                    turns[i].changed,
                    OP_DEADLINE,
                    "turn end",
                )
                done += 1

        async def sampler() -> None:
            while True:
                samples.append((time.monotonic() - start, srv.rss_kb()))
                await asyncio.sleep(1.0)  # sampling period, not synchronisation

        probe = asyncio.create_task(sampler())
        try:
            await asyncio.gather(*(worker(i) for i in range(len(ids))))
        finally:
            probe.cancel()
            await close_readers(readers)
        elapsed = time.monotonic() - start
    for p in problems:
        print(p, file=sys.stderr)

    def at(t: float) -> int:
        return min(samples, key=lambda s: abs(s[0] - t))[1]

    first, mid, last = at(0), at(elapsed / 2), samples[-1][1]
    growth = (last - mid) / mid * 100
    print(
        f"soak: {sessions} sessions, {elapsed:.0f}s, {done} turns ({done / elapsed:.0f}/s), "
        f"config {config}"
    )
    print(f"RSS start {first / 1024:.1f} MiB")
    print(f"RSS mid   {mid / 1024:.1f} MiB")
    print(f"RSS end   {last / 1024:.1f} MiB")
    print(f"growth over the second half: {growth:+.1f} %  (target: within ±10 %)")
    return 0 if abs(growth) <= 10 and not problems else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--config", choices=sorted(CONFIGS), default="sqlite-serve")
    args = parser.parse_args()
    raise_fd_limit()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        log(f"soak: {args.sessions} sessions for {args.seconds:.0f}s ({args.config})")
        rc = asyncio.run(soak(args.sessions, args.seconds, args.config, Path(tmp)))
    raise SystemExit(rc)


if __name__ == "__main__":
    main()
