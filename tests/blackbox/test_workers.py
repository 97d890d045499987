"""`serve --workers N`: edge processes beside serve's own on the one HTTP port.

Which process accepts a connection is the kernel's choice; these tests find
the owner of each connection's server side in /proc, so a stream held by a
worker and a send accepted by serve itself (or the other way round) are
checked, not assumed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from .helpers import ROOT, Server, start_server

KEY = "sk-workers-blackbox-5d2a"
DEADLINE = 20.0
UPSTREAM_SECRET = "sk-ant-workers-never-in-a-worker"

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")


def _children(pid: int) -> set[int]:
    kids: set[int] = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            kids.update(int(c) for c in f.read().split())
    return kids


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


async def _until(cond: object, what: str) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE
    while not cond():  # type: ignore[operator]
        if loop.time() > end:
            raise AssertionError(f"not within {DEADLINE}s: {what}")
        await asyncio.sleep(0.05)


def _socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server side of the loopback connection client_port → server_port."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            parts = line.split()
            local, remote, inode = parts[1], parts[2], parts[9]
            if int(local.split(":")[1], 16) == server_port and (
                int(remote.split(":")[1], 16) == client_port
            ):
                return inode
    return None


def _owner(pids: set[int], server_port: int, client_port: int) -> int | None:
    inode = _socket_inode(server_port, client_port)
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return pid
                except OSError:
                    continue
        except OSError:
            continue
    return None


class Conn:
    """One raw HTTP/1.1 connection, so that the test knows which process holds it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.port: int = writer.get_extra_info("sockname")[1]

    @classmethod
    async def open(cls, srv: Server) -> Conn:
        host, port = srv.http_addr.rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        return cls(reader, writer)

    async def request(self, method: str, path: str, body: object = None) -> int:
        data = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: x\r\nx-api-key: {KEY}\r\n"
            f"anthropic-beta: managed-agents-2026-04-01\r\ncontent-type: application/json\r\n"
            f"content-length: {len(data)}\r\n\r\n"
        )
        self.writer.write(head.encode() + data)
        await self.writer.drain()
        status = int((await self.reader.readline()).split()[1])
        while (await self.reader.readline()) not in (b"\r\n", b""):
            pass
        return status

    async def json(self, method: str, path: str, body: object = None) -> dict[str, object]:
        """A request whose answer is read whole (serve answers JSON with content-length)."""
        data = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: x\r\nx-api-key: {KEY}\r\n"
            f"anthropic-beta: managed-agents-2026-04-01\r\ncontent-type: application/json\r\n"
            f"content-length: {len(data)}\r\n\r\n"
        )
        self.writer.write(head.encode() + data)
        await self.writer.drain()
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        answer: dict[str, object] = json.loads(await self.reader.readexactly(length))
        assert status == 200, answer
        return answer

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except OSError:
            pass


async def _conn_on(srv: Server, pids: set[int], want: int) -> Conn:
    """A connection accepted by process ``want`` (the kernel picks: try until it does)."""
    port = int(srv.http_addr.rsplit(":", 1)[1])
    for _ in range(200):
        conn = await Conn.open(srv)
        # The accept may lag the connect: wait for the connection to have an owner.
        owner = None
        for _ in range(100):
            owner = _owner(pids, port, conn.port)
            if owner is not None:
                break
            await asyncio.sleep(0.01)
        if owner == want:
            return conn
        await conn.close()
    raise AssertionError(f"no connection was accepted by pid {want}")


@pytest.fixture
async def workers_server(tmp_path: Path) -> AsyncIterator[Server]:
    srv = await start_server(
        tmp_path / "data",
        api_key=KEY,
        log_dir=tmp_path / "logs",
        args=["--workers", "3"],
        env={"ANTHROPIC_API_KEY": UPSTREAM_SECRET},
    )
    try:
        yield srv
    finally:
        if srv.proc.returncode is None:
            await srv.stop()


