"""What the bench figures share: processes (sessiond and the bare baselines), fresh
databases, RSS, percentiles, and cheap raw-aiohttp clients (JSON calls, SSE readers,
closed-loop load)."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
API_KEY = "sk-bench-0123456789abcdef"
BETA = "managed-agents-2026-04-01"
HEADERS = {"x-api-key": API_KEY, "anthropic-beta": BETA, "content-type": "application/json"}
START_DEADLINE = 60.0
STOP_DEADLINE = 15.0
OP_DEADLINE = 30.0

# The checkout whose server is run (and whose core.store.schema the seeder reads).
SERVER_ROOT = ROOT


def _package_tree(root: Path) -> Path:
    """A folder holding ``sessiond/`` laid out as installed (pyproject's
    package-dir: core, edge, cli and generated/sessiond/v1) by symlinks into
    ``root``. Put first on PYTHONPATH, it wins over this checkout's editable
    install, whose finder Python consults only after the path."""
    tree = Path(tempfile.mkdtemp(prefix="sessiond-server-"))
    pkg = tree / "sessiond"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name, target in (
        ("core", root / "core"),
        ("edge", root / "edge"),
        ("cli", root / "cli"),
        ("v1", root / "generated" / "sessiond" / "v1"),
    ):
        (pkg / name).symlink_to(target, target_is_directory=True)
    return tree


SERVER_TREE: Path | None = None


def set_server_root(path: Path) -> None:
    """Runs the server from another checkout (e.g. an exported commit)."""
    global SERVER_ROOT, SERVER_TREE
    SERVER_ROOT = path.resolve()
    if str(SERVER_ROOT) in sys.path:
        sys.path.remove(str(SERVER_ROOT))
    sys.path.insert(0, str(SERVER_ROOT))
    if SERVER_ROOT != ROOT:
        SERVER_TREE = _package_tree(SERVER_ROOT)
        atexit.register(shutil.rmtree, SERVER_TREE, True)


set_server_root(ROOT)

_T0 = time.monotonic()


class NotAvailable(Exception):
    """A measurement that cannot be made; its message becomes the cell's "n/a (…)"."""


def log(msg: str) -> None:
    print(f"[bench {time.monotonic() - _T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


def pct(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        raise ValueError("no samples")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def raise_fd_limit() -> int:
    """Soft RLIMIT_NOFILE up to the hard one; children (the servers) inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else 1 << 20
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


async def wait_until(
    pred: Callable[[], bool], changed: asyncio.Event, deadline: float, what: str
) -> None:
    """Waits until ``pred()`` holds, re-checking whenever ``changed`` is set."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while not pred():
        remaining = end - loop.time()
        if remaining <= 0:
            raise TimeoutError(f"no {what} within {deadline:.0f}s")
        changed.clear()
        if pred():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), remaining)


# --------------------------------------------------------------------------- processes


