"""Workspaces: every agent, environment and session belongs to one; what
existed before goes into ``default``. Lists are scoped by workspace, so their
indexes lead with it."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TABLES = ("agents", "environments", "sessions")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("workspace", sa.String(64), nullable=False, server_default="default")
            )
        op.drop_index(f"{table}_by_created", table_name=table)
        op.create_index(f"{table}_by_workspace", table, ["workspace", "created_at", "id"])


def downgrade() -> None:
    for table in _TABLES:
        op.drop_index(f"{table}_by_workspace", table_name=table)
        op.create_index(f"{table}_by_created", table, ["created_at", "id"])
        with op.batch_alter_table(table) as batch:
            batch.drop_column("workspace")
