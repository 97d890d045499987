"""The tables of webhooks and their outbox (migration 0050). Registered on the
one ``schema.metadata``."""

from __future__ import annotations

from sessiond.core.store.schema import ID, metadata
from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, String, Table, Text

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", ID, primary_key=True),
    Column("workspace", String(64), nullable=False, server_default="default"),
    Column("created_at", BigInteger, nullable=False),
    # "enabled" or "disabled"; the body's copy is rewritten from it on read.
    Column("status", String(16), nullable=False),
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    # sessiond.v1.Webhook, without its secret.
    Column("body", LargeBinary, nullable=False),
    # The signing secret, sealed with the vault keyring (core/vaultkeys.py).
    Column("secret_key_id", String(32), nullable=False),
    Column("secret", LargeBinary, nullable=False),
    Index("webhooks_by_workspace", "workspace", "created_at", "id"),
)

# The outbox: one row per (webhook, event), written when the event happens.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", ID, primary_key=True),
    Column("webhook_id", ID, nullable=False),
    Column("workspace", String(64), nullable=False, server_default="default"),
    Column("event_id", ID, nullable=False),
    Column("event_type", String(64), nullable=False),
    # The JSON body, exactly as POSTed on every attempt.
    Column("payload", Text, nullable=False),
    # "pending", "delivered" or "failed".
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("next_attempt_at", BigInteger, nullable=False),
    # Which replica's worker holds the row, and until when.
    Column("lease_owner", String(256), nullable=True),
    Column("lease_until", BigInteger, nullable=True),
    Column("last_status_code", Integer, nullable=False, server_default="0"),
    Column("last_error", String(512), nullable=False, server_default=""),
    Column("delivered_at", BigInteger, nullable=True),
    Index("webhook_deliveries_due", "status", "next_attempt_at"),
    Index("webhook_deliveries_by_webhook", "webhook_id", "created_at", "id"),
)
