"""The tables of what sessions work on: files, memory stores, session resource
secrets (issue 12). Registered on the one ``schema.metadata``; every table has a
``workspace`` column for the scoping of API keys."""

from __future__ import annotations

from sessiond.core.store.schema import ID, metadata
from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

WORKSPACE = String(64)


def _workspace() -> Column[str]:
    return Column("workspace", WORKSPACE, nullable=False, server_default="default")


# File contents by SHA-256, shared by every file with the same bytes; the
# replicas' source of truth (each replica caches them under its data dir).
blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

files = Table(
    "files",
    metadata,
    Column("id", ID, primary_key=True),
    _workspace(),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    # The session that wrote it to its outputs (null: uploaded).
    Column("scope_id", ID, nullable=True),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("filename", String(1024), nullable=False),
    Column("mime_type", String(255), nullable=False),
    Index("files_by_created", "workspace", "created_at", "id"),
    Index("files_by_scope", "scope_id", "filename"),
)

memory_stores = Table(
    "memory_stores",
    metadata,
    Column("id", ID, primary_key=True),
    _workspace(),
    Column("created_at", BigInteger, nullable=False),
    Column("archived_at", BigInteger, nullable=True),
    # sessiond.v1.MemoryStore
    Column("body", LargeBinary, nullable=False),
    Index("memory_stores_by_created", "workspace", "created_at", "id"),
)

memories = Table(
    "memories",
    metadata,
    Column("id", ID, primary_key=True),
    _workspace(),
    Column("store_id", ID, nullable=False),
    Column("path", String(1024), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("content", Text, nullable=False),
    Column("version_id", ID, nullable=False),
    UniqueConstraint("store_id", "path", name="memories_store_path"),
)

memory_versions = Table(
    "memory_versions",
    metadata,
    Column("id", ID, primary_key=True),
    _workspace(),
    Column("store_id", ID, nullable=False),
    Column("memory_id", ID, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("operation", String(16), nullable=False),
    Column("path", String(1024), nullable=False),
    Column("content", Text, nullable=True),
    Column("sha256", String(64), nullable=True),
    Column("size", BigInteger, nullable=True),
    # The session whose agent made it (null: the API).
    Column("session_id", ID, nullable=True),
    Column("redacted_at", BigInteger, nullable=True),
    Index("memory_versions_by_store", "store_id", "created_at", "id"),
)

# Which memory stores a session has attached (for sessions.list's filter).
session_memory_stores = Table(
    "session_memory_stores",
    metadata,
    Column("session_id", ID, primary_key=True),
    Column("memory_store_id", ID, primary_key=True),
    _workspace(),
    Index("session_memory_stores_by_store", "memory_store_id"),
)

# Repository tokens, AES-GCM encrypted with the key in the data dir.
resource_secrets = Table(
    "resource_secrets",
    metadata,
    Column("resource_id", ID, primary_key=True),
    _workspace(),
    Column("session_id", ID, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
)

skills = Table(
    "skills",
    metadata,
    Column("id", ID, primary_key=True),
    _workspace(),
    Column("created_at", BigInteger, nullable=False),
    # sessiond.v1.SkillResource
    Column("body", LargeBinary, nullable=False),
    Index("skills_by_created", "workspace", "created_at", "id"),
)

skill_versions = Table(
    "skill_versions",
    metadata,
    Column("skill_id", ID, primary_key=True),
    Column("version", String(32), primary_key=True),
    _workspace(),
    Column("created_at", BigInteger, nullable=False),
    Column("name", String(64), nullable=False),
    Column("description", Text, nullable=False),
    # The directory the bundle's files sit in, and the bundle as a zip archive.
    Column("directory", String(255), nullable=False),
    Column("bundle", LargeBinary, nullable=False),
)
