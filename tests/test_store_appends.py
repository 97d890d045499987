"""Group commit on SQLite and PostgreSQL: a turn's queued appends of one
session merge into one statement with the same effect as running them in
order, a refused merge refuses every part, and on PostgreSQL a lone append is
one round trip (no BEGIN, no COMMIT) while a replica reads nothing back for
the notifications of its own appends."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import asyncpg.prepared_stmt
import asyncpg.transaction
import pytest
from sessiond.core import errors
from sessiond.core.eventlog import EventLog
from sessiond.core.fanout import Broker
from sessiond.core.listener import Listener, asyncpg_dsn
from sessiond.core.store.events import merge_appends
from sessiond.core.store.store import (
    Append,
    LeaseLost,
    NewEvent,
    RunningLimit,
    Store,
    UsageDelta,
)
from sessiond.v1 import environment_pb2, event_pb2, session_pb2

from tests.blackbox.cluster import create_database, drop_database, pg_url
from tests.test_store_concurrency import _message, _session

OWNER = "replica-1"
TTL = 60_000_000


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        s = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
        try:
            yield s
        finally:
            await s.close()
        return
    base = pg_url()
    if base is None:
        pytest.skip("no PostgreSQL (scripts/test.sh starts one)")
    url = await create_database(base)
    s = await Store.open(url)
    try:
        yield s
    finally:
        await s.close()
        await drop_database(url)


def _ev(eid: str, kind: str = "agent.message", processed: bool = True) -> NewEvent:
    return NewEvent(eid, kind, _message(eid), processed=processed)


def _turn(sid: str, trigger: str) -> list[Append]:
    """What a turn queues: running (marking its trigger), the model's events, idle."""
    return [
        Append(sid, [_ev(f"{sid}_run")], status="running", turn="start",
               mark_processed=(trigger,), owner=OWNER),
        Append(sid, [_ev(f"{sid}_start")], owner=OWNER),
        Append(sid, [_ev(f"{sid}_msg")], owner=OWNER),
        Append(sid, [_ev(f"{sid}_end")], usage=UsageDelta(3, 5, 0, 1), owner=OWNER),
        Append(sid, [_ev(f"{sid}_idle")], status="idle", turn="end", owner=OWNER),
    ]  # fmt: skip


async def _queued(store: Store, sid: str) -> str:
    await store.create_session(_session(sid), [], ws="default")
    (ev,) = await store.append(sid, [_ev(f"{sid}_q", "user.message", processed=False)])
    assert await store.acquire_lease(sid, OWNER, TTL)
    return ev.id


async def test_a_turns_appends_merge_and_each_gets_its_own_events_in_order(store: Store) -> None:
    a, b = await _queued(store, "sesn_a"), await _queued(store, "sesn_b")
    ta, tb = _turn("sesn_a", a), _turn("sesn_b", b)
    # Two sessions' turns interleaved, as concurrent turns queue them.
    batch = [job for pair in zip(ta, tb, strict=True) for job in pair]
    # Per session: running..end merge; idle moves the turn clock again, so it
    # stays apart (four units for the ten appends).
    assert len(merge_appends(batch)) == 4

    results = await store.append_batch(batch)

    for job, result in zip(batch, results, strict=True):
        assert not isinstance(result, BaseException)
        assert [e.id for e in result] == [e.id for e in job.new]
    for sid, trigger in (("sesn_a", a), ("sesn_b", b)):
        stored = await store.events_after(sid, 0, 100)
        assert [e.id for e in stored] == [
            trigger,
            *(f"{sid}_{k}" for k in ("run", "start", "msg", "end", "idle")),
        ]
        assert [e.sequence for e in stored] == list(range(1, 7))
        assert await store.pending_events(sid) == []
        session = await store.get_session(sid, ws="default")
        assert session.status == session_pb2.SESSION_STATUS_IDLE
        assert (session.usage.input_tokens, session.usage.output_tokens) == (3, 5)
        assert session.usage.cache_read_input_tokens == 1


async def test_a_merged_append_of_a_lost_lease_refuses_every_part(store: Store) -> None:
    trigger = await _queued(store, "sesn_a")
    await store.release_lease("sesn_a", OWNER)
    assert await store.acquire_lease("sesn_a", "replica-2", TTL)
    batch = _turn("sesn_a", trigger)[:4]
    assert len(merge_appends(batch)) == 1

    results = await store.append_batch(batch)

    assert all(isinstance(r, LeaseLost) for r in results)
    assert [e.id for e in await store.events_after("sesn_a", 0, 100)] == [trigger]
    assert [e.id for e in await store.pending_events("sesn_a")] == [trigger]


