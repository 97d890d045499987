# ruff: noqa: ASYNC240, ASYNC110
"""Escape attempts from one session's built-in tools, through a real `sessiond serve`
and the SDK (issue 10). Every attempt must fail.

The server runs with `--sandbox bwrap` (it refuses to start if bubblewrap cannot
run: scripts/setup.sh installs it) and small limits so the limit tests are quick.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import stat
import tempfile
import threading
import zipfile
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from anthropic import AsyncAnthropic

from .conftest import KEY
from .helpers import Server, interrupt, start_server
from .test_runtime import TOOLSET, of_type, open_session, text_of, tool_line

SECRET = "sk-ant-escape-suite-marker-0123456789"
LIMITS = {
    "SESSIOND_SANDBOX": "bwrap",
    "SESSIOND_SANDBOX_MEMORY_MB": "128",
    "SESSIOND_SANDBOX_FILE_SIZE_MB": "8",
    # The upstream key a session must never see (the offline model ignores it).
    "ANTHROPIC_API_KEY": SECRET,
}
TURN = 60.0


@pytest.fixture(scope="module")
async def sandboxed() -> AsyncIterator[Server]:
    # Not under pytest's own 0700 base dir: another pytest run re-chmods it,
    # which drops the search ACL the sandbox user needs on the data dir's parents.
    base = Path(tempfile.mkdtemp(prefix="sessiond-escape-"))
    srv = await start_server(
        base / "data",
        api_key=KEY,
        log_dir=base,
        backend="offline",
        env=LIMITS,
        args=["--sandbox-pids", "40"],  # a limit given as a flag, the others by environment
    )
    try:
        yield srv
    finally:
        assert await srv.stop() == 0, srv.describe()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
async def client(sandboxed: Server) -> AsyncIterator[AsyncAnthropic]:
    async with sandboxed.client() as c:
        yield c


@pytest.fixture(scope="module")
async def env_none(sandboxed: Server) -> str:
    async with sandboxed.client() as c:
        return (await c.beta.environments.create(name="no-network")).id


async def run_tools(s: Any, calls: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Runs the calls as one model response; returns their results in order."""
    await s.say("\n".join(tool_line(n, i) for n, i in calls))
    turn = await s.turn(within=TURN)
    results = of_type(turn, "agent.tool_result")
    assert len(results) == len(calls), [e["type"] for e in turn]
    return results


async def bash(s: Any, command: str) -> tuple[str, bool]:
    (r,) = await run_tools(s, [("bash", {"command": command})])
    return text_of(r), bool(r.get("is_error"))


def host_pids_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


async def until_gone(marker: str, within: float = 10.0) -> list[int]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while (left := host_pids_with(marker)) and loop.time() < deadline:
        await asyncio.sleep(0.05)
    return left


# --------------------------------------------------------------------------- files of others


async def test_other_sessions_data_dir_and_system_are_out_of_reach(
    client: AsyncAnthropic, env_none: str, sandboxed: Server
) -> None:
    data = sandboxed.data_dir.resolve()
    async with open_session(client, env_none, [TOOLSET]) as a:
        await run_tools(a, [("write", {"file_path": "secret-a.txt", "content": "A-ONLY"})])
        async with open_session(client, env_none, [TOOLSET]) as b:
            out, _ = await bash(
                b,
                f"cat {data}/workspaces/{a.id}/secret-a.txt; ls {data}; "
                f"head -c 16 {data}/sessiond.db; "
                "grep -rs A-ONLY /workspace /tmp /mnt /run /home /root | head; "
                "touch /etc/pwned /usr/bin/pwned /usr/lib/pwned; "
                f"touch {Path(__file__).resolve()}; echo done",
            )
            assert "A-ONLY" not in out and "SQLite format" not in out, out
            assert "done" in out
    assert not Path("/etc/pwned").exists() and not Path("/usr/bin/pwned").exists()
    assert not Path("/usr/lib/pwned").exists()


async def test_server_process_environment_and_signals_are_out_of_reach(
    client: AsyncAnthropic, env_none: str, sandboxed: Server
) -> None:
    pid = sandboxed.proc.pid
    async with open_session(client, env_none, [TOOLSET]) as s:
        out, _ = await bash(
            s,
            f"cat /proc/{pid}/environ; cat /proc/*/environ | tr '\\0' '\\n'; "
            f"kill -STOP {pid}; echo kill=$?; ps -eo pid,user,args; id -u",
        )
    assert SECRET not in out, out
    assert "kill=1" in out, out
    assert "sessiond.cli.main" not in out, out
    assert sandboxed.proc.returncode is None


