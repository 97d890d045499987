"""Helpers for the black-box suite: the server process, strict JSON checks, stream readers."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import re
import signal
import socket
import sys
import time
import types
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx2
import pydantic
from anthropic import AsyncAnthropic
from anthropic.types.beta.sessions import BetaManagedAgentsStreamSessionEvents

ROOT = Path(__file__).resolve().parents[2]
BETA = "managed-agents-2026-04-01"
START_DEADLINE = 30.0
STOP_DEADLINE = 10.0

# --------------------------------------------------------------------------- strict JSON checks


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, pydantic.BaseModel)


def _literal_values(model: type[pydantic.BaseModel], name: str) -> set[Any]:
    f = model.model_fields.get(name)
    if f is None:
        return set()
    ann = f.annotation
    if typing.get_origin(ann) is typing.Literal:
        return set(typing.get_args(ann))
    return set()


def _is_open_model(model: type[pydantic.BaseModel]) -> bool:
    """A model that declares typed extra items (e.g. a JSON schema) accepts any key."""
    for klass in model.__mro__:
        if "__pydantic_extra__" in klass.__dict__.get("__annotations__", {}):
            return True
    return False


def _first_passing(candidates: Sequence[Any], data: Any, path: str) -> None:
    errors: list[str] = []
    for cand in candidates:
        try:
            assert_known_fields(cand, data, path)
            return
        except AssertionError as e:
            errors.append(str(e))
    raise AssertionError(" | ".join(errors) or f"{path}: no variant matches")


def assert_known_fields(tp: Any, data: Any, path: str = "$") -> None:
    """Every key of every JSON object in `data` must be a declared field of the SDK type.

    Unions of models are resolved by their "type" key; non-model types only recurse
    through lists and dict values.
    """
    if tp is Any or tp is object or tp is None or tp is type(None):
        return
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        assert_known_fields(typing.get_args(tp)[0], data, path)
        return
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]  # noqa: E721
        if data is None:
            return
        bare = [
            typing.get_args(a)[0] if typing.get_origin(a) is typing.Annotated else a for a in args
        ]
        models = [a for a in bare if _is_model(a)]
        if isinstance(data, dict) and models:
            if "type" in data:
                matching = [m for m in models if data["type"] in _literal_values(m, "type")]
                assert matching, (
                    f"{path}: type {data['type']!r} is none of "
                    f"{sorted(str(v) for m in models for v in _literal_values(m, 'type'))}"
                )
                _first_passing(matching, data, path)
                return
            _first_passing(models, data, path)
            return
        _first_passing(args, data, path)
        return
    if origin in (list, tuple, set, frozenset):
        item = (typing.get_args(tp) or (Any,))[0]
        assert isinstance(data, list), f"{path}: expected a list, got {type(data).__name__}"
        for i, v in enumerate(data):
            assert_known_fields(item, v, f"{path}[{i}]")
        return
    if origin is dict:
        kv = typing.get_args(tp)
        assert isinstance(data, dict), f"{path}: expected an object, got {type(data).__name__}"
        if len(kv) == 2:
            for k, v in data.items():
                assert_known_fields(kv[1], v, f"{path}[{k!r}]")
        return
    if _is_model(tp):
        assert isinstance(data, dict), (
            f"{path}: expected an object ({tp.__name__}), got {type(data).__name__}"
        )
        by_key = {(f.alias or n): f for n, f in tp.model_fields.items()}
        open_model = _is_open_model(tp)
        for k, v in data.items():
            f = by_key.get(k)
            if f is None:
                assert open_model, (
                    f"{path}.{k}: not a field of {tp.__name__} (fields: {sorted(by_key)})"
                )
                continue
            assert_known_fields(f.annotation, v, f"{path}.{k}")
        return
    # str, int, datetime, Literal[...]: values are pydantic's job


@cache
def _adapter(tp: Any) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(tp)


def check(tp: Any, data: Any) -> Any:
    """Validate `data` as the SDK type and check that it has no undeclared keys."""
    parsed = _adapter(tp).validate_python(data)
    assert_known_fields(tp, data)
    return parsed


async def raw_json(call: Awaitable[Any], tp: Any) -> Any:
    """Await a `with_raw_response` call; return its JSON after checking it against `tp`."""
    raw = await call
    assert raw.http_response.status_code == 200, raw.http_response.text
    data = raw.http_response.json()
    check(tp, data)
    return data


async def raw_page(call: Awaitable[Any], item_tp: Any, *, bidirectional: bool = False) -> Any:
    """A list page: {"data": [...], "next_page": ...} with every item checked."""
    raw = await call
    assert raw.http_response.status_code == 200, raw.http_response.text
    page = raw.http_response.json()
    allowed = {"data", "next_page"} | ({"prev_page"} if bidirectional else set())
    assert isinstance(page, dict), page
    assert set(page) <= allowed, f"unknown page keys: {set(page) - allowed}"
    assert "data" in page and isinstance(page["data"], list), page
    assert page.get("next_page") is None or isinstance(page["next_page"], str), page
    for item in page["data"]:
        check(item_tp, item)
    return page


async def all_pages(
    fetch: Callable[[str | None], Awaitable[Any]], item_tp: Any, *, bidirectional: bool = False
) -> tuple[list[Any], list[int]]:
    """Follow next_page until it is null; return all items and the size of each page."""
    items: list[Any] = []
    token: str | None = None
    sizes: list[int] = []
    seen_tokens: set[str] = set()
    while True:
        page = await raw_page(fetch(token), item_tp, bidirectional=bidirectional)
        sizes.append(len(page["data"]))
        items.extend(page["data"])
        token = page.get("next_page")
        if not token:
            return items, sizes
        assert token not in seen_tokens, f"next_page repeats: {token!r}"
        seen_tokens.add(token)
        assert len(sizes) < 1000, "pagination does not end"


def assert_error(
    resp: httpx2.Response, status: int, error_type: str, *, no_retry_header: bool = True
) -> dict[str, Any]:
    """The error body shape {"type":"error","error":{"type","message"},"request_id"}."""
    assert resp.status_code == status, f"expected {status}, got {resp.status_code}: {resp.text}"
    body = resp.json()
    assert isinstance(body, dict), body
    assert body.get("type") == "error", body
    err = body.get("error")
    assert isinstance(err, dict), body
    assert err.get("type") == error_type, body
    assert isinstance(err.get("message"), str) and err["message"], body
    assert isinstance(body.get("request_id"), str) and body["request_id"], body
    if no_retry_header:
        assert resp.headers.get("x-should-retry") == "false", (
            f"x-should-retry={resp.headers.get('x-should-retry')!r} on a {status}"
        )
    return body


# --------------------------------------------------------------------------- the server process


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SESSIOND_", "ANTHROPIC_"))}
    # The sandbox has its own suite (test_sandbox_escape.py, with a data dir outside
    # pytest's base dir, which a concurrent pytest run re-chmods); the others test the
    # API with tools unsandboxed.
    env["SESSIOND_SANDBOX"] = "none"
    return env


@dataclass
class Server:
    proc: asyncio.subprocess.Process
    base_url: str
    http_addr: str
    grpc_addr: str
    data_dir: Path
    stderr_path: Path
    key: str | None
    output: list[str] = field(default_factory=list)
    listening_line: str = ""
    _drain: asyncio.Task[None] | None = None

    def client(
        self,
        *,
        api_key: str | None = None,
        max_retries: int = 0,
        http_client: httpx2.AsyncClient | None = None,
        timeout: float = 30.0,
    ) -> AsyncAnthropic:
        key = api_key if api_key is not None else self.key
        assert key is not None
        return AsyncAnthropic(
            base_url=self.base_url,
            api_key=key,
            max_retries=max_retries,
            http_client=http_client,
            timeout=timeout,
        )

    def http(self, *, api_key: str | None = None, auth: bool = True) -> httpx2.AsyncClient:
        headers = {"anthropic-beta": BETA}
        if auth:
            headers["x-api-key"] = api_key if api_key is not None else (self.key or "")
        return httpx2.AsyncClient(base_url=self.base_url, headers=headers, timeout=30.0)

    def all_output(self) -> str:
        """Everything the process wrote to stdout and stderr so far."""
        try:
            err = self.stderr_path.read_text(errors="replace")
        except OSError:
            err = ""
        return "".join(self.output) + err

    def describe(self) -> str:
        try:
            err = self.stderr_path.read_text(errors="replace")
        except OSError:
            err = ""
        return (
            f"command output (stdout):\n{''.join(self.output)}\n"
            f"stderr (last 6000 chars):\n{err[-6000:]}"
        )

    async def stop(self, deadline: float = STOP_DEADLINE) -> int:
        return await terminate(self.proc, self._drain, self.describe, "sessiond", deadline)


async def terminate(
    proc: asyncio.subprocess.Process,
    drain: asyncio.Task[None] | None,
    describe: Callable[[], str],
    what: str,
    deadline: float = STOP_DEADLINE,
) -> int:
    """SIGTERM, then wait; returns the exit code. Kills and fails past the deadline."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    try:
        rc = await asyncio.wait_for(proc.wait(), deadline)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError(
            f"{what} did not exit within {deadline}s of SIGTERM\n{describe()}"
        ) from None
    if drain is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(drain, 5)
    return rc


