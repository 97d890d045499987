"""The work queue of self-hosted environments (work items and the workers
that poll them), and vaults with their sealed credentials. A work item belongs
to its environment's workspace; vaults and credentials carry their own."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("environment_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("live_session_id", sa.String(64), nullable=True, unique=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("polled_at", sa.BigInteger, nullable=True),
        sa.Column("worker_id", sa.String(256), nullable=True),
        sa.Column("acknowledged_at", sa.BigInteger, nullable=True),
        sa.Column("started_at", sa.BigInteger, nullable=True),
        sa.Column("latest_heartbeat_at", sa.BigInteger, nullable=True),
        sa.Column("lease_expires_at", sa.BigInteger, nullable=True),
        sa.Column("ttl_seconds", sa.Integer, nullable=True),
        sa.Column("stop_requested_at", sa.BigInteger, nullable=True),
        sa.Column("stopped_at", sa.BigInteger, nullable=True),
        sa.Column("metadata", sa.String, nullable=False),
    )
    op.create_index("work_by_environment", "work", ["environment_id", "state", "created_at"])
    op.create_table(
        "work_pollers",
        sa.Column("environment_id", sa.String(64), primary_key=True),
        sa.Column("worker_id", sa.String(256), primary_key=True),
        sa.Column("last_poll_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "vaults",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("archived_at", sa.BigInteger, nullable=True),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("workspace", sa.String(64), nullable=False, server_default="default"),
    )
    op.create_index("vaults_by_workspace", "vaults", ["workspace", "created_at", "id"])
    op.create_table(
        "vault_credentials",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("vault_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("archived_at", sa.BigInteger, nullable=True),
        sa.Column("mcp_server_url", sa.String, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("secret_key_id", sa.String(32), nullable=False),
        sa.Column("secret", sa.LargeBinary, nullable=False),
        sa.Column("workspace", sa.String(64), nullable=False, server_default="default"),
    )
    op.create_index(
        "vault_credentials_by_vault", "vault_credentials", ["vault_id", "created_at", "id"]
    )
    op.create_index("vault_credentials_by_url", "vault_credentials", ["vault_id", "mcp_server_url"])


def downgrade() -> None:
    op.drop_table("vault_credentials")
    op.drop_table("vaults")
    op.drop_table("work_pollers")
    op.drop_index("work_by_environment", "work")
    op.drop_table("work")
