"""``sessiond tail SESSION_ID``: a session's events, live, one readable line each.

It reads the public HTTP API like any client: the history first (unless
``--no-history``), then the SSE stream, resuming with ``Last-Event-ID`` when the
connection drops. Ctrl-C ends it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, TextIO

import aiohttp

BETA = "managed-agents-2026-04-01"
DEFAULT_URL = "http://127.0.0.1:8080"


def add_tail_command(sub: Any) -> None:
    p = sub.add_parser(
        "tail",
        help="print a session's events live, in a readable form",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("session_id", metavar="SESSION_ID", help="the session to follow (sesn_…)")
    p.add_argument(
        "--url",
        default=os.environ.get("SESSIOND_URL") or DEFAULT_URL,
        help=f"the server's HTTP address (default: {DEFAULT_URL}; env SESSIOND_URL)",
    )
    p.add_argument(
        "--api-key",
        dest="tail_key",
        default=None,
        help="the key to send (default: env SESSIOND_API_KEY, else ANTHROPIC_API_KEY)",
    )
    p.add_argument(
        "--no-history", action="store_true", help="only new events, not what happened before"
    )
    p.add_argument("--json", action="store_true", help="print each event's JSON instead")


def _text(content: Any) -> str:
    if not isinstance(content, list):
        return ""
    parts = [b.get("text", f"[{b.get('type')}]") for b in content if isinstance(b, dict)]
    return " ".join(" ".join(parts).split())


def summary(event: dict[str, Any]) -> str:
    """What a person wants to read about one event."""
    t = str(event.get("type", "?"))
    if t in ("user.message", "agent.message", "agent.thinking"):
        return _text(event.get("content"))
    if t in ("agent.tool_use", "agent.custom_tool_use", "agent.mcp_tool_use"):
        perm = event.get("evaluated_permission")
        extra = f" [{perm}]" if perm else ""
        return f"{event.get('name')} {json.dumps(event.get('input'), separators=(',', ':'))}{extra}"
    if t in ("agent.tool_result", "agent.mcp_tool_result", "user.custom_tool_result"):
        mark = "error: " if event.get("is_error") else ""
        return mark + _text(event.get("content"))
    if t == "user.tool_confirmation":
        return f"{event.get('result')} {event.get('tool_use_id')}"
    if t == "session.status_idle":
        reason = event.get("stop_reason") or {}
        ids = reason.get("event_ids")
        return str(reason.get("type", "")) + (f" {', '.join(ids)}" if ids else "")
    if t == "session.error":
        err = event.get("error") or {}
        return f"{err.get('type')}: {err.get('message')}"
    if t == "span.model_request_end":
        u = event.get("model_usage") or {}
        return f"{u.get('input_tokens', 0)} in / {u.get('output_tokens', 0)} out tokens"
    return ""


def line(event: dict[str, Any]) -> str:
    stamp = str(event.get("processed_at") or "")
    try:
        clock = datetime.fromisoformat(stamp.replace("Z", "+00:00")).strftime("%H:%M:%S")
    except ValueError:
        clock = "--:--:--"
    text = summary(event)
    return f"{clock}  {event.get('type', '?'):<28} {text}".rstrip()


async def _frames(resp: aiohttp.ClientResponse) -> AsyncIterator[tuple[str, str]]:
    name, data = "message", list[str]()
    async for raw in resp.content:
        text = raw.decode(errors="replace").rstrip("\r\n")
        if not text:
            if data:
                yield name, "\n".join(data)
            name, data = "message", []
        elif text.startswith("event:"):
            name = text[6:].strip()
        elif text.startswith("data:"):
            data.append(text[5:].lstrip())


class TailError(Exception):
    pass


async def follow(args: argparse.Namespace, out: TextIO = sys.stdout) -> None:
    key = args.tail_key or os.environ.get("SESSIOND_API_KEY") or os.environ.get("ANTHROPIC_API_KEY")
    if not key:
        raise TailError("no API key: give --api-key KEY or set SESSIOND_API_KEY")
    base = args.url.rstrip("/")
    sid = args.session_id
    headers = {"x-api-key": key, "anthropic-beta": BETA}
    seen: set[str] = set()
    last: str | None = None

    def emit(event: dict[str, Any]) -> None:
        nonlocal last
        eid = event.get("id")
        if not isinstance(eid, str) or eid in seen:
            return
        seen.add(eid)
        last = eid
        out.write((json.dumps(event) if args.json else line(event)) + "\n")
        out.flush()

    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10)
    async with aiohttp.ClientSession(headers=headers, timeout=timeout) as http:
        try:
            if not args.no_history:
                page: str | None = None
                while True:
                    params = {"limit": "200", "order": "asc", **({"page": page} if page else {})}
                    async with http.get(f"{base}/v1/sessions/{sid}/events", params=params) as r:
                        body = await _json_or_fail(r)
                    for event in body.get("data", []):
                        emit(event)
                    page = body.get("next_page")
                    if not page:
                        break
            delay = 0.5
            while True:
                extra = {"Last-Event-ID": last} if last else {}
                try:
                    async with http.get(
                        f"{base}/v1/sessions/{sid}/events/stream", headers=extra
                    ) as r:
                        if r.status != 200:
                            await _json_or_fail(r)
                        delay = 0.5
                        async for name, data in _frames(r):
                            if name in ("ping", "error"):
                                continue
                            try:
                                emit(json.loads(data))
                            except ValueError:
                                continue
                except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError):
                    pass
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        except aiohttp.ClientConnectorError as e:
            raise TailError(f"cannot reach {base}: {e.strerror or e}") from None


async def _json_or_fail(resp: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        body = await resp.json(content_type=None)
    except ValueError:
        body = None
    if resp.status != 200:
        err = body.get("error", {}) if isinstance(body, dict) else {}
        raise TailError(f"{resp.status} {err.get('type', '')}: {err.get('message', '')}".strip())
    return body if isinstance(body, dict) else {}


def run_tail(args: argparse.Namespace) -> None:
    try:
        asyncio.run(follow(args))
    except KeyboardInterrupt:
        pass
    except TailError as e:
        raise SystemExit(f"sessiond tail: {e}") from None
