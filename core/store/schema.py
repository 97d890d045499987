"""The tables, as of the newest migration (``core/store/migrations``; a test
proves the two agree). Portable SQL only: timestamps are integer microseconds since the
epoch, bodies are serialized protobuf messages, and nothing depends on a
dialect's extensions."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    text,
)

metadata = MetaData()

ID = String(64)

agents = Table(
    "agents",
    metadata,
    Column("id", ID, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("archived_at", BigInteger, nullable=True),
    # The workspace of the key that made it (CONTRACT.md §2); every query a
    # caller reaches is scoped by it.
    Column("workspace", String(64), nullable=False, server_default="default"),
    Index("agents_by_workspace", "workspace", "created_at", "id"),
)

agent_versions = Table(
    "agent_versions",
    metadata,
    Column("agent_id", ID, primary_key=True),
    Column("version", Integer, primary_key=True),
    # sessiond.v1.Agent, complete as of this version.
    Column("body", LargeBinary, nullable=False),
)

environments = Table(
    "environments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("created_at", BigInteger, nullable=False),
    Column("archived_at", BigInteger, nullable=True),
    # sessiond.v1.Environment
    Column("body", LargeBinary, nullable=False),
    Column("workspace", String(64), nullable=False, server_default="default"),
    Index("environments_by_workspace", "workspace", "created_at", "id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("archived_at", BigInteger, nullable=True),
    Column("status", String(16), nullable=False),
    Column("agent_id", ID, nullable=False),
    Column("agent_version", Integer, nullable=False),
    # Sequence of the newest event; events are numbered from 1 without gaps.
    Column("last_seq", BigInteger, nullable=False, default=0),
    Column("input_tokens", BigInteger, nullable=False, default=0),
    Column("output_tokens", BigInteger, nullable=False, default=0),
    Column("cache_creation_input_tokens", BigInteger, nullable=False, default=0),
    Column("cache_read_input_tokens", BigInteger, nullable=False, default=0),
    Column("active_seconds", Float, nullable=False, default=0.0),
    # When the running turn started (for active_seconds); null when idle.
    Column("turn_started_at", BigInteger, nullable=True),
    # sessiond.v1.Session without the columns above.
    Column("body", LargeBinary, nullable=False),
    # The replica that runs this session's turns, until lease_expires_at (µs).
    Column("lease_owner", String(64), nullable=True),
    Column("lease_expires_at", BigInteger, nullable=True),
    # A session's events belong to its workspace: reads of them go through it.
    Column("workspace", String(64), nullable=False, server_default="default"),
    Index("sessions_by_workspace", "workspace", "created_at", "id"),
    Index("sessions_by_status", "status"),
)

events = Table(
    "events",
    metadata,
    Column("id", ID, primary_key=True),
    Column("session_id", ID, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("processed_at", BigInteger, nullable=True),
    # sessiond.v1.SessionEvent with only its payload set.
    Column("body", LargeBinary, nullable=False),
    UniqueConstraint("session_id", "seq", name="events_session_seq"),
)
# Only the few events not yet processed: a session's queue in order, and the
# work a replica looks for when another one died. PostgreSQL's option is set by
# ``for_postgresql``: naming it here would load SQLAlchemy's PostgreSQL
# dialects (about 2 MB resident) into every SQLite server.
UNPROCESSED = text("processed_at IS NULL")
EVENTS_UNPROCESSED = Index(
    "events_unprocessed", events.c.session_id, events.c.seq, sqlite_where=UNPROCESSED
)


def for_postgresql() -> None:
    """Completes the tables for PostgreSQL (before they are created or compared there)."""
    EVENTS_UNPROCESSED.dialect_options["postgresql"]["where"] = UNPROCESSED


# Keys kept by `sessiond keys create` (and the one `serve` makes): only a
# SHA-256 of each (core/auth/keys.py says why that is enough).
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(256), nullable=False),
    Column("workspace", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_used_at", BigInteger, nullable=True),
    Column("revoked_at", BigInteger, nullable=True),
    UniqueConstraint("hash", name="api_keys_hash"),
)

# ------------------------------------------------------------------ work queue
# Self-hosted environments (core/store/work.py; migration 0010).

work = Table(
    "work",
    metadata,
    Column("id", ID, primary_key=True),
    Column("environment_id", ID, nullable=False),
    Column("session_id", ID, nullable=False),
    # The session's id while the item is not stopped: one live item per session.
    Column("live_session_id", ID, nullable=True, unique=True),
    Column("state", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    # When a worker last claimed it by polling, and which worker.
    Column("polled_at", BigInteger, nullable=True),
    Column("worker_id", String(256), nullable=True),
    Column("acknowledged_at", BigInteger, nullable=True),
    Column("started_at", BigInteger, nullable=True),
    Column("latest_heartbeat_at", BigInteger, nullable=True),
    Column("lease_expires_at", BigInteger, nullable=True),
    Column("ttl_seconds", Integer, nullable=True),
    Column("stop_requested_at", BigInteger, nullable=True),
    Column("stopped_at", BigInteger, nullable=True),
    # JSON object of strings.
    Column("metadata", String, nullable=False, default="{}"),
    Index("work_by_environment", "environment_id", "state", "created_at"),
)

work_pollers = Table(
    "work_pollers",
    metadata,
    Column("environment_id", ID, primary_key=True),
    Column("worker_id", String(256), primary_key=True),
    Column("last_poll_at", BigInteger, nullable=False),
)

# ---------------------------------------------------------------------- vaults
# Vaults and credentials (core/store/vaults.py; migration 0010). A credential's
# secrets are sealed (core/vaultkeys.py): ``secret`` with the key ``secret_key_id``.

vaults = Table(
    "vaults",
    metadata,
    Column("id", ID, primary_key=True),
    Column("created_at", BigInteger, nullable=False),
    Column("archived_at", BigInteger, nullable=True),
    # sessiond.v1.Vault
    Column("body", LargeBinary, nullable=False),
    Column("workspace", String(64), nullable=False, server_default="default"),
    Index("vaults_by_workspace", "workspace", "created_at", "id"),
)

vault_credentials = Table(
    "vault_credentials",
    metadata,
    Column("id", ID, primary_key=True),
    Column("vault_id", ID, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("archived_at", BigInteger, nullable=True),
    Column("mcp_server_url", String, nullable=False),
    # sessiond.v1.Credential without its secrets.
    Column("body", LargeBinary, nullable=False),
    Column("secret_key_id", String(32), nullable=False),
    Column("secret", LargeBinary, nullable=False),
    Column("workspace", String(64), nullable=False, server_default="default"),
    Index("vault_credentials_by_vault", "vault_id", "created_at", "id"),
    Index("vault_credentials_by_url", "vault_id", "mcp_server_url"),
)

# The tables of issue 12 (files, memory stores, resource secrets) register on
# the same metadata.
from sessiond.core.store import inputs_schema as _inputs_schema  # noqa: E402,F401

# ------------------------------------------------------------------ deployments
# Deployments and their runs (core/store/deployments.py; migration 0040). A
# scheduled run is unique per (deployment_id, scheduled_at): one per cron tick.

deployments = Table(
    "deployments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("workspace", String(64), nullable=False, server_default="default"),
    Column("created_at", BigInteger, nullable=False),
    Column("archived_at", BigInteger, nullable=True),
    Column("agent_id", ID, nullable=False),
    # sessiond.v1.DeploymentStatus
    Column("status", Integer, nullable=False),
    # The next cron tick (UTC µs, before jitter); null: no schedule, or archived.
    Column("next_fire_at", BigInteger, nullable=True),
    # sessiond.v1.Deployment
    Column("body", LargeBinary, nullable=False),
    Index("deployments_by_workspace", "workspace", "created_at", "id"),
    Index("deployments_by_next_fire", "next_fire_at"),
)

deployment_runs = Table(
    "deployment_runs",
    metadata,
    Column("id", ID, primary_key=True),
    Column("workspace", String(64), nullable=False, server_default="default"),
    Column("deployment_id", ID, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    # The cron tick of a scheduled run; null for a manual one.
    Column("scheduled_at", BigInteger, nullable=True),
    Column("trigger", String(16), nullable=False),
    # 0 while the run's session is being made (claimed, not finished).
    Column("done", Integer, nullable=False),
    Column("has_error", Integer, nullable=False),
    # sessiond.v1.DeploymentRun
    Column("body", LargeBinary, nullable=False),
    UniqueConstraint("deployment_id", "scheduled_at", name="deployment_runs_one_per_tick"),
    Index("deployment_runs_by_workspace", "workspace", "created_at", "id"),
)
# The tables of session threads (issue 13).
from sessiond.core.store import threads_schema as _threads_schema  # noqa: E402,F401
from sessiond.core.store import webhooks_schema as _webhooks_schema  # noqa: E402,F401
