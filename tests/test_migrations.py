"""The schema is managed by Alembic migrations, on SQLite and on PostgreSQL:
they build exactly the tables the store queries, and an upgrade keeps data."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sessiond.core.store import migrations, schema
from sessiond.core.store.store import NewEvent, Store
from sessiond.core.timeutil import to_timestamp
from sessiond.v1 import agent_pb2, common_pb2, event_pb2, session_pb2
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.blackbox.cluster import create_database, drop_database, pg_url


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
        return
    base = pg_url()
    if base is None:
        pytest.skip("no PostgreSQL (scripts/test.sh starts one)")
    url = await create_database(base)
    try:
        yield url
    finally:
        await drop_database(url)


async def _migrate(url: str, revision: str = "head", *, drop_version: bool = False) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(migrations.upgrade, revision)
            if drop_version:
                await conn.execute(text("DROP TABLE alembic_version"))
    finally:
        await engine.dispose()


async def _seed_0001(url: str) -> None:
    """A session with two events, written as sessiond 0.1 wrote them."""
    s = session_pb2.Session(
        id="sesn_old",
        agent=agent_pb2.SessionAgent(id="agent_old", version=1),
        created_at=to_timestamp(1),
    )
    msg = event_pb2.SessionEvent(
        user_message=event_pb2.UserMessageEvent(
            content=[common_pb2.ContentBlock(text=common_pb2.TextBlock(text="kept"))]
        )
    )
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO sessions (id, created_at, updated_at, status, agent_id,"
                    " agent_version, last_seq, input_tokens, output_tokens,"
                    " cache_creation_input_tokens, cache_read_input_tokens, active_seconds, body)"
                    " VALUES ('sesn_old', 1, 1, 'idle', 'agent_old', 1, 1, 7, 0, 0, 0, 0, :body)"
                ),
                {"body": s.SerializeToString()},
            )
            await conn.execute(
                text(
                    "INSERT INTO events (id, session_id, seq, type, created_at, processed_at, body)"
                    " VALUES ('sevt_old', 'sesn_old', 1, 'user.message', 1, 1, :body)"
                ),
                {"body": msg.SerializeToString()},
            )
    finally:
        await engine.dispose()


async def test_migrations_build_exactly_the_tables_the_store_uses(db_url: str) -> None:
    # Through the scripts (a new database at "head" takes the tables directly).
    await _migrate(db_url, migrations.HEAD)
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), schema.metadata)
            )
    finally:
        await engine.dispose()
    assert diff == [], diff


@pytest.mark.parametrize("legacy", [False, True], ids=["from-0001", "from-before-migrations"])
async def test_an_upgrade_keeps_sessions_and_events(db_url: str, legacy: bool) -> None:
    await _migrate(db_url, "0001", drop_version=legacy)
    await _seed_0001(db_url)

    store = await Store.open(db_url)
    try:
        s = await store.get_session("sesn_old", ws="default")
        assert s.usage.input_tokens == 7
        stored = await store.append(
            "sesn_old",
            [NewEvent("sevt_new", "user.message", event_pb2.SessionEvent())],
        )
        assert stored[0].sequence == 2
        events = await store.events_after("sesn_old", 0, 10)
        assert [e.id for e in events] == ["sevt_old", "sevt_new"]
        assert events[0].user_message.content[0].text.text == "kept"
        assert await store.acquire_lease("sesn_old", "me", 1_000_000)
        assert not await store.acquire_lease("sesn_old", "other", 1_000_000)
    finally:
        await store.close()
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            columns = await conn.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("sessions")}
            )
    finally:
        await engine.dispose()
    assert version == migrations.HEAD
    assert {"lease_owner", "lease_expires_at"} <= columns


async def test_replicas_starting_together_migrate_once(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("several replicas share PostgreSQL only")
    stores = await asyncio.gather(*(Store.open(db_url) for _ in range(3)))
    for store in stores:
        await store.close()
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    finally:
        await engine.dispose()
    assert [v[0] for v in versions] == [migrations.HEAD]


def test_head_names_the_newest_script() -> None:
    """`upgrade` skips Alembic when the database is at HEAD: HEAD must be current."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrations.config())
    assert scripts.get_current_head() == migrations.HEAD


async def test_a_new_database_is_created_at_head(db_url: str) -> None:
    store = await Store.open(db_url)
    await store.close()
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            version = await conn.run_sync(migrations.current)
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), schema.metadata)
            )
    finally:
        await engine.dispose()
    assert version == migrations.HEAD
    assert diff == [], diff


async def test_reading_a_session_queue_does_not_scan_its_history(tmp_path: Path) -> None:
    """The runner reads a session's unprocessed events at every turn: on a
    session with a million events that must be an index lookup, not a scan."""
    import sqlite3

    from sessiond.core.store import sql

    path = tmp_path / "db.sqlite"
    await (await Store.open(f"sqlite+aiosqlite:///{path}")).close()  # creates the tables
    with contextlib.closing(sqlite3.connect(path)) as conn:

        def plan(sql: str, *params: object) -> str:
            return " ".join(str(r[-1]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params))

        queue = plan(sql.PENDING_SQL, "sesn_x")
        history = plan(sql.EVENTS_AFTER_SQL, "sesn_x", 5, 100)
    assert "events_unprocessed" in queue and "SCAN" not in queue, queue
    assert "SCAN" not in history, history
