"""sessiond benchmarks: every figure beside a baseline measured in the same run.

    .venv/bin/python bench/run.py [--quick] [--only FIGURE,...] [--configs CONFIG,...] [--write]

FIGURE: 1|latency  2|throughput  3|fanout  4|send  5|list  6|rss  7|docs (default: all)
CONFIG: sqlite-serve, sqlite-split, pg-serve, pg-split (default: all), each optionally
        followed by +VAR=VALUE parts: a server option beside the default in the same run,
        e.g. sqlite-serve,sqlite-serve+SESSIOND_WORKERS=2

Each measurement runs against a fresh `sessiond serve` (or `sessiond core` + `sessiond
edge --core`) subprocess on free loopback ports, with a fresh data dir and database, the
offline model, and SIGTERM at the end. Baselines are bare aiohttp / grpc.aio processes
(bench/baselines.py) measured by the same client code. Progress goes to stderr, the
markdown table to stdout (and to bench/results.md with --write). A configuration that
cannot run (no PostgreSQL, a server that does not start) gets "n/a (reason)" cells.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from figures import FIGURES, Ctx, Figure, Metric, Result
from lib import BENCH, CONFIGS, NotAvailable, Postgres, config, log, raise_fd_limit, set_server_root

Cell = tuple[Result, str | None]  # what was measured, and why the rest was not


def _figures(spec: str | None) -> list[Figure]:
    if not spec:
        return list(FIGURES)
    chosen = []
    for part in spec.split(","):
        part = part.strip().lower()
        match = [f for f in FIGURES if part in (str(f.number), f.name)]
        if not match:
            names = ", ".join(f"{f.number}|{f.name}" for f in FIGURES)
            raise SystemExit(f"run.py: unknown figure {part!r} (one of {names})")
        chosen.extend(m for m in match if m not in chosen)
    return sorted(chosen, key=lambda f: f.number)


def _configs(spec: str | None) -> list[str]:
    if not spec:
        return list(CONFIGS)
    out = []
    for part in spec.split(","):
        part = part.strip()
        try:
            config(part)
        except KeyError:
            raise SystemExit(
                f"run.py: unknown config {part!r} (one of {', '.join(CONFIGS)}, "
                "optionally +VAR=VALUE…)"
            ) from None
        if part not in out:
            out.append(part)
    return out


def _reason(e: BaseException) -> str:
    if isinstance(e, NotAvailable):
        return str(e)
    text = str(e) or repr(e)
    return f"{type(e).__name__}: {text}"


async def _step(what: str, coro_fn, out: Result) -> str | None:  # type: ignore[no-untyped-def]
    t = time.monotonic()
    log(f"{what} …")
    try:
        await coro_fn(out)
    except Exception as e:  # noqa: BLE001 - every failure becomes an n/a cell
        reason = _reason(e)
        log(f"{what}: n/a ({_one_line(reason, 300)})")
        if not isinstance(e, NotAvailable):
            traceback.print_exc(file=sys.stderr)
        return reason
    log(f"{what}: done in {time.monotonic() - t:.1f}s")
    return None


async def measure_all(
    ctx: Ctx, figures: list[Figure], configs: list[str]
) -> tuple[dict[int, Cell], dict[tuple[int, str], Cell]]:
    baselines: dict[int, Cell] = {}
    cells: dict[tuple[int, str], Cell] = {}
    for fig in figures:
        base = Result()
        err = await _step(
            f"fig {fig.number} {fig.name}: baseline", lambda o, f=fig: f.baseline(ctx, o), base
        )
        baselines[fig.number] = (base, err)
        for name in configs:
            cfg = config(name)
            out = Result()
            err = await _step(
                f"fig {fig.number} {fig.name}: {name}",
                lambda o, f=fig, c=cfg: f.measure(ctx, c, o),
                out,
            )
            cells[(fig.number, name)] = (out, err)
    return baselines, cells


# --------------------------------------------------------------------------- the table


def fmt(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:.2f} ms" if value < 100 else f"{value:,.0f} ms"
    if unit == "/s":
        return f"{value:,.0f}/s"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "KB":
        return f"{value:.1f} KB"
    return f"{value:g} {unit}"


def _one_line(reason: str, limit: int = 160) -> str:
    """A reason for a table cell: one line, or a multi-line one's first and last lines
    (a traceback's header and its exception)."""
    lines = [x.strip() for x in reason.strip().splitlines() if x.strip()]
    if len(lines) > 1:
        lines = [lines[0], "…", lines[-1]]
    line = " ".join(" ".join(lines).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _row(fig: Figure, m: Metric, cfg: str, base: Cell, cell: Cell) -> str:
    mode = config(cfg).mode
    res, err = cell
    base_res, base_err = base
    bases = res.baselines.get(m.key, []) + base_res.baselines.get(m.key, [])
    if bases:
        base_txt = "; ".join(f"{fmt(v, m.unit)} ({label})" for label, v in bases)
    elif base_err:
        base_txt = f"n/a ({_one_line(base_err, 100)})"
    else:
        base_txt = "—"
    target = m.target.text if m.target else "—"
    value = res.values.get(m.key)
    if value is None:
        why = _one_line(err or "not measured")
        return f"| {fig.number} | {m.label} | {cfg} | n/a ({why}) | {base_txt} | | {target} | |"
    ratio = "; ".join(f"{value / v:.2f}×" if v else "—" for _, v in bases) or "—"
    ok = ""
    if m.target:
        verdict = m.target.check(value, [v for _, v in bases], mode)
        ok = "—" if verdict is None else ("✓" if verdict else "✗")
    note = res.notes.get(m.key)
    val = fmt(value, m.unit) + (f" ({note})" if note else "")
    return f"| {fig.number} | {m.label} | {cfg} | {val} | {base_txt} | {ratio} | {target} | {ok} |"


def render(
    figures: list[Figure],
    configs: list[str],
    baselines: dict[int, Cell],
    cells: dict[tuple[int, str], Cell],
    ctx: Ctx,
    seconds: float,
    argv: list[str],
) -> str:
    lines = [
        "# sessiond benchmarks",
        "",
        f"`{' '.join(['.venv/bin/python', 'bench/run.py', *argv])}` — "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {'quick' if ctx.quick else 'full'} run, "
        f"{seconds / 60:.1f} min. Ratio = value ÷ baseline (for /s higher is better, "
        "otherwise lower is better); ✓/✗ against the target, — where it does not apply.",
        "",
        "| # | metric | config | value | baseline (same run) | ratio | target | ok |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for fig in figures:
        for m in fig.metrics:
            for cfg in configs:
                lines.append(_row(fig, m, cfg, baselines[fig.number], cells[(fig.number, cfg)]))
    lines += ["", "Notes:", ""]
    for fig in figures:
        lines.append(f"{fig.number}. **{fig.title}.** {fig.footnote}")
    lines.append(
        "\nClient and servers share the machine: the bench process (one asyncio loop) "
        "drives every load, so on a small box its CPU bounds both the figure and the baseline."
    )
    errors = [(f"fig {n} baseline", err) for n, (_, err) in baselines.items() if err] + [
        (f"fig {n} {cfg}", err) for (n, cfg), (_, err) in cells.items() if err
    ]
    if errors:
        lines += ["", "Not measured:", ""]
        seen: dict[str, str] = {}
        for where, err in errors:
            if err in seen:
                lines.append(f"- {where}: as {seen[err]}")
                continue
            seen[err] = where
            text = err.strip()
            if "\n" in text:
                lines.append(f"- {where}:\n\n```\n{text[-3000:]}\n```")
            else:
                lines.append(f"- {where}: {text}")
    if ctx.problems:
        lines += ["", "Server error output (verbatim, stderr tail):", ""]
        for p in ctx.problems:
            lines.append(f"```\n{p.strip()[-3000:]}\n```")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- main


async def amain(args: argparse.Namespace, argv: list[str]) -> str:
    figures = _figures(args.only)
    configs = _configs(args.configs)
    fds = raise_fd_limit()
    if fds < 2500:
        log(f"warning: only {fds} file descriptors; 1,000-stream figures may fail")
    workdir = Path(tempfile.mkdtemp(prefix="sessiond-bench-"))
    log(f"work dir {workdir}; figures {[f.name for f in figures]}; configs {configs}")
    ctx = Ctx(quick=args.quick, workdir=workdir, pg=Postgres())
    t = time.monotonic()
    try:
        baselines, cells = await measure_all(ctx, figures, configs)
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return render(figures, configs, baselines, cells, ctx, time.monotonic() - t, argv)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n", 2)[2],
    )
    parser.add_argument("--quick", action="store_true", help="shorter runs, 100k events")
    parser.add_argument("--only", help="figures, e.g. 1,fanout")
    parser.add_argument("--configs", help="e.g. sqlite-serve,sqlite-split")
    parser.add_argument("--write", action="store_true", help="also write bench/results.md")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (server logs)")
    parser.add_argument(
        "--server-dir",
        type=Path,
        help="run the server from this checkout (default: this one), e.g. a `git archive` export",
    )
    args = parser.parse_args(argv)
    if args.server_dir:
        set_server_root(args.server_dir)
    table = asyncio.run(amain(args, argv))
    sys.stdout.write(table)
    if args.write:
        (BENCH / "results.md").write_text(table)
        log(f"wrote {BENCH / 'results.md'}")


if __name__ == "__main__":
    main()
