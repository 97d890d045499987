"""Turn leases: which replica runs a session's turns, until when."""

from __future__ import annotations

from typing import Any

from sessiond.core.store import schema as t
from sessiond.core.store.base import StoreBase
from sessiond.core.timeutil import now_us
from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection


class LeaseStore(StoreBase):
    async def acquire_lease(self, session_id: str, owner: str, ttl_us: int) -> bool:
        """Takes the session's turn lease if it is free, expired or already ours."""
        now = now_us()
        s = t.sessions
        stmt = (
            update(s)
            .where(
                s.c.id == session_id,
                or_(
                    s.c.lease_owner.is_(None), s.c.lease_owner == owner, s.c.lease_expires_at < now
                ),
            )
            .values(lease_owner=owner, lease_expires_at=now + ttl_us)
        )
        return await self._update(stmt)

    async def renew_lease(self, session_id: str, owner: str, ttl_us: int) -> bool:
        s = t.sessions
        stmt = (
            update(s)
            .where(s.c.id == session_id, s.c.lease_owner == owner)
            .values(lease_expires_at=now_us() + ttl_us)
        )
        return await self._update(stmt)

    async def release_lease(self, session_id: str, owner: str) -> None:
        s = t.sessions
        stmt = (
            update(s)
            .where(s.c.id == session_id, s.c.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None)
        )
        await self._update(stmt)

    async def clear_leases(self) -> None:
        """Frees every lease: for a database that only this process uses."""
        s = t.sessions
        stmt = (
            update(s)
            .where(s.c.lease_owner.is_not(None))
            .values(lease_owner=None, lease_expires_at=None)
        )
        await self._tx(lambda conn: conn.execute(stmt).rowcount, write=True)

    async def _update(self, stmt: Any) -> bool:
        """One UPDATE of one session row; True if it changed it. A statement
        alone is atomic: on PostgreSQL it runs without BEGIN and COMMIT."""
        return await self._db.tx(
            lambda conn: conn.execute(stmt).rowcount == 1, write=True, single=True
        )

    async def orphaned_sessions(self, settled_before: int) -> list[str]:
        """Sessions with work and no live lease: a turn left running, or events
        older than ``settled_before`` that nobody processed."""
        now = now_us()
        s, e = t.sessions, t.events
        free = or_(s.c.lease_owner.is_(None), s.c.lease_expires_at < now)

        def work(conn: Connection) -> list[str]:
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

        return await self._tx(work, write=False)
