"""The port a service emits webhook events through.

``await self.emit(ws, "agent.created", {"id": agent.id})``: ``ws`` is the
workspace of the object, the type one of the SDK's webhook event types
(``core/services/webhooks.py`` EVENT_TYPES), and the data the event's fields
besides ``type``/``workspace_id``/``organization_id`` (at least ``id``; e.g.
``vault_id`` for ``vault_credential.*``, ``session_thread_id`` for
``session.thread_*``). A service holds ``emit = no_emit`` until the core wires
it to ``CoreServer.emitter.emit``; emitting never raises.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

EmitFn = Callable[[str | None, str, Mapping[str, str]], Awaitable[int]]


async def no_emit(ws: str | None, event_type: str, data: Mapping[str, str]) -> int:
    return 0