async def test_an_append_marking_an_event_queued_just_before_it_stays_apart(
    store: Store,
) -> None:
    await _queued(store, "sesn_a")
    batch = [
        Append("sesn_a", [_ev("sevt_tool", "agent.custom_tool_use", processed=False)], owner=OWNER),
        Append("sesn_a", [_ev("sevt_res")], mark_processed=("sevt_tool",), owner=OWNER),
    ]
    assert len(merge_appends(batch)) == 2

    await store.append_batch(batch)

    assert [e.id for e in await store.pending_events("sesn_a")] == ["sesn_a_q"]


async def test_sends_are_never_merged(store: Store) -> None:
    await store.create_session(_session("sesn_a"), [], ws="default")
    sends = [
        Append("sesn_a", [_ev(f"m{i}", "user.message", False)], require_open=True, workspace="w")
        for i in range(2)
    ]
    assert len(merge_appends(sends)) == 2
    # Outside its workspace a send is refused, alone.
    results = await store.append_batch(sends)
    assert all(isinstance(r, Exception) for r in results)


def _send(sid: str, eid: str, limit: int | None) -> Append:
    return Append(
        sid,
        [_ev(eid, "user.message", False)],
        require_open=True,
        workspace="default",
        running_limit=limit,
    )


async def test_a_send_past_the_running_limit_is_refused_and_writes_nothing(
    store: Store,
) -> None:
    for sid in ("sesn_run", "sesn_idle"):
        await store.create_session(_session(sid), [], ws="default")
    # Under the limit a message is taken.
    (ok,) = await store.append_batch([_send("sesn_idle", "sevt_0", 1)])
    assert not isinstance(ok, BaseException)
    # One session of the workspace runs: another's message is refused ...
    await store.append("sesn_run", [_ev("sevt_r")], status="running", turn="start")
    before = await store.last_seq("sesn_idle", ws="default")
    (refused,) = await store.append_batch([_send("sesn_idle", "sevt_1", 1)])
    assert isinstance(refused, RunningLimit)
    assert await store.last_seq("sesn_idle", ws="default") == before
    # ... a higher limit or a message to the running session is taken; the
    # refusal of a closed session is still a Conflict.
    (higher,) = await store.append_batch([_send("sesn_idle", "sevt_2", 2)])
    (queued,) = await store.append_batch([_send("sesn_run", "sevt_3", 1)])
    assert not isinstance(higher, BaseException) and not isinstance(queued, BaseException)
    await store.append("sesn_idle", [_ev("sevt_t")], status="terminated")
    (closed,) = await store.append_batch([_send("sesn_idle", "sevt_4", 1)])
    assert isinstance(closed, errors.Conflict)


async def test_work_of_reads_the_queue_the_session_and_on_a_shared_database_its_environment(
    store: Store,
) -> None:
    env = environment_pb2.Environment(id="env_a", name="a")
    env.config.self_hosted.SetInParent()
    await store.insert_environment(env, ws="default")
    session = _session("sesn_a")
    session.environment_id = env.id
    await store.create_session(session, [], ws="default")
    pending, got, read = await store.work_of("sesn_a", env.id)
    assert (pending, got.id, got.environment_id) == ([], "sesn_a", env.id)
    await store.append("sesn_a", [_ev("sevt_done")])
    await store.append(
        "sesn_a", [_ev("sevt_q1", "user.message", False), _ev("sevt_q2", "user.message", False)]
    )
    pending, got, read = await store.work_of("sesn_a", env.id)
    assert [e.id for e in pending] == ["sevt_q1", "sevt_q2"]
    assert [e.sequence for e in pending] == [2, 3]
    assert pending[0].user_message.content[0].text.text == "sevt_q1"
    assert got.status == session_pb2.SESSION_STATUS_IDLE
    if store.shared:
        # Read as stored now, by the same statement.
        assert read is not None and read.config.WhichOneof("type") == "self_hosted"
        env.config.cloud.SetInParent()
        await store.put_environment(env, ws="default")
        read = (await store.work_of("sesn_a", env.id))[2]
        assert read is not None and read.config.WhichOneof("type") == "cloud"
        assert (await store.work_of("sesn_a", "env_missing"))[2] is None
    else:
        assert read is None
    assert (await store.work_of("sesn_a"))[2] is None
    with pytest.raises(errors.NotFound):
        await store.work_of("sesn_missing", env.id)


# ------------------------------------------------------------- PostgreSQL


class _RoundTrips:
    def __init__(self) -> None:
        self.statements = 0
        self.transactions = 0


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[_RoundTrips]:
    """Counts the statements and transactions asyncpg sends (through
    SQLAlchemy, or straight on a connection)."""
    seen = _RoundTrips()
    fetch = asyncpg.prepared_stmt.PreparedStatement.fetch
    direct = asyncpg.Connection.fetch
    start = asyncpg.transaction.Transaction.start

    async def counted_fetch(self: object, *args: object, **kw: object) -> object:
        seen.statements += 1
        return await fetch(self, *args, **kw)  # type: ignore[arg-type]

    async def counted_direct(self: asyncpg.Connection, *args: object, **kw: object) -> object:
        seen.statements += 1
        return await direct(self, *args, **kw)  # type: ignore[arg-type]

    async def counted_start(self: asyncpg.transaction.Transaction) -> None:
        seen.transactions += 1
        await start(self)

    monkeypatch.setattr(asyncpg.prepared_stmt.PreparedStatement, "fetch", counted_fetch)
    monkeypatch.setattr(asyncpg.Connection, "fetch", counted_direct)
    monkeypatch.setattr(asyncpg.transaction.Transaction, "start", counted_start)
    yield seen