def rss_kb(pid: int) -> int:
    """VmRSS of ``pid`` and all its descendants, in KiB."""
    total = 0
    todo = [pid]
    seen: set[int] = set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SESSIOND_", "ANTHROPIC_"))}
    env["SESSIOND_LOG_LEVEL"] = "WARNING"
    env["PYTHONUNBUFFERED"] = "1"
    if SERVER_TREE is not None:
        extra = [str(SERVER_TREE), str(SERVER_ROOT)]
        env["PYTHONPATH"] = os.pathsep.join([*extra, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


class StartError(NotAvailable):
    """A process did not come up."""


class ServerStartError(StartError):
    """sessiond did not come up (or never reached /healthz 200)."""


@dataclass
class Proc:
    """A child process whose stdout is read line by line and whose stderr goes to a file."""

    name: str
    cmd: list[str]
    log_path: Path
    proc: asyncio.subprocess.Process | None = None
    lines: list[str] = field(default_factory=list)
    ready_line: str = ""
    killed: bool = False
    env: dict[str, str] = field(default_factory=dict)
    _drain: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self, ready: str, deadline: float = START_DEADLINE) -> str:
        """Starts it and returns the first stdout line containing ``ready``."""
        err = self.log_path.open("wb")  # noqa: ASYNC230 - a local file, opened once
        try:
            self.proc = await asyncio.create_subprocess_exec(
                *self.cmd,
                stdout=asyncio.subprocess.PIPE,
                stderr=err,
                cwd=str(SERVER_ROOT),
                env={**_child_env(), **self.env},
                start_new_session=True,
            )
        finally:
            err.close()
        assert self.proc.stdout is not None
        loop = asyncio.get_running_loop()
        end = loop.time() + deadline
        while True:
            remaining = end - loop.time()
            try:
                if remaining <= 0:
                    raise TimeoutError
                line = await asyncio.wait_for(self.proc.stdout.readline(), remaining)
            except TimeoutError:
                await self.stop()
                raise StartError(
                    f"{self.name} printed no {ready!r} line within {deadline:.0f}s:\n"
                    f"{self.stderr_tail()}"
                ) from None
            if not line:
                rc = await self.proc.wait()
                raise StartError(f"{self.name} exited with {rc} at start:\n{self.stderr_tail()}")
            text = line.decode(errors="replace")
            self.lines.append(text)
            if ready in text:
                self.ready_line = text.strip()
                self._drain = asyncio.create_task(self._drain_stdout())
                return self.ready_line

    async def _drain_stdout(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            self.lines.append(line.decode(errors="replace"))

    async def stop(self, deadline: float = STOP_DEADLINE) -> int | None:
        """SIGTERM, then SIGKILL past the deadline (noted in ``killed``)."""
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), deadline)
            except TimeoutError:
                self.killed = True
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                await self.proc.wait()
        if self._drain is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._drain, 5)
        return self.proc.returncode

    def stderr_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stderr_tail(self, n: int = 3000) -> str:
        text = (self.stderr_text() + "".join(self.lines[-5:])).strip()
        return text[-n:] if text else "(no output)"


_PORT_TAKEN = re.compile(r"address already in use|errno 98|failed to bind", re.I)


# --------------------------------------------------------------------------- baselines


@dataclass
class Baseline:
    proc: Proc
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_kb(self) -> int:
        return rss_kb(self.proc.pid)


@contextlib.asynccontextmanager
async def baseline(kind: str, workdir: Path, *extra: str) -> AsyncIterator[Baseline]:
    """``python bench/baselines.py KIND --port 0 …``, stopped with SIGTERM on the way out."""
    proc = Proc(
        f"baseline {kind}",
        [sys.executable, str(BENCH / "baselines.py"), kind, "--port", "0", *extra],
        workdir / f"baseline-{kind}-{secrets.token_hex(3)}.stderr",
    )
    try:
        line = await proc.start("listening")
        yield Baseline(proc, int(line.rsplit("port=", 1)[1]))
    finally:
        await proc.stop()


# --------------------------------------------------------------------------- databases


@dataclass(frozen=True)
class Config:
    name: str  # sqlite-serve, sqlite-split, pg-serve, pg-split (+VAR=VALUE…)
    db: str  # sqlite | pg
    mode: str  # serve | split
    # Extra environment of its sessiond processes: a server option measured
    # beside the default in the same run, e.g. sqlite-serve+SESSIOND_WORKERS=2.
    env: tuple[tuple[str, str], ...] = ()


CONFIGS = {
    name: Config(name, name.split("-")[0], name.split("-")[1])
    for name in ("sqlite-serve", "sqlite-split", "pg-serve", "pg-split")
}


def config(name: str) -> Config:
    """A config by name: one of CONFIGS, optionally followed by ``+VAR=VALUE`` parts."""
    base, *extra = name.split("+")
    if base not in CONFIGS:
        raise KeyError(name)
    env = []
    for part in extra:
        var, sep, value = part.partition("=")
        if not sep or not var:
            raise KeyError(name)
        env.append((var, value))
    return Config(name, CONFIGS[base].db, CONFIGS[base].mode, tuple(env))


