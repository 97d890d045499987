"""The events of sessions: fenced appends in order, and the reads of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

from sessiond.core import errors
from sessiond.core.store import rows, sql
from sessiond.core.store import schema as t
from sessiond.core.store.base import Scope, StoreBase, in_scope, time_range
from sessiond.core.store.engine import Backend, mark
from sessiond.core.store.types import (
    Append,
    LeaseLost,
    NewEvent,
    Page,
    RunningLimit,
    UsageDelta,
)
from sessiond.core.timeutil import now_us
from sessiond.v1 import environment_pb2, event_pb2, session_pb2
from sqlalchemy import select
from sqlalchemy.engine import Connection


class EventStore(StoreBase):
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
        ws: Scope = None,
    ) -> list[event_pb2.SessionEvent]:
        """Appends events in one transaction, with the session changes they imply.

        ``turn`` is "start" or "end": it opens or closes the active-time clock.
        With ``owner``, the append (even one that only marks events processed)
        happens only while that replica holds the session's turn lease (else
        :class:`LeaseLost`). Returns the events as stored (envelope filled).
        """
        batch = Append(
            session_id,
            new,
            require_open,
            status,
            usage,
            turn,
            tuple(mark_processed),
            owner,
            ws,
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
        db = self._db
        units = merge_appends(batch)

        def work(conn: Connection) -> list[list[event_pb2.SessionEvent] | Exception]:
            out: list[list[event_pb2.SessionEvent] | Exception] = [[] for _ in batch]
            for unit, parts in units:
                try:
                    stored = append_in(db, conn, unit)
                except (errors.SessiondError, LeaseLost, RunningLimit) as e:
                    for i, _ in parts:
                        out[i] = e
                    continue
                at = 0
                for i, n in parts:
                    out[i] = stored[at : at + n]
                    at += n
            return out

        # One unit that changes its session is one statement on PostgreSQL:
        # atomic alone, so it needs no BEGIN and COMMIT round trips.
        single = len(units) == 1 and units[0][0].changes_session
        if single and self.shared:
            return await self._append_alone(*units[0], len(batch))
        return await self._db.tx(work, write=True, single=single)

    async def _append_alone(
        self, unit: Append, parts: list[tuple[int, int]], size: int
    ) -> list[list[event_pb2.SessionEvent] | Exception]:
        """One unit that changes its session, on a shared database: its one
        statement runs straight on the driver, in autocommit."""
        out: list[list[event_pb2.SessionEvent] | Exception] = [[] for _ in range(size)]
        at = now_us()
        params, shape = append_params(unit, at)
        last = await self._db.append_alone(unit, params, shape)
        if last is None:
            refused = await self._tx(lambda conn: _refused(conn, unit), write=False)
            for i, _ in parts:
                out[i] = refused
            return out
        stored = envelopes(unit, last, at, params["processed"])
        done = 0
        for i, n in parts:
            out[i] = stored[done : done + n]
            done += n
        return out

    async def last_seqs(self, session_ids: Sequence[str]) -> dict[str, int]:
        s = t.sessions
        query = select(s.c.id, s.c.last_seq).where(s.c.id.in_(list(session_ids)))

        def work(conn: Connection) -> dict[str, int]:
            return {r.id: int(r.last_seq) for r in conn.execute(query)}

        return await self._tx(work, write=False)

    async def events_between(
        self, session_id: str, first: int, last: int
    ) -> list[event_pb2.SessionEvent]:
        e = t.events
        query = (
            select(*sql.EVENT_COLUMNS)
            .where(e.c.session_id == session_id, e.c.seq >= first, e.c.seq <= last)
            .order_by(e.c.seq)
        )

        def work(conn: Connection) -> list[event_pb2.SessionEvent]:
            return [rows.event_of(tuple(r)) for r in conn.execute(query)]

        return await self._tx(work, write=False)

    async def pending_events(self, session_id: str) -> list[event_pb2.SessionEvent]:
        db = self._db
        return await self._tx(lambda conn: db.pending(conn, session_id), write=False)

    async def work_of(
        self, session_id: str, environment_id: str | None = None
    ) -> tuple[
        list[event_pb2.SessionEvent], session_pb2.Session, environment_pb2.Environment | None
    ]:
        """A session's unprocessed events, in order, and the session; on a
        shared database with ``environment_id`` (the session's: it never
        changes) also that environment as stored now, all read by one
        statement. The environment is None when not read (SQLite: reads of
        it are served from memory) or not found.

        On SQLite both reads run in one unit of work (one thread hop)."""
        db = self._db
        params = {"sid": session_id}
        if self.shared:
            params["env"] = environment_id or ""
            found = await db.fetch(sql.WORK_OF, params)
            if not found:
                raise errors.NotFound(f"No session with id {session_id!r}.")
            first = found[0]
            k = sql.WORK_OF_ENV
            body = first[k]
            env = None if body is None else environment_pb2.Environment.FromString(body)
            pending = [rows.event_of(tuple(r[k + 1 :])) for r in found if r[k + 1] is not None]
            return pending, rows.session(rows.ByName(first)), env

        def both(conn: Connection) -> tuple[list[event_pb2.SessionEvent], Any]:
            return db.pending(conn, session_id), conn.execute(sql.SESSION, params).first()

        pending, row = await self._tx(both, write=False)
        if row is None:
            raise errors.NotFound(f"No session with id {session_id!r}.")
        return pending, rows.session(row), None

    async def event_seq(self, session_id: str, event_id: str, *, ws: Scope) -> int:
        e = t.events
        query = select(e.c.seq).where(
            e.c.id == event_id, e.c.session_id == session_id, *_session_in(session_id, ws)
        )
        row = await self._tx(lambda conn: conn.execute(query).first(), write=False)
        if row is None:
            raise errors.NotFound(f"Session {session_id!r} has no event {event_id!r}.")
        return int(row.seq)

    async def events_after(
        self, session_id: str, seq: int, limit: int
    ) -> list[event_pb2.SessionEvent]:
        db = self._db
        if self.shared:
            found = await db.fetch(
                sql.EVENTS_AFTER, {"sid": session_id, "after": seq, "lim": limit}
            )
            return [rows.event_of(tuple(r)) for r in found]
        return await self._tx(
            lambda conn: db.events_after(conn, session_id, seq, limit), write=False
        )

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
        *,
        ws: Scope,
    ) -> tuple[list[event_pb2.SessionEvent], bool]:
        """A page of a session's events (empty, not an error, for a session
        outside ``ws``: callers check the session first)."""
        e = t.events
        conds: list[Any] = [e.c.session_id == session_id, *_session_in(session_id, ws)]
        if types:
            conds.append(e.c.type.in_(list(types)))
        conds.extend(time_range(e.c.created_at, created))
        found, more = await self._keyset(
            select(*sql.EVENT_COLUMNS), conds, (e.c.seq,), descending, limit, page
        )
        return [rows.event_of(tuple(r)) for r in found], more

    async def last_seq(self, session_id: str, *, ws: Scope) -> int:
        query, params = (
            (sql.LAST_SEQ, {"sid": session_id})
            if ws is None
            else (sql.LAST_SEQ_IN, {"sid": session_id, "ws": ws})
        )
        found = await self._db.fetch(query, params)
        if not found:
            raise errors.NotFound(f"No session with id {session_id!r}.")
        return int(found[0][0])

    async def session_exists(self, session_id: str, *, ws: Scope) -> bool:
        s = t.sessions
        query = select(s.c.id).where(s.c.id == session_id, *in_scope(s.c.workspace, ws))
        row = await self._tx(lambda conn: conn.execute(query).first(), write=False)
        return row is not None


def _session_in(session_id: str, ws: Scope) -> list[Any]:
    """Keeps an events query inside ``ws``: its session must be there."""
    s = t.sessions
    if ws is None:
        return []
    return [select(s.c.id).where(s.c.id == session_id, *in_scope(s.c.workspace, ws)).exists()]


def append_in(db: Backend, conn: Connection, job: Append) -> list[event_pb2.SessionEvent]:
    """One append inside the caller's write transaction (see ``Store.append``)."""
    at = now_us()
    session_id = job.session_id
    if not job.changes_session:
        # Only marks events processed: the session itself does not change, but
        # the lease still fences the write (a replica that lost it must leave
        # the events to the new owner).
        if job.owner is not None:
            row = conn.execute(sql.LEASE_OWNER, {"sid": session_id}).first()
            if row is None:
                raise errors.NotFound(f"No session with id {session_id!r}.")
            if row.lease_owner != job.owner:
                raise LeaseLost(session_id)
        if job.mark_processed:
            mark(conn, session_id, job.mark_processed, at)
        return []
    params, shape = append_params(job, at)
    last = db.insert_events(conn, job, params, shape)
    if last is None:
        _refusal(conn, job)
    return envelopes(job, last, at, params["processed"])