async def test_on_postgresql_a_lone_append_and_a_turns_merged_ones_are_one_statement(
    store: Store, round_trips: _RoundTrips
) -> None:
    if not store.shared:
        pytest.skip("PostgreSQL only")
    trigger = await _queued(store, "sesn_a")
    batch = _turn("sesn_a", trigger)[:4]
    round_trips.statements = round_trips.transactions = 0

    await store.append("sesn_a", [_ev("sevt_x")], owner=OWNER)
    assert (round_trips.statements, round_trips.transactions) == (1, 0)
    results = await store.append_batch(batch)
    assert not any(isinstance(r, BaseException) for r in results)
    assert (round_trips.statements, round_trips.transactions) == (2, 0)

    # Two units still commit together, in one transaction.
    more = [
        Append("sesn_a", [_ev("sevt_y")], status="idle", turn="end", owner=OWNER),
        Append("sesn_a", [_ev("sevt_z")], status="running", turn="start", owner=OWNER),
    ]
    await store.append_batch(more)
    assert (round_trips.statements, round_trips.transactions) == (4, 1)

    # A send, its workspace's running limit checked by the same statement.
    (sent,) = await store.append_batch([_send("sesn_a", "sevt_s", 5)])
    assert not isinstance(sent, BaseException)
    assert (round_trips.statements, round_trips.transactions) == (5, 1)
    # A runner's work: its queue, the session and the environment at once.
    await store.work_of("sesn_a", "env_a")
    assert (round_trips.statements, round_trips.transactions) == (6, 1)


async def test_a_replica_reads_nothing_back_for_its_own_appends() -> None:
    base = pg_url()
    if base is None:
        pytest.skip("no PostgreSQL (scripts/test.sh starts one)")
    url = await create_database(base)
    store, other = await Store.open(url), await Store.open(url)
    broker = Broker()
    log = EventLog(store, broker)
    got: asyncio.Queue[list[int]] = asyncio.Queue()
    listener = Listener(
        asyncpg_dsn(url), store, broker, lambda: ["sesn_a"],
        lambda _sid, events: got.put_nowait([e.sequence for e in events]),
        poll_seconds=3600,
    )  # fmt: skip
    reads: list[tuple[int, int]] = []
    between = store.events_between

    async def counted(sid: str, first: int, last: int) -> list[event_pb2.SessionEvent]:
        reads.append((first, last))
        return await between(sid, first, last)

    store.events_between = counted  # type: ignore[method-assign]
    await listener.start()
    try:
        await store.create_session(_session("sesn_a"), [], ws="default")
        # Another replica's event: read and handed on.
        await other.append("sesn_a", [_ev("sevt_other", "user.message", False)])
        assert await asyncio.wait_for(got.get(), 10) == [1]
        for i in range(5):
            await log.append("sesn_a", [_ev(f"sevt_own{i}")])
        # Own appends are known when their notifications come: the next
        # event of another replica is read alone, nothing before it again.
        await other.append("sesn_a", [_ev("sevt_other2", "user.message", False)])
        assert await asyncio.wait_for(got.get(), 10) == [7]
        assert got.empty()
        assert reads == [(1, 1), (7, 7)]
    finally:
        await listener.close()
        await log.drain()
        await other.close()
        await store.close()
        await drop_database(url)


async def test_on_postgresql_reads_cancelled_mid_statement_give_their_connections_back(
    store: Store,
) -> None:
    """Reads run straight on the pool's asyncpg connections: cancelled ones
    (a client gone mid-request) must leave the pool whole, or later callers
    would wait for a connection forever."""
    if not store.shared:
        pytest.skip("PostgreSQL only")
    await store.create_session(_session("sesn_a"), [], ws="default")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for round_ in range(3):
            tasks = [asyncio.create_task(store.last_seq("sesn_a", ws="default")) for _ in range(60)]
            await asyncio.sleep(0.001 * round_)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        del tasks
        gc.collect()
    # None was left for the garbage collector to hand back (SQLAlchemy warns then).
    assert not [w for w in caught if "garbage collector" in str(w.message)], caught
    # More callers at once than the pool holds: each gets a connection in turn.
    got = await asyncio.wait_for(
        asyncio.gather(*(store.last_seq("sesn_a", ws="default") for _ in range(3 * 20))), 20
    )
    assert got == [0] * 60
    await store.append("sesn_a", [_ev("sevt_after")])
    assert await store.last_seq("sesn_a", ws="default") == 1