class Postgres:
    """The project's loopback PostgreSQL (scripts/postgres.sh), started once on demand."""

    def __init__(self) -> None:
        self._base: str | None = None
        self._error: str | None = None

    async def base_url(self) -> str:
        if self._base is None and self._error is None:
            log("postgres: bash scripts/postgres.sh start")
            proc = await asyncio.create_subprocess_exec(
                "bash",
                str(ROOT / "scripts" / "postgres.sh"),
                "start",
                cwd=str(ROOT),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                out, err = await asyncio.wait_for(proc.communicate(), 600)
            except TimeoutError:
                proc.kill()
                await proc.wait()
                out, err = b"", b"timed out after 600s"
            urls = [x for x in out.decode().split() if x.startswith("postgresql")]
            if proc.returncode == 0 and urls:
                self._base = urls[-1]
            else:
                self._error = (
                    f"scripts/postgres.sh start failed ({proc.returncode}): "
                    f"{(err or out).decode(errors='replace').strip()[-300:]}"
                )
        if self._base is None:
            raise NotAvailable(self._error or "no PostgreSQL")
        return self._base

    @staticmethod
    def dsn(url: str) -> str:
        """A SQLAlchemy URL as an asyncpg DSN."""
        return url.replace("postgresql+asyncpg://", "postgresql://", 1)

    async def create(self) -> str:
        import asyncpg

        base = await self.base_url()
        name = "bench_" + secrets.token_hex(6)
        admin = base.rsplit("/", 1)[0] + "/postgres"
        conn = await asyncpg.connect(self.dsn(admin))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return base.rsplit("/", 1)[0] + "/" + name

    async def drop(self, url: str) -> None:
        import asyncpg

        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        conn = await asyncpg.connect(self.dsn(admin))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@dataclass
class Store:
    """A fresh data dir and database for one measurement."""

    config: Config
    data_dir: Path
    db_url: str

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "sessiond.db"


@contextlib.asynccontextmanager
async def fresh_store(config: Config, workdir: Path, pg: Postgres) -> AsyncIterator[Store]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"{config.name}-", dir=workdir))
    if config.db == "pg":
        url = await pg.create()
    else:
        url = f"sqlite+aiosqlite:///{data_dir / 'sessiond.db'}"
    try:
        yield Store(config, data_dir, url)
    finally:
        if config.db == "pg":
            try:
                await pg.drop(url)
            except Exception as e:  # noqa: BLE001 - reported, not fatal
                log(f"could not drop {url}: {e!r}")
        shutil.rmtree(data_dir, ignore_errors=True)


# --------------------------------------------------------------------------- sessiond


@dataclass
class Sessiond:
    config: Config
    store: Store
    procs: list[Proc]
    base_url: str
    rss_at_listening_kb: int = 0  # right after the listening line(s)

    def rss_kb(self) -> int:
        return sum(rss_kb(p.pid) for p in self.procs)

    def problems(self) -> list[str]:
        """Verbatim error output of the server processes (tracebacks, ERROR lines)."""
        out = []
        for p in self.procs:
            text = p.stderr_text()
            if re.search(r"Traceback|\bERROR\b|\bCRITICAL\b", text):
                out.append(f"{p.name} ({' '.join(p.cmd[3:5])}):\n{text.strip()[-4000:]}")
            if p.killed:
                out.append(f"{p.name}: did not exit within {STOP_DEADLINE:.0f}s of SIGTERM")
        return out


def _sessiond_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "sessiond.cli.main", *args]