async def test_seccomp_and_namespaces_refuse_what_a_sandbox_has_no_use_for(
    client: AsyncAnthropic, env_none: str
) -> None:
    probe = (
        "import ctypes; l = ctypes.CDLL(None, use_errno=True)\n"
        "for name, nr in (('ptrace', 101), ('bpf', 321), ('keyctl', 250), "
        "('perf_event_open', 298), ('unshare', 272), ('mount', 165)):\n"
        "    r = l.syscall(nr, 0, 0, 0, 0, 0); print(name, r, ctypes.get_errno())\n"
    )
    async with open_session(client, env_none, [TOOLSET]) as s:
        await run_tools(s, [("write", {"file_path": "probe.py", "content": probe})])
        out, _ = await bash(s, "python3 probe.py; unshare -U true; echo unshare=$?")
    for name in ("ptrace", "bpf", "keyctl", "perf_event_open", "unshare", "mount"):
        assert f"{name} -1 1" in out, out  # EPERM
    assert "unshare=1" in out, out


# --------------------------------------------------------------------------- limits


async def test_memory_processes_and_file_size_are_limited(
    client: AsyncAnthropic, env_none: str
) -> None:
    async with open_session(client, env_none, [TOOLSET]) as s:
        mem, _ = await bash(
            s,
            "python3 -c \"b = bytearray(200 * 2**20); print('allocated', len(b))\"; echo rc=$?",
        )
        assert f"allocated {200 * 2**20}" not in mem, mem
        spawn = (
            "import subprocess\nps = []\ntry:\n    for i in range(60):\n"
            "        ps.append(subprocess.Popen(['sleep', '300']))\n"
            "except OSError as e:\n    print('refused', e)\nprint('running=%d' % len(ps))\n"
            "for p in ps:\n    p.kill()\n"
        )
        await run_tools(s, [("write", {"file_path": "spawn.py", "content": spawn})])
        procs, _ = await bash(s, "python3 spawn.py")
        running = int(procs.split("running=")[1].split()[0])
        assert running < 40, procs
        big, _ = await bash(
            s, "dd if=/dev/zero of=big bs=1M count=20 2>&1; echo size=$(stat -c %s big)"
        )
        assert int(big.split("size=")[1].split()[0]) <= 8 * 2**20, big


async def test_nothing_a_session_started_outlives_restart_timeout_or_delete(
    client: AsyncAnthropic, env_none: str, sandboxed: Server
) -> None:
    async with open_session(client, env_none, [TOOLSET]) as s:
        await bash(s, "setsid sleep 4242.1 > /dev/null 2>&1 & nohup sleep 4242.1 >/dev/null &")
        assert host_pids_with("4242.1")
        await run_tools(s, [("bash", {"restart": True})])
        assert await until_gone("4242.1") == []
        (r,) = await run_tools(
            s, [("bash", {"command": "setsid sleep 4242.2 & sleep 100", "timeout_ms": 1000})]
        )
        assert r.get("is_error"), r
        assert await until_gone("4242.2") == []
        await bash(s, "setsid sleep 4242.3 > /dev/null 2>&1 &")
        ws = sandboxed.data_dir / "workspaces" / s.id
        assert ws.is_dir()
        await client.beta.sessions.delete(s.id)
        assert await until_gone("4242.3") == []
        assert not ws.exists()


# --------------------------------------------------------------------------- file tools


async def test_fifos_never_stall_the_file_tools(client: AsyncAnthropic, env_none: str) -> None:
    async with open_session(client, env_none, [TOOLSET]) as s:
        await bash(s, "mkfifo pipe")
        calls: list[tuple[str, dict[str, Any]]] = [
            ("write", {"file_path": "pipe", "content": "x"}) for _ in range(6)
        ]
        calls += [("read", {"file_path": "pipe"}), ("edit", {"file_path": "pipe",
                   "old_string": "a", "new_string": "b"})]  # fmt: skip
        calls.append(("write", {"file_path": "ok.txt", "content": "fine"}))
        results = await run_tools(s, calls)
    assert all(r.get("is_error") for r in results[:-1]), results
    assert "not a regular file" in text_of(results[0]), results[0]
    assert not results[-1].get("is_error"), results[-1]


