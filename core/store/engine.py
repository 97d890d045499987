"""Opening a database: one backend strategy per supported dialect.

SQLite (through aiosqlite's URL, run on sqlite3 in threads) is the embedded
default; PostgreSQL (asyncpg) the shared one. Each backend runs a unit of work
in one transaction and carries what differs between the two: the append's
statements, the fast reads, migrations under a lock. Any other URL is refused.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sessiond.core import errors
from sessiond.core.store import migrations, rows, sql
from sessiond.core.store.types import EVENTS_CHANNEL, Append
from sessiond.v1 import event_pb2
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util.concurrency import greenlet_spawn

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

R = TypeVar("R")
MIGRATION_LOCK = 0x5E55_10D
# PostgreSQL connections kept open. A connection is a server process and its
# prepared statements: one opened per burst and closed after it (SQLAlchemy's
# default overflow) costs a fork, the startup round trips and every statement
# prepared anew. Callers beyond these wait for one (the database runs few more
# statements at once than it has cores anyway).
PG_POOL_SIZE = 20
# The URLs sessiond opens, by SQLAlchemy backend name: the driver each needs.
DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}


class UnsupportedDatabase(errors.InvalidArgument):
    """The database URL names a dialect or driver sessiond does not run on."""


class Backend(Protocol):
    """What differs between databases; everything else is shared SQL."""

    # True when several replicas may share the database (leases matter).
    shared: bool

    async def tx(self, work: Callable[[Connection], R], *, write: bool, single: bool = False) -> R:
        """Runs ``work`` in one transaction, committed if ``write``. With
        ``single`` the work writes with one statement (reads aside), which
        a backend may run on its own, in autocommit."""
        ...

    async def close(self) -> None: ...

    def owns(self, server_pid: int) -> bool:
        """Whether the database server process ``server_pid`` serves one of
        this backend's connections (PostgreSQL; never on SQLite)."""
        ...

    def insert_events(
        self, conn: Connection, job: Append, params: dict[str, Any], shape: tuple[Any, ...]
    ) -> int | None:
        """Updates the session and inserts ``job.new`` with ``params[processed]``
        and ``params[bodies]``, marking ``job.mark_processed``; returns the
        session's new last seq, or None when the update's checks refused it."""
        ...

    def events_after(
        self, conn: Connection, session_id: str, seq: int, limit: int
    ) -> list[event_pb2.SessionEvent]: ...

    def pending(self, conn: Connection, session_id: str) -> list[event_pb2.SessionEvent]: ...

    async def fetch(self, stmt: Executable, params: dict[str, Any]) -> Sequence[Any]:
        """The rows of one statement, in autocommit. On PostgreSQL it runs
        straight on asyncpg (rows are asyncpg Records: by index or by name)."""
        ...

    async def append_alone(
        self, job: Append, params: dict[str, Any], shape: tuple[Any, ...]
    ) -> int | None:
        """``insert_events`` as a statement of its own, in autocommit."""
        ...


