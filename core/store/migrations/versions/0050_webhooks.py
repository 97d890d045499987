"""Webhook endpoints (their signing secrets sealed) and the durable outbox of
their deliveries: one row per (webhook, event), claimed by a lease."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0050"
down_revision = "0040"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "webhooks",
        sa.Column("id", ID, primary_key=True),
        sa.Column("workspace", sa.String(64), nullable=False, server_default="default"),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("secret_key_id", sa.String(32), nullable=False),
        sa.Column("secret", sa.LargeBinary, nullable=False),
    )
    op.create_index("webhooks_by_workspace", "webhooks", ["workspace", "created_at", "id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", ID, primary_key=True),
        sa.Column("webhook_id", ID, nullable=False),
        sa.Column("workspace", sa.String(64), nullable=False, server_default="default"),
        sa.Column("event_id", ID, nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger, nullable=False),
        sa.Column("lease_owner", sa.String(256), nullable=True),
        sa.Column("lease_until", sa.BigInteger, nullable=True),
        sa.Column("last_status_code", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(512), nullable=False, server_default=""),
        sa.Column("delivered_at", sa.BigInteger, nullable=True),
    )
    op.create_index("webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"])
    op.create_index(
        "webhook_deliveries_by_webhook", "webhook_deliveries", ["webhook_id", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
