"""MCP toolsets: the server process (never a sandbox) talks to an agent's MCP
servers over streamable HTTP with the official ``mcp`` SDK.

Each session lists its servers' tools once (a failed listing is tried again
on the session's next turn); every call opens its own connection, bounded by a
timeout, and its text output is capped. Errors are the docs' two kinds
("MCP connector" page): the server cannot be reached or answers badly
(``mcp_connection_failed_error``), or it refuses the credentials
(``mcp_authentication_failed_error``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sessiond.v1 import agent_pb2, session_pb2

log = logging.getLogger(__name__)

CONNECTION_FAILED = "mcp_connection_failed_error"
AUTHENTICATION_FAILED = "mcp_authentication_failed_error"
DEFAULT_TIMEOUT = 60.0
MAX_OUTPUT_CHARS = 100_000

# Headers for a server of a session (its vault credentials), by URL.
Credentials = Callable[[session_pb2.Session, str], Awaitable[dict[str, str]]]


@dataclass(frozen=True)
class McpTool:
    server: str
    name: str
    description: str
    input_schema: dict[str, Any]


class McpError(Exception):
    def __init__(self, kind: str, server: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.server = server
        self.message = message


@dataclass
class Listing:
    tools: dict[str, list[McpTool]] = field(default_factory=dict)
    errors: list[McpError] = field(default_factory=list)


def _is_auth_failure(exc: BaseException) -> bool:
    import httpx2

    if isinstance(exc, httpx2.HTTPStatusError):
        return exc.response.status_code in (401, 403)
    inner: list[BaseException] = list(getattr(exc, "exceptions", None) or [])
    return any(_is_auth_failure(e) for e in inner)


def _describe(exc: BaseException) -> str:
    inner = getattr(exc, "exceptions", None)
    if inner:
        return "; ".join(_describe(e) for e in inner)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class McpToolbox:
    """The MCP servers of every session this process runs."""

    def __init__(
        self, credentials: Credentials | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self._credentials = credentials
        self.timeout = timeout
        self._listed: dict[str, dict[str, list[McpTool]]] = {}

    @contextlib.asynccontextmanager
    async def _connect(
        self, session: session_pb2.Session, server: agent_pb2.McpServer, seen: list[int]
    ) -> AsyncIterator[Any]:
        """An initialized client session; ``seen`` collects the HTTP statuses
        (the SDK's errors do not say that a server answered 401)."""
        from mcp.client.session import ClientSession
        from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client

        headers = await self._credentials(session, server.url) if self._credentials else {}
        import httpx2

        timeout = httpx2.Timeout(self.timeout)

        async def note(response: httpx2.Response) -> None:
            seen.append(response.status_code)

        async with create_mcp_http_client(headers=headers, timeout=timeout) as http:
            http.event_hooks["response"].append(note)
            async with (
                streamable_http_client(server.url, http_client=http) as streams,
                ClientSession(streams[0], streams[1], read_timeout_seconds=self.timeout) as client,
            ):
                await client.initialize()
                yield client

    async def _guard(self, server: str, work: Awaitable[Any], seen: list[int]) -> Any:
        try:
            return await asyncio.wait_for(work, self.timeout)
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            raise McpError(
                CONNECTION_FAILED, server, f"MCP server {server!r} did not answer in time."
            ) from None
        except McpError:
            raise
        except BaseException as e:  # anyio wraps transport failures in groups
            if not isinstance(e, Exception):
                raise
            refused = any(code in (401, 403) for code in seen) or _is_auth_failure(e)
            kind = AUTHENTICATION_FAILED if refused else CONNECTION_FAILED
            what = "refused the credentials" if kind == AUTHENTICATION_FAILED else "failed"
            log.info("MCP server %s: %s", server, _describe(e))
            raise McpError(kind, server, f"MCP server {server!r} {what}.") from None

    async def list_tools(self, session: session_pb2.Session) -> Listing:
        """The tools of each MCP server of the session's agent, listed once."""
        listed = self._listed.setdefault(session.id, {})
        out = Listing()
        for server in session.agent.mcp_servers:
            if server.name in listed:
                out.tools[server.name] = listed[server.name]
                continue

            seen: list[int] = []

            async def fetch(
                server: agent_pb2.McpServer = server, seen: list[int] = seen
            ) -> list[McpTool]:
                async with self._connect(session, server, seen) as client:
                    result = await client.list_tools()
                return [
                    McpTool(server.name, t.name, t.description or "", dict(t.input_schema or {}))
                    for t in result.tools
                ]

            try:
                tools = await self._guard(server.name, fetch(), seen)
            except McpError as e:
                out.errors.append(e)
                continue
            listed[server.name] = out.tools[server.name] = tools
        return out

    async def call(
        self, session: session_pb2.Session, server_name: str, name: str, args: dict[str, Any]
    ) -> tuple[str, bool]:
        """The call's text output and whether it is an error."""
        servers = {s.name: s for s in session.agent.mcp_servers}
        server = servers.get(server_name)
        if server is None:
            return f"The agent has no MCP server named {server_name!r}.", True

        seen: list[int] = []

        async def run() -> tuple[str, bool]:
            async with self._connect(session, server, seen) as client:
                result = await client.call_tool(name, args)
            parts = []
            for block in result.content:
                text = getattr(block, "text", None)
                parts.append(text if isinstance(text, str) else f"[{block.type}]")
            return "\n".join(parts), bool(result.is_error)

        text, is_error = await self._guard(server_name, run(), seen)
        if len(text) > MAX_OUTPUT_CHARS:
            text = text[:MAX_OUTPUT_CHARS] + f"\n[output cut at {MAX_OUTPUT_CHARS} characters]"
        return text, is_error

    def forget(self, session_id: str | None) -> None:
        if session_id is None:
            self._listed.clear()
        else:
            self._listed.pop(session_id, None)
