"""Turn leases for several replicas, and an index of unprocessed events."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(64), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", sa.BigInteger, nullable=True))
    op.create_index(
        "events_unprocessed",
        "events",
        ["session_id"],
        postgresql_where=sa.text("processed_at IS NULL"),
        sqlite_where=sa.text("processed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("events_unprocessed", "events")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("lease_expires_at")
        batch.drop_column("lease_owner")