def append_params(job: Append, at: int) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """The parameters and the shape (``sql.session_update``'s flags) of an
    append that changes its session: one statement checks, numbers and
    updates the session; a refusal is explained by a second look only when
    it happens."""
    session_id, new = job.session_id, job.new
    processed = [at if ev.processed else None for ev in new]
    params: dict[str, Any] = {
        "sid": session_id,
        "n": len(new),
        "at": at,
        "processed": processed,
        "bodies": [ev.payload.SerializeToString() for ev in new],
    }
    if job.owner is not None:
        params["owner"] = job.owner
    if job.workspace is not None:
        params["ws"] = job.workspace
    if job.running_limit is not None:
        if job.workspace is None:
            raise ValueError("a running limit applies to a workspace: pass workspace")
        params["lim"] = job.running_limit
    if job.status is not None:
        params["st"] = job.status
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
        job.workspace is not None,
        job.running_limit is not None,
    )
    return params, shape


def envelopes(
    job: Append, last: int, at: int, processed: Sequence[int | None]
) -> list[event_pb2.SessionEvent]:
    """The events of an append as stored, the session's last seq now ``last``."""
    first = last - len(job.new)
    stored: list[event_pb2.SessionEvent] = []
    for i, ev in enumerate(job.new, start=1):
        full = event_pb2.SessionEvent()
        full.CopyFrom(ev.payload)
        rows.envelope(full, ev.id, job.session_id, first + i, at, processed[i - 1])
        stored.append(full)
    return stored


