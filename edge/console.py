"""The web console at ``/console/``: static files that use the public API like any client.

The files live beside this module in ``console/`` (plain HTML, CSS and JS; no build
step, nothing fetched from elsewhere). The page asks for a key and sends it itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from aiohttp import web

CONSOLE_PREFIX: Final = "/console"
STATIC_DIR: Final = Path(__file__).resolve().parent / "console"
# The page may load only its own files and talk only to this server.
_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def install(app: web.Application) -> None:
    app.router.add_get(CONSOLE_PREFIX, _redirect, allow_head=False)
    app.router.add_get(CONSOLE_PREFIX + "/", _index, allow_head=False)
    app.router.add_static(CONSOLE_PREFIX + "/static/", STATIC_DIR, append_version=False)
    app.on_response_prepare.append(_security_headers)


async def _redirect(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(CONSOLE_PREFIX + "/")


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path.startswith(CONSOLE_PREFIX):
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")


def is_public(path: str) -> bool:
    return path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/")
