"""Writes that stay correct under concurrency, on SQLite and PostgreSQL: the
turn lease fences every write of a turn, updates never lose a concurrent
change, and a session is created with its initial events or not at all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import field_mask_pb2
from sessiond.core.errors import NotFound
from sessiond.core.eventlog import EventLog
from sessiond.core.server import CoreServer
from sessiond.core.store.store import LeaseLost, NewEvent, Store, UnsupportedDatabase
from sessiond.core.timeutil import now_us, to_timestamp
from sessiond.v1 import (
    agent_pb2,
    common_pb2,
    environment_pb2,
    environment_pb2_grpc,
    event_pb2,
    session_pb2,
    session_pb2_grpc,
)

from tests.blackbox.cluster import create_database, drop_database, pg_url
from tests.test_core_grpc import KEY, keyed_channel

# Metadata holds at most 16 pairs.
PATCHES = 15


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


@pytest.fixture
async def core(db_url: str, tmp_path: Path) -> AsyncIterator[CoreServer]:
    server = await CoreServer.open(db_url, tmp_path, api_keys={KEY: "default"})
    await server.start("127.0.0.1:0")
    try:
        yield server
    finally:
        await server.stop(0.5)


def _message(text: str) -> event_pb2.SessionEvent:
    block = common_pb2.ContentBlock(text=common_pb2.TextBlock(text=text))
    return event_pb2.SessionEvent(user_message=event_pb2.UserMessageEvent(content=[block]))


def _session(sid: str) -> session_pb2.Session:
    return session_pb2.Session(
        id=sid,
        agent=agent_pb2.SessionAgent(id="agent_x", version=1),
        status=session_pb2.SESSION_STATUS_IDLE,
        created_at=to_timestamp(now_us()),
        updated_at=to_timestamp(now_us()),
    )


async def _create_request(core: CoreServer, n_initial: int) -> session_pb2.CreateSessionRequest:
    agent = await core.agents.create(
        agent_pb2.CreateAgentRequest(name="a", model=agent_pb2.ModelConfig(id="claude-x")),
        ws="default",
    )
    env = await core.environments.create(
        environment_pb2.CreateEnvironmentRequest(name="e"), ws="default"
    )
    return session_pb2.CreateSessionRequest(
        agent=session_pb2.AgentSelector(agent=session_pb2.AgentVersionSelector(id=agent.id)),
        environment_id=env.id,
        initial_events=[_message(f"m{i}") for i in range(n_initial)],
    )


# ------------------------------------------------------------------ lease fencing


async def test_a_replica_that_lost_its_lease_marks_nothing_processed(db_url: str) -> None:
    store = await Store.open(db_url)
    try:
        await store.create_session(_session("sesn_a"), [], ws="default")
        (queued,) = await store.append(
            "sesn_a", [NewEvent("sevt_q", "user.message", _message("hi"), processed=False)]
        )
        assert await store.acquire_lease("sesn_a", "replica-1", 60_000_000)
        # replica-1 loses the lease; replica-2 takes the session over.
        await store.release_lease("sesn_a", "replica-1")
        assert await store.acquire_lease("sesn_a", "replica-2", 60_000_000)

        with pytest.raises(LeaseLost):
            await store.append("sesn_a", [], mark_processed=[queued.id], owner="replica-1")
        # The runtime writes through the event log: fenced there too.
        log = EventLog(store, _NoBroker())  # type: ignore[arg-type]
        try:
            with pytest.raises(LeaseLost):
                await log.append("sesn_a", [], mark_processed=[queued.id], owner="replica-1")
        finally:
            await log.drain()
        assert [e.id for e in await store.pending_events("sesn_a")] == [queued.id]

        # The new owner still finds the event waiting and takes it.
        await store.append("sesn_a", [], mark_processed=[queued.id], owner="replica-2")
        assert await store.pending_events("sesn_a") == []
    finally:
        await store.close()


class _NoBroker:
    """A fake broker: nobody subscribes in this test."""

    def publish(self, *_args: object) -> None:
        pass


# --------------------------------------------------------------- updates


async def test_concurrent_environment_patches_all_survive(core: CoreServer) -> None:
    async with keyed_channel(f"127.0.0.1:{core.port}") as channel:
        envs = environment_pb2_grpc.EnvironmentServiceStub(channel)
        env = (
            await envs.CreateEnvironment(
                environment_pb2.CreateEnvironmentRequest(name="e", metadata={"base": "0"})
            )
        ).environment

        async def patch(i: int) -> None:
            await envs.UpdateEnvironment(
                environment_pb2.UpdateEnvironmentRequest(
                    environment_id=env.id,
                    metadata={f"k{i}": str(i)},
                    update_mask=field_mask_pb2.FieldMask(paths=["metadata"]),
                )
            )

        await asyncio.gather(*(patch(i) for i in range(PATCHES)))
        got = (
            await envs.GetEnvironment(environment_pb2.GetEnvironmentRequest(environment_id=env.id))
        ).environment
    assert dict(got.metadata) == {"base": "0", **{f"k{i}": str(i) for i in range(PATCHES)}}


async def test_an_archive_racing_updates_is_never_undone(core: CoreServer) -> None:
    async with keyed_channel(f"127.0.0.1:{core.port}") as channel:
        envs = environment_pb2_grpc.EnvironmentServiceStub(channel)
        for _round in range(4):
            env = (
                await envs.CreateEnvironment(environment_pb2.CreateEnvironmentRequest(name="e"))
            ).environment

            async def update(i: int, env_id: str = env.id) -> None:
                try:
                    await envs.UpdateEnvironment(
                        environment_pb2.UpdateEnvironmentRequest(
                            environment_id=env_id,
                            description=f"d{i}",
                            update_mask=field_mask_pb2.FieldMask(paths=["description"]),
                        )
                    )
                except grpc.aio.AioRpcError as e:
                    # Refused once archived, with the status that says so.
                    assert e.code() == grpc.StatusCode.ABORTED, e

            archive = envs.ArchiveEnvironment(
                environment_pb2.ArchiveEnvironmentRequest(environment_id=env.id)
            )
            await asyncio.gather(*(update(i) for i in range(8)), archive)
            got = (
                await envs.GetEnvironment(
                    environment_pb2.GetEnvironmentRequest(environment_id=env.id)
                )
            ).environment
            assert got.HasField("archived_at")


async def test_an_environment_read_after_each_write_sees_it(db_url: str) -> None:
    """Reads of an environment (served from memory on SQLite) follow every
    write at once, and stay inside the reader's workspace."""
    store = await Store.open(db_url)
    try:
        at = to_timestamp(now_us())
        env = environment_pb2.Environment(id="env_memo", name="e", created_at=at, updated_at=at)
        env.config.cloud.SetInParent()
        await store.insert_environment(env, ws="a")
        assert (await store.get_environment(env.id, ws="a")).config.HasField("cloud")
        with pytest.raises(NotFound):
            await store.get_environment(env.id, ws="b")

        def to_self_hosted(e: environment_pb2.Environment) -> None:
            e.config.self_hosted.SetInParent()

        await store.update_environment(env.id, to_self_hosted, ws="a")
        got = await store.get_environment(env.id, ws=None)
        assert got.config.HasField("self_hosted")
        got.name = "changed by the caller"
        assert (await store.get_environment(env.id, ws="a")).name == "e"
        env.name = "put"
        await store.put_environment(env, ws="a")
        assert (await store.get_environment(env.id, ws="a")).name == "put"
        with pytest.raises(NotFound):
            await store.get_environment(env.id, ws="b")
        await store.delete_environment(env.id, ws="a")
        with pytest.raises(NotFound):
            await store.get_environment(env.id, ws=None)
    finally:
        await store.close()


