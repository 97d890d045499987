"""Session threads and their events (issue 13)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0020"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "session_threads",
        sa.Column("id", ID, primary_key=True),
        sa.Column("session_id", ID, nullable=False),
        sa.Column("workspace", sa.String(64), nullable=False, server_default="default"),
        sa.Column("parent_thread_id", ID, nullable=True),
        sa.Column("agent_name", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.Column("archived_at", sa.BigInteger, nullable=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("input_tokens", sa.BigInteger, nullable=False),
        sa.Column("output_tokens", sa.BigInteger, nullable=False),
        sa.Column("cache_read_input_tokens", sa.BigInteger, nullable=False),
        sa.Column("active_seconds", sa.Float, nullable=False),
        sa.Column("turn_started_at", sa.BigInteger, nullable=True),
        sa.Column("agent", sa.LargeBinary, nullable=False),
    )
    op.create_index(
        "session_threads_by_session", "session_threads", ["session_id", "created_at", "id"]
    )
    op.create_table(
        "thread_events",
        sa.Column("thread_id", ID, primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("id", ID, nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("processed_at", sa.BigInteger, nullable=True),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )
    op.create_index("thread_events_by_id", "thread_events", ["thread_id", "id"])


def downgrade() -> None:
    op.drop_index("thread_events_by_id", "thread_events")
    op.drop_table("thread_events")
    op.drop_index("session_threads_by_session", "session_threads")
    op.drop_table("session_threads")
