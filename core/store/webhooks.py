"""SQL of webhooks and their outbox (``webhook_deliveries``).

The outbox is claimed with a lease: a worker reads due rows, then takes each
with an ``UPDATE … WHERE`` that repeats the due condition, so that of several
replicas (or a restarted one) exactly one holds a row at a time; a lease that
runs out (a worker that died mid-attempt) makes the row due again. On
PostgreSQL the read is ``FOR UPDATE SKIP LOCKED``, so concurrent replicas take
different rows instead of waiting on each other's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sessiond.core import errors, ids
from sessiond.core.store.base import Scope, in_scope
from sessiond.core.store.store import Page, Store
from sessiond.core.store.webhooks_schema import webhook_deliveries, webhooks
from sessiond.core.timeutil import to_timestamp
from sessiond.v1 import webhook_pb2
from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.engine import Connection, RowMapping

ENABLED = "enabled"
DISABLED = "disabled"
PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
_MAX_ERROR = 500


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker holds: what one attempt needs."""

    id: str
    webhook_id: str
    event_id: str
    payload: str
    attempts: int
    url: str
    secret_key_id: str
    secret: bytes


@dataclass(frozen=True)
class Outcome:
    """How one attempt ended. ``retry_at`` None: no further attempt."""

    ok: bool
    status_code: int
    error: str
    retry_at: int | None


def webhook_of(row: RowMapping) -> webhook_pb2.Webhook:
    hook = webhook_pb2.Webhook.FromString(row["body"])
    hook.status = row["status"]
    hook.consecutive_failures = row["consecutive_failures"]
    if hook.status == ENABLED:
        hook.disabled_reason = ""
    return hook


