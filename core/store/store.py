"""All SQL lives here: SQLAlchemy 2 Core on an async engine.

SQLite (aiosqlite) is the embedded default, PostgreSQL (asyncpg) the shared
one; the statements are the same for both.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp
from sessiond.core import errors
from sessiond.v1 import agent_pb2, environment_pb2, event_pb2, session_pb2
from sqlalchemy import (
    BigInteger,
    and_,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import URL, Connection, Engine, Row, make_url
from sqlalchemy.sql.elements import TextClause

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine
from sessiond.core.store import migrations
from sessiond.core.store import schema as t
from sessiond.core.timeutil import now_us, to_timestamp

STATUS_NAMES = {
    session_pb2.SESSION_STATUS_IDLE: "idle",
    session_pb2.SESSION_STATUS_RUNNING: "running",
    session_pb2.SESSION_STATUS_RESCHEDULING: "rescheduling",
    session_pb2.SESSION_STATUS_TERMINATED: "terminated",
}
STATUS_VALUES = {v: k for k, v in STATUS_NAMES.items()}
MIGRATION_LOCK = 0x5E55_10D
R = TypeVar("R")
# Appends on PostgreSQL notify this channel: "<session id> <first seq> <last seq>".
EVENTS_CHANNEL = "sessiond_events"


class LeaseLost(Exception):
    """This replica no longer holds the session's turn lease: another took over."""


@dataclass(frozen=True)
class Page:
    """Keyset position: rows strictly after (or before) this key."""

    key: tuple[Any, ...]
    backward: bool = False


@dataclass
class UsageDelta:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0


@dataclass(frozen=True)
class Append:
    """One append: events and the session changes they imply (see Store.append)."""

    session_id: str
    new: Sequence[NewEvent]
    require_open: bool = False
    status: str | None = None
    usage: UsageDelta | None = None
    turn: str | None = None
    mark_processed: tuple[str, ...] = ()
    owner: str | None = None


@dataclass(frozen=True)
class NewEvent:
    """An event to append: its id is chosen by the caller (previews use it)."""

    id: str
    type: str
    payload: event_pb2.SessionEvent
    processed: bool = True