async def _drain_stdout(proc: asyncio.subprocess.Process, sink: list[str]) -> None:
    assert proc.stdout is not None
    while True:
        line = await proc.stdout.readline()
        if not line:
            return
        sink.append(line.decode(errors="replace"))


async def wait_listening(
    proc: asyncio.subprocess.Process,
    output: list[str],
    describe: Callable[[], str],
    what: str = "sessiond",
) -> str:
    """Reads the child's stdout into ``output`` until a ``listening`` line
    (30 s at most), returns it and keeps draining in the background.

    Raises ``PortTaken`` when the child exited because an address was in use."""
    assert proc.stdout is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_DEADLINE
    while True:
        remaining = deadline - loop.time()
        try:
            if remaining <= 0:
                raise TimeoutError
            line = await asyncio.wait_for(proc.stdout.readline(), remaining)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise AssertionError(
                f"{what} printed no 'listening' line within {START_DEADLINE}s\n{describe()}"
            ) from None
        if not line:
            rc = await proc.wait()
            text = describe()
            if "address already in use" in text.lower():
                raise PortTaken(text)
            raise AssertionError(f"{what} exited with {rc} before printing 'listening'\n{text}")
        decoded = line.decode(errors="replace")
        output.append(decoded)
        if "listening" in decoded:
            return decoded


