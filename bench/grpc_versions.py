"""Does the grpcio version change the cost of the edge->core gRPC hop?

    .venv/bin/python bench/grpc_versions.py [--versions 1.85.1,1.78.0] [--seconds 8]
                                            [--rounds 3] [--concurrency 64] [--no-channels]

For each grpcio version a venv is made (or reused) under .tools/grpc-venvs/<version> with
that grpcio and the aiohttp of our .venv, so grpcio is the only thing that changes. Each
measurement runs PROBE (below, written to a temp file) as a subprocess, which starts

  * forwarder runs (venv python): a grpc.aio unary echo server and an aiohttp app whose
    POST /echo awaits the echo RPC over grpc.aio channel(s) and answers the reply;
  * bare runs (our .venv python): an aiohttp app that answers the POST itself;

then a closed-loop load process (always our .venv python, so the client never changes)
POSTs a ~300-byte JSON body at fixed concurrency: 1 s warm-up, then --seconds measured.
Every forwarder run has a bare run right before it (same round, same client). Versions
alternate within rounds (order reversed every other round, to cancel linear drift); the
tables give the median of rounds and the spread (max-min)/median between rounds.
The extra table varies the forwarder's channels (our .venv only): one channel, several
channels round-robin, each with its own connection or all sharing grpc's global
subchannel pool (the default, where same-target channels share one connection).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAIN_PYTHON = ROOT / ".venv" / "bin" / "python"
VENVS = ROOT / ".tools" / "grpc-venvs"
OURS = "1.85.1"
DEFAULT_VERSIONS = (OURS, "1.78.0", "1.70.0", "1.62.3")

# The probe: one self-contained script, run with whichever python is being measured.
#   probe.py measure --kind forwarder|bare --client-python P ...   one measurement -> JSON
#   probe.py grpc-echo | bare | forwarder --target H:P ...         servers ("ready port=N")
#   probe.py load --url U ...                                      closed-loop client
PROBE = r'''
import argparse, asyncio, itertools, json, os, signal, socket, subprocess, sys, time
import selectors, tempfile

ECHO = "/bench.Echo/Echo"
CLK = os.sysconf("SC_CLK_TCK")


def on_sigterm(*_):
    raise SystemExit(143)  # so that finally blocks (which stop children) run


async def serve_forever(runner_or_server):
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


# ---------------------------------------------------------------- servers

async def grpc_echo():
    import grpc

    async def echo(request, _context):
        return request

    server = grpc.aio.server()
    # No (de)serializers = identity: the handler gets and returns raw bytes.
    handler = grpc.method_handlers_generic_handler(
        "bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)})
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(f"ready port={port} grpc={grpc.__version__}", flush=True)
    await serve_forever(server)
    await server.stop(0.5)


async def http_app(handler, on_startup=None, on_cleanup=None):
    from aiohttp import web

    app = web.Application()
    app.router.add_post("/echo", handler)
    if on_startup:
        app.on_startup.append(on_startup)
    if on_cleanup:
        app.on_cleanup.append(on_cleanup)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f"ready port={port}", flush=True)
    await serve_forever(runner)
    await runner.cleanup()


async def bare():
    from aiohttp import web

    async def echo(request):
        return web.Response(body=await request.read(), content_type="application/json")

    await http_app(echo)


async def forwarder(target, channels, pool):
    import grpc
    from aiohttp import web

    state = {}

    async def start(_app):
        options = [("grpc.use_local_subchannel_pool", 1)] if pool == "local" else []
        chans = [grpc.aio.insecure_channel(target, options=options) for _ in range(channels)]
        state["channels"] = chans
        state["calls"] = itertools.cycle([c.unary_unary(ECHO) for c in chans])  # bytes

    async def stop(_app):
        for c in state.get("channels", []):
            await c.close()

    async def echo(request):
        reply = await next(state["calls"])(await request.read())
        return web.Response(body=reply, content_type="application/json")

    await http_app(echo, start, stop)


# ---------------------------------------------------------------- load

async def load(url, seconds, warmup, concurrency, body_size):
    import aiohttp

    def message(text):
        content = [{"type": "text", "text": text}]
        return json.dumps({"type": "user.message", "content": content}).encode()

    body = message("x" * max(0, body_size - len(message(""))))
    headers = {"Content-Type": "application/json"}
    latencies, errors = [], 0
    loop = asyncio.get_running_loop()
    start = loop.time() + warmup
    end = start + seconds
    cpu = {}

    def mark():  # tell the parent the window opened, so it can sample server CPU
        cpu["start"] = time.process_time()
        print("window", flush=True)

    loop.call_at(start, mark)
    conn = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=conn) as session:

        async def worker():
            nonlocal errors
            while True:
                t0 = loop.time()
                async with session.post(url, data=body, headers=headers) as resp:
                    reply = await resp.read()
                    ok = resp.status == 200 and reply == body
                t1 = loop.time()
                if t1 >= end:
                    return
                if t0 >= start and ok:
                    latencies.append(t1 - t0)
                elif t0 >= start:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    client_cpu = time.process_time() - cpu["start"]
    latencies.sort()
    n = len(latencies)
    pct = lambda q: latencies[min(n - 1, int(q * n))] * 1e3 if n else float("nan")
    print(json.dumps({
        "n": n, "errors": errors, "rps": n / seconds, "p50_ms": pct(0.50),
        "p99_ms": pct(0.99), "client_us": 1e6 * client_cpu / max(n, 1),
        "body_bytes": len(body),
    }), flush=True)


# ---------------------------------------------------------------- measure

def readline(proc, deadline, what):
    """The next stdout line of proc, waiting at most until deadline (no sleeping)."""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"{what}: no output before the deadline")
            if sel.select(left):
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"{what} exited (rc={proc.wait()}): {tail(proc)}")
                return line.strip()
    finally:
        sel.close()


def tail(proc):
    proc.log.seek(0)
    return proc.log.read().decode(errors="replace")[-1500:]


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


class Children:
    def __init__(self):
        self.procs = []

    def start(self, name, argv, deadline, ready=True):
        log = tempfile.TemporaryFile()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True)
        proc.log, proc.name = log, name
        self.procs.append(proc)
        if not ready:
            return proc, None
        line = readline(proc, deadline, name)
        if not line.startswith("ready port="):
            raise RuntimeError(f"{name}: unexpected {line!r}")
        port = int(line.split()[1].split("=")[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # it accepts connections
        return proc, port

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def measure(a):
    me = [sys.executable, os.path.abspath(__file__)]
    deadline = time.monotonic() + 60
    kids = Children()
    try:
        servers = {}
        if a.kind == "forwarder":
            echo, echo_port = kids.start("grpc-echo", me + ["grpc-echo"], deadline)
            fwd, port = kids.start("forwarder", me + [
                "forwarder", "--target", f"127.0.0.1:{echo_port}",
                "--channels", str(a.channels), "--pool", a.pool], deadline)
            servers = {"grpc-echo": echo.pid, "forwarder": fwd.pid}
        else:
            srv, port = kids.start("bare", me + ["bare"], deadline)
            servers = {"bare": srv.pid}
        client, _ = kids.start("load", [a.client_python, os.path.abspath(__file__), "load",
            "--url", f"http://127.0.0.1:{port}/echo", "--seconds", str(a.seconds),
            "--warmup", str(a.warmup), "--concurrency", str(a.concurrency),
            "--body-size", str(a.body_size)], deadline, ready=False)
        run_deadline = time.monotonic() + a.warmup + a.seconds + 60
        if readline(client, run_deadline, "load") != "window":
            raise RuntimeError("load: expected the window mark")
        t0, before = time.monotonic(), {k: cpu_ticks(p) for k, p in servers.items()}
        result = json.loads(readline(client, run_deadline, "load"))
        elapsed = time.monotonic() - t0
        for k, pid in servers.items():
            cpu = (cpu_ticks(pid) - before[k]) / CLK
            result[f"{k}_cpu"] = 100 * cpu / elapsed  # % of one core
            result[f"{k}_us"] = 1e6 * cpu / max(1, result["rps"] * elapsed)  # per request
        if a.kind == "forwarder":
            import grpc
            result["grpc"] = grpc.__version__
        print(json.dumps(result), flush=True)
    finally:
        kids.stop()


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    p = argparse.ArgumentParser()
    p.add_argument("role")
    p.add_argument("--kind", default="forwarder")
    p.add_argument("--client-python", default=sys.executable)
    p.add_argument("--target")
    p.add_argument("--channels", type=int, default=1)
    p.add_argument("--pool", default="local")
    p.add_argument("--url")
    p.add_argument("--seconds", type=float, default=8)
    p.add_argument("--warmup", type=float, default=1)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--body-size", type=int, default=300)
    a = p.parse_args()
    if a.role == "measure":
        measure(a)
    elif a.role == "grpc-echo":
        asyncio.run(grpc_echo())
    elif a.role == "bare":
        asyncio.run(bare())
    elif a.role == "forwarder":
        asyncio.run(forwarder(a.target, a.channels, a.pool))
    elif a.role == "load":
        asyncio.run(load(a.url, a.seconds, a.warmup, a.concurrency, a.body_size))


if __name__ == "__main__":
    main()
'''


def note(msg: str) -> None:
    print(f"[grpc_versions] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- venvs


def venv_python(version: str, aiohttp_version: str) -> Path | None:
    """The python of a venv with grpcio==version and our aiohttp, made if missing."""
    venv = VENVS / version
    python = venv / "bin" / "python"
    check = "import grpc, aiohttp; print(grpc.__version__, aiohttp.__version__)"
    if python.exists():
        got = subprocess.run([python, "-c", check], capture_output=True, text=True)
        if got.returncode == 0 and got.stdout.split() == [version, aiohttp_version]:
            return python
    note(f"installing grpcio=={version} aiohttp=={aiohttp_version} into {venv}")
    try:
        # Same interpreter as our .venv (python3 on PATH here is the same 3.11.7).
        subprocess.run([sys._base_executable, "-m", "venv", "--clear", venv], check=True)
        pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run(
            # wheels only: building grpcio from source would take far longer than the bench
            [*pip, "--only-binary=:all:", f"grpcio=={version}", f"aiohttp=={aiohttp_version}"],
            check=True,
            capture_output=True,
            text=True,
            timeout=900,
        )
    except subprocess.CalledProcessError as e:
        note(f"SKIP grpcio {version}: could not install: {(e.stderr or '').strip()[-400:]}")
    except subprocess.TimeoutExpired:
        note(f"SKIP grpcio {version}: pip install timed out")
    else:
        return python
    shutil.rmtree(venv, ignore_errors=True)  # no half-made venv left to be mistaken for one
    return None


# --------------------------------------------------------------------------- runs


@dataclass
class Config:
    label: str
    python: Path
    channels: int = 1
    pool: str = "local"
    forwarder: list[dict] = field(default_factory=list)  # one result per round
    bare: list[dict] = field(default_factory=list)  # the bare run right before, same round


class Probe:
    """Runs the probe's `measure`; the process group it starts is killed however we exit."""

    def __init__(self, args: argparse.Namespace, script: Path) -> None:
        self.args, self.script = args, script
        self.current: subprocess.Popen[str] | None = None

    def run(self, python: Path, kind: str, channels: int = 1, pool: str = "local") -> dict:
        a = self.args
        argv = [python, self.script, "measure", "--kind", kind, "--client-python", MAIN_PYTHON]
        argv += ["--seconds", str(a.seconds), "--concurrency", str(a.concurrency)]
        argv += ["--channels", str(channels), "--pool", pool]
        self.current = subprocess.Popen(
            [str(x) for x in argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: servers and client included
        )
        try:
            out, err = self.current.communicate(timeout=a.seconds + 120)
        finally:
            self.kill()
        if self.current.returncode != 0:
            raise RuntimeError(f"probe {kind} with {python} failed:\n{err.strip()[-2000:]}")
        return json.loads(out.strip().splitlines()[-1])

    def kill(self) -> None:
        """Stop a probe still running: SIGTERM to its group (the probe then stops its own
        children), SIGKILL to the group if that does not end it within 5 s. A probe already
        reaped is left alone: its group id may no longer be ours."""
        proc = self.current
        if proc is None or proc.returncode is not None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)  # not reaped yet, so the group is still ours
            try:
                proc.wait(timeout=5)
                return
            except subprocess.TimeoutExpired:
                continue


