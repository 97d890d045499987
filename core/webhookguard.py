"""Where webhooks may be sent: never to loopback, private, link-local,
multicast, reserved or unspecified addresses, nor to any address of the
server's own host, unless the server allows private destinations
(``--webhook-allow-private``). Names are checked as resolved, by the resolver
the delivery connects with, so a second lookup cannot swap the address."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from sessiond.core import errors
from sessiond.core.sandbox.proxy import _is_own_address

RESOLVE_SECONDS = 5.0


class Refused(errors.InvalidArgument):
    """A destination the server does not send webhooks to."""


def _forbidden(ip: str) -> bool:
    addr = ipaddress.ip_address(ip)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return (
        addr.is_private
        or addr.is_loopback
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
        or _is_own_address(str(addr))
    )


def check_url(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL, or InvalidArgument saying what to fix."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise errors.InvalidArgument(f"url: {url[:200]!r} is not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise errors.InvalidArgument("url: an http:// or https:// URL with a host is required.")
    if parts.username or parts.password:
        raise errors.InvalidArgument("url: credentials in the URL are not allowed.")
    if len(url) > 2048:
        raise errors.InvalidArgument("url: at most 2048 characters.")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def check_addresses(host: str, ips: list[str], allow_private: bool) -> None:
    if allow_private:
        return
    for ip in ips:
        if await asyncio.to_thread(_forbidden, ip):
            raise Refused(
                f"url: {host} resolves to {ip}, a private or local address; the server "
                "sends webhooks there only when started with --webhook-allow-private."
            )


async def check_destination(url: str, allow_private: bool) -> None:
    """Refuses ``url`` when it is malformed or (unless allowed) private."""
    host, port = check_url(url)
    if allow_private:
        return
    try:
        ipaddress.ip_address(host)
        ips = [host]
    except ValueError:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_SECONDS
            )
        except (OSError, TimeoutError):
            raise errors.InvalidArgument(f"url: {host} does not resolve.") from None
        ips = [str(i[4][0]) for i in infos]
    await check_addresses(host, ips, allow_private)


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, refusing names that resolve to forbidden addresses."""

    def __init__(self, allow_private: bool) -> None:
        self._inner = DefaultResolver()
        self._allow = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        try:
            await check_addresses(host, [r["host"] for r in found], self._allow)
        except Refused as e:
            raise OSError(str(e)) from None
        return found

    async def close(self) -> None:
        await self._inner.close()
