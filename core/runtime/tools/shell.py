"""One persistent bash process, driven through its stdin.

Each command is written to the shell followed by a line that prints a random
sentinel and the command's exit status; output is read (asynchronously) until
that sentinel comes back. The shell leads its own process group, so killing
the group also kills everything the commands started.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shlex
import signal
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

_READ_SIZE = 65536
# Reaping tasks for shells killed where we could not await (cancellation).
_reapers: set[asyncio.Task[None]] = set()


Spawn = Callable[..., Awaitable[asyncio.subprocess.Process]]


@dataclass
class ShellResult:
    output: str
    # Characters of output dropped beyond the capture limit (an estimate: counted as bytes).
    dropped: int = 0
    exit_code: int | None = None
    timed_out: bool = False
    # The shell itself went away (``exit``, killed); a new one starts on the next call.
    shell_exited: bool = False


class _Capture:
    """Keeps the first ``limit`` bytes of output and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.head = bytearray()
        self.dropped = 0

    def add(self, data: bytes | bytearray) -> None:
        room = self.limit - len(self.head)
        if room > 0:
            self.head += data[:room]
        self.dropped += max(0, len(data) - max(room, 0))

    def result(
        self, *, exit_code: int | None = None, timed_out: bool = False, shell_exited: bool = False
    ) -> ShellResult:
        return ShellResult(
            output=self.head.decode("utf-8", errors="replace"),
            dropped=self.dropped,
            exit_code=exit_code,
            timed_out=timed_out,
            shell_exited=shell_exited,
        )


class Shell:
    """A bash process in ``cwd``; started lazily, restarted after it dies or is killed."""

    def __init__(
        self,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        *,
        spawn: Spawn | None = None,
        on_kill: Callable[[], None] | None = None,
    ) -> None:
        self.cwd = cwd
        self.env = dict(env) if env is not None else None
        # Starts the shell elsewhere (in a sandbox); ``on_kill`` ends what is left there.
        self._spawn = spawn
        self._on_kill = on_kill
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    async def _start(self) -> asyncio.subprocess.Process:
        if self._spawn is not None:
            self._proc = await self._spawn(
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            return self._proc
        proc = await asyncio.create_subprocess_exec(
            "bash",
            "--noprofile",
            "--norc",
            cwd=str(self.cwd),
            env=self.env,
            start_new_session=True,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._proc = proc
        return proc

    def kill(self) -> asyncio.subprocess.Process | None:
        """Kills the shell's whole process group at once (synchronously).

        Returns the killed process so the caller can reap it.
        """
        proc, self._proc = self._proc, None
        if self._on_kill is not None:
            self._on_kill()
        if proc is None:
            return None
        # The group outlives its leader while background jobs remain, so signal it
        # even when the shell itself has already exited.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        return proc

    async def close(self) -> None:
        """Kills the shell and everything it started, and reaps it."""
        proc = self.kill()
        if proc is not None:
            await _reap(proc)

    async def restart(self) -> None:
        async with self._lock:
            await self.close()
            await self._start()

    async def run(self, command: str, timeout_s: float, capture_bytes: int) -> ShellResult:
        async with self._lock:
            return await self._run(command, timeout_s, capture_bytes)

    async def _run(self, command: str, timeout_s: float, capture_bytes: int) -> ShellResult:
        sentinel = f"__sessiond_done_{secrets.token_hex(16)}__"
        # eval keeps syntax errors in the command from swallowing the sentinel line;
        # stdin from /dev/null keeps the command from reading the script that follows.
        script = (
            f"eval {shlex.quote(command)} < /dev/null\nprintf '\\n%s %d\\n' {sentinel} \"$?\"\n"
        ).encode()
        marker = b"\n" + sentinel.encode() + b" "
        capture = _Capture(capture_bytes)
        pending = bytearray()
        try:
            proc = await self._send(script)
            assert proc.stdout is not None
            async with asyncio.timeout(timeout_s):
                while True:
                    chunk = await proc.stdout.read(_READ_SIZE)
                    if not chunk:
                        capture.add(pending)
                        code = await proc.wait()
                        await self.close()
                        return capture.result(exit_code=code, shell_exited=True)
                    pending += chunk
                    idx = pending.find(marker)
                    if idx >= 0:
                        end = pending.find(b"\n", idx + len(marker))
                        if end < 0:
                            continue  # the status line is not complete yet
                        capture.add(pending[:idx])
                        status = pending[idx + len(marker) : end]
                        return capture.result(exit_code=int(status))
                    keep = len(marker) - 1
                    if len(pending) > keep:
                        capture.add(pending[:-keep])
                        del pending[:-keep]
        except TimeoutError:
            capture.add(pending)
            await self.close()
            return capture.result(timed_out=True)
        except BaseException:
            # Cancelled (the turn was interrupted) or anything unexpected: kill the
            # whole group now, synchronously, and reap in the background.
            killed = self.kill()
            if killed is not None:
                _reap_later(killed)
            raise

    async def _send(self, script: bytes) -> asyncio.subprocess.Process:
        """Writes ``script`` to a live shell, starting one if needed."""
        for attempt in range(2):
            proc = self._proc
            if proc is None or proc.returncode is not None:
                await self.close()
                proc = await self._start()
            assert proc.stdin is not None
            try:
                proc.stdin.write(script)
                await proc.stdin.drain()
                return proc
            except (BrokenPipeError, ConnectionResetError):
                await self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")


async def _reap(proc: asyncio.subprocess.Process) -> None:
    """Waits for a killed shell and releases its pipes."""
    if proc.stdin is not None:
        proc.stdin.close()
    with contextlib.suppress(TimeoutError, ProcessLookupError):
        async with asyncio.timeout(5):
            await proc.wait()
    transport = getattr(proc, "_transport", None)
    if transport is not None:
        transport.close()


def _reap_later(proc: asyncio.subprocess.Process) -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    task = loop.create_task(_reap(proc))
    _reapers.add(task)
    task.add_done_callback(_reapers.discard)
