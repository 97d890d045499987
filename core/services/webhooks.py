"""Webhooks: endpoints a workspace manages through the API (an extension: the
hosted service manages them in its console, docs "Subscribe to webhooks",
https://platform.claude.com/docs/en/managed-agents/webhooks), and the port
every feature calls to emit an event (:class:`Emitter`).

Payloads are the SDK's ``BetaWebhookEvent``: ``{"type": "event", "id",
"created_at", "data": {"type", "id", "workspace_id", "organization_id", …}}``.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from sessiond.core import errors, ids
from sessiond.core.services.common import decode_page, encode_page, page_size, require
from sessiond.core.store.base import Scope
from sessiond.core.store.webhooks import DISABLED, ENABLED, WebhookStore, distinct
from sessiond.core.timeutil import now_us, to_timestamp
from sessiond.core.vaultkeys import Keyring
from sessiond.core.webhookguard import check_destination
from sessiond.v1 import webhook_pb2

log = logging.getLogger(__name__)

# The event types of the SDK's BetaWebhookEventData union (anthropic 2.14.0,
# types/beta/beta_webhook_*_event_data.py).
EVENT_TYPES = frozenset(
    {
        *(f"agent.{v}" for v in ("created", "updated", "archived", "deleted")),
        *(f"environment.{v}" for v in ("created", "updated", "archived", "deleted")),
        *(
            f"session.{v}"
            for v in (
                "created",
                "updated",
                "archived",
                "deleted",
                "pending",
                "running",
                "idled",
                "requires_action",
                "status_rescheduled",
                "status_run_started",
                "status_idled",
                "status_terminated",
                "thread_created",
                "thread_idled",
                "thread_terminated",
                "outcome_evaluation_ended",
                "budget_reached",
            )
        ),  # fmt: skip
        *(f"vault.{v}" for v in ("created", "archived", "deleted")),
        *(f"vault_credential.{v}" for v in ("created", "archived", "deleted", "refresh_failed")),
        *(f"memory_store.{v}" for v in ("created", "archived", "deleted")),
        *(
            f"deployment.{v}"
            for v in ("created", "updated", "paused", "unpaused", "archived", "deleted")
        ),
        *(f"deployment_run.{v}" for v in ("started", "succeeded", "failed")),
        *(f"external_key.{v}" for v in ("failed", "recovered")),
        *(f"external_storage.{v}" for v in ("failed", "recovered")),
        *(
            f"user_profile.{v}"
            for v in (
                "enforcement_action_opened",
                "enforcement_action_resolved",
                "program_status_updated",
            )
        ),  # fmt: skip
    }
)
# A self-hosted server has no organization; every payload names this one.
ORGANIZATION_ID = "org_sessiond"
SECRET_PREFIX = "whsec_"
MAX_WEBHOOKS_PAGE = 100
MAX_EVENT_TYPES = 64
# How long a replica trusts what it read of a workspace's webhooks: a webhook
# made on another replica gets its first events at most this late.
WANTED_TTL = 1.0
WANTED_LIMIT = 10_000


def new_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def payload(event_id: str, event_type: str, ws: str, data: Mapping[str, str], at: int) -> str:
    """The JSON body of one event (``BetaWebhookEvent``)."""
    created = datetime.fromtimestamp(at / 1_000_000, UTC).isoformat().replace("+00:00", "Z")
    body = {
        "type": "event",
        "id": event_id,
        "created_at": created,
        "data": {
            **data,
            "type": event_type,
            "workspace_id": ws,
            "organization_id": ORGANIZATION_ID,
        },
    }
    return json.dumps(body, separators=(",", ":"))


class Emitter:
    """The one port features call: ``await emitter.emit(ws, type, data)`` writes
    the event to the outbox of every webhook of workspace ``ws`` that wants it,
    and wakes the delivery worker. ``data`` is the event's data without
    ``type``/``workspace_id``/``organization_id``: at least ``id`` (the object
    that changed), plus what the SDK's type names (``vault_id``,
    ``session_thread_id``, …). A failure to write is logged, never raised:
    the change it reports has already happened."""

    def __init__(self, store: WebhookStore, *, ttl: float = WANTED_TTL) -> None:
        self._store = store
        self.wake: Callable[[], None] = lambda: None
        # Per workspace: until when, and the types its enabled webhooks want.
        # Most workspaces have none, so most events cost no database read.
        self._ttl = ttl
        self._wanted: dict[str, tuple[float, list[frozenset[str]]]] = {}

    def forget(self, ws: Scope) -> None:
        """A webhook of ``ws`` (None: of any workspace) changed on this replica:
        read its webhooks again."""
        if ws is None:
            self._wanted.clear()
        else:
            self._wanted.pop(ws, None)

    async def _wants(self, ws: str, event_type: str) -> bool:
        now = time.monotonic()
        cached = self._wanted.get(ws)
        if cached is None or cached[0] <= now:
            if len(self._wanted) >= WANTED_LIMIT:
                self._wanted.clear()
            cached = (now + self._ttl, await self._store.enabled_types(ws))
            self._wanted[ws] = cached
        return any(not types or event_type in types for types in cached[1])

    async def emit(self, ws: Scope, event_type: str, data: Mapping[str, str]) -> int:
        if ws is None or event_type not in EVENT_TYPES:
            log.error("webhooks: not an event to emit: %r of workspace %r", event_type, ws)
            return 0
        try:
            if not await self._wants(ws, event_type):
                return 0
        except Exception:
            log.exception("webhooks: could not read the webhooks of a workspace")
            return 0
        at = now_us()
        event_id = ids.new_id(ids.WEBHOOK_EVENT)
        try:
            n = await self._store.enqueue(
                ws, event_type, {event_id: payload(event_id, event_type, ws, data, at)}, at
            )
        except Exception:
            log.exception("webhooks: could not write %s to the outbox", event_type)
            return 0
        if n:
            self.wake()
        return n


class WebhookService:
    def __init__(self, store: WebhookStore, keyring: Keyring, *, allow_private: bool) -> None:
        self._store = store
        self._keys = keyring
        self.allow_private = allow_private
        # Told of a workspace whose webhooks changed (the emitter's cache).
        self.changed: Callable[[Scope], None] = lambda ws: None

    def _seal(self, webhook_id: str, secret: str) -> tuple[str, bytes]:
        return self._keys.seal(secret.encode(), bound_to=webhook_id)

    def open_secret(self, webhook_id: str, kid: str, sealed: bytes) -> str:
        return self._keys.open(kid, sealed, bound_to=webhook_id).decode()

    @staticmethod
    def _types(values: list[str]) -> list[str]:
        types = distinct(values)
        if len(types) > MAX_EVENT_TYPES:
            raise errors.InvalidArgument(f"event_types: at most {MAX_EVENT_TYPES} types.")
        unknown = [t for t in types if t not in EVENT_TYPES]
        if unknown:
            raise errors.InvalidArgument(
                f"event_types: unknown type {unknown[0]!r}; use types such as "
                "'session.created' or 'agent.updated', or none for every type."
            )
        return types

    async def create(self, req: webhook_pb2.CreateWebhookRequest, ws: str) -> webhook_pb2.Webhook:
        await check_destination(require(req.url, "url"), self.allow_private)
        at = now_us()
        hook = webhook_pb2.Webhook(
            id=ids.new_id(ids.WEBHOOK),
            url=req.url,
            event_types=self._types(list(req.event_types)),
            status=ENABLED,
            created_at=to_timestamp(at),
            updated_at=to_timestamp(at),
        )
        if req.HasField("description"):
            hook.description = req.description
        secret = new_secret()
        await self._store.insert(hook, ws, self._seal(hook.id, secret), at)
        self.changed(ws)
        hook.secret = secret
        return hook

    async def get(self, webhook_id: str, ws: Scope) -> webhook_pb2.Webhook:
        return await self._store.get(require(webhook_id, "webhook_id"), ws)

    async def list_webhooks(
        self, req: webhook_pb2.ListWebhooksRequest, ws: Scope
    ) -> tuple[list[webhook_pb2.Webhook], str]:
        size = page_size(req.page_size, 20, MAX_WEBHOOKS_PAGE)
        hooks, more = await self._store.list_webhooks(size, decode_page(req.page_token), ws=ws)
        last = hooks[-1] if hooks else None
        token = encode_page((last.created_at.ToMicroseconds(), last.id)) if more and last else ""
        return hooks, token

    async def update(self, req: webhook_pb2.UpdateWebhookRequest, ws: Scope) -> webhook_pb2.Webhook:
        hook = await self.get(req.webhook_id, ws)
        reset = False
        if req.HasField("url"):
            await check_destination(req.url, self.allow_private)
            hook.url = req.url
        if req.replace_event_types:
            del hook.event_types[:]
            hook.event_types.extend(self._types(list(req.event_types)))
        if req.HasField("description"):
            hook.description = req.description
        if req.HasField("status"):
            if req.status not in (ENABLED, DISABLED):
                raise errors.InvalidArgument("status: 'enabled' or 'disabled'.")
            if req.status == ENABLED and hook.status != ENABLED:
                reset = True
                hook.disabled_reason = ""
            if req.status == DISABLED and hook.status != DISABLED:
                hook.disabled_reason = "manual"
            hook.status = req.status
        hook.updated_at.CopyFrom(to_timestamp(now_us()))
        await self._store.put(hook, ws, reset_failures=reset)
        self.changed(ws)
        return await self.get(hook.id, ws)

    async def delete(self, webhook_id: str, ws: Scope) -> None:
        await self._store.delete(require(webhook_id, "webhook_id"), ws)
        self.changed(ws)

    async def rotate(self, webhook_id: str, ws: Scope) -> webhook_pb2.Webhook:
        hook = await self.get(webhook_id, ws)
        secret = new_secret()
        hook.updated_at.CopyFrom(to_timestamp(now_us()))
        await self._store.put(hook, ws, sealed=self._seal(hook.id, secret))
        hook.secret = secret
        return hook

    async def deliveries(
        self, req: webhook_pb2.ListWebhookDeliveriesRequest, ws: Scope
    ) -> tuple[list[webhook_pb2.WebhookDelivery], str]:
        await self.get(req.webhook_id, ws)
        size = page_size(req.page_size, 20, MAX_WEBHOOKS_PAGE)
        found, more = await self._store.list_deliveries(
            req.webhook_id, size, decode_page(req.page_token), ws=ws
        )
        last = found[-1] if found else None
        token = encode_page((last.created_at.ToMicroseconds(), last.id)) if more and last else ""
        return found, token