class Store:
    """Every statement of a method runs in one hop: on SQLite in a thread (one
    writer thread, whose transactions take the write lock at once, and reader
    threads), on PostgreSQL as one ``run_sync`` on an asyncpg connection."""

    def __init__(
        self,
        engine: AsyncEngine | None,
        sqlite: tuple[Engine, Engine] | None = None,
    ) -> None:
        self.engine = engine
        self._sqlite = sqlite
        self.shared = engine is not None and engine.dialect.name == "postgresql"
        self._reader = engine.execution_options(isolation_level="AUTOCOMMIT") if engine else None
        self._write_pool = ThreadPoolExecutor(1, thread_name_prefix="sqlite-write")
        self._read_pool = ThreadPoolExecutor(2, thread_name_prefix="sqlite-read")

    @classmethod
    async def open(cls, url: str) -> Store:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            plain = parsed.set(drivername="sqlite")
            # Reads run in autocommit: one statement, one consistent snapshot.
            writer = _sqlite_engine(plain, "BEGIN IMMEDIATE")
            store = cls(None, (writer, _sqlite_engine(plain, None)))
            await store._tx(migrations.upgrade, write=True)
            return store
        # Only PostgreSQL needs the async engine (and asyncpg).
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(url, pool_pre_ping=False)

        def migrate(conn: Connection) -> None:
            if engine.dialect.name == "postgresql":
                # Replicas starting together migrate one at a time.
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
            migrations.upgrade(conn)

        store = cls(engine)
        await store._tx(migrate, write=True)
        return store

    async def close(self) -> None:
        for pool in (self._write_pool, self._read_pool):
            await asyncio.to_thread(pool.shutdown)
        if self.engine is not None:
            await self.engine.dispose()
        if self._sqlite is not None:
            for engine in self._sqlite:
                engine.dispose()

    async def _tx(self, work: Callable[[Connection], R], *, write: bool) -> R:
        """Runs ``work`` in one transaction (committed if ``write``)."""
        if self._sqlite is not None:
            engine = self._sqlite[0] if write else self._sqlite[1]
            pool = self._write_pool if write else self._read_pool
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(pool, _in_transaction, engine, work)
        assert self.engine is not None
        if write:
            async with self.engine.begin() as aconn:
                return await aconn.run_sync(work)
        # Reads in autocommit: no BEGIN and ROLLBACK round trips around them.
        assert self._reader is not None
        async with self._reader.connect() as aconn:
            return await aconn.run_sync(work)

    # ----------------------------------------------------------------- agents

    async def insert_agent(self, agent: agent_pb2.Agent) -> None:
        def work(conn: Connection) -> Any:
            conn.execute(
                insert(t.agents).values(
                    id=agent.id,
                    version=agent.version,
                    created_at=_us(agent.created_at),
                    updated_at=_us(agent.updated_at),
                )
            )
            conn.execute(
                insert(t.agent_versions).values(
                    agent_id=agent.id, version=agent.version, body=agent.SerializeToString()
                )
            )

        await self._tx(work, write=True)

    async def get_agent(self, agent_id: str, version: int | None = None) -> agent_pb2.Agent:
        def work(conn: Connection) -> Any:
            head = (conn.execute(select(t.agents).where(t.agents.c.id == agent_id))).first()
            if head is None:
                raise errors.NotFound(f"No agent with id {agent_id!r}.")
            v = head.version if version is None else version
            row = (
                conn.execute(
                    select(t.agent_versions.c.body).where(
                        t.agent_versions.c.agent_id == agent_id, t.agent_versions.c.version == v
                    )
                )
            ).first()
            return head, row, v

        head, row, v = await self._tx(work, write=False)
        if row is None:
            raise errors.NotFound(f"Agent {agent_id!r} has no version {v}.")
        return _agent(row.body, head)

    async def add_agent_version(self, agent: agent_pb2.Agent, expected_version: int) -> None:
        """Stores a new version if the head is still at expected_version."""

        def work(conn: Connection) -> Any:
            result = conn.execute(
                update(t.agents)
                .where(t.agents.c.id == agent.id, t.agents.c.version == expected_version)
                .values(version=agent.version, updated_at=_us(agent.updated_at))
            )
            if result.rowcount != 1:
                raise errors.Conflict(
                    f"Agent {agent.id!r} changed concurrently; retrieve it and retry."
                )
            conn.execute(
                insert(t.agent_versions).values(
                    agent_id=agent.id, version=agent.version, body=agent.SerializeToString()
                )
            )

        await self._tx(work, write=True)

    async def archive_agent(self, agent_id: str, at: int) -> agent_pb2.Agent:
        def work(conn: Connection) -> Any:
            conn.execute(
                update(t.agents)
                .where(t.agents.c.id == agent_id, t.agents.c.archived_at.is_(None))
                .values(archived_at=at, updated_at=at)
            )

        await self._tx(work, write=True)
        return await self.get_agent(agent_id)

    async def list_agents(
        self,
        limit: int,
        page: Page | None,
        include_archived: bool,
        created_gte: int | None,
        created_lte: int | None,
    ) -> tuple[list[agent_pb2.Agent], bool]:
        a, v = t.agents, t.agent_versions
        conds: list[Any] = []
        if not include_archived:
            conds.append(a.c.archived_at.is_(None))
        if created_gte is not None:
            conds.append(a.c.created_at >= created_gte)
        if created_lte is not None:
            conds.append(a.c.created_at <= created_lte)
        query = select(a, v.c.body).join(
            v, and_(v.c.agent_id == a.c.id, v.c.version == a.c.version)
        )
        rows, more = await self._keyset(query, conds, (a.c.created_at, a.c.id), True, limit, page)
        return [_agent(r.body, r) for r in rows], more

    async def list_agent_versions(
        self, agent_id: str, limit: int, page: Page | None
    ) -> tuple[list[agent_pb2.Agent], bool]:
        def work(conn: Connection) -> Any:
            head = (conn.execute(select(t.agents).where(t.agents.c.id == agent_id))).first()
            return head

        head = await self._tx(work, write=False)
        if head is None:
            raise errors.NotFound(f"No agent with id {agent_id!r}.")
        v = t.agent_versions
        rows, more = await self._keyset(
            select(v), [v.c.agent_id == agent_id], (v.c.version,), True, limit, page
        )
        return [_agent(r.body, head) for r in rows], more

    # ----------------------------------------------------------- environments

    async def insert_environment(self, env: environment_pb2.Environment) -> None:
        def work(conn: Connection) -> Any:
            conn.execute(
                insert(t.environments).values(
                    id=env.id, created_at=_us(env.created_at), body=env.SerializeToString()
                )
            )

        await self._tx(work, write=True)

    async def get_environment(self, env_id: str) -> environment_pb2.Environment:
        def work(conn: Connection) -> Any:
            row = (
                conn.execute(select(t.environments).where(t.environments.c.id == env_id))
            ).first()
            return row

        row = await self._tx(work, write=False)
        if row is None:
            raise errors.NotFound(f"No environment with id {env_id!r}.")
        return _env(row)

    async def put_environment(self, env: environment_pb2.Environment) -> None:
        def work(conn: Connection) -> Any:
            result = conn.execute(
                update(t.environments)
                .where(t.environments.c.id == env.id)
                .values(
                    body=env.SerializeToString(),
                    archived_at=_us(env.archived_at) if env.HasField("archived_at") else None,
                )
            )
            return result.rowcount

        rowcount = await self._tx(work, write=True)
        if rowcount != 1:
            raise errors.NotFound(f"No environment with id {env.id!r}.")

    async def delete_environment(self, env_id: str) -> None:
        def work(conn: Connection) -> Any:
            result = conn.execute(delete(t.environments).where(t.environments.c.id == env_id))
            return result.rowcount

        rowcount = await self._tx(work, write=True)
        if rowcount != 1:
            raise errors.NotFound(f"No environment with id {env_id!r}.")

    async def list_environments(
        self, limit: int, page: Page | None, include_archived: bool
    ) -> tuple[list[environment_pb2.Environment], bool]:
        e = t.environments
        conds = [] if include_archived else [e.c.archived_at.is_(None)]
        rows, more = await self._keyset(
            select(e), conds, (e.c.created_at, e.c.id), True, limit, page
        )
        return [_env(r) for r in rows], more

    # --------------------------------------------------------------- sessions

    async def insert_session(self, s: session_pb2.Session) -> None:
        def work(conn: Connection) -> Any:
            conn.execute(
                insert(t.sessions).values(
                    id=s.id,
                    created_at=_us(s.created_at),
                    updated_at=_us(s.updated_at),
                    status=STATUS_NAMES[s.status],
                    agent_id=s.agent.id,
                    agent_version=s.agent.version,
                    last_seq=0,
                    body=_session_body(s),
                )
            )

        await self._tx(work, write=True)

    async def get_session(self, session_id: str) -> session_pb2.Session:
        def work(conn: Connection) -> Any:
            return conn.execute(_SESSION, {"sid": session_id}).first()

        row = await self._tx(work, write=False)
        if row is None:
            raise errors.NotFound(f"No session with id {session_id!r}.")
        return _session(row)

    async def put_session_body(self, s: session_pb2.Session, at: int) -> None:
        def work(conn: Connection) -> Any:
            result = conn.execute(
                update(t.sessions)
                .where(t.sessions.c.id == s.id)
                .values(body=_session_body(s), updated_at=at)
            )
            return result.rowcount

        rowcount = await self._tx(work, write=True)
        if rowcount != 1:
            raise errors.NotFound(f"No session with id {s.id!r}.")

    async def archive_session(self, session_id: str, at: int) -> None:
        def work(conn: Connection) -> Any:
            result = conn.execute(
                update(t.sessions)
                .where(t.sessions.c.id == session_id)
                .values(archived_at=func.coalesce(t.sessions.c.archived_at, at), updated_at=at)
            )
            return result.rowcount

        rowcount = await self._tx(work, write=True)
        if rowcount != 1:
            raise errors.NotFound(f"No session with id {session_id!r}.")

    async def delete_session(self, session_id: str) -> None:
        def work(conn: Connection) -> Any:
            result = conn.execute(delete(t.sessions).where(t.sessions.c.id == session_id))
            if result.rowcount != 1:
                raise errors.NotFound(f"No session with id {session_id!r}.")
            conn.execute(delete(t.events).where(t.events.c.session_id == session_id))

        await self._tx(work, write=True)

    async def list_sessions(
        self,
        limit: int,
        page: Page | None,
        descending: bool,
        *,
        agent_id: str = "",
        agent_version: int | None = None,
        include_archived: bool = False,
        statuses: Sequence[str] = (),
        created: tuple[int | None, int | None, int | None, int | None] = (None,) * 4,
        memory_store_id: str = "",
    ) -> tuple[list[session_pb2.Session], bool]:
        s = t.sessions
        conds: list[Any] = []
        if not include_archived:
            conds.append(s.c.archived_at.is_(None))
        if agent_id:
            conds.append(s.c.agent_id == agent_id)
        if agent_version is not None:
            conds.append(s.c.agent_version == agent_version)
        if statuses:
            conds.append(s.c.status.in_(list(statuses)))
        conds.extend(_range(s.c.created_at, created))
        if memory_store_id:  # issue 12
            from sessiond.core.store.memory import sessions_with_store

            conds.append(s.c.id.in_(sessions_with_store(memory_store_id)))
        rows, more = await self._keyset(
            select(s), conds, (s.c.created_at, s.c.id), descending, limit, page
        )
        return [_session(r) for r in rows], more

    async def append(
        self,
        session_id: str,
        new: Sequence[NewEvent],
        *,
        require_open: bool = False,
        status: str | None = None,
        usage: UsageDelta | None = None,
        turn: str | None = None,
        mark_processed: Sequence[str] = (),
        owner: str | None = None,
    ) -> list[event_pb2.SessionEvent]:
        """Appends events in one transaction, with the session changes they imply.

        ``turn`` is "start" or "end": it opens or closes the active-time clock.
        With ``owner``, the append happens only while that replica holds the
        session's turn lease (else :class:`LeaseLost`). Returns the events as
        stored (envelope filled).
        """
        batch = Append(
            session_id, new, require_open, status, usage, turn, tuple(mark_processed), owner
        )
        (result,) = await self.append_batch([batch])
        if isinstance(result, BaseException):
            raise result
        return result

    async def append_batch(
        self, batch: Sequence[Append]
    ) -> list[list[event_pb2.SessionEvent] | Exception]:
        """Several appends in one transaction (group commit), applied in order.

        An append refused by its checks (unknown session, closed session, lost
        lease) writes nothing and gets its error in its place; the others
        commit. A database failure fails them all.
        """
        out: list[list[event_pb2.SessionEvent] | Exception] = []

        def work(conn: Connection) -> Any:
            for job in batch:
                try:
                    out.append(self._append(conn, job))
                except (errors.SessiondError, LeaseLost) as e:
                    out.append(e)

        await self._tx(work, write=True)
        return out

    def _append(self, conn: Connection, job: Append) -> list[event_pb2.SessionEvent]:
        at = now_us()
        session_id, new = job.session_id, job.new
        if not new and job.status is None and job.usage is None and job.turn is None:
            # Only marks events processed: the session itself does not change.
            if job.mark_processed:
                conn.execute(
                    update(t.events)
                    .where(
                        t.events.c.id.in_(list(job.mark_processed)),
                        t.events.c.processed_at.is_(None),
                    )
                    .values(processed_at=at)
                )
            return []
        # One statement checks, numbers and updates the session; a refusal is
        # explained by a second look only when it happens.
        params: dict[str, Any] = {"sid": session_id, "n": len(new), "at": at}
        if job.owner is not None:
            params["owner"] = job.owner
        if job.status is not None:
            params["status"] = job.status
        if job.usage is not None:
            u = job.usage
            params.update(
                it=u.input_tokens,
                ot=u.output_tokens,
                cct=u.cache_creation_input_tokens,
                crt=u.cache_read_input_tokens,
            )
        shape = (
            job.owner is not None,
            job.require_open,
            job.status is not None,
            job.usage is not None,
            job.turn,
        )
        bodies = [ev.payload.SerializeToString() for ev in new]
        processed = [at if ev.processed else None for ev in new]
        if self.shared:
            # PostgreSQL: the whole append, its notification included, in one
            # round trip.
            params.update(
                ids=[ev.id for ev in new],
                types=[ev.type for ev in new],
                processed=processed,
                bodies=bodies,
                mark=list(job.mark_processed),
                channel=EVENTS_CHANNEL,
            )
            last = conn.execute(_pg_append(*shape), params).scalar()
            if last is None:
                self._refusal(conn, job)
            first = int(last) - len(new)
        else:
            # SQLite: straight to the driver, inside the writer's transaction
            # (SQLAlchemy's execution plumbing cost more than the statements).
            raw = _driver(conn)
            found = raw.execute(_session_update_sql(*shape), params).fetchone()
            if found is None:
                self._refusal(conn, job)
            first = int(found[0]) - len(new)
            if new:
                raw.executemany(
                    _INSERT_EVENTS_SQL,
                    [
                        (ev.id, session_id, first + i, ev.type, at, processed[i - 1], bodies[i - 1])
                        for i, ev in enumerate(new, start=1)
                    ],
                )
            if job.mark_processed:
                conn.execute(
                    update(t.events)
                    .where(t.events.c.id.in_(list(job.mark_processed)))
                    .values(processed_at=at)
                )
        stored: list[event_pb2.SessionEvent] = []
        for i, ev in enumerate(new, start=1):
            full = event_pb2.SessionEvent()
            full.CopyFrom(ev.payload)
            _envelope(full, ev.id, session_id, first + i, at, processed[i - 1])
            stored.append(full)
        return stored

    def _refusal(self, conn: Connection, job: Append) -> NoReturn:
        s = t.sessions
        sid = job.session_id
        row = conn.execute(
            select(s.c.status, s.c.archived_at, s.c.lease_owner).where(s.c.id == sid)
        ).first()
        if row is None:
            raise errors.NotFound(f"No session with id {sid!r}.")
        if job.owner is not None and row.lease_owner != job.owner:
            raise LeaseLost(sid)
        if row.archived_at is not None:
            raise errors.Conflict(f"Session {sid!r} is archived and takes no new events.")
        raise errors.Conflict(f"Session {sid!r} is terminated and takes no new events.")

    # ----------------------------------------------------------------- leases

    async def acquire_lease(self, session_id: str, owner: str, ttl_us: int) -> bool:
        """Takes the session's turn lease if it is free, expired or already ours."""
        now = now_us()
        s = t.sessions

        def work(conn: Connection) -> Any:
            result = conn.execute(
                update(s)
                .where(
                    s.c.id == session_id,
                    or_(
                        s.c.lease_owner.is_(None),
                        s.c.lease_owner == owner,
                        s.c.lease_expires_at < now,
                    ),
                )
                .values(lease_owner=owner, lease_expires_at=now + ttl_us)
            )
            return result.rowcount

        rowcount = await self._tx(work, write=True)
        return bool(rowcount == 1)

    async def renew_lease(self, session_id: str, owner: str, ttl_us: int) -> bool:
        s = t.sessions

        def work(conn: Connection) -> Any:
            result = conn.execute(
                update(s)
                .where(s.c.id == session_id, s.c.lease_owner == owner)
                .values(lease_expires_at=now_us() + ttl_us)
            )
            return result.rowcount

        rowcount = await self._tx(work, write=True)
        return bool(rowcount == 1)

    async def release_lease(self, session_id: str, owner: str) -> None:
        s = t.sessions

        def work(conn: Connection) -> Any:
            conn.execute(
                update(s)
                .where(s.c.id == session_id, s.c.lease_owner == owner)
                .values(lease_owner=None, lease_expires_at=None)
            )

        await self._tx(work, write=True)

    async def clear_leases(self) -> None:
        """Frees every lease: for a database that only this process uses."""
        s = t.sessions

        def work(conn: Connection) -> Any:
            conn.execute(
                update(s)
                .where(s.c.lease_owner.is_not(None))
                .values(lease_owner=None, lease_expires_at=None)
            )

        await self._tx(work, write=True)

    async def orphaned_sessions(self, settled_before: int) -> list[str]:
        """Sessions with work and no live lease: a turn left running, or events
        older than ``settled_before`` that nobody processed."""
        now = now_us()
        s, e = t.sessions, t.events
        free = or_(s.c.lease_owner.is_(None), s.c.lease_expires_at < now)

        def work(conn: Connection) -> Any:
            running = conn.execute(
                select(s.c.id).where(s.c.status.in_(["running", "rescheduling"]), free)
            )
            out = [r.id for r in running]
            waiting = conn.execute(
                select(e.c.session_id)
                .where(e.c.processed_at.is_(None), e.c.created_at < settled_before)
                .distinct()
            )
            candidates = [r.session_id for r in waiting if r.session_id not in out]
            if candidates:
                rows = conn.execute(select(s.c.id).where(s.c.id.in_(candidates), free))
                out.extend(r.id for r in rows)
            return out

        out = await self._tx(work, write=False)
        return out

    async def last_seqs(self, session_ids: Sequence[str]) -> dict[str, int]:
        def work(conn: Connection) -> Any:
            rows = conn.execute(
                select(t.sessions.c.id, t.sessions.c.last_seq).where(
                    t.sessions.c.id.in_(list(session_ids))
                )
            )
            return {r.id: int(r.last_seq) for r in rows}

        return await self._tx(work, write=False)

    async def events_between(
        self, session_id: str, first: int, last: int
    ) -> list[event_pb2.SessionEvent]:
        e = t.events

        def work(conn: Connection) -> Any:
            rows = conn.execute(
                select(e)
                .where(e.c.session_id == session_id, e.c.seq >= first, e.c.seq <= last)
                .order_by(e.c.seq)
            )
            return [_event(r) for r in rows]

        return await self._tx(work, write=False)

    async def pending_events(self, session_id: str) -> list[event_pb2.SessionEvent]:
        e = t.events

        def work(conn: Connection) -> Any:
            rows = conn.execute(
                select(e)
                .where(e.c.session_id == session_id, e.c.processed_at.is_(None))
                .order_by(e.c.seq)
            )
            return [_event(r) for r in rows]

        return await self._tx(work, write=False)

    async def work_of(
        self, session_id: str
    ) -> tuple[list[event_pb2.SessionEvent], session_pb2.Session]:
        """A session's unprocessed events, in order, and the session (one read)."""

        def work(conn: Connection) -> Any:
            if self._sqlite is not None:
                raw = _driver(conn)
                events = [_event_of(r) for r in raw.execute(_PENDING_SQL, (session_id,))]
            else:
                events = [_event(r) for r in conn.execute(_PENDING, {"sid": session_id})]
            row = conn.execute(_SESSION, {"sid": session_id}).first()
            return events, row

        pending, row = await self._tx(work, write=False)
        if row is None:
            raise errors.NotFound(f"No session with id {session_id!r}.")
        return pending, _session(row)

    async def event_seq(self, session_id: str, event_id: str) -> int:
        e = t.events

        def work(conn: Connection) -> Any:
            row = (
                conn.execute(
                    select(e.c.seq).where(e.c.id == event_id, e.c.session_id == session_id)
                )
            ).first()
            return row

        row = await self._tx(work, write=False)
        if row is None:
            raise errors.NotFound(f"Session {session_id!r} has no event {event_id!r}.")
        return int(row.seq)

    async def events_after(
        self, session_id: str, seq: int, limit: int
    ) -> list[event_pb2.SessionEvent]:

        def work(conn: Connection) -> Any:
            if self._sqlite is not None:
                cur = _driver(conn).execute(_EVENTS_AFTER_SQL, (session_id, seq, limit))
                return [_event_of(r) for r in cur]
            rows = conn.execute(_EVENTS_AFTER, {"sid": session_id, "after": seq, "lim": limit})
            return [_event(r) for r in rows]

        return await self._tx(work, write=False)

    async def conversation(self, session_id: str) -> list[event_pb2.SessionEvent]:
        """Every event of a session in order (the model's context is rebuilt from it)."""
        return await self.events_after(session_id, 0, 1 << 62)

    async def list_events(
        self,
        session_id: str,
        limit: int,
        page: Page | None,
        descending: bool,
        types: Sequence[str],
        created: tuple[int | None, int | None, int | None, int | None],
    ) -> tuple[list[event_pb2.SessionEvent], bool]:
        e = t.events
        conds: list[Any] = [e.c.session_id == session_id]
        if types:
            conds.append(e.c.type.in_(list(types)))
        conds.extend(_range(e.c.created_at, created))
        rows, more = await self._keyset(select(e), conds, (e.c.seq,), descending, limit, page)
        return [_event(r) for r in rows], more

    async def last_seq(self, session_id: str) -> int:
        def work(conn: Connection) -> Any:
            row = (
                conn.execute(select(t.sessions.c.last_seq).where(t.sessions.c.id == session_id))
            ).first()
            return row

        row = await self._tx(work, write=False)
        if row is None:
            raise errors.NotFound(f"No session with id {session_id!r}.")
        return int(row.last_seq)

    async def session_exists(self, session_id: str) -> bool:
        def work(conn: Connection) -> Any:
            row = (
                conn.execute(select(t.sessions.c.id).where(t.sessions.c.id == session_id))
            ).first()
            return row

        row = await self._tx(work, write=False)
        return row is not None

    # ---------------------------------------------------------------- helpers

    async def _keyset(
        self,
        query: Any,
        conds: list[Any],
        key: tuple[Any, ...],
        descending: bool,
        limit: int,
        page: Page | None,
    ) -> tuple[list[Row[Any]], bool]:
        """One page in key order; ``more`` says whether rows remain beyond it."""
        forward_desc = descending
        if page is not None:
            desc_now = descending != page.backward
            conds = [*conds, _after(key, page.key, desc_now)]
            forward_desc = desc_now
        order = [k.desc() if forward_desc else k.asc() for k in key]
        stmt = query.where(and_(*conds)) if conds else query
        stmt = stmt.order_by(*order).limit(limit + 1)

        def work(conn: Connection) -> Any:
            rows = list(conn.execute(stmt))
            return rows

        rows = await self._tx(work, write=False)
        more = len(rows) > limit
        rows = rows[:limit]
        if page is not None and page.backward:
            rows.reverse()
        return rows, more


