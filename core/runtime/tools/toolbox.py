"""The built-in ``agent_toolset_20260401`` tools of one session."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from sessiond.core.runtime.tools import files
from sessiond.core.runtime.tools.errors import ToolError, ToolInputError
from sessiond.core.runtime.tools.output import ToolOutput, truncate
from sessiond.core.runtime.tools.schemas import SCHEMAS, validate
from sessiond.core.runtime.tools.shell import Shell, ShellResult
from sessiond.core.runtime.tools.workspace import Workspace

if TYPE_CHECKING:
    from sessiond.core.sandbox.bwrap import SessionSandbox

log = logging.getLogger(__name__)

T = TypeVar("T")

# File tools run here, never on the default executor: a bounded pool shared by
# all sessions, at most FILE_CALLS_PER_SESSION threads of it per session.
FILE_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="file-tools")
FILE_CALLS_PER_SESSION = 2
FILE_TIMEOUT_S = 30.0

# The shell does not inherit the server's environment (which may hold API keys):
# only these variables are passed through.
SHELL_ENV_PASSTHROUGH = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR")

_NOT_CONFIGURED = ("web_fetch", "web_search")

Handler = Callable[[dict[str, Any]], Awaitable[ToolOutput]]


def default_shell_env() -> dict[str, str]:
    env = {k: os.environ[k] for k in SHELL_ENV_PASSTHROUGH if k in os.environ}
    env.setdefault("PATH", os.defpath)
    env["TERM"] = "dumb"
    env["PAGER"] = "cat"
    env["GIT_PAGER"] = "cat"
    return env


class Toolbox:
    """Runs tool calls for one session against its workspace.

    :meth:`run` never raises for anything the model did wrong: every failure
    comes back as a :class:`ToolOutput` with ``is_error`` set.
    """

    SCHEMAS: dict[str, dict[str, Any]] = SCHEMAS

    def __init__(
        self,
        workspace: Workspace,
        *,
        max_output_chars: int = 30000,
        default_timeout_ms: int = 120000,
        max_timeout_ms: int = 600000,
        shell_env: Mapping[str, str] | None = None,
        sandbox: SessionSandbox | None = None,
        unavailable: str | None = None,
    ) -> None:
        self.workspace = workspace
        self.max_output_chars = max_output_chars
        self.default_timeout_ms = default_timeout_ms
        self.max_timeout_ms = max_timeout_ms
        self.sandbox = sandbox
        # Set when no sandbox can run (``--sandbox auto``): every call fails with it.
        self.unavailable = unavailable
        self._file_slots = asyncio.Semaphore(FILE_CALLS_PER_SESSION)
        env = dict(shell_env) if shell_env is not None else default_shell_env()
        if sandbox is not None:
            command = ["/bin/bash", "--noprofile", "--norc"]

            async def spawn(**kw: Any) -> asyncio.subprocess.Process:
                return await sandbox.spawn(command, **kw)

            self._shell = Shell(workspace.root, env, spawn=spawn, on_kill=sandbox.kill_now)
        else:
            self._shell = Shell(workspace.root, env)
        self._closed = False
        self._handlers: dict[str, Handler] = {
            "bash": self._bash,
            "read": self._read,
            "write": self._write,
            "edit": self._edit,
            "glob": self._glob,
            "grep": self._grep,
        }

    @property
    def shell_pid(self) -> int | None:
        """The pid of the running shell (also its process group id), if any."""
        return self._shell.pid

    async def run(self, name: str, input: dict[str, Any]) -> ToolOutput:
        if name not in SCHEMAS:
            known = ", ".join(SCHEMAS)
            return ToolOutput(f"unknown tool {name!r} (available tools: {known})", True)
        if name in _NOT_CONFIGURED:
            return ToolOutput(f"{name} is not configured on this server", True)
        if self._closed:
            return ToolOutput("the tools of this session have been shut down", True)
        if self.unavailable is not None:
            return ToolOutput(
                f"{name} cannot run: built-in tools need a sandbox and none can run on this "
                f"server: {self.unavailable}",
                True,
            )
        try:
            args = validate(name, input)
            return await self._handlers[name](args)
        except ToolInputError as e:
            return ToolOutput(f"invalid input for {name}: {e}", True)
        except ToolError as e:
            return ToolOutput(str(e), True)
        except OSError as e:
            return ToolOutput(f"{name} failed: {e.strerror or e}", True)
        except Exception as e:
            log.exception("tool %s failed", name)
            return ToolOutput(f"{name} failed unexpectedly: {type(e).__name__}: {e}", True)

    async def close(self) -> None:
        """Kills the shell and every process it started."""
        self._closed = True
        await self._shell.close()
        if self.sandbox is not None:
            await self.sandbox.close()

    async def _in_pool(self, fn: Callable[..., T], *args: Any) -> T:
        """Runs a blocking file operation in the bounded pool, with a timeout.

        The session's slot is held until the thread really ends, so a call
        that timed out still counts against its session, never against others.
        """
        await self._file_slots.acquire()
        loop = asyncio.get_running_loop()
        try:
            fut = loop.run_in_executor(FILE_POOL, fn, *args)
        except BaseException:
            self._file_slots.release()
            raise
        fut.add_done_callback(lambda _: self._file_slots.release())
        try:
            return await asyncio.wait_for(asyncio.shield(fut), FILE_TIMEOUT_S)
        except TimeoutError:
            raise ToolError(f"the file operation took longer than {FILE_TIMEOUT_S:g} s") from None

    # -- bash -----------------------------------------------------------------------------

    async def _bash(self, args: dict[str, Any]) -> ToolOutput:
        command: str | None = args.get("command")
        restarted = False
        if args.get("restart"):
            await self._shell.restart()
            restarted = True
        if command is None or not command.strip():
            if restarted:
                return ToolOutput("bash session restarted")
            raise ToolInputError("command is required unless restart is true")
        timeout_ms = args.get("timeout_ms") or self.default_timeout_ms
        timeout_ms = min(timeout_ms, self.max_timeout_ms)
        result = await self._shell.run(
            command, timeout_ms / 1000, capture_bytes=self.max_output_chars * 4 + 4
        )
        return self._format_bash(result, timeout_ms)

    def _format_bash(self, result: ShellResult, timeout_ms: int) -> ToolOutput:
        text = result.output
        if not result.dropped:
            text = text.rstrip("\n")
        if len(text) > self.max_output_chars or result.dropped:
            text = truncate(text, self.max_output_chars, result.dropped)
        notes: list[str] = []
        if result.timed_out:
            notes.append(
                f"[command timed out after {timeout_ms} ms and was killed; "
                "the shell will be restarted on the next call]"
            )
        elif result.shell_exited:
            notes.append(
                f"[the shell exited with code {result.exit_code}; "
                "a new shell will be started on the next call]"
            )
        elif result.exit_code:
            notes.append(f"[exit code: {result.exit_code}]")
        if notes:
            text = "\n".join([text, *notes]) if text else "\n".join(notes)
        return ToolOutput(text or "(no output)", is_error=result.timed_out)

    # -- file tools -------------------------------------------------------------------------

    async def _read(self, args: dict[str, Any]) -> ToolOutput:
        text = await self._in_pool(
            files.read,
            self.workspace,
            args["file_path"],
            args.get("view_range"),
            self.max_output_chars,
        )
        return ToolOutput(text)

    async def _write(self, args: dict[str, Any]) -> ToolOutput:
        text = await self._in_pool(files.write, self.workspace, args["file_path"], args["content"])
        return ToolOutput(text)

    async def _edit(self, args: dict[str, Any]) -> ToolOutput:
        text = await self._in_pool(
            files.edit,
            self.workspace,
            args["file_path"],
            args["old_string"],
            args["new_string"],
            bool(args.get("replace_all", False)),
        )
        return ToolOutput(text)

    async def _glob(self, args: dict[str, Any]) -> ToolOutput:
        text = await self._in_pool(
            files.glob, self.workspace, args["pattern"], args.get("path"), self.max_output_chars
        )
        return ToolOutput(text)

    async def _grep(self, args: dict[str, Any]) -> ToolOutput:
        text = await self._in_pool(
            files.grep, self.workspace, args["pattern"], args.get("path"), self.max_output_chars
        )
        return ToolOutput(text)