async def test_serve_with_workers_answers_on_every_process_and_stops_them(
    workers_server: Server,
) -> None:
    srv = workers_server
    workers = _children(srv.proc.pid)
    assert len(workers) == 2, srv.describe()
    assert srv.listening_line.count("listening") == 1
    assert f"http://{srv.http_addr}" in srv.listening_line and srv.grpc_addr in srv.listening_line
    for pid in workers:
        # A worker only forwards callers' keys: no secret of the server's reaches it.
        environ = Path(f"/proc/{pid}/environ").read_bytes()  # noqa: ASYNC240 - /proc
        assert UPSTREAM_SECRET.encode() not in environ
    pids = {srv.proc.pid, *workers}
    for pid in sorted(pids):
        conn = await _conn_on(srv, pids, pid)
        try:
            assert await conn.request("GET", "/healthz") == 200
            assert await conn.request("GET", "/v1/agents?beta=true") == 200
        finally:
            await conn.close()
    assert await srv.stop() == 0
    for pid in workers:
        await _until(lambda p=pid: not _alive(p), f"worker {pid} ended with serve")


async def _stream_sees_send(srv: Server, stream_conn: Conn, send_conn: Conn) -> None:
    """Opens the session's stream on one connection, sends on the other, and reads
    the turn through to idle on the stream."""
    env = await send_conn.json("POST", "/v1/environments?beta=true", {"name": "w"})
    agent = await send_conn.json(
        "POST", "/v1/agents?beta=true", {"name": "w", "model": "claude-sonnet-4-5"}
    )
    sess = await send_conn.json(
        "POST",
        "/v1/sessions?beta=true",
        {"agent": agent["id"], "environment_id": env["id"]},
    )
    sid = sess["id"]
    assert await stream_conn.request("GET", f"/v1/sessions/{sid}/events/stream?beta=true") == 200
    text = "hello across processes"
    message = {"type": "user.message", "content": [{"type": "text", "text": text}]}
    await send_conn.json("POST", f"/v1/sessions/{sid}/events?beta=true", {"events": [message]})
    seen: list[str] = []
    body = b""

    async def read_to_idle() -> None:
        nonlocal body
        while "session.status_idle" not in seen:
            chunk = await stream_conn.reader.read(65536)
            assert chunk, f"the stream ended early after {seen}"
            body += chunk
            seen[:] = [
                json.loads(line[5:])["type"]
                for line in body.decode().split("\n")
                if line.startswith("data:") and line[5:].strip().startswith("{")
            ]

    await asyncio.wait_for(read_to_idle(), DEADLINE)
    assert (
        seen.index("user.message") < seen.index("agent.message") < seen.index("session.status_idle")
    ), seen
    assert text in body.decode()


async def test_a_stream_on_a_worker_sees_a_send_to_serve_and_back(
    workers_server: Server,
) -> None:
    srv = workers_server
    worker = min(_children(srv.proc.pid))
    pids = {srv.proc.pid, worker}
    for stream_pid, send_pid in ((worker, srv.proc.pid), (srv.proc.pid, worker)):
        stream_conn = await _conn_on(srv, pids, stream_pid)
        send_conn = await _conn_on(srv, pids, send_pid)
        try:
            await _stream_sees_send(srv, stream_conn, send_conn)
        finally:
            await stream_conn.close()
            await send_conn.close()


async def test_workers_end_when_serve_is_killed(workers_server: Server) -> None:
    srv = workers_server
    workers = _children(srv.proc.pid)
    assert workers
    srv.proc.send_signal(signal.SIGKILL)
    await srv.proc.wait()
    for pid in workers:
        await _until(lambda p=pid: not _alive(p), f"worker {pid} ended after serve was killed")


async def test_the_data_dir_lock_holds_with_workers(workers_server: Server) -> None:
    srv = workers_server
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sessiond.cli.main", "serve",
        "--http", "127.0.0.1:0", "--grpc", "127.0.0.1:0", "--workers", "2",
        "--data-dir", str(srv.data_dir), "--api-key", KEY,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=str(ROOT),
    )  # fmt: skip
    _out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode != 0
    assert "in use by a running sessiond" in err.decode() and str(srv.proc.pid) in err.decode()
    assert "Traceback" not in err.decode()


async def test_bad_worker_count_is_one_line(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sessiond.cli.main", "serve", "--workers", "0",
        "--data-dir", str(tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=str(ROOT),
    )  # fmt: skip
    _out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode != 0
    assert "--workers" in err.decode() and "Traceback" not in err.decode()