async def test_concurrent_session_patches_all_survive(core: CoreServer) -> None:
    req = await _create_request(core, 0)
    async with keyed_channel(f"127.0.0.1:{core.port}") as channel:
        sessions = session_pb2_grpc.SessionServiceStub(channel)
        sid = (await sessions.CreateSession(req)).session.id

        async def patch(i: int, key: str = "") -> None:
            await sessions.UpdateSession(
                session_pb2.UpdateSessionRequest(
                    session_id=sid,
                    metadata={key or f"k{i}": str(i)},
                    update_mask=field_mask_pb2.FieldMask(paths=["metadata"]),
                )
            )

        await asyncio.gather(*(patch(i) for i in range(PATCHES)))
        got = (await sessions.GetSession(session_pb2.GetSessionRequest(session_id=sid))).session
        assert dict(got.metadata) == {f"k{i}": str(i) for i in range(PATCHES)}

        # An archive racing updates stays: the updates after it are refused.
        async def update(i: int) -> None:
            try:
                await patch(i, key="late")
            except grpc.aio.AioRpcError as e:
                assert e.code() == grpc.StatusCode.ABORTED, e

        await asyncio.gather(
            *(update(i) for i in range(8)),
            sessions.ArchiveSession(session_pb2.ArchiveSessionRequest(session_id=sid)),
        )
        got = (await sessions.GetSession(session_pb2.GetSessionRequest(session_id=sid))).session
        assert got.HasField("archived_at")