# Statements of the hot paths, built once (building them per call costs more
# than running them).
_INSERT_EVENTS = insert(t.events)
_EVENTS_AFTER = (
    select(t.events)
    .where(t.events.c.session_id == bindparam("sid"), t.events.c.seq > bindparam("after"))
    .order_by(t.events.c.seq)
    .limit(bindparam("lim"))
)
_PENDING = (
    select(t.events)
    .where(t.events.c.session_id == bindparam("sid"), t.events.c.processed_at.is_(None))
    .order_by(t.events.c.seq)
)
_SESSION = select(t.sessions).where(t.sessions.c.id == bindparam("sid"))
# The same on SQLite's driver.
_EVENT_COLUMNS = "id, session_id, seq, created_at, processed_at, body"
_INSERT_EVENTS_SQL = (
    "INSERT INTO events (id, session_id, seq, type, created_at, processed_at, body)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_EVENTS_AFTER_SQL = (
    f"SELECT {_EVENT_COLUMNS} FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?"
)
_PENDING_SQL = (
    f"SELECT {_EVENT_COLUMNS} FROM events"
    " WHERE session_id = ? AND processed_at IS NULL ORDER BY seq"
)


def _driver(conn: Connection) -> Any:
    """The sqlite3 connection under a SQLAlchemy one, in its transaction."""
    return conn.connection.driver_connection