class PortTaken(Exception):
    """A port picked for a child was taken meanwhile."""


async def spawn(
    cmd: Sequence[str], stderr_path: Path, env: Mapping[str, str] | None = None
) -> asyncio.subprocess.Process:
    """Starts a child in the repository with our environment minus SESSIOND_*/ANTHROPIC_*."""
    await asyncio.to_thread(stderr_path.parent.mkdir, parents=True, exist_ok=True)
    err = await asyncio.to_thread(open, stderr_path, "wb")
    try:
        return await asyncio.create_subprocess_exec(
            *cmd,
            stdout=asyncio.subprocess.PIPE,
            stderr=err,
            cwd=str(ROOT),
            env={**_child_env(), **(env or {})},
        )
    finally:
        err.close()


async def start_server(
    data_dir: Path,
    *,
    api_key: str | None,
    log_dir: Path,
    backend: str = "offline",
    env: Mapping[str, str] | None = None,
    db: str | None = None,
    args: Sequence[str] = (),
) -> Server:
    """Start `sessiond serve` and wait (30 s at most) for its `listening` line.

    ``env`` adds to the child's environment (which never inherits SESSIOND_* or
    ANTHROPIC_* from ours)."""
    for attempt in range(3):
        hp, gp = free_ports(2)
        cmd = [
            sys.executable, "-m", "sessiond.cli.main", "serve",
            "--http", f"127.0.0.1:{hp}",
            "--grpc", f"127.0.0.1:{gp}",
            "--data-dir", str(data_dir),
            "--model-backend", backend,
        ]  # fmt: skip
        if api_key is not None:
            cmd += ["--api-key", api_key]
        if db is not None:
            cmd += ["--db", db]
        cmd += list(args)
        stderr_path = log_dir / f"sessiond-{hp}.stderr"
        proc = await spawn(cmd, stderr_path, env)
        srv = Server(
            proc=proc,
            base_url=f"http://127.0.0.1:{hp}",
            http_addr=f"127.0.0.1:{hp}",
            grpc_addr=f"127.0.0.1:{gp}",
            data_dir=data_dir,
            stderr_path=stderr_path,
            key=api_key,
        )
        try:
            srv.listening_line = await wait_listening(proc, srv.output, srv.describe)
        except PortTaken:
            if attempt < 2:
                continue
            raise AssertionError(f"sessiond could not bind its ports\n{srv.describe()}") from None
        srv._drain = asyncio.create_task(_drain_stdout(proc, srv.output))
        return srv
    raise AssertionError("unreachable")


async def key_accepted(srv: Server, key: str) -> bool:
    """Whether the server takes `key` (200) or refuses it (401) on GET /v1/agents."""
    async with srv.http(api_key=key) as h:
        resp = await h.get("/v1/agents")
    assert resp.status_code in (200, 401), f"{resp.status_code}: {resp.text}"
    return resp.status_code == 200


_KEYISH = re.compile(r"[A-Za-z0-9_\-.~+/=]{16,}")


def printed_key_candidates(lines: Iterable[str]) -> list[str]:
    """Tokens in the server's output that could be an API key (long, URL-safe-ish)."""
    out: list[str] = []
    for line in lines:
        for tok in _KEYISH.findall(line):
            tok = tok.strip(".")
            if "/" in tok or tok.startswith(("http", "127.")) or tok in out:
                continue
            out.append(tok)
    return out