async def test_symlink_swaps_never_reach_outside_the_workspace(
    client: AsyncAnthropic, env_none: str, sandboxed: Server
) -> None:
    hostname = Path("/etc/hostname").read_text() if Path("/etc/hostname").exists() else None
    ws = sandboxed.data_dir / "workspaces"
    async with open_session(client, env_none, [TOOLSET]) as s:
        await bash(
            s,
            "mkdir -p d && echo inside > d/hostname && "
            "(while true; do mv d d.real; ln -s /etc d; rm d; mv d.real d; done) "
            ">/dev/null 2>&1 &",
        )
        for _ in range(4):
            calls: list[tuple[str, dict[str, Any]]] = [
                ("read", {"file_path": "d/hostname"}) for _ in range(40)
            ]
            calls += [("write", {"file_path": "d/pwned-by-race", "content": "x"})] * 10
            results = await run_tools(s, calls)
            for r in results:
                text = text_of(r)
                assert hostname is None or hostname.strip() not in text or "inside" in text, r
        await bash(s, "kill %1")
    assert not Path("/etc/pwned-by-race").exists()
    # What the writes created is inside the workspace: os.walk follows no
    # symlink, so every folder it finds is a real folder under it. (Resolving
    # the paths afterwards would race the swap loop, whose last `d` may still
    # be the symlink to /etc.)
    written = [Path(d) for d, _, files in os.walk(ws) if "pwned-by-race" in files]
    assert all(d.is_relative_to(ws) for d in written), written


async def test_data_dir_modes(sandboxed: Server, client: AsyncAnthropic, env_none: str) -> None:
    data = sandboxed.data_dir
    assert stat.S_IMODE(data.stat().st_mode) & 0o077 in (0, 0o010), oct(data.stat().st_mode)
    db = data / "sessiond.db"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600, oct(db.stat().st_mode)
    async with open_session(client, env_none, [TOOLSET]) as s:
        await bash(s, "echo hi > f")
        ws = data / "workspaces" / s.id
        assert ws.stat().st_uid != os.geteuid() or os.geteuid() != 0
        assert (ws / "f").stat().st_uid == ws.stat().st_uid


# --------------------------------------------------------------------------- network


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = self.server.body  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def http_server(body: bytes) -> Iterator[int]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    srv.body = body  # type: ignore[attr-defined]
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()


def fetch(url: str) -> str:
    return (
        'python3 -c "import urllib.request as u, sys\n'
        "try: print('BODY', u.urlopen(sys.argv[1], timeout=5).read().decode())\n"
        "except Exception as e: print('FAILED', e)\" " + url
    )


async def test_network_follows_the_environment(
    client: AsyncAnthropic, env_none: str, sandboxed: Server
) -> None:
    http_port = sandboxed.http_addr.rsplit(":", 1)[1]
    grpc_port = sandboxed.grpc_addr.rsplit(":", 1)[1]
    with http_server(b"allowed-body") as ok_port, http_server(b"forbidden-body") as bad_port:
        limited = await client.beta.environments.create(
            name="limited",
            config={
                "type": "cloud",
                "networking": {
                    "type": "limited",
                    "allowed_hosts": [f"127.0.0.1:{ok_port}"],
                    "allow_package_managers": False,
                    "allow_mcp_servers": False,
                },
            },
        )
        unrestricted = await client.beta.environments.create(
            name="open", config={"type": "cloud", "networking": {"type": "unrestricted"}}
        )
        async with open_session(client, limited.id, [TOOLSET]) as s:
            out, _ = await bash(
                s,
                f"{fetch(f'http://127.0.0.1:{ok_port}/')}; {fetch(f'http://127.0.0.1:{bad_port}/')}"
                f"; {fetch(f'http://127.0.0.1:{http_port}/healthz')}",
            )
        assert "BODY allowed-body" in out, out
        assert "forbidden-body" not in out and out.count("FAILED") == 2, out
        async with open_session(client, env_none, [TOOLSET]) as s:
            out, _ = await bash(
                s,
                f"{fetch(f'http://127.0.0.1:{ok_port}/')}; "
                f"(echo > /dev/tcp/127.0.0.1/{http_port}) 2>/dev/null && echo OPEN-HTTP; "
                f"(echo > /dev/tcp/127.0.0.1/{grpc_port}) 2>/dev/null && echo OPEN-GRPC; echo end",
            )
        assert "allowed-body" not in out and "OPEN" not in out and "FAILED" in out, out
        async with open_session(client, unrestricted.id, [TOOLSET]) as s:
            out, _ = await bash(
                s,
                f"{fetch(f'http://127.0.0.1:{http_port}/healthz')}; "
                f"{fetch(f'http://127.0.0.1:{ok_port}/')}; "
                f"(echo > /dev/tcp/127.0.0.1/{grpc_port}) 2>/dev/null && echo OPEN-GRPC; echo end",
            )
        assert "BODY" not in out and "OPEN" not in out and out.count("FAILED") == 2, out


# --------------------------------------------------------------------------- no sandbox


