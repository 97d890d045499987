"""Edge workers: more processes of ``serve`` answering HTTP on its one socket.

``serve --workers N`` keeps the core and an edge in its own process (the edge
calls the core in-process) and starts N-1 edge processes beside it. They accept
connections on the listening socket ``serve`` bound (inherited, so there is one
socket and one port, and nothing else can join it as SO_REUSEPORT would let
it), and reach the core over gRPC on a Unix socket in a private directory.
Every event still comes from the one core, so a stream sees every event
whichever process accepted it.

A worker ends when ``serve`` asks it to (SIGTERM), and also when ``serve``
ends without asking (its stdin, a pipe from ``serve``, reaches end of file), so
no worker outlives the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
from pathlib import Path

log = logging.getLogger("sessiond")

READY = "sessiond edge worker ready"
START_SECONDS = 60.0
STOP_SECONDS = 10.0
# Left out of a worker's environment: it only forwards the caller's key to the
# core, and needs no key, secret or database URL (which may hold a password).
_SECRET_WORDS = ("KEY", "SECRET", "TOKEN", "PASSWORD", "SESSIOND_DB")


def listen_socket(host: str, port: int) -> socket.socket:
    """The HTTP listening socket that ``serve`` and its workers share."""
    family, kind, proto, _name, addr = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(1024)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class EdgeWorkers:
    """The worker processes of one ``serve``: started, then stopped, together."""

    def __init__(self, count: int, sock: socket.socket) -> None:
        self.count = count
        self._sock = sock
        # The core's private gRPC address for the workers (0700 directory).
        self._dir = Path(tempfile.mkdtemp(prefix="sessiond-"))
        self.core_address = f"unix:{self._dir / 'core.sock'}"
        self.procs: list[asyncio.subprocess.Process] = []

    async def start(self, log_level: str, log_format: str) -> None:
        fd = self._sock.fileno()
        env = {
            k: v for k, v in os.environ.items() if not any(w in k.upper() for w in _SECRET_WORDS)
        }
        for _ in range(self.count):
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "sessiond.cli.workers",
                "--fd",
                str(fd),
                "--core",
                self.core_address,
                "--log-level",
                log_level,
                "--log-format",
                log_format,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                pass_fds=(fd,),
                env=env,
            )
            self.procs.append(proc)
        for proc in self.procs:
            await asyncio.wait_for(self._ready(proc), START_SECONDS)

    @staticmethod
    async def _ready(proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        while True:
            line = await proc.stdout.readline()
            if not line:
                raise OSError(f"an edge worker (pid {proc.pid}) ended while starting")
            if READY in line.decode(errors="replace"):
                return

    async def stop(self) -> None:
        """SIGTERM to each worker, then SIGKILL to any still there after STOP_SECONDS."""
        for proc in self.procs:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.wait(), STOP_SECONDS)
            except TimeoutError:
                log.warning("edge worker %s did not stop; killing it", proc.pid)
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
            if proc.stdin is not None:
                proc.stdin.close()
        shutil.rmtree(self._dir, ignore_errors=True)


# ----------------------------------------------------------------- the worker


async def _serve_worker(args: argparse.Namespace) -> int:
    from sessiond.cli.main import settle_memory, start_edge
    from sessiond.edge.grpc_transport import GrpcTransport

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stopping.set)

    def parent_gone() -> None:
        try:
            data = os.read(0, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            loop.remove_reader(0)
            stopping.set()

    os.set_blocking(0, False)
    loop.add_reader(0, parent_gone)
    sock = socket.socket(fileno=args.fd)
    runner, _ = await start_edge(GrpcTransport(args.core), sock=sock)
    settle_memory()
    print(READY, flush=True)
    try:
        await stopping.wait()
    finally:
        await runner.cleanup()
    return 0


def main() -> None:
    from sessiond.cli.observability import setup_logging

    parser = argparse.ArgumentParser(prog="sessiond-edge-worker")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--core", required=True)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--log-format", default="text")
    args = parser.parse_args()
    setup_logging(args.log_level, args.log_format)
    # Ctrl-C reaches the whole process group: serve stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(asyncio.run(_serve_worker(args)))


if __name__ == "__main__":
    main()