# --------------------------------------------------------------------------- report


def med(results: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in results)


def spread(values: list[float]) -> float:
    """(max - min) / median between rounds, in %."""
    return 100 * (max(values) - min(values)) / statistics.median(values)


def ratios(c: Config) -> list[float]:
    return [f["rps"] / b["rps"] for f, b in zip(c.forwarder, c.bare, strict=True)]


def version_table(configs: list[Config]) -> list[str]:
    lines = [
        "| grpcio | forwarder req/s | bare aiohttp req/s (same round) | ratio forwarder/bare "
        "| p50 ms | p99 ms | spread req/s | spread ratio "
        "| CPU µs/req fwd | CPU µs/req echo | CPU µs/req bare |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in configs:
        f, r = c.forwarder, ratios(c)
        cpu = f"{med(f, 'forwarder_us'):.0f} | {med(f, 'grpc-echo_us'):.0f} "
        cpu += f"| {med(c.bare, 'bare_us'):.0f}"
        lines.append(
            f"| {c.label} | {med(f, 'rps'):.0f} | {med(c.bare, 'rps'):.0f} "
            f"| {statistics.median(r):.3f} | {med(f, 'p50_ms'):.1f} | {med(f, 'p99_ms'):.1f} "
            f"| {spread([x['rps'] for x in f]):.0f}% | {spread(r):.0f}% | {cpu} |"
        )
    return lines


def channel_table(configs: list[Config]) -> list[str]:
    one = med(configs[0].forwarder, "rps")
    lines = [
        "| forwarder channels (.venv grpcio) | req/s | vs 1 channel | p50 ms | p99 ms "
        "| spread req/s | CPU µs/req fwd | CPU µs/req echo |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in configs:
        f = c.forwarder
        lines.append(
            f"| {c.label} | {med(f, 'rps'):.0f} | {med(f, 'rps') / one:.3f} "
            f"| {med(f, 'p50_ms'):.1f} | {med(f, 'p99_ms'):.1f} "
            f"| {spread([x['rps'] for x in f]):.0f}% "
            f"| {med(f, 'forwarder_us'):.0f} | {med(f, 'grpc-echo_us'):.0f} |"
        )
    return lines


def hop_us(c: Config) -> list[float]:
    """CPU time per request of the hop, per round: forwarder process + echo process."""
    return [f["forwarder_us"] + f["grpc-echo_us"] for f in c.forwarder]


def conclusion(configs: list[Config]) -> str:
    """Fastest by median ratio (the same-round baseline cancels machine drift); a gap
    counts as real only if the rounds' ranges do not overlap. The same test is applied to
    CPU time per request, which a busy machine distorts less than throughput."""
    if len(configs) < 2:
        return "Conclusion: only one version measured; nothing to compare."

    def verdict(best: Config, values, better) -> str:
        clear = [c.label for c in configs if c is not best and better(values(best), values(c))]
        if clear:
            return f"beyond noise vs {', '.join(clear)} (round ranges do not overlap)"
        return "within run-to-run noise (round ranges overlap)"

    best = max(configs, key=lambda c: statistics.median(ratios(c)))
    worst = min(configs, key=lambda c: statistics.median(ratios(c)))
    gap = 100 * (statistics.median(ratios(best)) / statistics.median(ratios(worst)) - 1)
    noise = max(spread(ratios(c)) for c in configs)
    by_rps = max(configs, key=lambda c: med(c.forwarder, "rps")).label
    cheap = min(configs, key=lambda c: statistics.median(hop_us(c)))
    dear = max(configs, key=lambda c: statistics.median(hop_us(c)))
    cpu_gap = 100 * (statistics.median(hop_us(dear)) / statistics.median(hop_us(cheap)) - 1)
    cpu_noise = max(spread(hop_us(c)) for c in configs)
    return (
        f"Conclusion: fastest is grpcio {best.label} by forwarder/bare ratio (by raw "
        f"req/s: {by_rps}); best-to-worst ratio gap {gap:.0f}% vs round-to-round spread up "
        f"to {noise:.0f}% -> {verdict(best, ratios, lambda b, o: min(b) > max(o))}; "
        f"hop CPU/request (fwd+echo) is lowest on {cheap.label} "
        f"({statistics.median(hop_us(cheap)):.0f} µs; {dear.label} uses {cpu_gap:.0f}% more), "
        f"spread up to {cpu_noise:.0f}% -> {verdict(cheap, hop_us, lambda b, o: max(b) < min(o))}."
    )


# --------------------------------------------------------------------------- main


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--versions", default=",".join(DEFAULT_VERSIONS), help="comma-separated")
    p.add_argument("--seconds", type=float, default=8.0, help="measured seconds per run")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--no-channels", action="store_true", help="skip the channel table")
    args = p.parse_args()
    started = time.monotonic()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally below runs

    aiohttp_version = importlib.metadata.version("aiohttp")
    versions: list[Config] = []
    for v in (x.strip() for x in args.versions.split(",") if x.strip()):
        python = venv_python(v, aiohttp_version)
        if python is not None:
            label = f"{v} (ours)" if v == OURS else v
            versions.append(Config(label, python))
    channels: list[Config] = []
    if not args.no_channels:
        channels = [
            Config("1 channel", MAIN_PYTHON, 1),
            Config("2 channels round-robin, own connections", MAIN_PYTHON, 2, "local"),
            Config("4 channels round-robin, own connections", MAIN_PYTHON, 4, "local"),
            Config("4 channels round-robin, shared subchannel pool", MAIN_PYTHON, 4, "global"),
        ]
    if not versions:
        sys.exit("no grpcio version could be installed")

    with tempfile.TemporaryDirectory(prefix="grpc_versions_") as tmp:
        script = Path(tmp) / "probe.py"
        script.write_text(PROBE)
        probe = Probe(args, script)
        try:
            for rnd in range(args.rounds):
                order = versions if rnd % 2 == 0 else versions[::-1]
                for c in order:
                    note(f"round {rnd + 1}/{args.rounds}: bare, then forwarder grpcio {c.label}")
                    c.bare.append(probe.run(MAIN_PYTHON, "bare"))
                    c.forwarder.append(probe.run(c.python, "forwarder"))
                    f = c.forwarder[-1]
                    note(
                        f"  bare {c.bare[-1]['rps']:.0f} req/s, forwarder {f['rps']:.0f} req/s"
                        f" (grpc {f['grpc']}, errors {f['errors']})"
                    )
                for c in channels if rnd % 2 == 0 else channels[::-1]:
                    note(f"round {rnd + 1}/{args.rounds}: forwarder, {c.label}")
                    c.forwarder.append(probe.run(c.python, "forwarder", c.channels, c.pool))
                    note(f"  {c.forwarder[-1]['rps']:.0f} req/s")
        finally:
            probe.kill()

    errors = sum(r["errors"] for c in versions + channels for r in c.forwarder + c.bare)
    body = versions[0].forwarder[0]["body_bytes"]
    print(
        f"\ngrpcio vs edge->core hop: {body}-byte JSON POST, concurrency {args.concurrency}, "
        f"{args.seconds:g} s measured after 1 s warm-up, median of {args.rounds} rounds; "
        f"aiohttp {aiohttp_version} everywhere; client and bare server on our .venv; "
        f"{os.cpu_count()} CPUs; errors {errors}\n"
    )
    print("\n".join(version_table(versions)))
    print()
    print(conclusion(versions))
    if channels:
        print()
        print("\n".join(channel_table(channels)))
    print(f"\ntotal runtime {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
