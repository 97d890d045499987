"""SQL of the work queue of self-hosted environments.

A claim is one write transaction that picks the oldest available item with
``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL: replicas polling at once
never hand out the same item; SQLite: writes are serialized anyway) and
updates it under the same conditions, so an item is claimed once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sessiond.core import errors
from sessiond.core.store import schema as t
from sessiond.core.store.base import StoreBase
from sessiond.core.timeutil import now_us
from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

QUEUED = "queued"
STARTING = "starting"
ACTIVE = "active"
STOPPING = "stopping"
STOPPED = "stopped"
LIVE = (STARTING, ACTIVE, STOPPING)


@dataclass(frozen=True)
class WorkRow:
    id: str
    environment_id: str
    session_id: str
    state: str
    created_at: int
    polled_at: int | None
    acknowledged_at: int | None
    started_at: int | None
    latest_heartbeat_at: int | None
    lease_expires_at: int | None
    ttl_seconds: int | None
    stop_requested_at: int | None
    stopped_at: int | None
    metadata: dict[str, str]


@dataclass(frozen=True)
class QueueCounts:
    depth: int
    pending: int
    oldest_queued_at: int | None
    workers_polling: int


def _row(r: Any) -> WorkRow:
    m = r._mapping
    return WorkRow(
        id=m["id"],
        environment_id=m["environment_id"],
        session_id=m["session_id"],
        state=m["state"],
        created_at=m["created_at"],
        polled_at=m["polled_at"],
        acknowledged_at=m["acknowledged_at"],
        started_at=m["started_at"],
        latest_heartbeat_at=m["latest_heartbeat_at"],
        lease_expires_at=m["lease_expires_at"],
        ttl_seconds=m["ttl_seconds"],
        stop_requested_at=m["stop_requested_at"],
        stopped_at=m["stopped_at"],
        metadata=dict(json.loads(m["metadata"] or "{}")),
    )


_REQUEUE = dict(
    state=QUEUED,
    polled_at=None,
    worker_id=None,
    acknowledged_at=None,
    started_at=None,
    latest_heartbeat_at=None,
    lease_expires_at=None,
)


def _requeue_expired(conn: Connection, environment_id: str, now: int) -> None:
    """Items whose worker stopped heartbeating go back to the queue."""
    w = t.work
    conn.execute(
        update(w)
        .where(
            w.c.environment_id == environment_id,
            w.c.state.in_((STARTING, ACTIVE)),
            w.c.lease_expires_at.is_not(None),
            w.c.lease_expires_at < now,
        )
        .values(**_REQUEUE)
    )
    # A stopping item whose worker is gone is stopped.
    conn.execute(
        update(w)
        .where(
            w.c.environment_id == environment_id,
            w.c.state == STOPPING,
            w.c.lease_expires_at < now,
        )
        .values(state=STOPPED, stopped_at=now, live_session_id=None)
    )


class WorkStore(StoreBase):
    """The queue's statements. A work item belongs to its environment's
    workspace: callers check the environment in scope first."""

    async def ensure_work(self, work_id: str, environment_id: str, session_id: str) -> bool:
        """Queues an item for the session unless one is live; True if queued."""
        now = now_us()

        def work(conn: Connection) -> bool:
            try:
                with conn.begin_nested():
                    conn.execute(
                        insert(t.work).values(
                            id=work_id,
                            environment_id=environment_id,
                            session_id=session_id,
                            live_session_id=session_id,
                            state=QUEUED,
                            created_at=now,
                            metadata="{}",
                        )
                    )
            except IntegrityError:
                return False
            return True

        return await self._tx(work, write=True)

    async def claim_work(
        self, environment_id: str, reclaim_before: int, worker_id: str
    ) -> WorkRow | None:
        now = now_us()
        w = t.work
        available = and_(
            w.c.environment_id == environment_id,
            or_(
                w.c.state == QUEUED,
                and_(
                    w.c.state == STARTING,
                    w.c.acknowledged_at.is_(None),
                    w.c.polled_at < reclaim_before,
                ),
            ),
        )

        def work(conn: Connection) -> WorkRow | None:
            _requeue_expired(conn, environment_id, now)
            picked = conn.execute(
                select(w.c.id)
                .where(available)
                .order_by(w.c.created_at, w.c.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).scalar()
            if picked is None:
                return None
            result = conn.execute(
                update(w)
                .where(w.c.id == picked, available)
                .values(
                    state=STARTING,
                    polled_at=now,
                    worker_id=worker_id or None,
                    acknowledged_at=None,
                    started_at=None,
                    latest_heartbeat_at=None,
                    lease_expires_at=None,
                )
            )
            if result.rowcount != 1:
                return None
            return _row(conn.execute(select(w).where(w.c.id == picked)).one())

        return await self._tx(work, write=True)

    async def note_work_poller(self, environment_id: str, worker_id: str) -> None:
        now = now_us()
        p = t.work_pollers

        def work(conn: Connection) -> None:
            done = conn.execute(
                update(p)
                .where(p.c.environment_id == environment_id, p.c.worker_id == worker_id)
                .values(last_poll_at=now)
            ).rowcount
            if done:
                return
            try:
                with conn.begin_nested():
                    conn.execute(
                        insert(p).values(
                            environment_id=environment_id, worker_id=worker_id, last_poll_at=now
                        )
                    )
            except IntegrityError:
                pass

        await self._tx(work, write=True)

    async def get_work(self, environment_id: str, work_id: str) -> WorkRow:
        now = now_us()
        w = t.work

        def work(conn: Connection) -> WorkRow | None:
            _requeue_expired(conn, environment_id, now)
            row = conn.execute(
                select(w).where(w.c.id == work_id, w.c.environment_id == environment_id)
            ).first()
            return None if row is None else _row(row)

        found = await self._tx(work, write=True)
        if found is None:
            raise errors.NotFound(f"Work {work_id!r} not found in environment {environment_id!r}.")
        return found

    async def change_work(
        self, environment_id: str, work_id: str, step: Any
    ) -> tuple[WorkRow, Any]:
        """Reads the item, lets ``step(row, now)`` return (column values, outcome),
        writes them, all in one transaction; returns the new row and the outcome."""
        now = now_us()
        w = t.work

        def work(conn: Connection) -> tuple[WorkRow, Any] | None:
            _requeue_expired(conn, environment_id, now)
            row = conn.execute(
                select(w)
                .where(w.c.id == work_id, w.c.environment_id == environment_id)
                .with_for_update()
            ).first()
            if row is None:
                return None
            values, outcome = step(_row(row), now)
            if values:
                conn.execute(update(w).where(w.c.id == work_id).values(**values))
                row = conn.execute(select(w).where(w.c.id == work_id)).one()
            return _row(row), outcome

        done = await self._tx(work, write=True)
        if done is None:
            raise errors.NotFound(f"Work {work_id!r} not found in environment {environment_id!r}.")
        return done

    async def list_work(
        self, environment_id: str, limit: int, after: tuple[int, str] | None
    ) -> tuple[list[WorkRow], bool]:
        w = t.work

        def work(conn: Connection) -> list[WorkRow]:
            q = select(w).where(w.c.environment_id == environment_id)
            if after is not None:
                q = q.where(
                    or_(
                        w.c.created_at < after[0],
                        and_(w.c.created_at == after[0], w.c.id < after[1]),
                    )
                )
            rows = conn.execute(
                q.order_by(w.c.created_at.desc(), w.c.id.desc()).limit(limit + 1)
            ).all()
            return [_row(r) for r in rows]

        rows = await self._tx(work, write=False)
        return rows[:limit], len(rows) > limit

    async def work_counts(self, environment_id: str, reclaim_before: int) -> QueueCounts:
        now = now_us()
        w, p = t.work, t.work_pollers

        def work(conn: Connection) -> QueueCounts:
            _requeue_expired(conn, environment_id, now)
            env = w.c.environment_id == environment_id
            depth = conn.execute(select(func.count()).where(env, w.c.state == QUEUED)).scalar_one()
            unacked = and_(env, w.c.state == STARTING, w.c.acknowledged_at.is_(None))
            pending = conn.execute(select(func.count()).where(unacked)).scalar_one()
            oldest = conn.execute(
                select(func.min(w.c.created_at)).where(env, or_(w.c.state == QUEUED, unacked))
            ).scalar()
            polling = conn.execute(
                select(func.count()).where(
                    p.c.environment_id == environment_id, p.c.last_poll_at >= now - 30_000_000
                )
            ).scalar_one()
            return QueueCounts(int(depth), int(pending), oldest, int(polling))

        return await self._tx(work, write=True)

    async def live_work_for_session(self, session_id: str) -> WorkRow | None:
        w = t.work

        def work(conn: Connection) -> WorkRow | None:
            row = conn.execute(select(w).where(w.c.live_session_id == session_id)).first()
            return None if row is None else _row(row)

        return await self._tx(work, write=False)