def _event_of(row: tuple[Any, ...]) -> event_pb2.SessionEvent:
    """An event from a driver row in ``_EVENT_COLUMNS`` order."""
    event_id, session_id, seq, created_at, processed_at, body = row
    ev = event_pb2.SessionEvent.FromString(body)
    _envelope(ev, event_id, session_id, seq, created_at, processed_at)
    return ev


@functools.cache
def _session_update(
    owner: bool, require_open: bool, status: bool, usage: bool, turn: str | None
) -> TextClause:
    """The UPDATE ... RETURNING of an append, one prepared text per shape (the
    hot path: building it from expressions each time costs more than the
    database's work)."""
    return text(_session_update_sql(owner, require_open, status, usage, turn)).bindparams(
        bindparam("n", type_=BigInteger), bindparam("at", type_=BigInteger)
    )


@functools.cache
def _pg_append(
    owner: bool, require_open: bool, status: bool, usage: bool, turn: str | None
) -> TextClause:
    """A whole append on PostgreSQL as one statement: the session update, the
    events numbered after it, the events it marks processed, and the
    notification to the other replicas (sent when the transaction commits)."""
    update_sql = _session_update_sql(owner, require_open, status, usage, turn)
    sql = f"""
WITH s AS ({update_sql}),
ins AS (
    INSERT INTO events (id, session_id, seq, type, created_at, processed_at, body)
    SELECT u.id, :sid, s.last_seq - :n + u.ord, u.type, :at, u.processed, u.body
    FROM s, unnest(
        CAST(:ids AS varchar[]), CAST(:types AS varchar[]),
        CAST(:processed AS bigint[]), CAST(:bodies AS bytea[])
    ) WITH ORDINALITY AS u(id, type, processed, body, ord)
),
mp AS (
    UPDATE events SET processed_at = :at
    WHERE id = ANY(CAST(:mark AS varchar[])) AND EXISTS (SELECT 1 FROM s)
),
nt AS (
    SELECT pg_notify(
        :channel, :sid || ' ' || (s.last_seq - :n + 1) || ' ' || s.last_seq
    ) FROM s WHERE :n > 0
)
SELECT s.last_seq, (SELECT count(*) FROM nt) FROM s"""
    return text(sql).bindparams(bindparam("n", type_=BigInteger), bindparam("at", type_=BigInteger))


