"""SQL of deployments and their runs. A deployment row keeps its body (a
``sessiond.v1.Deployment``) and the next cron tick it waits for; a run row keeps
its body (a ``sessiond.v1.DeploymentRun``).

One run per tick across replicas: a replica claims a tick by moving the
deployment's ``next_fire_at`` on from the value it read and inserting the run
with its ``scheduled_at``, in one transaction. The unique (deployment_id,
scheduled_at) pair and the compare-and-set make the database the judge: a
second replica's claim of the same tick changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sessiond.core import errors
from sessiond.core.store import schema as t
from sessiond.core.store.base import Scope, in_scope, time_range
from sessiond.core.store.store import Page, Store
from sessiond.core.timeutil import from_timestamp
from sessiond.v1 import deployment_pb2 as pb
from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError


@dataclass(frozen=True)
class Due:
    """A deployment whose next tick has come."""

    deployment_id: str
    workspace: str
    next_fire_at: int


@dataclass(frozen=True)
class RunFilter:
    deployment_id: str = ""
    has_error: bool | None = None
    trigger: str = ""
    created: tuple[int | None, int | None, int | None, int | None] = (None, None, None, None)


def _us(ts: Any) -> int:
    return from_timestamp(ts)


def _values(d: pb.Deployment, next_fire_at: int | None) -> dict[str, Any]:
    return {
        "archived_at": _us(d.archived_at) if d.HasField("archived_at") else None,
        "agent_id": d.agent.id,
        "status": int(d.status),
        "next_fire_at": next_fire_at,
        "body": d.SerializeToString(deterministic=True),
    }


def _keyset_after(cols: tuple[Any, Any], page: Page | None) -> list[Any]:
    if page is None:
        return []
    at, key_id = page.key
    return [or_(cols[0] < at, and_(cols[0] == at, cols[1] < key_id))]


class DeploymentStore:
    """Deployments and runs, on the store's engine."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # ------------------------------------------------------------ deployments

    async def insert(self, d: pb.Deployment, next_fire_at: int | None, *, ws: str) -> None:
        def work(conn: Connection) -> None:
            conn.execute(
                insert(t.deployments).values(
                    id=d.id, workspace=ws, created_at=_us(d.created_at), **_values(d, next_fire_at)
                )
            )

        await self._store._tx(work, write=True)

    async def get(self, deployment_id: str, *, ws: Scope) -> tuple[pb.Deployment, int | None]:
        """The deployment and its next tick (µs), or NotFound."""
        d = t.deployments

        def work(conn: Connection) -> Any:
            return conn.execute(
                select(d.c.body, d.c.next_fire_at).where(
                    d.c.id == deployment_id, *in_scope(d.c.workspace, ws)
                )
            ).first()

        row = await self._store._tx(work, write=False)
        if row is None:
            raise errors.NotFound(f"Deployment {deployment_id!r} not found.")
        return pb.Deployment.FromString(row.body), row.next_fire_at

    async def save(self, dep: pb.Deployment, next_fire_at: int | None, *, ws: Scope) -> None:
        d = t.deployments

        def work(conn: Connection) -> int:
            return int(
                conn.execute(
                    update(d)
                    .where(d.c.id == dep.id, *in_scope(d.c.workspace, ws))
                    .values(**_values(dep, next_fire_at))
                ).rowcount
            )

        if not await self._store._tx(work, write=True):
            raise errors.NotFound(f"Deployment {dep.id!r} not found.")

    async def list_deployments(
        self,
        limit: int,
        page: Page | None,
        *,
        ws: Scope,
        agent_id: str = "",
        include_archived: bool = False,
        status: int = 0,
        created: tuple[int | None, int | None] = (None, None),
    ) -> tuple[list[pb.Deployment], bool]:
        d = t.deployments
        conds = [*in_scope(d.c.workspace, ws), *_keyset_after((d.c.created_at, d.c.id), page)]
        if agent_id:
            conds.append(d.c.agent_id == agent_id)
        if not include_archived:
            conds.append(d.c.archived_at.is_(None))
        if status:
            conds.append(d.c.status == status)
        conds += time_range(d.c.created_at, (None, created[0], None, created[1]))
        q = (
            select(d.c.body)
            .where(*conds)
            .order_by(d.c.created_at.desc(), d.c.id.desc())
            .limit(limit + 1)
        )
        rows = await self._store._tx(lambda conn: list(conn.execute(q).scalars()), write=False)
        return [pb.Deployment.FromString(b) for b in rows[:limit]], len(rows) > limit

    # --------------------------------------------------------------- schedule

    async def due(self, now: int) -> list[Due]:
        """Active, unarchived deployments whose next tick is at or before ``now``."""
        d = t.deployments
        q = select(d.c.id, d.c.workspace, d.c.next_fire_at).where(
            d.c.next_fire_at.is_not(None),
            d.c.next_fire_at <= now,
            d.c.archived_at.is_(None),
            d.c.status == pb.DEPLOYMENT_STATUS_ACTIVE,
        )
        rows = await self._store._tx(lambda conn: list(conn.execute(q)), write=False)
        return [Due(r.id, r.workspace, r.next_fire_at) for r in rows]

    async def next_tick(self) -> int | None:
        """The soonest tick any active deployment waits for."""
        d = t.deployments
        q = select(d.c.next_fire_at).where(
            d.c.next_fire_at.is_not(None),
            d.c.archived_at.is_(None),
            d.c.status == pb.DEPLOYMENT_STATUS_ACTIVE,
        )
        q = q.order_by(d.c.next_fire_at.asc()).limit(1)
        return await self._store._tx(lambda conn: conn.execute(q).scalar(), write=False)

    async def claim_tick(
        self, due: Due, next_fire_at: int | None, run: pb.DeploymentRun, scheduled_at: int
    ) -> bool:
        """Moves the deployment on to ``next_fire_at`` and records ``run`` (not yet
        done) for ``scheduled_at``, if no one else did first; True if this call did."""
        d, r = t.deployments, t.deployment_runs

        def work(conn: Connection) -> bool:
            moved = conn.execute(
                update(d)
                .where(
                    d.c.id == due.deployment_id,
                    d.c.next_fire_at == due.next_fire_at,
                    d.c.archived_at.is_(None),
                    d.c.status == pb.DEPLOYMENT_STATUS_ACTIVE,
                )
                .values(next_fire_at=next_fire_at)
            ).rowcount
            if moved != 1:
                return False
            try:
                with conn.begin_nested():
                    conn.execute(
                        insert(r).values(
                            **_run_values(run, done=False),
                            workspace=due.workspace,
                            scheduled_at=scheduled_at,
                        )
                    )
            except IntegrityError:
                return False  # the tick has its run already; the move stands
            return True

        return bool(await self._store._tx(work, write=True))

    async def move_schedule(self, deployment_id: str, old: int, new: int | None) -> None:
        """Moves a deployment past ticks it will not fire (compare-and-set)."""
        d = t.deployments

        def work(conn: Connection) -> None:
            conn.execute(
                update(d)
                .where(d.c.id == deployment_id, d.c.next_fire_at == old)
                .values(next_fire_at=new)
            )

        await self._store._tx(work, write=True)

    # ------------------------------------------------------------------- runs

    async def insert_run(self, run: pb.DeploymentRun, *, ws: str) -> None:
        def work(conn: Connection) -> None:
            conn.execute(
                insert(t.deployment_runs).values(
                    **_run_values(run, done=True), workspace=ws, scheduled_at=None
                )
            )

        await self._store._tx(work, write=True)

    async def finish_run(self, run: pb.DeploymentRun) -> None:
        r = t.deployment_runs

        def work(conn: Connection) -> None:
            values = _run_values(run, done=True)
            del values["id"]
            conn.execute(update(r).where(r.c.id == run.id).values(**values))

        await self._store._tx(work, write=True)

    async def unfinished_runs(self, created_before: int) -> list[tuple[pb.DeploymentRun, str]]:
        """Runs claimed before ``created_before`` whose session was never made
        (the replica that claimed them stopped midway), with their workspaces."""
        r = t.deployment_runs
        q = select(r.c.body, r.c.workspace).where(r.c.done == 0, r.c.created_at < created_before)
        rows = await self._store._tx(lambda conn: list(conn.execute(q)), write=False)
        return [(pb.DeploymentRun.FromString(b), ws) for b, ws in rows]

    async def take_unfinished(self, run_id: str, created_at: int, now: int) -> bool:
        """Takes over an unfinished run (compare-and-set on its claim time)."""
        r = t.deployment_runs

        def work(conn: Connection) -> bool:
            return (
                conn.execute(
                    update(r)
                    .where(r.c.id == run_id, r.c.done == 0, r.c.created_at == created_at)
                    .values(created_at=now)
                ).rowcount
                == 1
            )

        return bool(await self._store._tx(work, write=True))

    async def get_run(self, run_id: str, *, ws: Scope) -> pb.DeploymentRun:
        r = t.deployment_runs

        def work(conn: Connection) -> Any:
            return conn.execute(
                select(r.c.body).where(
                    r.c.id == run_id, r.c.done == 1, *in_scope(r.c.workspace, ws)
                )
            ).scalar()

        body = await self._store._tx(work, write=False)
        if body is None:
            raise errors.NotFound(f"Deployment run {run_id!r} not found.")
        return pb.DeploymentRun.FromString(body)

    async def list_runs(
        self, limit: int, page: Page | None, f: RunFilter, *, ws: Scope
    ) -> tuple[list[pb.DeploymentRun], bool]:
        r = t.deployment_runs
        conds = [
            r.c.done == 1,
            *in_scope(r.c.workspace, ws),
            *_keyset_after((r.c.created_at, r.c.id), page),
            *time_range(r.c.created_at, f.created),
        ]
        if f.deployment_id:
            conds.append(r.c.deployment_id == f.deployment_id)
        if f.has_error is not None:
            conds.append(r.c.has_error == int(f.has_error))
        if f.trigger:
            conds.append(r.c.trigger == f.trigger)
        q = (
            select(r.c.body)
            .where(*conds)
            .order_by(r.c.created_at.desc(), r.c.id.desc())
            .limit(limit + 1)
        )
        rows = await self._store._tx(lambda conn: list(conn.execute(q).scalars()), write=False)
        return [pb.DeploymentRun.FromString(b) for b in rows[:limit]], len(rows) > limit


def _run_values(run: pb.DeploymentRun, *, done: bool) -> dict[str, Any]:
    return {
        "id": run.id,
        "deployment_id": run.deployment_id,
        "created_at": _us(run.created_at),
        "trigger": run.trigger_context.WhichOneof("type") or "",
        "done": int(done),
        "has_error": int(run.HasField("error")),
        "body": run.SerializeToString(deterministic=True),
    }