# --------------------------------------------------------------------------- events


def user_message(text: str) -> Any:
    return {"type": "user.message", "content": [{"type": "text", "text": text}]}


def interrupt() -> Any:
    return {"type": "user.interrupt"}


def text_of(event: Any) -> str:
    """The concatenated text blocks of an event (model object or dict)."""
    content = event.get("content") if isinstance(event, dict) else getattr(event, "content", None)
    parts: list[str] = []
    for block in content or []:
        t = block.get("text") if isinstance(block, dict) else getattr(block, "text", None)
        if isinstance(t, str):
            parts.append(t)
    return "".join(parts)


def type_of(event: Any) -> str:
    return str(event["type"] if isinstance(event, dict) else event.type)


def id_of(event: Any) -> str:
    return str(event["id"] if isinstance(event, dict) else event.id)


class EventCollector:
    """Reads an SDK event stream in a task and lets a test wait for conditions on it."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.events: list[Any] = []
        self.arrivals: list[float] = []
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            async for ev in self.stream:
                self.events.append(ev)
                self.arrivals.append(time.monotonic())
                self._changed.set()
        finally:
            self._changed.set()

    def types(self) -> list[str]:
        return [type_of(e) for e in self.events]

    def summary(self) -> str:
        return ", ".join(
            f"{type_of(e)}({text_of(e)!r})" if text_of(e) else type_of(e) for e in self.events
        )

    def count(self, event_type: str) -> int:
        return sum(1 for e in self.events if type_of(e) == event_type)

    async def wait_for(
        self, pred: Callable[[list[Any]], bool], *, within: float = 10.0, what: str = "condition"
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not pred(self.events):
            if self._task.done():
                exc = None if self._task.cancelled() else self._task.exception()
                raise AssertionError(f"stream ended ({exc!r}) before {what}; saw: {self.summary()}")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no {what} within {within}s; saw: {self.summary()}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_count(self, event_type: str, n: int, *, within: float = 10.0) -> None:
        await self.wait_for(
            lambda evs: sum(1 for e in evs if type_of(e) == event_type) >= n,
            within=within,
            what=f"{n} x {event_type}",
        )

    def alive(self) -> bool:
        return not self._task.done()

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(BaseException):
            await self._task
        with contextlib.suppress(Exception):
            await self.stream.close()


@contextlib.asynccontextmanager
async def collect(client: AsyncAnthropic, session_id: str) -> AsyncIterator[EventCollector]:
    """Open the SDK stream (the response headers are in once this returns), read it in a task."""
    stream = await client.beta.sessions.events.stream(session_id)
    col = EventCollector(stream)
    try:
        yield col
    finally:
        await col.close()


def assert_starts_with_user_message(col: EventCollector) -> None:
    assert col.events, "the stream delivered nothing"
    assert type_of(col.events[0]) == "user.message", (
        "the stream's first event is not the user.message sent after it opened "
        f"(was the stream attached before the response headers?): {col.summary()}"
    )


# --------------------------------------------------------------------------- raw SSE


@dataclass
class SSEFrame:
    event: str | None
    data: str | None
    id: str | None
    lines: list[str]


async def read_sse_frames(resp: httpx2.Response) -> AsyncIterator[SSEFrame]:
    """Split a text/event-stream into frames; comment-only frames are skipped."""
    buf: list[str] = []
    async for line in resp.aiter_lines():
        if line == "":
            if buf:
                frame = _frame(buf)
                buf = []
                if frame is not None:
                    yield frame
            continue
        buf.append(line)


def _frame(lines: list[str]) -> SSEFrame | None:
    event = data = ident = None
    data_lines: list[str] = []
    fields = 0
    for line in lines:
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        fields += 1
        if name == "event":
            event = value
        elif name == "data":
            data_lines.append(value)
        elif name == "id":
            ident = value
    if fields == 0:
        return None
    if data_lines:
        data = "\n".join(data_lines)
    return SSEFrame(event=event, data=data, id=ident, lines=lines)


STREAM_EVENT_TYPE = BetaManagedAgentsStreamSessionEvents


def utc(ts: float | None = None) -> dt.datetime:
    return dt.datetime.fromtimestamp(time.time() if ts is None else ts, tz=dt.UTC)


# --------------------------------------------------------------------------- request counting


class RequestCounter:
    """An httpx event hook that records every request the SDK sends (retries included)."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    async def __call__(self, request: httpx2.Request) -> None:
        self.requests.append(f"{request.method} {request.url.path}")

    def http_client(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(event_hooks={"request": [self]}, timeout=30.0)