def _session_update_sql(
    owner: bool, require_open: bool, status: bool, usage: bool, turn: str | None
) -> str:
    sets = ["last_seq = last_seq + :n", "updated_at = :at"]
    if status:
        sets.append("status = :status")
    if usage:
        sets += [
            "input_tokens = input_tokens + :it",
            "output_tokens = output_tokens + :ot",
            "cache_creation_input_tokens = cache_creation_input_tokens + :cct",
            "cache_read_input_tokens = cache_read_input_tokens + :crt",
        ]
    if turn == "start":
        sets.append("turn_started_at = :at")
    elif turn == "end":
        sets += [
            "active_seconds = active_seconds"
            " + COALESCE(CAST(:at - turn_started_at AS FLOAT) / 1000000.0, 0.0)",
            "turn_started_at = NULL",
        ]
    where = ["id = :sid"]
    if owner:
        where.append("lease_owner = :owner")
    if require_open:
        where += ["archived_at IS NULL", "status <> 'terminated'"]
    return f"UPDATE sessions SET {', '.join(sets)} WHERE {' AND '.join(where)} RETURNING last_seq"


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


def _in_transaction(engine: Engine, work: Callable[[Connection], R]) -> R:
    with engine.begin() as conn:
        return work(conn)


def _after(key: tuple[Any, ...], values: tuple[Any, ...], descending: bool) -> Any:
    """Row-value comparison (key) > values, written portably."""
    clauses = []
    for i in range(len(key)):
        eqs = [key[j] == values[j] for j in range(i)]
        cmp = key[i] < values[i] if descending else key[i] > values[i]
        clauses.append(and_(*eqs, cmp))
    return or_(*clauses)


