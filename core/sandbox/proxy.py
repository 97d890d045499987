"""The allowlist HTTP(S) proxy a sandbox reaches over its bound Unix socket.

One listener per session sandbox. It understands ``CONNECT host:port`` (HTTPS
and any TCP) and absolute-form plain HTTP requests (``GET http://host/…``).
`limited`: only the policy's hosts. `unrestricted`: any host except the
server's own addresses (loopback, unspecified, link-local, and any address
this machine can bind). The name is resolved once and the checked address is
the one connected to, so a second lookup cannot swap it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from pathlib import Path

from sessiond.core.sandbox.settings import NetPolicy

log = logging.getLogger(__name__)

_HEAD_LIMIT = 65536
_CONNECT_TIMEOUT = 15.0


class Denied(Exception):
    pass


def _host_matches(host: str, port: int, allowed: tuple[str, ...]) -> bool:
    for entry in allowed:
        name, _, want_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if not name:
            name = entry
        name = name.strip("[]")
        if want_port and want_port != str(port):
            continue
        if name.startswith("*."):
            if host.endswith(name[1:]):
                return True
        elif host == name:
            return True
    return False


def _is_own_address(ip: str) -> bool:
    addr = ipaddress.ip_address(ip)
    if addr.is_loopback or addr.is_unspecified or addr.is_link_local or addr.is_multicast:
        return True
    family = socket.AF_INET6 if addr.version == 6 else socket.AF_INET
    # An address this machine can bind is one of its own.
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((ip, 0))
        except OSError:
            return False
    return True


async def resolve_checked(policy: NetPolicy, host: str, port: int) -> str:
    """The address to connect to for ``host:port`` under ``policy``, or Denied."""
    host = host.strip("[]").lower()
    if policy.kind == "limited":
        if not _host_matches(host, port, policy.hosts()):
            raise Denied(f"{host}:{port} is not in the environment's allowed_hosts")
    elif policy.kind != "unrestricted":
        raise Denied("the environment allows no network access")
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not infos:
        raise Denied(f"{host} does not resolve")
    ip = str(infos[0][4][0])
    if policy.kind == "unrestricted" and await asyncio.to_thread(_is_own_address, ip):
        raise Denied(f"{host} ({ip}) is an address of the server's own host")
    return ip


def _split_hostport(text: str, default_port: int) -> tuple[str, int]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.lstrip(":")
    else:
        host, sep, port = text.rpartition(":")
        if not sep:
            host, port = text, ""
    return host, int(port) if port.isdigit() else default_port


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.write_eof()


class Proxy:
    """Serves one sandbox's Unix socket under ``policy``."""

    def __init__(self, policy: NetPolicy, path: Path) -> None:
        self.policy = policy
        self.path = path
        self._server: asyncio.AbstractServer | None = None
        self._conns: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_unix_server(self._serve, path=str(self.path))

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._conns):
            task.cancel()
        with contextlib.suppress(OSError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conns.add(task)
        try:
            await self._handle(reader, writer)
        except (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self._conns.discard(task)
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > _HEAD_LIMIT:
            return
        line, _, rest = head.partition(b"\r\n")
        parts = line.decode("latin-1").split()
        if len(parts) != 3:
            return await _refuse(writer, 400, "malformed request")
        method, target, version = parts
        if method.upper() == "CONNECT":
            host, port = _split_hostport(target, 443)
            path = b""
        elif target.startswith("http://"):
            authority, _, path_s = target[7:].partition("/")
            host, port = _split_hostport(authority, 80)
            path = b"/" + path_s.encode("latin-1")
        else:
            return await _refuse(writer, 400, "only CONNECT and absolute http:// URLs")
        try:
            ip = await resolve_checked(self.policy, host, port)
            async with asyncio.timeout(_CONNECT_TIMEOUT):
                up_r, up_w = await asyncio.open_connection(ip, port)
        except Denied as e:
            log.info("sandbox proxy refused %s:%s: %s", host, port, e)
            return await _refuse(writer, 403, f"sessiond sandbox: {e}")
        except (OSError, TimeoutError) as e:
            return await _refuse(writer, 502, f"cannot reach {host}:{port}: {e}")
        try:
            if method.upper() == "CONNECT":
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                # One request per connection: the next may be for another host.
                headers = [
                    h
                    for h in rest.split(b"\r\n")
                    if h and not h.lower().startswith((b"proxy-", b"connection:"))
                ]
                first = f"{method} ".encode() + path + f" {version}".encode()
                up_w.write(b"\r\n".join([first, *headers, b"Connection: close", b"", b""]))
            await writer.drain()
            await asyncio.gather(_pipe(reader, up_w), _pipe(up_r, writer))
        finally:
            up_w.close()


async def _refuse(writer: asyncio.StreamWriter, status: int, message: str) -> None:
    body = (message + "\n").encode()
    reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}[status]
    writer.write(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()
