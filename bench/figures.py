"""The six figures. Each has a baseline (measured once per run, on a bare server) and a
measurement per configuration (on a fresh sessiond and a fresh database). Both fill a
``Result`` as they go, so that what was measured before a failure is kept."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anthropic
from lib import (
    API_KEY,
    HEADERS,
    OP_DEADLINE,
    Api,
    Config,
    HttpError,
    NotAvailable,
    Postgres,
    ServerStartError,
    Sessiond,
    SseReader,
    Store,
    baseline,
    client_session,
    close_readers,
    closed_loop,
    fresh_store,
    log,
    open_readers,
    pct,
    send_body,
    sessiond,
    user_message,
    wait_until,
)
from seed import seed_events, seq_of

MS = 1e3

# --------------------------------------------------------------------------- plumbing


@dataclass
class Target:
    text: str
    check: Callable[[float, list[float], str], bool | None]  # value, baselines, mode


def at_most(limit: float, unit: str, modes: tuple[str, ...] = ("serve", "split")) -> Target:
    scope = "" if len(modes) == 2 else f" ({'/'.join(modes)})"
    return Target(
        f"≤ {limit:g} {unit}{scope}",
        lambda v, _b, mode: (v <= limit) if mode in modes else None,
    )


@dataclass
class Metric:
    key: str
    label: str
    unit: str  # ms | /s | MB | KB
    target: Target | None = None


@dataclass
class Result:
    values: dict[str, float] = field(default_factory=dict)
    # Baselines per metric key: (label, value); a measurement may add its own.
    baselines: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def base(self, key: str, label: str, value: float) -> None:
        self.baselines.setdefault(key, []).append((label, value))


@dataclass
class Ctx:
    quick: bool
    workdir: Path
    pg: Postgres
    problems: list[str] = field(default_factory=list)
    start_failures: dict[str, str] = field(default_factory=dict)

    @contextlib.asynccontextmanager
    async def server(self, cfg: Config, tag: str) -> AsyncIterator[Sessiond]:
        if cfg.name in self.start_failures:
            raise NotAvailable(self.start_failures[cfg.name])
        async with fresh_store(cfg, self.workdir, self.pg) as store:
            async with self.server_on(store, tag) as srv:
                yield srv

    @contextlib.asynccontextmanager
    async def server_on(self, store: Store, tag: str) -> AsyncIterator[Sessiond]:
        """sessiond on ``store``; a configuration whose server does not start is not
        started again in this run."""
        name = store.config.name
        if name in self.start_failures:
            raise NotAvailable(self.start_failures[name])
        try:
            async with sessiond(store, tag, self.problems) as srv:
                yield srv
        except ServerStartError as e:
            self.start_failures[name] = f"server did not start: {e}"
            raise NotAvailable(self.start_failures[name]) from None


class Figure:
    number = 0
    name = ""
    title = ""
    metrics: list[Metric] = []
    footnote = ""

    async def baseline(self, ctx: Ctx, out: Result) -> None:
        raise NotImplementedError

    async def measure(self, ctx: Ctx, cfg: Config, out: Result) -> None:
        raise NotImplementedError


def ms_stats(out: Result, prefix: str, samples: list[float]) -> None:
    out.values[f"{prefix}p50"] = pct(samples, 50) * MS
    out.values[f"{prefix}p99"] = pct(samples, 99) * MS


def base_stats(out: Result, prefix: str, label: str, samples: list[float]) -> None:
    out.base(f"{prefix}p50", label, pct(samples, 50) * MS)
    out.base(f"{prefix}p99", label, pct(samples, 99) * MS)


_EVENT_ID = re.compile(rb'"id":"(sevt_[^"]+)"')


def events_path(session_id: str) -> str:
    return f"/v1/sessions/{session_id}/events"


async def post(http: Any, url: str, body: bytes) -> bytes:
    async with http.post(url, data=body, headers=HEADERS) as r:
        data: bytes = await r.read()
        if r.status != 200:
            raise HttpError(f"POST {url} -> {r.status}: {data.decode(errors='replace')[:300]}")
        return data


# --------------------------------------------------------------------------- 1. turn latency


class TurnLatency(Figure):
    number = 1
    name = "latency"
    title = "turn latency, sequential, SDK"
    metrics = [
        Metric("p50", "turn p50 (send → idle on open stream)", "ms", at_most(10, "ms", ("serve",))),
        Metric("p99", "turn p99", "ms", at_most(30, "ms", ("serve",))),
    ]
    footnote = (
        "200 sequential turns through `AsyncAnthropic` (stream opened first, then "
        "`events.send`; latency = send → `session.status_idle` on the stream). Baseline: "
        "the same SDK client's `post()` of the same JSON body to a bare aiohttp echo "
        "process (one request/response)."
    )
    TURNS = 200
    WARMUP = 10

    async def baseline(self, ctx: Ctx, out: Result) -> None:
        async with baseline("echo", ctx.workdir) as echo:
            client = anthropic.AsyncAnthropic(base_url=echo.url, api_key=API_KEY, max_retries=0)
            body = {"events": [user_message("hi")]}
            samples = []
            try:
                for i in range(self.WARMUP + self.TURNS):
                    t = time.perf_counter()
                    await client.post("/echo", cast_to=object, body=body)
                    if i >= self.WARMUP:
                        samples.append(time.perf_counter() - t)
            finally:
                await client.close()
        base_stats(out, "", "SDK POST, bare aiohttp", samples)

    async def measure(self, ctx: Ctx, cfg: Config, out: Result) -> None:
        async with ctx.server(cfg, "latency") as srv:
            client = anthropic.AsyncAnthropic(base_url=srv.base_url, api_key=API_KEY, max_retries=0)
            try:
                agent = await client.beta.agents.create(name="bench", model="claude-sonnet-4-5")
                env = await client.beta.environments.create(name="bench")
                session = await client.beta.sessions.create(agent=agent.id, environment_id=env.id)
                stream = await client.beta.sessions.events.stream(session.id)
                it = stream.__aiter__()
                msg: Any = user_message("hi")

                async def until_idle() -> None:
                    while (await it.__anext__()).type != "session.status_idle":
                        pass

                samples = []
                try:
                    for i in range(self.WARMUP + self.TURNS):
                        t = time.perf_counter()
                        await client.beta.sessions.events.send(session.id, events=[msg])
                        await asyncio.wait_for(until_idle(), OP_DEADLINE)
                        if i >= self.WARMUP:
                            samples.append(time.perf_counter() - t)
                finally:
                    await stream.close()
            finally:
                await client.close()
        ms_stats(out, "", samples)


# --------------------------------------------------------------------------- 2. turns/s


class TurnWaiter:
    """On one stream: for each sent thing (keyed), when its completion frame arrived.

    sessiond: key = the user.message event id; done = the next session.status_idle.
    Broadcaster: key = the frame's data; done = that frame itself.
    """

    def __init__(self, bare: bool) -> None:
        self.bare = bare
        self.current: bytes | None = None
        self.done: dict[bytes, float] = {}
        self.changed = asyncio.Event()

    def on_frame(self, event: bytes, data: bytes, t: float) -> None:
        if self.bare:
            if event == b"message":
                self.done[data] = t
                self.changed.set()
        elif event == b"user.message":
            m = _EVENT_ID.search(data)
            self.current = m.group(1) if m else None
        elif event == b"session.status_idle" and self.current is not None:
            self.done[self.current] = t
            self.current = None
            self.changed.set()

    async def wait(self, key: bytes) -> None:
        await wait_until(lambda: key in self.done, self.changed, OP_DEADLINE, "turn end")
        del self.done[key]


class Throughput(Figure):
    number = 2
    name = "throughput"
    title = "turns/s with concurrent sessions"
    LEVELS = (16, 64)
    metrics = [
        m
        for c in LEVELS
        for m in (
            Metric(
                f"c{c}_rate",
                f"turns/s, {c} sessions",
                "/s",
                Target("≥ 500/s", lambda v, _b, _m: v >= 500) if c == 64 else None,
            ),
            Metric(f"c{c}_p50", f"turn p50, {c} sessions", "ms"),
            Metric(f"c{c}_p99", f"turn p99, {c} sessions", "ms"),
        )
    ]
    footnote = (
        "Each worker owns a session with an open SSE stream (raw aiohttp) and loops "
        "send → `session.status_idle`. Baseline: the bare aiohttp SSE broadcaster, each "
        "worker on its own channel, looping POST → its frame on its stream."
    )

    def duration(self, ctx: Ctx) -> float:
        return 5.0 if ctx.quick else 20.0

    async def baseline(self, ctx: Ctx, out: Result) -> None:
        async with baseline("sse", ctx.workdir) as b, client_session() as http:
            for c in self.LEVELS:
                waiters = [TurnWaiter(bare=True) for _ in range(c)]
                readers = await open_readers(
                    http,
                    [f"{b.url}/stream?ch={i}" for i in range(c)],
                    lambda i, w=waiters: w[i].on_frame,
                )
                try:
                    ops = [
                        self._bare_op(http, f"{b.url}/post?ch={i}", waiters[i]) for i in range(c)
                    ]
                    res = await closed_loop(ops, self.duration(ctx))
                finally:
                    await close_readers(readers)
                out.base(f"c{c}_rate", "broadcaster POST→frame", res.rate)
                base_stats(out, f"c{c}_", "broadcaster POST→frame", res.latencies)
                log(f"  baseline c={c}: {res.rate:,.0f}/s")

    @staticmethod
    def _bare_op(http: Any, url: str, waiter: TurnWaiter) -> Callable[[], Awaitable[None]]:
        n = 0

        async def op() -> None:
            nonlocal n
            n += 1
            body = b'{"n":%d}' % n
            await post(http, url, body)
            await waiter.wait(body)

        return op

    async def measure(self, ctx: Ctx, cfg: Config, out: Result) -> None:
        async with ctx.server(cfg, "throughput") as srv, client_session() as http:
            api = Api(http, srv.base_url)
            for c in self.LEVELS:
                sessions = await api.new_sessions(c)
                waiters = [TurnWaiter(bare=False) for _ in range(c)]
                readers = await open_readers(
                    http,
                    [f"{srv.base_url}{events_path(s)}/stream?beta=true" for s in sessions],
                    lambda i, w=waiters: w[i].on_frame,
                )
                try:
                    ops = [
                        self._turn_op(http, srv.base_url, s, w)
                        for s, w in zip(sessions, waiters, strict=True)
                    ]
                    res = await closed_loop(ops, self.duration(ctx))
                finally:
                    await close_readers(readers)
                out.values[f"c{c}_rate"] = res.rate
                ms_stats(out, f"c{c}_", res.latencies)
                log(f"  {cfg.name} c={c}: {res.rate:,.0f} turns/s")

    @staticmethod
    def _turn_op(
        http: Any, base: str, session_id: str, waiter: TurnWaiter
    ) -> Callable[[], Awaitable[None]]:
        url = f"{base}{events_path(session_id)}?beta=true"
        body = send_body("hi")

        async def op() -> None:
            reply = await post(http, url, body)
            m = _EVENT_ID.search(reply)
            if m is None:
                raise NotAvailable(f"send answered no event id: {reply[:200]!r}")
            await waiter.wait(m.group(1))

        return op


# --------------------------------------------------------------------------- 3. fan-out


class FanoutProbe:
    """N subscribers of one stream: when each got the frame carrying marker k, and how
    many have seen k's end (sessiond: the turn's idle; broadcaster: the frame itself)."""

    MARK = re.compile(rb"fan-(\d+)")

    def __init__(self, n: int, bare: bool) -> None:
        self.n = n
        self.msg_event = b"message" if bare else b"user.message"
        self.done_event = b"message" if bare else b"session.status_idle"
        self.arrivals: dict[int, list[float]] = {}
        self.finished: dict[int, int] = {}
        self.changed = asyncio.Event()

    def handler(self, _i: int) -> Callable[[bytes, bytes, float], None]:
        last = -1

        def on_frame(event: bytes, data: bytes, t: float) -> None:
            nonlocal last
            if event == self.msg_event:
                m = self.MARK.search(data)
                if m is not None:
                    last = int(m.group(1))
                    self.arrivals.setdefault(last, []).append(t)
            if event == self.done_event and last >= 0:
                self.finished[last] = self.finished.get(last, 0) + 1
                if self.finished[last] >= self.n:
                    self.changed.set()

        return on_frame

    async def wait(self, k: int, deadline: float) -> None:
        await wait_until(
            lambda: self.finished.get(k, 0) >= self.n,
            self.changed,
            deadline,
            f"end of event {k} at all {self.n} subscribers",
        )


def _fanout_target(n: int) -> Target:
    limit = {100: 5.0, 1000: 60.0}.get(n)

    def check(v: float, b: list[float], _m: str) -> bool | None:
        return (not b or v <= 1.5 * b[0]) and (limit is None or v <= limit)

    return Target((f"≤ {limit:g} ms, " if limit else "") + "≤ 1.5× base", check)


class Fanout(Figure):
    number = 3
    name = "fanout"
    title = "SSE fan-out on one session"
    LEVELS = (1, 100, 1000)
    WARMUP = 2

    metrics = [
        m
        for n in LEVELS
        for m in (
            Metric(f"n{n}_p50", f"fan-out p50, {n:,} subscriber{'s' * (n > 1)}", "ms"),
            Metric(
                f"n{n}_p99",
                f"fan-out p99, {n:,} subscriber{'s' * (n > 1)}",
                "ms",
                _fanout_target(n),
            ),
        )
    ]
    footnote = (
        "N raw aiohttp SSE connections on one session; each sample is send of a "
        "`user.message` → that event's frame read by one subscriber (N samples per event). "
        "The next event is sent once every subscriber saw the turn's `session.status_idle` "
        "(sessiond also writes 3 more frames per turn). Baseline: a bare aiohttp SSE "
        "broadcaster process (POST writes the body as one frame to every open stream), "
        "same client code."
    )

    def events(self, ctx: Ctx) -> int:
        return 20 if ctx.quick else 50

    async def _run(
        self,
        http: Any,
        stream_url: str,
        send: Callable[[int], Awaitable[None]],
        n: int,
        bare: bool,
        events: int,
    ) -> list[float]:
        probe = FanoutProbe(n, bare)
        readers = await open_readers(http, [stream_url] * n, probe.handler)
        try:
            samples: list[float] = []
            for k in range(self.WARMUP + events):
                t = time.perf_counter()
                await send(k)
                await probe.wait(k, 120.0)
                if k >= self.WARMUP:
                    got = probe.arrivals.get(k, [])
                    if len(got) != n:
                        raise NotAvailable(f"event {k} reached {len(got)} of {n} subscribers")
                    samples.extend(a - t for a in got)
            return samples
        finally:
            await close_readers(readers)

    async def baseline(self, ctx: Ctx, out: Result) -> None:
        async with baseline("sse", ctx.workdir) as b, client_session() as http:
            for n in self.LEVELS:

                async def send(k: int) -> None:
                    await post(http, f"{b.url}/post?ch=fan", b'{"text":"fan-%d"}' % k)

                samples = await self._run(
                    http, f"{b.url}/stream?ch=fan", send, n, True, self.events(ctx)
                )
                base_stats(out, f"n{n}_", "bare broadcaster", samples)
                log(f"  baseline n={n}: p99 {pct(samples, 99) * MS:.2f} ms")

    async def measure(self, ctx: Ctx, cfg: Config, out: Result) -> None:
        async with ctx.server(cfg, "fanout") as srv, client_session() as http:
            api = Api(http, srv.base_url)
            for n in self.LEVELS:
                sid = await api.new_session()
                url = f"{srv.base_url}{events_path(sid)}?beta=true"

                async def send(k: int, url: str = url) -> None:
                    await post(http, url, send_body(f"fan-{k}"))

                samples = await self._run(
                    http, f"{srv.base_url}{events_path(sid)}/stream?beta=true", send, n, False,
                    self.events(ctx),
                )  # fmt: skip
                ms_stats(out, f"n{n}_", samples)
                log(f"  {cfg.name} n={n}: p99 {pct(samples, 99) * MS:.2f} ms")


# --------------------------------------------------------------------------- 4. SendEvents


def _rate_target() -> Target:
    def check(v: float, _b: list[float], mode: str) -> bool | None:
        return v >= (10_000 if mode == "serve" else 3_000)

    return Target("≥ 10,000/s serve, ≥ 3,000/s split", check)


class SendEvents(Figure):
    number = 4
    name = "send"
    title = "SendEvents over HTTP, 64 concurrent"
    CONCURRENCY = 64
    metrics = [
        Metric("message", "events/s, user.message (each starts a turn)", "/s", _rate_target()),
        Metric("interrupt", "events/s, user.interrupt (no turn)", "/s", _rate_target()),
    ]
    footnote = (
        "64 workers, one session each, POST `/v1/sessions/{id}/events?beta=true` with one "
        "event, back to back (raw aiohttp). Every `user.message` is accepted and queues a "
        "turn, so that row's server also runs the offline model for the turns it can "
        "get to meanwhile; `user.interrupt` on an idle session is stored without a turn "
        "(the cheapest event the SDK's send params allow). Baselines: a bare aiohttp echo "
        "process, and a bare aiohttp process forwarding each body to a grpc.aio unary "
        "echo process (the edge→core hop with nothing else). Fresh server per row."
    )

    def duration(self, ctx: Ctx) -> float:
        return 4.0 if ctx.quick else 10.0

    async def _rate(self, ctx: Ctx, urls: list[str], body: bytes) -> float:
        async with client_session() as http:

            def op(url: str) -> Callable[[], Awaitable[None]]:
                async def run() -> None:
                    await post(http, url, body)

                return run

            res = await closed_loop([op(u) for u in urls], self.duration(ctx))
        return res.rate

    async def baseline(self, ctx: Ctx, out: Result) -> None:
        body = send_body("hi")
        c = self.CONCURRENCY
        async with baseline("echo", ctx.workdir) as echo:
            rate = await self._rate(ctx, [f"{echo.url}/echo"] * c, body)
        for key in ("message", "interrupt"):
            out.base(key, "echo", rate)
        log(f"  baseline echo: {rate:,.0f}/s")
        async with (
            baseline("grpc-echo", ctx.workdir) as g,
            baseline("forwarder", ctx.workdir, "--target", f"127.0.0.1:{g.port}") as fwd,
        ):
            rate = await self._rate(ctx, [f"{fwd.url}/echo"] * c, body)
        for key in ("message", "interrupt"):
            out.base(key, "aiohttp→grpc", rate)
        log(f"  baseline forwarder: {rate:,.0f}/s")

    async def measure(self, ctx: Ctx, cfg: Config, out: Result) -> None:
        bodies = {
            "interrupt": json.dumps({"events": [{"type": "user.interrupt"}]}).encode(),
            "message": send_body("hi"),
        }
        for key, body in bodies.items():
            async with ctx.server(cfg, f"send-{key}") as srv:
                async with client_session() as http:
                    sessions = await Api(http, srv.base_url).new_sessions(self.CONCURRENCY)
                urls = [f"{srv.base_url}{events_path(s)}?beta=true" for s in sessions]
                out.values[key] = await self._rate(ctx, urls, body)
                log(f"  {cfg.name} {key}: {out.values[key]:,.0f}/s")


# --------------------------------------------------------------------------- 5. ListEvents


class ListEvents(Figure):
    number = 5
    name = "list"
    title = "ListEvents, limit=100, big session"
    SEGMENTS = 4
    PAGES = 50
    REPEAT = 100
    metrics = [
        Metric("rand_p50", "page at a random position p50 (next_page)", "ms", at_most(3, "ms")),
        Metric("rand_p99", "page at a random position p99", "ms"),
        Metric("first_p50", "first page (asc) p50", "ms", at_most(3, "ms")),
        Metric("first_p99", "first page (asc) p99", "ms"),
        Metric("desc_p50", "first page order=desc p50", "ms", at_most(3, "ms")),
        Metric("desc_p99", "first page order=desc p99", "ms"),
    ]
    footnote = (
        "One session seeded with N `user.message` rows written straight into `events` "
        "(SQLite: executemany, 50k a batch, one transaction; PostgreSQL: COPY, then "
        "ANALYZE), server restarted on it. Random: 4 random starts (reached with "
        "`created_at[gte]`, not timed), then 50 pages each following `next_page`. "
        "Baselines: (1) the floor — the same keyset query via SQLAlchemy async in the "
        "bench process on the same database (rows fetched, not decoded); (2) a bare "
        "aiohttp process answering the same page's JSON bytes."
    )

    def events(self, ctx: Ctx) -> int:
        return 100_000 if ctx.quick else 1_000_000

    async def baseline(self, ctx: Ctx, out: Result) -> None:
        return None  # per configuration: the floor is that database's own query

    async def measure(self, ctx: Ctx, cfg: Config, out: Result) -> None:
        if cfg.name in ctx.start_failures:
            raise NotAvailable(ctx.start_failures[cfg.name])
        n = self.events(ctx)
        out.notes["rand_p50"] = f"{n:,} events"
        async with fresh_store(cfg, ctx.workdir, ctx.pg) as store:
            async with ctx.server_on(store, "list-schema") as srv, client_session() as http:
                sid = await Api(http, srv.base_url).new_session()
            t = time.perf_counter()
            first_seq, first_us = await seed_events(store, sid, n)
            log(f"  {cfg.name}: seeded {n:,} events in {time.perf_counter() - t:.1f}s")
            async with ctx.server_on(store, "list") as srv, client_session() as http:
                await self._measure_on(ctx, srv, sid, n, first_seq, first_us, out)

    async def _measure_on(
        self,
        ctx: Ctx,
        srv: Sessiond,
        sid: str,
        n: int,
        first_seq: int,
        first_us: int,
        out: Result,
    ) -> None:
        url = f"{srv.base_url}{events_path(sid)}"
        rng = random.Random(1234)
        async with client_session() as http:

            async def page(params: dict[str, str]) -> tuple[dict[str, Any], bytes, float]:
                t = time.perf_counter()
                async with http.get(
                    url, params={"beta": "true", "limit": "100", **params}, headers=HEADERS
                ) as r:
                    data = await r.read()
                    dt = time.perf_counter() - t
                    if r.status != 200:
                        raise HttpError(f"list -> {r.status}: {data[:300]!r}")
                body = json.loads(data)
                if len(body["data"]) != 100:
                    raise NotAvailable(f"a page had {len(body['data'])} events, not 100")
                return body, data, dt

            await page({})  # warm-up
            first = [(await page({}))[2] for _ in range(self.REPEAT)]
            desc = [(await page({"order": "desc"}))[2] for _ in range(self.REPEAT)]
            rand: list[float] = []
            starts: list[int] = []  # seq before each timed page (for the floor)
            span = n - 100 * (self.PAGES + 1)
            sample_bytes = b""
            for _ in range(self.SEGMENTS):
                offset = rng.randrange(0, max(1, span))
                gte = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=first_us + offset)
                body, _, _ = await page({"created_at[gte]": gte.isoformat().replace("+00:00", "Z")})
                if seq_of(body["data"][0]["id"], first_seq) != first_seq + offset:
                    raise NotAvailable(f"created_at[gte] did not land on event {offset}")
                for _ in range(self.PAGES):
                    starts.append(seq_of(body["data"][-1]["id"], first_seq))
                    token = body.get("next_page")
                    if not token:
                        raise NotAvailable("a page in the middle had no next_page")
                    body, sample_bytes, dt = await page({"page": token})
                    if seq_of(body["data"][0]["id"], first_seq) != starts[-1] + 1:
                        raise NotAvailable("next_page did not continue where the page ended")
                    rand.append(dt)
        ms_stats(out, "rand_", rand)
        ms_stats(out, "first_", first)
        ms_stats(out, "desc_", desc)
        log(f"  {srv.config.name}: random page p50 {pct(rand, 50) * MS:.2f} ms")
        await self._floor(srv.store, sid, starts, out)
        async with baseline("echo", ctx.workdir) as echo, client_session() as http:
            async with http.put(f"{echo.url}/blob", data=sample_bytes) as r:
                r.raise_for_status()
            samples = []
            for i in range(self.REPEAT + 5):
                t = time.perf_counter()
                async with http.get(f"{echo.url}/blob") as r:
                    await r.read()
                if i >= 5:
                    samples.append(time.perf_counter() - t)
        label = f"bare aiohttp, same {len(sample_bytes) // 1024} KB"
        for prefix in ("rand_", "first_", "desc_"):
            base_stats(out, prefix, label, samples)

    async def _floor(self, store: Store, sid: str, starts: list[int], out: Result) -> None:
        from sessiond.core.store import schema
        from sqlalchemy import select
        from sqlalchemy.ext.asyncio import create_async_engine

        e = schema.events
        engine = create_async_engine(store.db_url)
        try:
            async with engine.connect() as conn:

                async def timed(stmt: Any) -> float:
                    t = time.perf_counter()
                    rows = (await conn.execute(stmt)).all()
                    dt = time.perf_counter() - t
                    if len(rows) != 101:
                        raise NotAvailable(f"floor query returned {len(rows)} rows")
                    return dt

                base = select(e).where(e.c.session_id == sid)
                await timed(base.order_by(e.c.seq).limit(101))
                first = [await timed(base.order_by(e.c.seq).limit(101)) for _ in range(self.REPEAT)]
                desc = [
                    await timed(base.order_by(e.c.seq.desc()).limit(101))
                    for _ in range(self.REPEAT)
                ]
                rand = [
                    await timed(base.where(e.c.seq > s).order_by(e.c.seq).limit(101))
                    for s in starts
                ]
        finally:
            await engine.dispose()
        label = "floor: same query, SQLAlchemy"
        # The floor goes first: the ratio is against it.
        for prefix, samples in (("rand_", rand), ("first_", first), ("desc_", desc)):
            for q in ("p50", "p99"):
                out.baselines.setdefault(prefix + q, []).insert(
                    0, (label, pct(samples, 50 if q == "p50" else 99) * MS)
                )


# --------------------------------------------------------------------------- 6. RSS


class Memory(Figure):
    number = 6
    name = "rss"
    title = "resident memory"
    STREAMS = 1000
    SESSIONS = 10
    metrics = [
        Metric("start", "RSS at start", "MB", at_most(80, "MB")),
        Metric("stream", "RSS per idle SSE stream", "KB", at_most(30, "KB")),
    ]
    footnote = (
        "VmRSS of the server processes and their children (core + edge in split), read "
        "right after the listening line(s); then 1,000 SSE streams are opened on 10 "
        "sessions, and once all have their 200 the growth is divided by 1,000. Baseline: "
        "the bare aiohttp broadcaster process, the same way."
    )

    async def _streams(self, urls: list[str], rss: Callable[[], int]) -> float:
        async with client_session() as http:
            before = rss()
            readers = await open_readers(http, urls, lambda _i: lambda _e, _d, _t: None)
            try:
                after = rss()
                dead = [r for r in readers if r.ended.is_set()]
                if dead:
                    raise NotAvailable(f"{len(dead)} streams ended early: {dead[0].error!r}")
            finally:
                await close_readers(readers)
        return (after - before) / len(urls)

    async def baseline(self, ctx: Ctx, out: Result) -> None:
        async with baseline("sse", ctx.workdir) as b:
            out.base("start", "bare aiohttp", b.rss_kb() / 1024)
            urls = [f"{b.url}/stream?ch={i % self.SESSIONS}" for i in range(self.STREAMS)]
            out.base("stream", "bare broadcaster", await self._streams(urls, b.rss_kb))

    async def measure(self, ctx: Ctx, cfg: Config, out: Result) -> None:
        async with ctx.server(cfg, "rss") as srv:
            out.values["start"] = srv.rss_at_listening_kb / 1024
            async with client_session() as http:
                sessions = await Api(http, srv.base_url).new_sessions(self.SESSIONS)
            urls = [
                f"{srv.base_url}{events_path(sessions[i % self.SESSIONS])}/stream?beta=true"
                for i in range(self.STREAMS)
            ]
            out.values["stream"] = await self._streams(urls, srv.rss_kb)


# --------------------------------------------------------------------------- 7. the docs' pattern


class _TurnOnFreshStream:
    """One turn as the docs and the SDK's examples run it: open the session's stream and
    wait for its headers, send a user.message, read until ``session.status_idle``, close."""

    def __init__(self, http: Any, base: str, session_id: str) -> None:
        self.http = http
        self.stream_url = f"{base}{events_path(session_id)}/stream?beta=true"
        self.send_url = f"{base}{events_path(session_id)}?beta=true"
        self.body = send_body("hi")

    async def __call__(self) -> float:
        """Runs one turn; returns send → idle (the whole op is the closed loop's latency)."""
        idle = asyncio.Event()
        at: list[float] = []

        def on_frame(event: bytes, _data: bytes, t: float) -> None:
            if event == b"session.status_idle" and not idle.is_set():
                at.append(t)
                idle.set()

        reader = SseReader(on_frame)
        await reader.open(self.http, self.stream_url)
        try:
            t = time.perf_counter()
            await post(self.http, self.send_url, self.body)
            await asyncio.wait_for(idle.wait(), OP_DEADLINE)
            return at[0] - t
        finally:
            await reader.close()


class _FirstAnswerProbe(FanoutProbe):
    """Fan-out measured to the turn's ``agent.message`` at each subscriber."""

    def __init__(self, n: int) -> None:
        super().__init__(n, bare=False)
        self.msg_event = b"agent.message"


class DocsPattern(Figure):
    number = 7
    name = "docs"
    title = "the docs' pattern: a stream per turn"
    LEVELS = (16, 64)
    FANOUT = (1, 100, 1000)
    TURNS = 200
    WARMUP = 10

    metrics = [
        Metric("seq_p50", "one session, sequential, send → idle p50", "ms",
               Target("≤ 2× base", lambda v, b, _m: (not b) or v <= 2 * b[0])),
        Metric("seq_p99", "one session, sequential, send → idle p99", "ms"),
        *[
            m
            for c in LEVELS
            for m in (
                Metric(f"c{c}_rate", f"turns/s, {c} sessions, stream per turn", "/s",
                       Target("≥ 0.6× base", lambda v, b, _m: (not b) or v >= 0.6 * b[0])),
                Metric(f"c{c}_p50", f"turn p50 (open → idle → close), {c} sessions", "ms"),
            )
        ],
        *[
            Metric(f"f{n}_p99", f"send → agent.message p99, {n:,} subscriber{'s' * (n > 1)}",
                   "ms", Target("≤ 1.5× base", lambda v, b, _m: (not b) or v <= 1.5 * b[0]))
            for n in FANOUT
        ],
    ]  # fmt: skip
    footnote = (
        "Every turn opens `GET …/events/stream`, waits for its headers, `POST`s a "
        "`user.message`, reads until `session.status_idle` and closes the stream (raw "
        "aiohttp client). Fan-out: N streams on one session, send → the turn's "
        "`agent.message` at each. Baseline: a bare aiohttp stand-in answering the same two "
        "routes with the same four frames per turn and nothing else (bench/baselines.py "
        "standin), measured by the same client in the same run."
    )

    def duration(self, ctx: Ctx) -> float:
        return 5.0 if ctx.quick else 15.0

    def fanout_events(self, ctx: Ctx) -> int:
        return 10 if ctx.quick else 30

    async def _all(
        self,
        ctx: Ctx,
        http: Any,
        base: str,
        new_sessions: Callable[[int], Awaitable[list[str]]],
        out: Result,
        record: Callable[[str, float], None],
    ) -> None:
        (sid,) = await new_sessions(1)
        turn = _TurnOnFreshStream(http, base, sid)
        turns = 40 if ctx.quick else self.TURNS
        samples = []
        for i in range(self.WARMUP + turns):
            took = await asyncio.wait_for(turn(), OP_DEADLINE)
            if i >= self.WARMUP:
                samples.append(took)
        record("seq_p50", pct(samples, 50) * MS)
        record("seq_p99", pct(samples, 99) * MS)
        for c in self.LEVELS:
            sessions = await new_sessions(c)
            turns_ = [_TurnOnFreshStream(http, base, s) for s in sessions]
            ops = [lambda t=t: _discard(t()) for t in turns_]
            res = await closed_loop(ops, self.duration(ctx))
            record(f"c{c}_rate", res.rate)
            record(f"c{c}_p50", pct(res.latencies, 50) * MS)
            log(f"  {base} c={c}: {res.rate:,.0f} turns/s")
        for n in self.FANOUT:
            (sid,) = await new_sessions(1)
            url = f"{base}{events_path(sid)}?beta=true"
            probe = _FirstAnswerProbe(n)
            readers = await open_readers(
                http, [f"{base}{events_path(sid)}/stream?beta=true"] * n, probe.handler
            )
            try:
                fan: list[float] = []
                for k in range(2 + self.fanout_events(ctx)):
                    t = time.perf_counter()
                    await post(http, url, send_body(f"fan-{k}"))
                    await probe.wait(k, 120.0)
                    got = probe.arrivals.get(k, [])
                    if len(got) != n:
                        raise NotAvailable(f"event {k} reached {len(got)} of {n} subscribers")
                    if k >= 2:
                        fan.extend(a - t for a in got)
            finally:
                await close_readers(readers)
            record(f"f{n}_p99", pct(fan, 99) * MS)

    async def baseline(self, ctx: Ctx, out: Result) -> None:
        counter = iter(range(1 << 30))

        async def new_sessions(n: int) -> list[str]:
            return [f"sesn_standin{next(counter)}" for _ in range(n)]

        async with baseline("standin", ctx.workdir) as b, client_session() as http:
            await self._all(
                ctx, http, b.url, new_sessions, out,
                lambda key, v: out.base(key, "bare stand-in", v),
            )  # fmt: skip

    async def measure(self, ctx: Ctx, cfg: Config, out: Result) -> None:
        async with ctx.server(cfg, "docs") as srv, client_session() as http:
            api = Api(http, srv.base_url)
            await self._all(
                ctx, http, srv.base_url, api.new_sessions, out,
                lambda key, v: out.values.__setitem__(key, v),
            )  # fmt: skip


async def _discard(x: Awaitable[Any]) -> None:
    await x


FIGURES: list[Figure] = [
    TurnLatency(),
    Throughput(),
    Fanout(),
    SendEvents(),
    ListEvents(),
    Memory(),
    DocsPattern(),
]

__all__ = ["FIGURES", "Ctx", "Figure", "Metric", "Result", "Target"]
