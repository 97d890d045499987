"""The tables of session threads (issue 13, migration 0030), registered on the one
``schema.metadata``.

A child thread's events have their own sequence in ``thread_events``; the primary
thread's events are the session's own (``events``), unchanged.
"""

from __future__ import annotations

from sessiond.core.store.schema import ID, metadata
from sqlalchemy import BigInteger, Column, Float, Index, LargeBinary, String, Table

session_threads = Table(
    "session_threads",
    metadata,
    Column("id", ID, primary_key=True),
    Column("session_id", ID, nullable=False),
    Column("workspace", String(64), nullable=False, server_default="default"),
    Column("parent_thread_id", ID, nullable=True),
    Column("agent_name", String(256), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("archived_at", BigInteger, nullable=True),
    # Sequence of the thread's newest event (numbered from 1 without gaps).
    Column("last_seq", BigInteger, nullable=False, default=0),
    Column("input_tokens", BigInteger, nullable=False, default=0),
    Column("output_tokens", BigInteger, nullable=False, default=0),
    Column("cache_read_input_tokens", BigInteger, nullable=False, default=0),
    Column("active_seconds", Float, nullable=False, default=0.0),
    # When the running turn started (for active_seconds); null when not running.
    Column("turn_started_at", BigInteger, nullable=True),
    # sessiond.v1.SessionThreadAgent
    Column("agent", LargeBinary, nullable=False),
    Index("session_threads_by_session", "session_id", "created_at", "id"),
)

thread_events = Table(
    "thread_events",
    metadata,
    Column("thread_id", ID, primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("id", ID, nullable=False),
    Column("type", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("processed_at", BigInteger, nullable=True),
    # sessiond.v1.SessionEvent with only its payload set.
    Column("body", LargeBinary, nullable=False),
    Index("thread_events_by_id", "thread_id", "id"),
)