async def _start_once(store: Store, tag: str) -> Sessiond:
    cfg = store.config
    logs = store.data_dir.parent
    hp, gp = free_ports(2)
    common = ["--data-dir", str(store.data_dir)]
    core_flags = ["--db", store.db_url, "--model-backend", "offline"]
    procs: list[Proc] = []
    try:
        if cfg.mode == "serve":
            p = Proc(
                "sessiond serve",
                _sessiond_cmd(
                    "serve",
                    "--http",
                    f"127.0.0.1:{hp}",
                    "--grpc",
                    f"127.0.0.1:{gp}",
                    "--api-key",
                    API_KEY,
                    *core_flags,
                    *common,
                ),
                logs / f"{cfg.name}-{tag}-serve-{hp}.stderr",
                env=dict(cfg.env),
            )
            procs.append(p)
            await p.start("listening")
        else:
            core = Proc(
                "sessiond core",
                _sessiond_cmd(
                    "core", "--grpc", f"127.0.0.1:{gp}", "--api-key", API_KEY, *core_flags, *common
                ),
                logs / f"{cfg.name}-{tag}-core-{gp}.stderr",
                env=dict(cfg.env),
            )
            procs.append(core)
            await core.start("sessiond core listening")
            edge = Proc(
                "sessiond edge",
                _sessiond_cmd(
                    "edge",
                    "--http",
                    f"127.0.0.1:{hp}",
                    "--core",
                    f"127.0.0.1:{gp}",
                    *common,
                ),
                logs / f"{cfg.name}-{tag}-edge-{hp}.stderr",
                env=dict(cfg.env),
            )
            procs.append(edge)
            await edge.start("sessiond edge listening")
    except BaseException:
        for p in reversed(procs):
            await p.stop()
        raise
    rss = sum(rss_kb(p.pid) for p in procs)
    return Sessiond(cfg, store, procs, f"http://127.0.0.1:{hp}", rss)


@contextlib.asynccontextmanager
async def sessiond(store: Store, tag: str, sink: list[str]) -> AsyncIterator[Sessiond]:
    """Runs sessiond (serve, or core + edge) on ``store`` until the block ends; its error
    output, if any, is appended to ``sink``."""
    srv: Sessiond | None = None
    for attempt in range(3):
        try:
            srv = await _start_once(store, tag)
            break
        except StartError as e:
            if attempt < 2 and _PORT_TAKEN.search(str(e)):
                continue  # a port picked for us was taken meanwhile
            raise ServerStartError(str(e)) from None
    assert srv is not None
    try:
        await _wait_healthy(srv.base_url)
        yield srv
    finally:
        for p in reversed(srv.procs):
            await p.stop()
        sink.extend(f"[{store.config.name} {tag}] {x}" for x in srv.problems())


async def _wait_healthy(base_url: str) -> None:
    """GET /healthz until 200 (the edge reaches its core); polls with a short timeout."""
    loop = asyncio.get_running_loop()
    end = loop.time() + START_DEADLINE
    last = ""
    async with aiohttp.ClientSession() as http:
        while loop.time() < end:
            try:
                async with http.get(
                    base_url + "/healthz", timeout=aiohttp.ClientTimeout(total=2)
                ) as r:
                    if r.status == 200:
                        return
                    last = f"{r.status} {await r.text()}"
            except (aiohttp.ClientError, TimeoutError) as e:
                last = repr(e)
            await asyncio.sleep(0.05)  # polling interval, not synchronisation
    raise ServerStartError(f"/healthz never answered 200: {last}")


# --------------------------------------------------------------------------- HTTP clients


def client_session(limit: int = 0) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=limit, force_close=False),
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=None),
    )


class HttpError(NotAvailable):
    pass


class Api:
    """The few JSON calls the bench makes, raw (no SDK)."""

    def __init__(self, http: aiohttp.ClientSession, base_url: str) -> None:
        self.http = http
        self.base = base_url
        self._agent_env: tuple[str, str] | None = None

    async def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        async with self.http.request(
            method,
            self.base + path,
            json=body,
            params={"beta": "true", **params},
            headers=HEADERS,
            timeout=aiohttp.ClientTimeout(total=OP_DEADLINE),
        ) as r:
            data = await r.read()
            if r.status != 200:
                raise HttpError(
                    f"{method} {path} -> {r.status}: {data.decode(errors='replace')[:300]}"
                )
            return _json(data)

    async def new_session(self) -> str:
        if self._agent_env is None:
            agent = await self.call(
                "POST", "/v1/agents", {"name": "bench", "model": "claude-sonnet-4-5"}
            )
            env = await self.call("POST", "/v1/environments", {"name": "bench"})
            self._agent_env = (agent["id"], env["id"])
        agent_id, env_id = self._agent_env
        session = await self.call(
            "POST", "/v1/sessions", {"agent": agent_id, "environment_id": env_id}
        )
        return str(session["id"])

    async def new_sessions(self, n: int) -> list[str]:
        first = await self.new_session()
        rest = await gather_limited([self.new_session for _ in range(n - 1)], 16)
        return [first, *rest]


