"""The statements of the hot paths, built once from ``schema.py`` (building
them per call costs more than running them). SQLite's fast path hands the
driver the SQL these compile to, so the schema stays the one source."""

from __future__ import annotations

import functools
from typing import Any

from sessiond.core.store import schema as t
from sqlalchemy import (
    BigInteger,
    Float,
    and_,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import TextClause

_e, _s = t.events, t.sessions
# A row of these columns decodes with ``rows.event_of``.
EVENT_COLUMNS = (_e.c.id, _e.c.session_id, _e.c.seq, _e.c.created_at, _e.c.processed_at, _e.c.body)

EVENTS_AFTER = (
    select(*EVENT_COLUMNS)
    .where(_e.c.session_id == bindparam("sid"), _e.c.seq > bindparam("after"))
    .order_by(_e.c.seq)
    .limit(bindparam("lim"))
    .offset(literal_column("0"))  # else SQLite's compiler adds an "OFFSET ?"
)
PENDING = (
    select(*EVENT_COLUMNS)
    .where(_e.c.session_id == bindparam("sid"), _e.c.processed_at.is_(None))
    .order_by(_e.c.seq)
)
SESSION = select(_s).where(_s.c.id == bindparam("sid"))
LAST_SEQ = select(_s.c.last_seq).where(_s.c.id == bindparam("sid"))
LAST_SEQ_IN = LAST_SEQ.where(_s.c.workspace == bindparam("ws"))
SESSION_IN = select(_s).where(_s.c.id == bindparam("sid"), _s.c.workspace == bindparam("ws"))
# Sessions of a workspace running a turn (or about to again), counted by the
# append of a message that may start one (``session_update``'s ``limit``).
# (As literals: the SQL text of these statements is handed on as it compiles.)
RUNNING: list[Any] = [literal_column("'running'"), literal_column("'rescheduling'")]
_r = _s.alias("running")
_COUNT_RUNNING_IN_WS = (
    select(func.count())
    .where(_r.c.workspace == bindparam("ws"), _r.c.status.in_(RUNNING))
    .scalar_subquery()
)
_env = t.environments
ENVIRONMENT = select(_env.c.workspace, _env.c.body).where(_env.c.id == bindparam("id"))
ENVIRONMENT_IN = ENVIRONMENT.where(_env.c.workspace == bindparam("ws"))
# A runner's next work on a shared database, in one statement: the session
# (its columns first), the body of the environment ``env`` (null when there
# is none of that id), then one unprocessed event per row in order (event
# columns null when there is none).
WORK_OF = (
    select(
        *_s.c,
        select(_env.c.body).where(_env.c.id == bindparam("env")).scalar_subquery(),
        *EVENT_COLUMNS,
    )
    .select_from(_s.outerjoin(_e, and_(_e.c.session_id == _s.c.id, _e.c.processed_at.is_(None))))
    .where(_s.c.id == bindparam("sid"))
    .order_by(_e.c.seq)
)
WORK_OF_ENV = len(_s.c)
# The owner of a session's lease, the row locked until the transaction ends
# (PostgreSQL; a SQLite writer holds the whole database already).
LEASE_OWNER = select(_s.c.lease_owner).where(_s.c.id == bindparam("sid")).with_for_update()
MARK_PROCESSED = (
    update(_e)
    .where(
        _e.c.session_id == bindparam("sid"),
        _e.c.id.in_(bindparam("ids", expanding=True)),
        _e.c.processed_at.is_(None),
    )
    .values(processed_at=bindparam("at_", type_=BigInteger))
)
_INSERT_EVENTS = insert(_e).values(
    {c: bindparam(c.name) for c in (*EVENT_COLUMNS[:3], _e.c.type, *EVENT_COLUMNS[3:])}
)

_SQLITE = sqlite.dialect()
_SQLITE_NAMED = sqlite.dialect(paramstyle="named")


@functools.cache
def _pg_named() -> Any:
    """PostgreSQL's compiler, without casts on the parameters (a text() statement
    embeds this SQL). Made on first use: a SQLite server never loads SQLAlchemy's
    PostgreSQL dialects (about 2 MB resident); a PostgreSQL one has them already."""
    from sqlalchemy.dialects.postgresql import psycopg2

    return psycopg2.dialect(paramstyle="named")


def compiled(stmt: ClauseElement, dialect: Any = _SQLITE) -> str:
    """The SQL text a statement compiles to (qmark parameters on SQLite's default)."""
    return str(stmt.compile(dialect=dialect))


def positions(stmt: ClauseElement) -> tuple[str, ...]:
    """The order of the qmark parameters of ``compiled(stmt)``."""
    done = stmt.compile(dialect=_SQLITE)
    assert isinstance(done, SQLCompiler)
    return tuple(done.positiontup or ())


# SQLite's driver gets these; the order of the ``?`` is checked at import.
EVENTS_AFTER_SQL = compiled(EVENTS_AFTER)
PENDING_SQL = compiled(PENDING)
INSERT_EVENTS_SQL = compiled(_INSERT_EVENTS)
if positions(EVENTS_AFTER) != ("sid", "after", "lim") or positions(_INSERT_EVENTS) != (
    "id",
    "session_id",
    "seq",
    "type",
    "created_at",
    "processed_at",
    "body",
):  # pragma: no cover - the callers pass their parameters in this order
    raise ImportError("unexpected parameter order in the compiled SQLite statements")


def session_update(
    owner: bool,
    require_open: bool,
    status: bool,
    usage: bool,
    turn: str | None,
    workspace: bool = False,
    limit: bool = False,
) -> Any:
    """The UPDATE ... RETURNING last_seq of an append: numbers its events and
    applies its session changes, refused (no row) by the checks it asks for.
    Parameters: sid, n, at, and owner, st, it/ot/cct/crt, ws, lim as the shape
    needs. With ``limit`` the session must be running already, or its
    workspace (``ws``) run fewer than ``lim`` sessions."""
    at = bindparam("at", type_=BigInteger)
    values: dict[Any, Any] = {
        _s.c.last_seq: _s.c.last_seq + bindparam("n", type_=BigInteger),
        _s.c.updated_at: at,
    }
    if status:
        values[_s.c.status] = bindparam("st")
    if usage:
        for col, name in (
            (_s.c.input_tokens, "it"),
            (_s.c.output_tokens, "ot"),
            (_s.c.cache_creation_input_tokens, "cct"),
            (_s.c.cache_read_input_tokens, "crt"),
        ):
            values[col] = col + bindparam(name, type_=BigInteger)
    if turn == "start":
        values[_s.c.turn_started_at] = at
    elif turn == "end":
        seconds = cast(at - _s.c.turn_started_at, Float) / literal_column("1000000.0", Float)
        values[_s.c.active_seconds] = _s.c.active_seconds + func.coalesce(
            seconds, literal_column("0.0", Float)
        )
        values[_s.c.turn_started_at] = null()
    conds = [_s.c.id == bindparam("sid")]
    if owner:
        conds.append(_s.c.lease_owner == bindparam("owner"))
    if require_open:
        conds += [_s.c.archived_at.is_(None), _s.c.status != literal_column("'terminated'")]
    if workspace:
        conds.append(_s.c.workspace == bindparam("ws"))
    if limit:
        conds.append(or_(_s.c.status.in_(RUNNING), _COUNT_RUNNING_IN_WS < bindparam("lim")))
    return update(_s).where(*conds).values(values).returning(_s.c.last_seq)


@functools.cache
def sqlite_session_update(
    owner: bool,
    require_open: bool,
    status: bool,
    usage: bool,
    turn: str | None,
    workspace: bool = False,
    limit: bool = False,
) -> str:
    """``session_update`` as SQLite's driver takes it (named parameters)."""
    return compiled(
        session_update(owner, require_open, status, usage, turn, workspace, limit), _SQLITE_NAMED
    )


@functools.cache
def pg_append(
    owner: bool,
    require_open: bool,
    status: bool,
    usage: bool,
    turn: str | None,
    workspace: bool = False,
    limit: bool = False,
) -> TextClause:
    """A whole append on PostgreSQL as one statement: the session update, the
    events numbered after it, the events it marks processed, and the
    notification to the other replicas (sent when the transaction commits)."""
    from sqlalchemy import text

    update_sql = compiled(
        session_update(owner, require_open, status, usage, turn, workspace, limit), _pg_named()
    )
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
    WHERE session_id = :sid AND id = ANY(CAST(:mark AS varchar[]))
        AND processed_at IS NULL AND EXISTS (SELECT 1 FROM s)
),
nt AS (
    SELECT pg_notify(
        :channel, :sid || ' ' || (s.last_seq - :n + 1) || ' ' || s.last_seq
    ) FROM s WHERE :n > 0
)
SELECT s.last_seq, (SELECT count(*) FROM nt) FROM s"""
    return text(sql).bindparams(bindparam("n", type_=BigInteger), bindparam("at", type_=BigInteger))
