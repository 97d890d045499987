"""Server options compared in interleaved rounds, for a noisy (shared) machine.

    .venv/bin/python bench/interleaved.py [--rounds 5] [--seconds 8] [--sessions 16,64]
        sqlite-serve sqlite-serve+SESSIOND_WORKERS=2 …

Every config's server and the bare stand-in (bench/baselines.py standin) run at
once; each round measures, for each of them in turn, the docs' pattern (a
stream per turn, figure 7) for a few seconds at each session count, and one
session's sequential send → idle. Load from other processes then falls on
every option alike, and the table gives each option's median over the rounds
of its ratio to the stand-in measured right before it, with the spread
(min–max) of those ratios: an option pays only where its spread clears the
default's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from figures import Ctx, _discard, _TurnOnFreshStream
from lib import (
    Api,
    NotAvailable,
    Postgres,
    baseline,
    client_session,
    closed_loop,
    config,
    log,
    pct,
    raise_fd_limit,
)

SEQ_TURNS = 40


async def _measure(
    http: object,
    base: str,
    new_sessions: Callable[[int], Awaitable[list[str]]],
    args: argparse.Namespace,
) -> dict[str, float]:
    out: dict[str, float] = {}
    (sid,) = await new_sessions(1)
    turn = _TurnOnFreshStream(http, base, sid)
    samples = [await turn() for _ in range(SEQ_TURNS)]
    out["seq p50 ms"] = pct(samples[5:], 50) * 1000
    for c in args.sessions:
        sessions = await new_sessions(c)
        turns = [_TurnOnFreshStream(http, base, s) for s in sessions]
        res = await closed_loop([lambda t=t: _discard(t()) for t in turns], args.seconds)
        out[f"c{c} turns/s"] = res.rate
    return out


async def amain(args: argparse.Namespace) -> str:
    raise_fd_limit()
    workdir = Path(tempfile.mkdtemp(prefix="sessiond-interleaved-"))
    ctx = Ctx(quick=False, workdir=workdir, pg=Postgres())
    counter = iter(range(1 << 30))

    async def standin_sessions(n: int) -> list[str]:
        return [f"sesn_standin{next(counter)}" for _ in range(n)]

    ratios: dict[str, dict[str, list[float]]] = {name: {} for name in args.configs}
    async with contextlib.AsyncExitStack() as stack:
        http = await stack.enter_async_context(client_session())
        standin = await stack.enter_async_context(baseline("standin", workdir))
        servers = {}
        for name in args.configs:
            srv = await stack.enter_async_context(ctx.server(config(name), "interleaved"))
            servers[name] = (srv.base_url, Api(http, srv.base_url).new_sessions)
        for r in range(args.rounds):
            for name, (url, new_sessions) in servers.items():
                base = await _measure(http, standin.url, standin_sessions, args)
                got = await _measure(http, url, new_sessions, args)
                for key, value in got.items():
                    ratios[name].setdefault(key, []).append(value / base[key])
                shown = ", ".join(f"{k} {v:,.1f} ({v / base[k]:.2f}×)" for k, v in got.items())
                log(f"round {r + 1} {name}: {shown}")
    lines = [
        f"`bench/interleaved.py {' '.join(sys.argv[1:])}`: ratio to the bare stand-in "
        "measured just before, median over the rounds (min–max)",
        "",
        "| config | " + " | ".join(next(iter(ratios.values())).keys()) + " |",
        "|---|" + "---|" * len(next(iter(ratios.values()))),
    ]
    for name, per in ratios.items():
        cells = [f"{statistics.median(v):.2f}× ({min(v):.2f}–{max(v):.2f})" for v in per.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("configs", nargs="+", help="e.g. sqlite-serve+SESSIOND_WORKERS=2")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument(
        "--sessions", type=lambda s: [int(x) for x in s.split(",")], default=[16, 64]
    )
    args = parser.parse_args()
    for name in args.configs:
        try:
            config(name)
        except KeyError:
            raise SystemExit(f"interleaved.py: unknown config {name!r}") from None
    try:
        sys.stdout.write(asyncio.run(amain(args)))
    except NotAvailable as e:
        raise SystemExit(f"interleaved.py: {e}") from None


if __name__ == "__main__":
    main()