def delivery_of(row: RowMapping) -> webhook_pb2.WebhookDelivery:
    d = webhook_pb2.WebhookDelivery(
        id=row["id"],
        webhook_id=row["webhook_id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        status=row["status"],
        attempts=row["attempts"],
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        created_at=to_timestamp(row["created_at"]),
    )
    if row["status"] == PENDING:
        d.next_attempt_at.CopyFrom(to_timestamp(row["next_attempt_at"]))
    if row["delivered_at"] is not None:
        d.delivered_at.CopyFrom(to_timestamp(row["delivered_at"]))
    return d


def wants(hook: webhook_pb2.Webhook, event_type: str) -> bool:
    return not hook.event_types or event_type in hook.event_types


def write_outbox(
    conn: Connection, ws: str, event_type: str, payloads: Mapping[str, str], at: int
) -> int:
    """Inside the caller's transaction: a pending delivery of the event for
    every enabled webhook of ``ws`` that wants ``event_type``. ``payloads``
    maps the event id to its JSON body (one event: one entry)."""
    rows = conn.execute(
        select(webhooks).where(webhooks.c.workspace == ws, webhooks.c.status == ENABLED)
    ).mappings()
    values = []
    for row in rows:
        if not wants(webhook_pb2.Webhook.FromString(row["body"]), event_type):
            continue
        for event_id, payload in payloads.items():
            values.append(
                {
                    "id": ids.new_id(ids.WEBHOOK_DELIVERY),
                    "webhook_id": row["id"],
                    "workspace": ws,
                    "event_id": event_id,
                    "event_type": event_type,
                    "payload": payload,
                    "status": PENDING,
                    "attempts": 0,
                    "created_at": at,
                    "next_attempt_at": at,
                }
            )
    if values:
        conn.execute(insert(webhook_deliveries), values)
    return len(values)


class WebhookStore:
    """Webhooks and their outbox on the store's engine."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # -------------------------------------------------------------- webhooks

    async def insert(
        self, hook: webhook_pb2.Webhook, ws: str, sealed: tuple[str, bytes], at: int
    ) -> None:
        def work(conn: Connection) -> None:
            conn.execute(
                insert(webhooks).values(
                    id=hook.id,
                    workspace=ws,
                    created_at=at,
                    status=hook.status,
                    consecutive_failures=0,
                    body=hook.SerializeToString(),
                    secret_key_id=sealed[0],
                    secret=sealed[1],
                )
            )

        await self._store._tx(work, write=True)

    async def get(self, webhook_id: str, ws: Scope) -> webhook_pb2.Webhook:
        def work(conn: Connection) -> RowMapping | None:
            return (
                conn.execute(
                    select(webhooks).where(
                        webhooks.c.id == webhook_id, *in_scope(webhooks.c.workspace, ws)
                    )
                )
                .mappings()
                .first()
            )

        row = await self._store._tx(work, write=False)
        if row is None:
            raise errors.NotFound(f"No webhook with id {webhook_id!r}.")
        return webhook_of(row)

    async def put(
        self,
        hook: webhook_pb2.Webhook,
        ws: Scope,
        *,
        sealed: tuple[str, bytes] | None = None,
        reset_failures: bool = False,
    ) -> None:
        values: dict[str, Any] = {"body": hook.SerializeToString(), "status": hook.status}
        if sealed is not None:
            values.update(secret_key_id=sealed[0], secret=sealed[1])
        if reset_failures:
            values["consecutive_failures"] = 0

        def work(conn: Connection) -> int:
            return int(
                conn.execute(
                    update(webhooks)
                    .where(webhooks.c.id == hook.id, *in_scope(webhooks.c.workspace, ws))
                    .values(**values)
                ).rowcount
            )

        if await self._store._tx(work, write=True) != 1:
            raise errors.NotFound(f"No webhook with id {hook.id!r}.")

    async def delete(self, webhook_id: str, ws: Scope) -> None:
        def work(conn: Connection) -> bool:
            gone = conn.execute(
                delete(webhooks).where(
                    webhooks.c.id == webhook_id, *in_scope(webhooks.c.workspace, ws)
                )
            )
            if gone.rowcount != 1:
                return False
            conn.execute(
                delete(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id)
            )
            return True

        if not await self._store._tx(work, write=True):
            raise errors.NotFound(f"No webhook with id {webhook_id!r}.")

    async def list_webhooks(
        self, limit: int, page: Page | None, *, ws: Scope
    ) -> tuple[list[webhook_pb2.Webhook], bool]:
        t = webhooks
        rows, more = await self._store._keyset(
            select(t), in_scope(t.c.workspace, ws), (t.c.created_at, t.c.id), True, limit, page
        )
        return [webhook_of(r._mapping) for r in rows], more

    async def list_deliveries(
        self, webhook_id: str, limit: int, page: Page | None, *, ws: Scope
    ) -> tuple[list[webhook_pb2.WebhookDelivery], bool]:
        t = webhook_deliveries
        conds = [t.c.webhook_id == webhook_id, *in_scope(t.c.workspace, ws)]
        rows, more = await self._store._keyset(
            select(t), conds, (t.c.created_at, t.c.id), True, limit, page
        )
        return [delivery_of(r._mapping) for r in rows], more

    # ---------------------------------------------------------------- outbox

    async def enabled_types(self, ws: str) -> list[frozenset[str]]:
        """The event types each enabled webhook of ``ws`` wants (empty: every type)."""

        def work(conn: Connection) -> list[frozenset[str]]:
            rows = conn.execute(
                select(webhooks.c.body).where(
                    webhooks.c.workspace == ws, webhooks.c.status == ENABLED
                )
            )
            return [frozenset(webhook_pb2.Webhook.FromString(r[0]).event_types) for r in rows]

        return list(await self._store._tx(work, write=False))

    async def enqueue(self, ws: str, event_type: str, payloads: Mapping[str, str], at: int) -> int:
        """Writes the outbox rows of an event; most workspaces have no webhook,
        so a read decides first whether a write is needed at all."""

        def wanted(conn: Connection) -> bool:
            rows = conn.execute(
                select(webhooks.c.body).where(
                    webhooks.c.workspace == ws, webhooks.c.status == ENABLED
                )
            )
            return any(wants(webhook_pb2.Webhook.FromString(r[0]), event_type) for r in rows)

        if not await self._store._tx(wanted, write=False):
            return 0
        return await self._store._tx(
            lambda conn: write_outbox(conn, ws, event_type, payloads, at), write=True
        )

    async def claim(self, owner: str, now: int, lease_us: int, limit: int) -> list[Claimed]:
        """Takes up to ``limit`` due deliveries of enabled webhooks for ``owner``."""
        d, w = webhook_deliveries, webhooks
        due = and_(
            d.c.status == PENDING,
            d.c.next_attempt_at <= now,
            or_(d.c.lease_until.is_(None), d.c.lease_until < now),
        )

        def work(conn: Connection) -> list[Claimed]:
            candidates = conn.execute(
                select(d.c.id, d.c.webhook_id, d.c.event_id, d.c.payload, d.c.attempts)
                .add_columns(w.c.body, w.c.secret_key_id, w.c.secret)
                .join(w, w.c.id == d.c.webhook_id)
                .where(due, w.c.status == ENABLED)
                .order_by(d.c.next_attempt_at)
                .limit(limit)
                # PostgreSQL: replicas skip each other's rows (SQLite has one writer).
                .with_for_update(skip_locked=True, of=d)
            ).mappings()
            taken: list[Claimed] = []
            for row in list(candidates):
                got = conn.execute(
                    update(d)
                    .where(d.c.id == row["id"], due)
                    .values(lease_owner=owner, lease_until=now + lease_us)
                )
                if got.rowcount == 1:
                    taken.append(
                        Claimed(
                            id=row["id"],
                            webhook_id=row["webhook_id"],
                            event_id=row["event_id"],
                            payload=row["payload"],
                            attempts=row["attempts"],
                            url=webhook_pb2.Webhook.FromString(row["body"]).url,
                            secret_key_id=row["secret_key_id"],
                            secret=row["secret"],
                        )
                    )
            return taken

        return await self._store._tx(work, write=True)

    async def release(self, owner: str) -> None:
        """Gives back what ``owner`` holds (a worker stopping mid-attempt): due again now."""
        d = webhook_deliveries

        def work(conn: Connection) -> None:
            conn.execute(
                update(d)
                .where(d.c.lease_owner == owner, d.c.status == PENDING)
                .values(lease_owner=None, lease_until=None)
            )

        await self._store._tx(work, write=True)

    async def finish(
        self, claimed: Claimed, owner: str, outcome: Outcome, at: int, disable_after: int
    ) -> bool:
        """Records one attempt of a held delivery; True when it disabled the webhook."""
        d, w = webhook_deliveries, webhooks

        def work(conn: Connection) -> bool:
            values: dict[str, Any] = {
                "attempts": claimed.attempts + 1,
                "last_status_code": outcome.status_code,
                "last_error": outcome.error[:_MAX_ERROR],
                "lease_owner": None,
                "lease_until": None,
            }
            if outcome.ok:
                values.update(status=DELIVERED, delivered_at=at)
            elif outcome.retry_at is None:
                values["status"] = FAILED
            else:
                values["next_attempt_at"] = outcome.retry_at
            held = conn.execute(
                update(d)
                .where(d.c.id == claimed.id, d.c.lease_owner == owner, d.c.status == PENDING)
                .values(**values)
            )
            if held.rowcount != 1:
                return False  # the lease ran out and another worker took it over
            if outcome.ok:
                conn.execute(
                    update(w).where(w.c.id == claimed.webhook_id).values(consecutive_failures=0)
                )
                return False
            conn.execute(
                update(w)
                .where(w.c.id == claimed.webhook_id)
                .values(consecutive_failures=w.c.consecutive_failures + 1)
            )
            row = (
                conn.execute(
                    select(w.c.body, w.c.status, w.c.consecutive_failures).where(
                        w.c.id == claimed.webhook_id
                    )
                )
                .mappings()
                .first()
            )
            if row is None or row["status"] != ENABLED:
                return False
            if row["consecutive_failures"] < disable_after:
                return False
            hook = webhook_pb2.Webhook.FromString(row["body"])
            hook.status = DISABLED
            hook.disabled_reason = "consecutive_failures"
            hook.updated_at.CopyFrom(to_timestamp(at))
            conn.execute(
                update(w)
                .where(w.c.id == claimed.webhook_id)
                .values(status=DISABLED, body=hook.SerializeToString())
            )
            return True

        return await self._store._tx(work, write=True)


def distinct(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