def _json(data: bytes) -> Any:
    return json.loads(data)


def user_message(text: str) -> dict[str, Any]:
    return {"type": "user.message", "content": [{"type": "text", "text": text}]}


def send_body(text: str) -> bytes:
    return json.dumps({"events": [user_message(text)]}, separators=(",", ":")).encode()


async def gather_limited(makers: Sequence[Callable[[], Awaitable[Any]]], limit: int) -> list[Any]:
    sem = asyncio.Semaphore(limit)

    async def one(make: Callable[[], Awaitable[Any]]) -> Any:
        async with sem:
            return await make()

    return list(await asyncio.gather(*(one(m) for m in makers)))


FrameHandler = Callable[[bytes, bytes, float], None]


class SseReader:
    """One text/event-stream over raw aiohttp; each frame goes to ``on_frame(event, data,
    arrival)``, arrival being perf_counter() when its last chunk was read."""

    def __init__(self, on_frame: FrameHandler) -> None:
        self.on_frame = on_frame
        self.resp: aiohttp.ClientResponse | None = None
        self.task: asyncio.Task[None] | None = None
        self.error: BaseException | None = None
        self.ended = asyncio.Event()

    async def open(
        self, http: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None
    ) -> None:
        """Returns once the response headers are in (status 200)."""
        resp = await asyncio.wait_for(
            http.get(url, headers={**HEADERS, "accept": "text/event-stream", **(headers or {})}),
            OP_DEADLINE,
        )
        if resp.status != 200:
            body = await resp.read()
            resp.release()
            raise HttpError(f"GET {url} -> {resp.status}: {body.decode(errors='replace')[:300]}")
        self.resp = resp
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.resp is not None
        buf = b""
        try:
            async for chunk in self.resp.content.iter_any():
                now = time.perf_counter()
                buf += chunk
                while (i := buf.find(b"\n\n")) >= 0:
                    frame, buf = buf[:i], buf[i + 2 :]
                    event = data = b""
                    for line in frame.split(b"\n"):
                        if line.startswith(b"event:"):
                            event = line[6:].strip()
                        elif line.startswith(b"data:"):
                            data = line[5:].strip()
                    if event:
                        self.on_frame(event, data, now)
        except (aiohttp.ClientError, ConnectionError) as e:
            self.error = e
        finally:
            self.ended.set()

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task
        if self.resp is not None:
            self.resp.close()


async def open_readers(
    http: aiohttp.ClientSession,
    urls: Sequence[str],
    make_handler: Callable[[int], FrameHandler],
    concurrency: int = 64,
) -> list[SseReader]:
    """Opens one reader per URL (at most ``concurrency`` connecting at once); all are 200
    when this returns. On failure the opened ones are closed."""
    readers = [SseReader(make_handler(i)) for i in range(len(urls))]
    try:
        await gather_limited(
            [lambda r=r, u=u: r.open(http, u) for r, u in zip(readers, urls, strict=True)],
            concurrency,
        )
    except BaseException:
        await close_readers(readers)
        raise
    return readers


async def close_readers(readers: Sequence[SseReader]) -> None:
    await asyncio.gather(*(r.close() for r in readers), return_exceptions=True)


@dataclass
class LoadResult:
    ops: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.ops / self.seconds


async def closed_loop(ops: Sequence[Callable[[], Awaitable[None]]], duration: float) -> LoadResult:
    """Each op is a worker's unit of work, run back to back until ``duration`` has passed
    (after one warm-up op each); the rate counts ops over the time until every worker
    finished its last op."""
    await asyncio.gather(*(asyncio.wait_for(op(), OP_DEADLINE) for op in ops))
    latencies: list[float] = []
    start = time.perf_counter()
    end = start + duration

    async def worker(op: Callable[[], Awaitable[None]]) -> None:
        while time.perf_counter() < end:
            t = time.perf_counter()
            await asyncio.wait_for(op(), OP_DEADLINE)
            latencies.append(time.perf_counter() - t)

    await asyncio.gather(*(worker(op) for op in ops))
    return LoadResult(len(latencies), time.perf_counter() - start, latencies)
