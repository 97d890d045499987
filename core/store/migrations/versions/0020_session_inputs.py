"""Files, skills, memory stores, memories and their versions, the memory stores each
session attached, and encrypted repository tokens (issue 12)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0010"
branch_labels = None
depends_on = None

ID = sa.String(64)


def _workspace() -> sa.Column[str]:
    return sa.Column("workspace", sa.String(64), nullable=False, server_default="default")


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "files",
        sa.Column("id", ID, primary_key=True),
        _workspace(),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=True),
        sa.Column("scope_id", ID, nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("filename", sa.String(1024), nullable=False),
        sa.Column("mime_type", sa.String(255), nullable=False),
    )
    op.create_index("files_by_created", "files", ["workspace", "created_at", "id"])
    op.create_index("files_by_scope", "files", ["scope_id", "filename"])
    op.create_table(
        "memory_stores",
        sa.Column("id", ID, primary_key=True),
        _workspace(),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("archived_at", sa.BigInteger, nullable=True),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )
    op.create_index("memory_stores_by_created", "memory_stores", ["workspace", "created_at", "id"])
    op.create_table(
        "memories",
        sa.Column("id", ID, primary_key=True),
        _workspace(),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("version_id", ID, nullable=False),
        sa.UniqueConstraint("store_id", "path", name="memories_store_path"),
    )
    op.create_table(
        "memory_versions",
        sa.Column("id", ID, primary_key=True),
        _workspace(),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("memory_id", ID, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("content", sa.Text, nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("size", sa.BigInteger, nullable=True),
        sa.Column("session_id", ID, nullable=True),
        sa.Column("redacted_at", sa.BigInteger, nullable=True),
    )
    op.create_index("memory_versions_by_store", "memory_versions", ["store_id", "created_at", "id"])
    op.create_table(
        "session_memory_stores",
        sa.Column("session_id", ID, primary_key=True),
        sa.Column("memory_store_id", ID, primary_key=True),
        _workspace(),
    )
    op.create_index("session_memory_stores_by_store", "session_memory_stores", ["memory_store_id"])
    op.create_table(
        "resource_secrets",
        sa.Column("resource_id", ID, primary_key=True),
        _workspace(),
        sa.Column("session_id", ID, nullable=False),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    )

    op.create_table(
        "skills",
        sa.Column("id", ID, primary_key=True),
        _workspace(),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )
    op.create_index("skills_by_created", "skills", ["workspace", "created_at", "id"])
    op.create_table(
        "skill_versions",
        sa.Column("skill_id", ID, primary_key=True),
        sa.Column("version", sa.String(32), primary_key=True),
        _workspace(),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("directory", sa.String(255), nullable=False),
        sa.Column("bundle", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "skill_versions",
        "skills",
        "resource_secrets",
        "session_memory_stores",
        "memory_versions",
        "memories",
        "memory_stores",
        "files",
        "blobs",
    ):
        op.drop_table(table)
