"""Deployments and their runs (docs: "Scheduled deployments"). A run of a cron
tick is unique per (deployment_id, scheduled_at): the database decides which
replica fires it."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0030"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "deployments",
        sa.Column("id", ID, primary_key=True),
        sa.Column("workspace", sa.String(64), nullable=False, server_default="default"),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("archived_at", sa.BigInteger, nullable=True),
        sa.Column("agent_id", ID, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("next_fire_at", sa.BigInteger, nullable=True),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )
    op.create_index("deployments_by_workspace", "deployments", ["workspace", "created_at", "id"])
    op.create_index("deployments_by_next_fire", "deployments", ["next_fire_at"])
    op.create_table(
        "deployment_runs",
        sa.Column("id", ID, primary_key=True),
        sa.Column("workspace", sa.String(64), nullable=False, server_default="default"),
        sa.Column("deployment_id", ID, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("scheduled_at", sa.BigInteger, nullable=True),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("has_error", sa.Integer, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("deployment_id", "scheduled_at", name="deployment_runs_one_per_tick"),
    )
    op.create_index(
        "deployment_runs_by_workspace", "deployment_runs", ["workspace", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("deployment_runs_by_workspace", "deployment_runs")
    op.drop_table("deployment_runs")
    op.drop_index("deployments_by_next_fire", "deployments")
    op.drop_index("deployments_by_workspace", "deployments")
    op.drop_table("deployments")