def parse_url(url: str) -> URL:
    """The URL if sessiond supports it, else :class:`UnsupportedDatabase`."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UnsupportedDatabase(f"--db: {url!r} is not a database URL; {_USE}") from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if DRIVERS.get(backend) != driver:
        raise UnsupportedDatabase(f"--db: unsupported database {parsed.drivername!r}; {_USE}")
    return parsed


_USE = "use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB."


async def open_backend(url: str) -> Backend:
    """Connects to the database of ``url`` and migrates it to the newest schema."""
    parsed = parse_url(url)
    backend: Backend
    if parsed.get_backend_name() == "sqlite":
        backend = SqliteBackend(parsed)
        await backend.tx(migrations.upgrade, write=True)
    else:
        backend = PostgresBackend(url)
        await backend.tx(_migrate_locked, write=True)
    return backend


def _migrate_locked(conn: Connection) -> None:
    # Replicas starting together migrate one at a time.
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
    migrations.upgrade(conn)


class SqliteBackend:
    """Every unit of work runs in a thread on sqlite3: one writer thread, whose
    transactions take the write lock at once, and reader threads in autocommit
    (one statement, one consistent snapshot). The hot statements go straight to
    the driver: SQLAlchemy's execution plumbing costs more than they do."""

    shared = False

    def __init__(self, url: URL) -> None:
        plain = url.set(drivername="sqlite")
        self._writer = _sqlite_engine(plain, "BEGIN IMMEDIATE")
        self._reader = _sqlite_engine(plain, None)
        self._write_pool = ThreadPoolExecutor(1, thread_name_prefix="sqlite-write")
        self._read_pool = ThreadPoolExecutor(2, thread_name_prefix="sqlite-read")
        # Each pool thread keeps its connection open: a unit of work then
        # costs no pool checkout, reset and checkin around it.
        self._local = threading.local()
        self._opened: list[Connection] = []
        self._opened_lock = threading.Lock()

    async def tx(self, work: Callable[[Connection], R], *, write: bool, single: bool = False) -> R:
        engine = self._writer if write else self._reader
        pool = self._write_pool if write else self._read_pool
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, self._in_transaction, engine, work)

    def _in_transaction(self, engine: Engine, work: Callable[[Connection], R]) -> R:
        """Runs in a pool thread, on that thread's own connection."""
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is not None and conn.engine is not engine:
            conn = None
        if conn is None or conn.closed or conn.invalidated:
            conn = engine.connect()
            self._local.conn = conn
            with self._opened_lock:
                self._opened.append(conn)
        with conn.begin():
            return work(conn)

    async def close(self) -> None:
        for pool in (self._write_pool, self._read_pool):
            await asyncio.to_thread(pool.shutdown)
        # The pools' threads are done: their connections go back and close.
        for conn in self._opened:
            conn.close()
        self._writer.dispose()
        self._reader.dispose()

    def owns(self, server_pid: int) -> bool:
        return False

    def insert_events(
        self, conn: Connection, job: Append, params: dict[str, Any], shape: tuple[Any, ...]
    ) -> int | None:
        raw = _driver(conn)
        found = raw.execute(sql.sqlite_session_update(*shape), params).fetchone()
        if found is None:
            return None
        last = int(found[0])
        first = last - len(job.new)
        if job.new:
            sid, at, processed, bodies = (
                job.session_id,
                params["at"],
                params["processed"],
                params["bodies"],
            )
            raw.executemany(
                sql.INSERT_EVENTS_SQL,
                [
                    (ev.id, sid, first + i, ev.type, at, processed[i - 1], bodies[i - 1])
                    for i, ev in enumerate(job.new, start=1)
                ],
            )
        if job.mark_processed:
            mark(conn, job.session_id, job.mark_processed, params["at"])
        return last

    def events_after(
        self, conn: Connection, session_id: str, seq: int, limit: int
    ) -> list[event_pb2.SessionEvent]:
        cur = _driver(conn).execute(sql.EVENTS_AFTER_SQL, (session_id, seq, limit))
        return [rows.event_of(r) for r in cur]

    def pending(self, conn: Connection, session_id: str) -> list[event_pb2.SessionEvent]:
        cur = _driver(conn).execute(sql.PENDING_SQL, (session_id,))
        return [rows.event_of(r) for r in cur]

    async def fetch(self, stmt: Executable, params: dict[str, Any]) -> Sequence[Any]:
        return await self.tx(lambda conn: conn.execute(stmt, params).all(), write=False)

    async def append_alone(
        self, job: Append, params: dict[str, Any], shape: tuple[Any, ...]
    ) -> int | None:
        return await self.tx(
            lambda conn: self.insert_events(conn, job, params, shape), write=True, single=True
        )


