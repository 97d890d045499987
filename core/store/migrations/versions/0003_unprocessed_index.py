"""Unprocessed events by (session, sequence), only those: the queue of a
session is read without scanning its history, and the older two-column index
that did not serve it is dropped (one index less to write per event)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("events_unprocessed", "events")
    op.drop_index("events_pending", "events")
    op.create_index(
        "events_unprocessed",
        "events",
        ["session_id", "seq"],
        postgresql_where=sa.text("processed_at IS NULL"),
        sqlite_where=sa.text("processed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("events_unprocessed", "events")
    op.create_index("events_pending", "events", ["session_id", "processed_at"])
    op.create_index(
        "events_unprocessed",
        "events",
        ["session_id"],
        postgresql_where=sa.text("processed_at IS NULL"),
        sqlite_where=sa.text("processed_at IS NULL"),
    )
