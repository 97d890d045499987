"""Rows to messages and back: bodies are serialized protobuf, times integer µs."""

from __future__ import annotations

from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from sessiond.core.store.types import STATUS_VALUES
from sessiond.core.timeutil import now_us, to_timestamp
from sessiond.v1 import agent_pb2, environment_pb2, event_pb2, session_pb2


def us(ts: Timestamp) -> int:
    return ts.seconds * 1_000_000 + ts.nanos // 1000


def agent(body: bytes, head: Any) -> agent_pb2.Agent:
    out = agent_pb2.Agent.FromString(body)
    if head.archived_at is not None:
        out.archived_at.CopyFrom(to_timestamp(head.archived_at))
    return out


def environment(row: Any) -> environment_pb2.Environment:
    return environment_pb2.Environment.FromString(row.body)


def session_body(s: session_pb2.Session) -> bytes:
    """The session without what its columns hold (status, usage, times)."""
    body = session_pb2.Session()
    body.CopyFrom(s)
    for name in ("usage", "stats", "archived_at", "updated_at"):
        body.ClearField(name)
    body.status = session_pb2.SESSION_STATUS_UNSPECIFIED
    return body.SerializeToString()


class ByName:
    """A row read by attribute, over one read by name only (an asyncpg Record)."""

    __slots__ = ("_row",)

    def __init__(self, row: Any) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        return self._row[name]


def session(row: Any) -> session_pb2.Session:
    s = session_pb2.Session.FromString(row.body)
    s.status = STATUS_VALUES[row.status]
    s.updated_at.CopyFrom(to_timestamp(row.updated_at))
    if row.archived_at is not None:
        s.archived_at.CopyFrom(to_timestamp(row.archived_at))
    u = s.usage
    u.input_tokens = row.input_tokens
    u.output_tokens = row.output_tokens
    u.cache_read_input_tokens = row.cache_read_input_tokens
    u.cache_creation.ephemeral_5m_input_tokens = row.cache_creation_input_tokens
    u.cache_creation.ephemeral_1h_input_tokens = 0
    active = row.active_seconds
    now = now_us()
    if row.turn_started_at is not None:
        active += (now - row.turn_started_at) / 1e6
    u.active_seconds = active
    s.stats.active_seconds = active
    s.stats.duration_seconds = max(0.0, (now - row.created_at) / 1e6)
    return s


def envelope(
    ev: event_pb2.SessionEvent,
    event_id: str,
    session_id: str,
    seq: int,
    created_at: int,
    processed_at: int | None,
) -> None:
    ev.id = event_id
    ev.session_id = session_id
    ev.sequence = seq
    ev.created_at.CopyFrom(to_timestamp(created_at))
    if processed_at is not None:
        ev.processed_at.CopyFrom(to_timestamp(processed_at))


def event_of(row: tuple[Any, ...]) -> event_pb2.SessionEvent:
    """An event from a row in ``sql.EVENT_COLUMNS`` order."""
    event_id, session_id, seq, created_at, processed_at, body = row
    ev = event_pb2.SessionEvent.FromString(body)
    envelope(ev, event_id, session_id, seq, created_at, processed_at)
    return ev


def event(row: Any) -> event_pb2.SessionEvent:
    return event_of((row.id, row.session_id, row.seq, row.created_at, row.processed_at, row.body))