class PostgresBackend:
    """Every unit of work is one ``run_sync`` on an asyncpg connection; reads,
    and writes made by one statement, run in autocommit (no BEGIN and COMMIT
    or ROLLBACK round trips around them)."""

    shared = True

    def __init__(self, url: str) -> None:
        from sqlalchemy.ext.asyncio import create_async_engine

        self._engine: AsyncEngine = create_async_engine(
            url,
            pool_pre_ping=False,
            pool_size=PG_POOL_SIZE,
            max_overflow=0,
            # The most recently used first: the same few connections stay warm.
            pool_use_lifo=True,
        )
        self._reader = self._engine.execution_options(isolation_level="AUTOCOMMIT")
        # The server processes of the open connections (a notification names
        # the one that sent it); a connection's leaves as it closes.
        self._pids: dict[int, int] = {}
        pool = self._engine.sync_engine.pool
        event.listen(pool, "connect", self._opened)
        event.listen(pool, "close", self._closed)
        event.listen(pool, "invalidate", self._invalidated)

    def _opened(self, _dbapi_conn: Any, record: Any) -> None:
        pid = record.driver_connection.get_server_pid()
        record.info["server_pid"] = pid
        self._pids[pid] = self._pids.get(pid, 0) + 1

    def _closed(self, _dbapi_conn: Any, record: Any) -> None:
        pid = record.info.pop("server_pid", None)
        if pid is not None:
            left = self._pids.pop(pid, 1) - 1
            if left > 0:
                self._pids[pid] = left

    def _invalidated(self, dbapi_conn: Any, record: Any, _exc: Any) -> None:
        self._closed(dbapi_conn, record)

    def owns(self, server_pid: int) -> bool:
        return server_pid in self._pids

    async def tx(self, work: Callable[[Connection], R], *, write: bool, single: bool = False) -> R:
        if write and not single:
            async with self._engine.begin() as aconn:
                return await aconn.run_sync(work)
        async with self._reader.connect() as aconn:
            return await aconn.run_sync(work)

    async def close(self) -> None:
        await self._engine.dispose()

    def insert_events(
        self, conn: Connection, job: Append, params: dict[str, Any], shape: tuple[Any, ...]
    ) -> int | None:
        # The whole append, its notification included, in one round trip.
        _pg_append_params(job, params)
        last = conn.execute(sql.pg_append(*shape), params).scalar()
        return None if last is None else int(last)

    async def append_alone(
        self, job: Append, params: dict[str, Any], shape: tuple[Any, ...]
    ) -> int | None:
        _pg_append_params(job, params)
        found = await self.fetch(sql.pg_append(*shape), params)
        last = found[0][0] if found else None
        return None if last is None else int(last)

    async def fetch(self, stmt: Executable, params: dict[str, Any]) -> Sequence[Any]:
        # SQLAlchemy's execution (a greenlet per unit of work, the statement
        # cache, cursor and result adaptation) costs more than these
        # statements: they go to asyncpg, on a connection of the same pool
        # (its prepared statements cached by asyncpg).
        text_, order = _asyncpg_sql(stmt)
        args = [params[k] for k in order]
        fairy = await self._engine.raw_connection()
        try:
            found: Sequence[Any] = await fairy.driver_connection.fetch(text_, *args)  # type: ignore[union-attr]
            return found
        finally:
            if _broken(fairy.driver_connection):
                await asyncio.shield(greenlet_spawn(_discard, fairy))
            else:
                # Back to the pool at once (nothing to roll back: no
                # transaction was begun), so no cancellation can lose it; after
                # a cancelled statement asyncpg makes the connection's next one
                # wait until the server has given it up.
                fairy.close()

    def events_after(
        self, conn: Connection, session_id: str, seq: int, limit: int
    ) -> list[event_pb2.SessionEvent]:
        cur = conn.execute(sql.EVENTS_AFTER, {"sid": session_id, "after": seq, "lim": limit})
        return [rows.event_of(tuple(r)) for r in cur]

    def pending(self, conn: Connection, session_id: str) -> list[event_pb2.SessionEvent]:
        cur = conn.execute(sql.PENDING, {"sid": session_id})
        return [rows.event_of(tuple(r)) for r in cur]


def _pg_append_params(job: Append, params: dict[str, Any]) -> None:
    new = job.new
    params.update(
        ids=[ev.id for ev in new],
        types=[ev.type for ev in new],
        mark=list(job.mark_processed),
        channel=EVENTS_CHANNEL,
    )


@functools.cache
def _asyncpg_sql(stmt: Executable) -> tuple[str, tuple[str, ...]]:
    """A statement as asyncpg runs it ($n parameters) and the names of its
    parameters in order."""
    from sqlalchemy.dialects.postgresql import asyncpg as pg_asyncpg

    assert isinstance(stmt, ClauseElement)
    done = stmt.compile(dialect=pg_asyncpg.dialect())
    assert isinstance(done, SQLCompiler)
    return done.string, tuple(done.positiontup or ())


def _broken(driver_conn: Any) -> bool:
    return driver_conn is None or bool(driver_conn.is_closed())


def _discard(fairy: Any) -> None:
    """Closes a pooled connection for good (in a greenlet: closing it awaits)."""
    fairy.invalidate()
    fairy.close()


def mark(conn: Connection, session_id: str, ids: Sequence[str], at: int) -> None:
    """Marks these events of the session processed (those not yet marked)."""
    conn.execute(sql.MARK_PROCESSED, {"sid": session_id, "ids": list(ids), "at_": at})


def _driver(conn: Connection) -> Any:
    """The sqlite3 connection under a SQLAlchemy one, in its transaction."""
    return conn.connection.driver_connection


def _sqlite_engine(url: URL, begin: str | None) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # The driver's own transaction handling is off: "begin" below decides.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    if begin is not None:

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql(begin)

    return engine
