"""Bulk-seeds one session's events straight into the server's database (the server is
stopped meanwhile): rows as the server would store them, written as fast as the
database takes them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

from lib import NotAvailable, Postgres, Store

BATCH = 50_000
TEXT = "seeded event for the ListEvents benchmark"


def id_prefix() -> str:
    """'sevt_' and 16 time-ordered characters (the server's own id scheme); a
    10-digit counter completes the 26."""
    from sessiond.core import ids

    return ids.new_id(ids.EVENT)[:21]


def seq_of(event_id: str, first_seq: int) -> int:
    """The sequence of a seeded event, from its id."""
    return first_seq + int(event_id[-10:])


def _body() -> bytes:
    from sessiond.v1 import common_pb2, event_pb2

    return event_pb2.SessionEvent(
        user_message=event_pb2.UserMessageEvent(
            content=[common_pb2.ContentBlock(text=common_pb2.TextBlock(text=TEXT))]
        )
    ).SerializeToString()


def _columns() -> tuple[Any, list[str]]:
    """The events table and its column names; refuses a schema with a required column
    this seeder does not know how to fill."""
    from sessiond.core.store import schema

    cols = ["id", "session_id", "seq", "type", "created_at", "processed_at", "body"]
    known = set(cols)
    table = schema.events
    unknown = [
        c.name
        for c in table.columns
        if c.name not in known
        and not c.nullable
        and c.default is None
        and c.server_default is None
        and not c.primary_key
    ]
    if unknown:
        raise NotAvailable(f"events has required columns the seeder cannot fill: {unknown}")
    missing = known - {c.name for c in table.columns}
    if missing:
        raise NotAvailable(f"events no longer has the columns {sorted(missing)}")
    return table, cols


def _rows(session_id: str, first_seq: int, first_us: int, n: int) -> Iterator[tuple[Any, ...]]:
    prefix = id_prefix()
    body = _body()
    for i in range(n):
        us = first_us + i
        yield (f"{prefix}{i:010d}", session_id, first_seq + i, "user.message", us, us, body)


async def seed_events(store: Store, session_id: str, n: int) -> tuple[int, int]:
    """Appends ``n`` user.message events to the session; returns (first seq, first
    created_at in µs). Event i has seq first+i and created_at first_us+i."""
    table, cols = _columns()
    if store.config.db == "pg":
        return await _seed_pg(store, table, cols, session_id, n)
    return await asyncio.to_thread(_seed_sqlite, store, table, cols, session_id, n)


def _seed_sqlite(
    store: Store, table: Any, cols: list[str], session_id: str, n: int
) -> tuple[int, int]:
    from sessiond.core.store import schema
    from sqlalchemy import create_engine, insert, select, update

    engine = create_engine(f"sqlite:///{store.sqlite_path}")
    try:
        with engine.begin() as conn:
            s = schema.sessions
            last = conn.execute(select(s.c.last_seq).where(s.c.id == session_id)).scalar_one()
            first_seq, first_us = int(last) + 1, time.time_ns() // 1000
            batch: list[dict[str, Any]] = []
            stmt = insert(table)
            for row in _rows(session_id, first_seq, first_us, n):
                batch.append(dict(zip(cols, row, strict=True)))
                if len(batch) == BATCH:
                    conn.execute(stmt, batch)
                    batch = []
            if batch:
                conn.execute(stmt, batch)
            conn.execute(update(s).where(s.c.id == session_id).values(last_seq=last + n))
    finally:
        engine.dispose()
    return first_seq, first_us


async def _seed_pg(
    store: Store, table: Any, cols: list[str], session_id: str, n: int
) -> tuple[int, int]:
    import asyncpg
    from sessiond.core.store import schema

    conn = await asyncpg.connect(Postgres.dsn(store.db_url))
    try:
        async with conn.transaction():
            sessions = schema.sessions.name
            last = await conn.fetchval(
                f'SELECT last_seq FROM "{sessions}" WHERE id = $1 FOR UPDATE', session_id
            )
            if last is None:
                raise NotAvailable(f"no session row {session_id!r} to seed")
            first_seq, first_us = int(last) + 1, time.time_ns() // 1000
            await conn.copy_records_to_table(
                table.name, records=_rows(session_id, first_seq, first_us, n), columns=cols
            )
            await conn.execute(
                f'UPDATE "{sessions}" SET last_seq = $1 WHERE id = $2', int(last) + n, session_id
            )
        await conn.execute(f'ANALYZE "{table.name}"')
    finally:
        await conn.close()
    return first_seq, first_us