async def test_without_a_sandbox_tools_fail_with_the_cause_and_the_fix(tmp_path: Path) -> None:
    env = {"SESSIOND_SANDBOX": "auto", "SESSIOND_SANDBOX_BWRAP": "/nonexistent/bwrap"}
    srv = await start_server(tmp_path / "data", api_key=KEY, log_dir=tmp_path, env=env)
    try:
        async with srv.client() as c:
            env_id = (await c.beta.environments.create(name="x")).id
            async with open_session(c, env_id, [TOOLSET]) as s:
                out, is_error = await bash(s, "echo should-not-run")
        assert is_error, out
        assert "should-not-run" not in out
        assert "bubblewrap" in out and "--sandbox none" in out, out
    finally:
        assert await srv.stop() == 0


# --------------------------------------------------------------------------- packages


def tiny_wheel(directory: Path) -> str:
    """A pure-Python wheel made by hand (no registry): tinypkg 1.0."""
    name = "tinypkg-1.0-py3-none-any.whl"
    files = {
        "tinypkg/__init__.py": "GREETING = 'hello from tinypkg'\n",
        "tinypkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n",
        "tinypkg-1.0.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = "".join(f"{p},,\n" for p in files) + "tinypkg-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(directory / name, "w") as z:
        for p, text in files.items():
            z.writestr(p, text)
        z.writestr("tinypkg-1.0.dist-info/RECORD", record)
    return name


class _Files(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = self.server.root / self.path.lstrip("/")  # type: ignore[attr-defined]
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        self.server.hits += 1  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


async def test_pip_packages_install_once_per_environment_and_mount_read_only(
    client: AsyncAnthropic, tmp_path: Path, sandboxed: Server
) -> None:
    wheel = tiny_wheel(tmp_path)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    srv.root = tmp_path  # type: ignore[attr-defined]
    srv.hits = 0  # type: ignore[attr-defined]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    try:
        net = {
            "type": "limited",
            "allowed_hosts": [f"127.0.0.1:{port}"],
            "allow_package_managers": False,
            "allow_mcp_servers": False,
        }
        env = await client.beta.environments.create(
            name="with-packages",
            config={
                "type": "cloud",
                "networking": net,
                "packages": {"pip": [f"tinypkg @ http://127.0.0.1:{port}/{wheel}"]},
            },
        )
        for _ in range(2):
            async with open_session(client, env.id, [TOOLSET]) as s:
                out, is_error = await bash(
                    s,
                    "python3 -c 'import tinypkg; print(tinypkg.GREETING)'; "
                    "touch /opt/sessiond/packages/pip/x 2>&1 || echo read-only",
                )
            assert not is_error and "hello from tinypkg" in out and "read-only" in out, out
        assert srv.hits == 1  # type: ignore[attr-defined]
        # apt cannot run unprivileged: the session's tools say so.
        apt_env = await client.beta.environments.create(
            name="with-apt",
            config={"type": "cloud", "networking": net, "packages": {"apt": ["cowsay"]}},
        )
        async with open_session(client, apt_env.id, [TOOLSET]) as s:
            out, is_error = await bash(s, "echo hi")
        assert is_error and "apt" in out, out
        # No registry reachable under limited networking without allow_package_managers.
        closed = await client.beta.environments.create(
            name="no-registry",
            config={
                "type": "cloud",
                "networking": {**net, "allowed_hosts": []},
                "packages": {"pip": ["tinypkg"]},
            },
        )
        async with open_session(client, closed.id, [TOOLSET]) as s:
            out, is_error = await bash(s, "echo hi")
        assert is_error and "allow_package_managers" in out, out
    finally:
        srv.shutdown()
        srv.server_close()


# --------------------------------------------------------------------------- interrupt, shutdown


async def until_present(marker: str, within: float = 20.0) -> list[int]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not (found := host_pids_with(marker)) and loop.time() < deadline:
        await asyncio.sleep(0.05)
    return found


async def test_interrupt_kills_everything_the_call_started(
    client: AsyncAnthropic, env_none: str
) -> None:
    async with open_session(client, env_none, [TOOLSET]) as s:
        await s.say(tool_line("bash", {"command": "setsid sleep 4242.4 & sleep 120"}))
        await s.reader.wait_type("agent.tool_use", within=TURN)
        assert await until_present("4242.4")
        await s.send(interrupt())
        await s.turn(within=TURN)
        assert await until_gone("4242.4") == []


async def test_server_shutdown_leaves_no_process_behind() -> None:
    base = Path(tempfile.mkdtemp(prefix="sessiond-shutdown-"))
    srv = await start_server(base / "data", api_key=KEY, log_dir=base, env=LIMITS)
    try:
        async with srv.client() as c:
            env_id = (await c.beta.environments.create(name="x")).id
            async with open_session(c, env_id, [TOOLSET]) as s:
                await bash(s, "setsid nohup sleep 4242.5 >/dev/null 2>&1 &")
        assert host_pids_with("4242.5")
    finally:
        assert await srv.stop() == 0
        shutil.rmtree(base, ignore_errors=True)
    assert await until_gone("4242.5") == []