def merge_appends(batch: Sequence[Append]) -> list[tuple[Append, list[tuple[int, int]]]]:
    """The batch as fewer appends: a session's appends that follow one another
    (among its own) and compose become one, with the same effect as running
    them in order. Each unit lists its parts: (index in ``batch``, events).

    Only a turn's fenced appends merge (same owner, no open-session or
    workspace check, so one's refusal is the other's), and not two that both
    move the turn clock, nor one that marks an event the other inserts (a
    statement does not see its own inserts)."""
    units: list[tuple[Append, list[tuple[int, int]]]] = []
    open_unit: dict[str, int] = {}
    for i, job in enumerate(batch):
        at = open_unit.get(job.session_id)
        if at is not None:
            merged = _merged(units[at][0], job)
            if merged is not None:
                units[at] = (merged, [*units[at][1], (i, len(job.new))])
                continue
        open_unit[job.session_id] = len(units)
        units.append((job, [(i, len(job.new))]))
    return units


def _merged(a: Append, b: Append) -> Append | None:
    """``a`` then ``b`` as one append, or None when they do not compose."""
    if (
        a.owner is None
        or a.owner != b.owner
        or a.require_open
        or b.require_open
        or a.workspace is not None
        or b.workspace is not None
        or not (a.changes_session and b.changes_session)
        or (a.turn is not None and b.turn is not None)
    ):
        return None
    if b.mark_processed and {e.id for e in a.new} & set(b.mark_processed):
        return None
    usage = a.usage
    if b.usage is not None:
        u, v = a.usage or UsageDelta(), b.usage
        usage = UsageDelta(
            u.input_tokens + v.input_tokens,
            u.output_tokens + v.output_tokens,
            u.cache_creation_input_tokens + v.cache_creation_input_tokens,
            u.cache_read_input_tokens + v.cache_read_input_tokens,
        )
    return Append(
        a.session_id,
        [*a.new, *b.new],
        False,
        b.status if b.status is not None else a.status,
        usage,
        a.turn if a.turn is not None else b.turn,
        (*a.mark_processed, *(m for m in b.mark_processed if m not in a.mark_processed)),
        a.owner,
        None,
    )


def _refusal(conn: Connection, job: Append) -> NoReturn:
    raise _refused(conn, job)


def _refused(conn: Connection, job: Append) -> Exception:
    """Why the checks of an append refused it (a second look at the session)."""
    s = t.sessions
    sid = job.session_id
    row = conn.execute(
        select(s.c.status, s.c.archived_at, s.c.lease_owner).where(
            s.c.id == sid, *in_scope(s.c.workspace, job.workspace)
        )
    ).first()
    if row is None:
        return errors.NotFound(f"No session with id {sid!r}.")
    if job.owner is not None and row.lease_owner != job.owner:
        return LeaseLost(sid)
    if row.archived_at is not None:
        return errors.Conflict(f"Session {sid!r} is archived and takes no new events.")
    if row.status == "terminated" or job.running_limit is None:
        return errors.Conflict(f"Session {sid!r} is terminated and takes no new events.")
    return RunningLimit(sid)