def _range(col: Any, bounds: tuple[int | None, int | None, int | None, int | None]) -> list[Any]:
    gt, gte, lt, lte = bounds
    out = []
    if gt is not None:
        out.append(col > gt)
    if gte is not None:
        out.append(col >= gte)
    if lt is not None:
        out.append(col < lt)
    if lte is not None:
        out.append(col <= lte)
    return out


def _us(ts: Timestamp) -> int:
    return ts.seconds * 1_000_000 + ts.nanos // 1000


def _agent(body: bytes, head: Any) -> agent_pb2.Agent:
    agent = agent_pb2.Agent.FromString(body)
    if head.archived_at is not None:
        agent.archived_at.CopyFrom(to_timestamp(head.archived_at))
    return agent


def _env(row: Any) -> environment_pb2.Environment:
    return environment_pb2.Environment.FromString(row.body)


def _session_body(s: session_pb2.Session) -> bytes:
    body = session_pb2.Session()
    body.CopyFrom(s)
    for name in ("usage", "stats", "archived_at", "updated_at"):
        body.ClearField(name)
    body.status = session_pb2.SESSION_STATUS_UNSPECIFIED
    return body.SerializeToString()


def _session(row: Any) -> session_pb2.Session:
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


def _envelope(
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


def _event(row: Any) -> event_pb2.SessionEvent:
    return _event_of((row.id, row.session_id, row.seq, row.created_at, row.processed_at, row.body))