# ---------------------------------------------------------------- create


async def test_a_create_cut_off_leaves_the_whole_session_or_none(core: CoreServer) -> None:
    req = await _create_request(core, 3)
    outcomes = set()
    steps = tries = 0
    # Cut the create off after 0, 1, 2, ... loop steps, until one finishes.
    while "finished" not in outcomes and tries < 200:
        tries += 1
        task = asyncio.create_task(core.sessions.create(req, ws="default"))
        for _ in range(steps):
            await asyncio.sleep(0)  # runs the create up to its next await
        task.cancel()
        try:
            await task
            outcomes.add("finished")
        except asyncio.CancelledError:
            outcomes.add("cancelled")
        steps += 1 + steps // 8
    # A SQLite write still running in its thread ends before this one starts.
    await core.store._tx(lambda conn: None, write=True)
    found, _ = await core.store.list_sessions(100, None, False, include_archived=True, ws="default")
    for s in found:
        events = await core.store.conversation(s.id)
        # The initial events come first; the turn they started may follow.
        texts = [e.user_message.content[0].text.text for e in events[:3] if e.user_message.content]
        assert texts == ["m0", "m1", "m2"], s.id
    assert outcomes == {"finished", "cancelled"}


async def test_a_create_that_fails_after_the_insert_leaves_nothing(db_url: str) -> None:
    store = await Store.open(db_url)
    try:
        await store.create_session(
            _session("sesn_1"), [NewEvent("sevt_dup", "user.message", _message("a"))], ws="default"
        )
        # The second initial event cannot be stored (its id is taken).
        new = [
            NewEvent("sevt_ok", "user.message", _message("b")),
            NewEvent("sevt_dup", "user.message", _message("c")),
        ]
        with pytest.raises(Exception, match="(?i)unique|duplicate"):
            await store.create_session(_session("sesn_2"), new, ws="default")
        assert not await store.session_exists("sesn_2", ws="default")
        assert [e.id for e in await store.conversation("sesn_1")] == ["sevt_dup"]
    finally:
        await store.close()


# ------------------------------------------------------------------ dialects


@pytest.mark.parametrize(
    "url",
    [
        "mysql://u@localhost/db",
        "sqlite:///tmp/x.db",
        "postgresql://u@localhost/db",
        "postgresql+psycopg2://u@localhost/db",
        "not a url",
    ],
)
async def test_other_databases_are_refused_with_a_clear_error(url: str) -> None:
    with pytest.raises(UnsupportedDatabase) as caught:
        await Store.open(url)
    message = caught.value.message
    assert "\n" not in message
    assert "sqlite+aiosqlite" in message and "postgresql+asyncpg" in message
