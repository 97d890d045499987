"""Agents (versioned), environments and sessions: their rows and updates.

An update reads the row locked, applies the caller's patch and writes it back
in one transaction, so two concurrent patches both land and an archive between
a read and a write cannot be undone."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sessiond.core import errors
from sessiond.core.store import rows, sql
from sessiond.core.store import schema as t
from sessiond.core.store import threads_schema as tt
from sessiond.core.store.base import Scope, StoreBase, in_scope, time_range
from sessiond.core.store.engine import Backend
from sessiond.core.store.events import append_in
from sessiond.core.store.types import STATUS_NAMES, Append, NewEvent, Page
from sessiond.v1 import agent_pb2, environment_pb2, event_pb2, session_pb2
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

R = TypeVar("R")
# Environments kept in memory at most (SQLite; the memo starts over when full).
ENV_MEMO_SIZE = 1024


class AgentStore(StoreBase):
    async def insert_agent(self, agent: agent_pb2.Agent, *, ws: str) -> None:
        def work(conn: Connection) -> None:
            conn.execute(
                insert(t.agents).values(
                    id=agent.id,
                    workspace=ws,
                    version=agent.version,
                    created_at=rows.us(agent.created_at),
                    updated_at=rows.us(agent.updated_at),
                )
            )
            conn.execute(
                insert(t.agent_versions).values(
                    agent_id=agent.id, version=agent.version, body=agent.SerializeToString()
                )
            )

        await self._tx(work, write=True)

    async def get_agent(
        self, agent_id: str, version: int | None = None, *, ws: Scope
    ) -> agent_pb2.Agent:
        a, v = t.agents, t.agent_versions
        head_query = select(a).where(a.c.id == agent_id, *in_scope(a.c.workspace, ws))

        def work(conn: Connection) -> tuple[Any, Any, int]:
            head = conn.execute(head_query).first()
            if head is None:
                raise errors.NotFound(f"No agent with id {agent_id!r}.")
            n = head.version if version is None else version
            row = conn.execute(
                select(v.c.body).where(v.c.agent_id == agent_id, v.c.version == n)
            ).first()
            return head, row, n

        head, row, n = await self._tx(work, write=False)
        if row is None:
            raise errors.NotFound(f"Agent {agent_id!r} has no version {n}.")
        return rows.agent(row.body, head)

    async def add_agent_version(
        self, agent: agent_pb2.Agent, expected_version: int, *, ws: Scope
    ) -> None:
        """Stores a new version if the head is still at expected_version."""
        a = t.agents

        def work(conn: Connection) -> None:
            result = conn.execute(
                update(a)
                .where(
                    a.c.id == agent.id,
                    a.c.version == expected_version,
                    *in_scope(a.c.workspace, ws),
                )
                .values(version=agent.version, updated_at=rows.us(agent.updated_at))
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

    async def archive_agent(self, agent_id: str, at: int, *, ws: Scope) -> agent_pb2.Agent:
        a = t.agents
        stmt = (
            update(a)
            .where(a.c.id == agent_id, a.c.archived_at.is_(None), *in_scope(a.c.workspace, ws))
            .values(archived_at=at, updated_at=at)
        )
        await self._tx(lambda conn: conn.execute(stmt).rowcount, write=True)
        return await self.get_agent(agent_id, ws=ws)

    async def list_agents(
        self,
        limit: int,
        page: Page | None,
        include_archived: bool,
        created_gte: int | None,
        created_lte: int | None,
        *,
        ws: Scope,
    ) -> tuple[list[agent_pb2.Agent], bool]:
        a, v = t.agents, t.agent_versions
        conds: list[Any] = in_scope(a.c.workspace, ws)
        if not include_archived:
            conds.append(a.c.archived_at.is_(None))
        conds.extend(time_range(a.c.created_at, (None, created_gte, None, created_lte)))
        query = select(a, v.c.body).join(v, (v.c.agent_id == a.c.id) & (v.c.version == a.c.version))
        found, more = await self._keyset(query, conds, (a.c.created_at, a.c.id), True, limit, page)
        return [rows.agent(r.body, r) for r in found], more

    async def list_agent_versions(
        self, agent_id: str, limit: int, page: Page | None, *, ws: Scope
    ) -> tuple[list[agent_pb2.Agent], bool]:
        a, v = t.agents, t.agent_versions
        query = select(a).where(a.c.id == agent_id, *in_scope(a.c.workspace, ws))
        head = await self._tx(lambda conn: conn.execute(query).first(), write=False)
        if head is None:
            raise errors.NotFound(f"No agent with id {agent_id!r}.")
        found, more = await self._keyset(
            select(v), [v.c.agent_id == agent_id], (v.c.version,), True, limit, page
        )
        return [rows.agent(r.body, head) for r in found], more


class EnvironmentStore(StoreBase):
    """Environments. When only this process uses the database (SQLite), reads
    are served from a memo of the rows read, dropped on every write here (the
    runtime asks for a session's environment on every turn)."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self._env_memo: dict[str, tuple[str, bytes]] = {}
        # Bumped by every write: a read that overlapped one is not kept.
        self._env_generation = 0

    async def insert_environment(self, env: environment_pb2.Environment, *, ws: str) -> None:
        stmt = insert(t.environments).values(
            id=env.id,
            workspace=ws,
            created_at=rows.us(env.created_at),
            body=env.SerializeToString(),
        )
        await self._tx(lambda conn: conn.execute(stmt).rowcount, write=True)

    async def get_environment(self, env_id: str, *, ws: Scope) -> environment_pb2.Environment:
        known = self._env_memo.get(env_id)
        if known is not None:
            workspace, body = known
            if ws is None or ws == workspace:
                return environment_pb2.Environment.FromString(body)
        query, params = (
            (sql.ENVIRONMENT, {"id": env_id})
            if ws is None
            else (sql.ENVIRONMENT_IN, {"id": env_id, "ws": ws})
        )
        generation = self._env_generation
        row = await self._tx(lambda conn: conn.execute(query, params).first(), write=False)
        if row is None:
            raise errors.NotFound(f"No environment with id {env_id!r}.")
        if not self.shared and generation == self._env_generation:
            # No write began meanwhile: the row read is still the stored one.
            if len(self._env_memo) >= ENV_MEMO_SIZE:
                self._env_memo.clear()
            self._env_memo[env_id] = (str(row.workspace), bytes(row.body))
        return rows.environment(row)

    @contextlib.contextmanager
    def _env_write(self, env_id: str) -> Iterator[None]:
        """Around a write of an environment: what is kept of it goes, before
        and after (a read that overlapped the write is not kept either)."""
        self._forget_env(env_id)
        try:
            yield
        finally:
            self._forget_env(env_id)

    def _forget_env(self, env_id: str) -> None:
        self._env_generation += 1
        self._env_memo.pop(env_id, None)

    async def put_environment(self, env: environment_pb2.Environment, *, ws: Scope) -> None:
        """Overwrites the environment as a whole (``update_environment`` patches)."""
        stmt = _put_environment(env, ws)
        with self._env_write(env.id):
            changed = await self._tx(lambda conn: conn.execute(stmt).rowcount, write=True)
        if changed != 1:
            raise errors.NotFound(f"No environment with id {env.id!r}.")

    async def update_environment(
        self, env_id: str, patch: Callable[[environment_pb2.Environment], None], *, ws: Scope
    ) -> environment_pb2.Environment:
        """Applies ``patch`` to the environment as stored, in one transaction
        that holds its row: concurrent updates apply one after the other. An
        error raised by ``patch`` writes nothing."""
        e = t.environments
        query = select(e).where(e.c.id == env_id, *in_scope(e.c.workspace, ws)).with_for_update()

        def work(conn: Connection) -> environment_pb2.Environment:
            row = conn.execute(query).first()
            if row is None:
                raise errors.NotFound(f"No environment with id {env_id!r}.")
            env = rows.environment(row)
            patch(env)
            conn.execute(_put_environment(env, ws))
            return env

        with self._env_write(env_id):
            return await self._tx(work, write=True)

    async def delete_environment(self, env_id: str, *, ws: Scope) -> None:
        e = t.environments
        stmt = delete(e).where(e.c.id == env_id, *in_scope(e.c.workspace, ws))
        with self._env_write(env_id):
            deleted = await self._tx(lambda conn: conn.execute(stmt).rowcount, write=True)
        if deleted != 1:
            raise errors.NotFound(f"No environment with id {env_id!r}.")

    async def list_environments(
        self, limit: int, page: Page | None, include_archived: bool, *, ws: Scope
    ) -> tuple[list[environment_pb2.Environment], bool]:
        e = t.environments
        conds = in_scope(e.c.workspace, ws)
        if not include_archived:
            conds.append(e.c.archived_at.is_(None))
        found, more = await self._keyset(
            select(e), conds, (e.c.created_at, e.c.id), True, limit, page
        )
        return [rows.environment(r) for r in found], more


class SessionStore(StoreBase):
    async def insert_session(self, s: session_pb2.Session, *, ws: str) -> None:
        stmt = _insert_session(s, ws)
        await self._tx(lambda conn: conn.execute(stmt).rowcount, write=True)

    async def create_session(
        self, s: session_pb2.Session, initial: Sequence[NewEvent] = (), *, ws: str
    ) -> tuple[session_pb2.Session, list[event_pb2.SessionEvent]]:
        """Inserts the session and appends its initial events in one
        transaction: there is either all of it or nothing. Returns the session
        and the events as stored."""
        db, stmt = self._db, _insert_session(s, ws)

        def work(conn: Connection) -> tuple[Any, list[event_pb2.SessionEvent]]:
            conn.execute(stmt)
            stored = append_in(db, conn, Append(s.id, initial)) if initial else []
            return conn.execute(sql.SESSION, {"sid": s.id}).first(), stored

        row, stored = await self._tx(work, write=True)
        return rows.session(row), stored

    async def get_session(self, session_id: str, *, ws: Scope) -> session_pb2.Session:
        query, params = _session_query(session_id, ws)
        row = await self._tx(lambda conn: conn.execute(query, params).first(), write=False)
        if row is None:
            raise errors.NotFound(f"No session with id {session_id!r}.")
        return rows.session(row)

    async def put_session_body(self, s: session_pb2.Session, at: int, *, ws: Scope) -> None:
        """Overwrites the session's body (``update_session`` patches)."""
        stmt = (
            update(t.sessions)
            .where(t.sessions.c.id == s.id, *in_scope(t.sessions.c.workspace, ws))
            .values(body=rows.session_body(s), updated_at=at)
        )
        if await self._tx(lambda conn: conn.execute(stmt).rowcount, write=True) != 1:
            raise errors.NotFound(f"No session with id {s.id!r}.")

    async def update_session(
        self, session_id: str, patch: Callable[[session_pb2.Session], R], at: int, *, ws: Scope
    ) -> tuple[session_pb2.Session, R]:
        """Applies ``patch`` to the session as stored, in one transaction that
        holds its row (concurrent updates apply one after the other; an archive
        cannot slip between the read and the write). An error raised by
        ``patch`` writes nothing. Returns the session and what ``patch`` did."""
        s_ = t.sessions
        scoped, params = _session_query(session_id, ws)
        query = scoped.with_for_update()

        def work(conn: Connection) -> tuple[Any, R]:
            row = conn.execute(query, params).first()
            if row is None:
                raise errors.NotFound(f"No session with id {session_id!r}.")
            session = rows.session(row)
            result = patch(session)
            conn.execute(
                update(s_)
                .where(s_.c.id == session_id)
                .values(body=rows.session_body(session), updated_at=at)
            )
            return conn.execute(sql.SESSION, {"sid": session_id}).first(), result

        row, result = await self._tx(work, write=True)
        return rows.session(row), result

    async def archive_session(self, session_id: str, at: int, *, ws: Scope) -> None:
        s = t.sessions
        stmt = (
            update(s)
            .where(s.c.id == session_id, *in_scope(s.c.workspace, ws))
            .values(archived_at=func.coalesce(s.c.archived_at, at), updated_at=at)
        )
        if await self._tx(lambda conn: conn.execute(stmt).rowcount, write=True) != 1:
            raise errors.NotFound(f"No session with id {session_id!r}.")

    async def delete_session(self, session_id: str, *, ws: Scope) -> None:
        s = t.sessions
        stmt = delete(s).where(s.c.id == session_id, *in_scope(s.c.workspace, ws))

        def work(conn: Connection) -> None:
            result = conn.execute(stmt)
            if result.rowcount != 1:
                raise errors.NotFound(f"No session with id {session_id!r}.")
            conn.execute(delete(t.events).where(t.events.c.session_id == session_id))
            # Its threads and their events go with it.
            threads = select(tt.session_threads.c.id).where(
                tt.session_threads.c.session_id == session_id
            )
            conn.execute(delete(tt.thread_events).where(tt.thread_events.c.thread_id.in_(threads)))
            conn.execute(
                delete(tt.session_threads).where(tt.session_threads.c.session_id == session_id)
            )

        await self._tx(work, write=True)

    async def workspace_of(self, session_id: str) -> str:
        """The workspace a session belongs to (for the server's own work on it)."""
        s = t.sessions
        query = select(s.c.workspace).where(s.c.id == session_id)
        found = await self._tx(lambda conn: conn.execute(query).scalar(), write=False)
        if found is None:
            raise errors.NotFound(f"No session with id {session_id!r}.")
        return str(found)

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
        ws: Scope,
    ) -> tuple[list[session_pb2.Session], bool]:
        s = t.sessions
        conds: list[Any] = in_scope(s.c.workspace, ws)
        if not include_archived:
            conds.append(s.c.archived_at.is_(None))
        if agent_id:
            conds.append(s.c.agent_id == agent_id)
        if agent_version is not None:
            conds.append(s.c.agent_version == agent_version)
        if statuses:
            conds.append(s.c.status.in_(list(statuses)))
        conds.extend(time_range(s.c.created_at, created))
        if memory_store_id:  # issue 12
            from sessiond.core.store.memory import sessions_with_store

            conds.append(s.c.id.in_(sessions_with_store(memory_store_id)))
        found, more = await self._keyset(
            select(s), conds, (s.c.created_at, s.c.id), descending, limit, page
        )
        return [rows.session(r) for r in found], more


def _session_query(session_id: str, ws: Scope) -> tuple[Any, dict[str, str]]:
    if ws is None:
        return sql.SESSION, {"sid": session_id}
    return sql.SESSION_IN, {"sid": session_id, "ws": ws}


def _put_environment(env: environment_pb2.Environment, ws: Scope) -> Any:
    return (
        update(t.environments)
        .where(t.environments.c.id == env.id, *in_scope(t.environments.c.workspace, ws))
        .values(
            body=env.SerializeToString(),
            archived_at=rows.us(env.archived_at) if env.HasField("archived_at") else None,
        )
    )


def _insert_session(s: session_pb2.Session, ws: str) -> Any:
    return insert(t.sessions).values(
        id=s.id,
        workspace=ws,
        created_at=rows.us(s.created_at),
        updated_at=rows.us(s.updated_at),
        status=STATUS_NAMES[s.status],
        agent_id=s.agent.id,
        agent_version=s.agent.version,
        last_seq=0,
        body=rows.session_body(s),
    )
