"""Tenants kept apart (CONTRACT.md §2 "Workspaces and keys"), against a real
`sessiond serve` with keys of two workspaces: every route of the public API
tried with the other workspace's ids, positions and cursors is 404
`not_found_error` (gRPC NOT_FOUND) exactly as an id that never existed, and
lists are empty; a second key of the same workspace sees everything."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anthropic
import grpc
import pytest
from sessiond.v1 import (
    agent_pb2,
    agent_pb2_grpc,
    environment_pb2,
    environment_pb2_grpc,
    event_pb2,
    event_pb2_grpc,
    session_pb2,
    session_pb2_grpc,
)

from .cluster import pg_url, start_cluster
from .helpers import Server, start_server, terminate, user_message

KEY_A = "sk-ws-team-a-0123456789abcdef"
KEY_A2 = "sk-ws-team-a-second-0123456789"
KEY_B = "sk-ws-team-b-0123456789abcdef"
KEYS = f"team-a={KEY_A},team-a={KEY_A2},team-b={KEY_B}"
MISSING_AGENT = "agent_011CZZZZZZZZZZZZZZZZZZZZ"
MISSING_ENV = "env_011CZZZZZZZZZZZZZZZZZZZZZ"
MISSING_SESSION = "sesn_011CZZZZZZZZZZZZZZZZZZZ"
MISSING_VAULT = "vlt_011CZZZZZZZZZZZZZZZZZZZZZ"
MISSING_CREDENTIAL = "vcrd_011CZZZZZZZZZZZZZZZZZZZ"


@dataclass
class Tenant:
    """What workspace A made, for B to try."""

    agent_id: str
    env_id: str
    session_id: str
    event_id: str
    agents_cursor: str
    sessions_cursor: str
    events_cursor: str


@pytest.fixture(scope="module", params=["serve", "replicas"])
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Server]:
    """The suite runs against `serve` (SQLite) and two replicas on PostgreSQL."""
    tmp = tmp_path_factory.mktemp(f"workspaces-{request.param}")
    if request.param == "serve":
        srv = await start_server(
            tmp / "data", api_key=None, log_dir=tmp, env={"SESSIOND_API_KEYS": KEYS}
        )
        try:
            yield srv
        finally:
            await terminate(srv.proc, srv._drain, srv.describe, "sessiond serve")
        return
    url = pg_url()
    if url is None:
        pytest.skip("no PostgreSQL for the replica suite (scripts/test.sh starts one)")
    key_file = tmp / "keys"
    key_file.write_text(f"team-a={KEY_A2}\nteam-b={KEY_B}\n")
    cluster = await start_cluster(
        url,
        tmp / "data",
        api_key=f"team-a={KEY_A}",
        log_dir=tmp,
        env={"SESSIOND_API_KEY_FILE": str(key_file)},
    )
    try:
        yield cluster  # type: ignore[misc]
    finally:
        await cluster.stop()


async def _idle(client: anthropic.AsyncAnthropic, session_id: str) -> None:
    for _ in range(200):
        s = await client.beta.sessions.retrieve(session_id)
        if s.status == "idle":
            return
        await asyncio.sleep(0.05)  # polling a status, not synchronisation of a race
    raise AssertionError("the session never went idle")


@pytest.fixture(scope="module")
async def tenant(server: Server) -> Tenant:
    a = server.client(api_key=KEY_A)
    try:
        agents = [
            await a.beta.agents.create(name=f"a{i}", model="claude-sonnet-4-5") for i in range(2)
        ]
        await a.beta.agents.update(agents[0].id, version=1, description="v2")
        env = await a.beta.environments.create(name="a-env")
        sessions = [
            await a.beta.sessions.create(agent=agents[0].id, environment_id=env.id)
            for _ in range(2)
        ]
        sid = sessions[0].id
        sent = await a.beta.sessions.events.send(sid, events=[user_message("secret of A")])
        await _idle(a, sid)
        await a.beta.sessions.events.send(sid, events=[user_message("second")])
        await _idle(a, sid)
        agent_page = await a.beta.agents.list(limit=1)
        session_page = await a.beta.sessions.list(limit=1)
        event_page = await a.beta.sessions.events.list(sid, limit=1)
        assert agent_page.next_page and session_page.next_page and event_page.next_page
        return Tenant(
            agent_id=agents[0].id,
            env_id=env.id,
            session_id=sid,
            event_id=sent.data[0].id,
            agents_cursor=agent_page.next_page,
            sessions_cursor=session_page.next_page,
            events_cursor=event_page.next_page,
        )
    finally:
        await a.close()


def _not_found(status: int, body: bytes) -> str:
    """The message of a 404 not_found_error body (asserting it is one)."""
    assert status == 404, (status, body[:300])
    data = json.loads(body)
    assert data["type"] == "error" and data["error"]["type"] == "not_found_error", data
    return str(data["error"]["message"])


def _shape(message: str, ident: str, missing: str) -> str:
    return message.replace(ident, "ID").replace(missing, "ID")


async def _same_as_missing(call: Callable[[str], Awaitable[Any]], ident: str, missing: str) -> None:
    """``call`` with another workspace's id answers exactly as with an id that
    never existed: 404 not_found_error, same message but for the id."""
    answers = []
    for value in (ident, missing):
        with pytest.raises(anthropic.NotFoundError) as caught:
            await call(value)
        answers.append(_not_found(404, caught.value.response.content))
    assert _shape(answers[0], ident, missing) == _shape(answers[1], ident, missing)


async def test_every_route_hides_the_other_workspace(server: Server, tenant: Tenant) -> None:
    b = server.client(api_key=KEY_B)
    t = tenant
    try:
        ag, env, ses = t.agent_id, t.env_id, t.session_id
        # Agents.
        await _same_as_missing(lambda i: b.beta.agents.retrieve(i), ag, MISSING_AGENT)
        await _same_as_missing(lambda i: b.beta.agents.retrieve(i, version=1), ag, MISSING_AGENT)
        await _same_as_missing(
            lambda i: b.beta.agents.update(i, version=2, name="stolen"), ag, MISSING_AGENT
        )
        await _same_as_missing(lambda i: b.beta.agents.archive(i), ag, MISSING_AGENT)
        await _same_as_missing(lambda i: b.beta.agents.versions.list(i), ag, MISSING_AGENT)
        assert (await b.beta.agents.list()).data == []
        assert (await b.beta.agents.list(include_archived=True)).data == []
        assert (await b.beta.agents.list(page=t.agents_cursor)).data == []
        # Environments.
        await _same_as_missing(lambda i: b.beta.environments.retrieve(i), env, MISSING_ENV)
        await _same_as_missing(
            lambda i: b.beta.environments.update(i, name="stolen"), env, MISSING_ENV
        )
        await _same_as_missing(lambda i: b.beta.environments.archive(i), env, MISSING_ENV)
        await _same_as_missing(lambda i: b.beta.environments.delete(i), env, MISSING_ENV)
        assert (await b.beta.environments.list()).data == []
        # Vaults and their credentials belong to the workspace that made them.
        a = server.client(api_key=KEY_A)
        vault = await a.beta.vaults.create(display_name="a-vault")
        cred = await a.beta.vaults.credentials.create(
            vault.id,
            auth={"type": "static_bearer", "mcp_server_url": "https://mcp.test/", "token": "x"},
        )
        await a.close()
        vid = vault.id
        await _same_as_missing(lambda i: b.beta.vaults.retrieve(i), vid, MISSING_VAULT)
        await _same_as_missing(lambda i: b.beta.vaults.archive(i), vid, MISSING_VAULT)
        await _same_as_missing(lambda i: b.beta.vaults.credentials.list(i), vid, MISSING_VAULT)
        await _same_as_missing(
            lambda i: b.beta.vaults.credentials.retrieve(i, vault_id=vid),
            cred.id,
            MISSING_CREDENTIAL,
        )
        assert (await b.beta.vaults.list()).data == []
        # A session may name only vaults of its own workspace.
        b_env = await b.beta.environments.create(name="b-env-vaults")
        b_agent = await b.beta.agents.create(name="b-vaults", model="claude-sonnet-4-5")
        await _same_as_missing(
            lambda i: b.beta.sessions.create(
                agent=b_agent.id, environment_id=b_env.id, vault_ids=[i]
            ),
            vid,
            MISSING_VAULT,
        )
        b_session = await b.beta.sessions.create(agent=b_agent.id, environment_id=b_env.id)
        await _same_as_missing(
            lambda i: b.beta.sessions.update(b_session.id, vault_ids=[i]), vid, MISSING_VAULT
        )
        await b.beta.sessions.delete(b_session.id)  # B's lists below stay empty
        # An environment's work queue belongs to its workspace.
        work = b.beta.environments.work
        await _same_as_missing(lambda i: work.list(i), env, MISSING_ENV)
        await _same_as_missing(lambda i: work.poll(i), env, MISSING_ENV)
        await _same_as_missing(lambda i: work.stats(i), env, MISSING_ENV)
        # Sessions: B cannot build on A's agent or environment either.
        own_env = await b.beta.environments.create(name="b-env")
        own_agent = await b.beta.agents.create(name="b", model="claude-sonnet-4-5")
        await _same_as_missing(
            lambda i: b.beta.sessions.create(agent=i, environment_id=own_env.id),
            ag,
            MISSING_AGENT,
        )
        await _same_as_missing(
            lambda i: b.beta.sessions.create(
                agent={"type": "agent", "id": i, "version": 1}, environment_id=own_env.id
            ),
            ag,
            MISSING_AGENT,
        )
        await _same_as_missing(
            lambda i: b.beta.sessions.create(agent=own_agent.id, environment_id=i),
            env,
            MISSING_ENV,
        )
        await _same_as_missing(lambda i: b.beta.sessions.retrieve(i), ses, MISSING_SESSION)
        await _same_as_missing(
            lambda i: b.beta.sessions.update(i, title="stolen"), ses, MISSING_SESSION
        )
        await _same_as_missing(lambda i: b.beta.sessions.archive(i), ses, MISSING_SESSION)
        await _same_as_missing(lambda i: b.beta.sessions.delete(i), ses, MISSING_SESSION)
        assert (await b.beta.sessions.list()).data == []
        assert (await b.beta.sessions.list(agent_id=ag)).data == []
        assert (await b.beta.sessions.list(page=t.sessions_cursor)).data == []
        assert (await b.beta.sessions.list(include_archived=True, order="asc")).data == []
        # Events: send (a message, an interrupt, an answer), list, stream.
        await _same_as_missing(
            lambda i: b.beta.sessions.events.send(i, events=[user_message("hi")]),
            ses,
            MISSING_SESSION,
        )
        await _same_as_missing(
            lambda i: b.beta.sessions.events.send(i, events=[{"type": "user.interrupt"}]),
            ses,
            MISSING_SESSION,
        )
        await _same_as_missing(
            lambda i: b.beta.sessions.events.send(
                i,
                events=[
                    {
                        "type": "user.tool_confirmation",
                        "tool_use_id": "sevt_011CZZZZZZZZZZZZZZZZZZZZ",
                        "result": "allow",
                    }
                ],
            ),
            ses,
            MISSING_SESSION,
        )
        await _same_as_missing(lambda i: b.beta.sessions.events.list(i), ses, MISSING_SESSION)
        # A session's threads are its workspace's too.
        await _same_as_missing(lambda i: b.beta.sessions.threads.list(i), ses, MISSING_SESSION)
        await _same_as_missing(
            lambda i: b.beta.sessions.events.list(i, page=t.events_cursor), ses, MISSING_SESSION
        )
        await _same_as_missing(lambda i: b.beta.sessions.events.stream(i), ses, MISSING_SESSION)
    finally:
        await b.close()
    # Raw HTTP: resume positions taken from A's stream.
    async with server.http(api_key=KEY_B) as h:
        path = f"/v1/sessions/{ses}/events/stream"
        for headers, params in (
            ({"Last-Event-ID": t.event_id}, {}),
            ({}, {"after": t.event_id}),
        ):
            resp = await h.get(path, headers=headers, params=params)
            _not_found(resp.status_code, resp.content)
        # B's own session, with a position taken from A's session: not found either.
        async with server.client(api_key=KEY_B) as bc:
            envs = (await bc.beta.environments.list()).data
            agents = (await bc.beta.agents.list()).data
            own = await bc.beta.sessions.create(agent=agents[0].id, environment_id=envs[0].id)
        resp = await h.get(
            f"/v1/sessions/{own.id}/events/stream", headers={"Last-Event-ID": t.event_id}
        )
        assert resp.status_code == 404, resp.text
    # A's objects are untouched by all of it.
    a = server.client(api_key=KEY_A)
    try:
        agent = await a.beta.agents.retrieve(ag)
        assert agent.archived_at is None and agent.version == 2 and agent.name == "a0"
        s = await a.beta.sessions.retrieve(ses)
        assert s.archived_at is None and s.title != "stolen"
        texts = [e.type for e in (await a.beta.sessions.events.list(ses, limit=100)).data]
        assert texts.count("user.message") == 2 and "user.interrupt" not in texts
    finally:
        await a.close()


async def test_a_second_key_of_the_same_workspace_sees_everything(
    server: Server, tenant: Tenant
) -> None:
    a2 = server.client(api_key=KEY_A2)
    try:
        assert (await a2.beta.agents.retrieve(tenant.agent_id)).id == tenant.agent_id
        assert (await a2.beta.environments.retrieve(tenant.env_id)).id == tenant.env_id
        ids = [s.id for s in (await a2.beta.sessions.list(limit=100)).data]
        assert tenant.session_id in ids
        page = await a2.beta.sessions.events.list(tenant.session_id, page=tenant.events_cursor)
        assert page.data
        stream = await a2.beta.sessions.events.stream(tenant.session_id)
        await a2.beta.sessions.events.send(tenant.session_id, events=[user_message("from a2")])
        async for ev in stream:
            if ev.type == "session.status_idle":
                break
        await stream.close()
    finally:
        await a2.close()


def _stubs(channel: grpc.aio.Channel) -> tuple[Any, Any, Any, Any]:
    return (
        agent_pb2_grpc.AgentServiceStub(channel),
        environment_pb2_grpc.EnvironmentServiceStub(channel),
        session_pb2_grpc.SessionServiceStub(channel),
        event_pb2_grpc.EventServiceStub(channel),
    )


async def test_grpc_hides_the_other_workspace(server: Server, tenant: Tenant) -> None:
    md = (("x-api-key", KEY_B),)
    t = tenant
    async with grpc.aio.insecure_channel(server.grpc_addr) as channel:
        agents, envs, sessions, events = _stubs(channel)
        a_id, e_id, s_id = t.agent_id, t.env_id, t.session_id
        calls: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            ("GetAgent", lambda: agents.GetAgent(
                agent_pb2.GetAgentRequest(agent_id=a_id), metadata=md)),
            ("UpdateAgent", lambda: agents.UpdateAgent(
                agent_pb2.UpdateAgentRequest(agent_id=a_id, name="x"), metadata=md)),
            ("ArchiveAgent", lambda: agents.ArchiveAgent(
                agent_pb2.ArchiveAgentRequest(agent_id=a_id), metadata=md)),
            ("ListAgentVersions", lambda: agents.ListAgentVersions(
                agent_pb2.ListAgentVersionsRequest(agent_id=a_id), metadata=md)),
            ("GetEnvironment", lambda: envs.GetEnvironment(
                environment_pb2.GetEnvironmentRequest(environment_id=e_id), metadata=md)),
            ("ArchiveEnvironment", lambda: envs.ArchiveEnvironment(
                environment_pb2.ArchiveEnvironmentRequest(environment_id=e_id), metadata=md)),
            ("DeleteEnvironment", lambda: envs.DeleteEnvironment(
                environment_pb2.DeleteEnvironmentRequest(environment_id=e_id), metadata=md)),
            ("GetSession", lambda: sessions.GetSession(
                session_pb2.GetSessionRequest(session_id=s_id), metadata=md)),
            ("ArchiveSession", lambda: sessions.ArchiveSession(
                session_pb2.ArchiveSessionRequest(session_id=s_id), metadata=md)),
            ("DeleteSession", lambda: sessions.DeleteSession(
                session_pb2.DeleteSessionRequest(session_id=s_id), metadata=md)),
            ("SendEvents", lambda: events.SendEvents(
                event_pb2.SendEventsRequest(session_id=s_id, events=[event_pb2.SessionEvent(
                    user_interrupt=event_pb2.UserInterruptEvent())]), metadata=md)),
            ("ListEvents", lambda: events.ListEvents(
                event_pb2.ListEventsRequest(session_id=s_id), metadata=md)),
        ]  # fmt: skip
        for name, call in calls:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await call()
            assert caught.value.code() == grpc.StatusCode.NOT_FOUND, name
        for req in (
            event_pb2.StreamEventsRequest(session_id=t.session_id),
            event_pb2.StreamEventsRequest(session_id=t.session_id, after_event_id=t.event_id),
        ):
            stream = events.StreamEvents(req, metadata=md)
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                async for _ in stream:
                    break
            assert caught.value.code() == grpc.StatusCode.NOT_FOUND
        listed = await agents.ListAgents(agent_pb2.ListAgentsRequest(), metadata=md)
        assert all(a.id != t.agent_id for a in listed.agents)
        listed_s = await sessions.ListSessions(session_pb2.ListSessionsRequest(), metadata=md)
        assert all(s.id != t.session_id for s in listed_s.sessions)
        # With A's key the same calls work.
        own = (("x-api-key", KEY_A),)
        got = await sessions.GetSession(
            session_pb2.GetSessionRequest(session_id=t.session_id), metadata=own
        )
        assert got.session.id == t.session_id


async def test_inputs_routes_hide_the_other_workspace(server: Server) -> None:
    """Files, memory stores (and their memories), skills and session resources
    of workspace A: for B, 404 exactly as ids that never existed, and empty lists."""
    a = server.client(api_key=KEY_A)
    try:
        f = await a.beta.files.upload(file=("a.txt", b"secret of A", "text/plain"))
        store = await a.beta.memory_stores.create(name="a-notes")
        memory = await a.beta.memory_stores.memories.create(
            store.id, path="/a.md", content="secret of A"
        )
        skill = await a.beta.skills.create(
            display_name="A",
            files=[("a/SKILL.md", b"---\nname: a\ndescription: A's.\n---\nHi\n", "text/plain")],
        )
        agent = await a.beta.agents.create(name="inputs", model="claude-sonnet-4-5")
        env = await a.beta.environments.create(name="inputs-env")
        resources: Any = [
            {"type": "file", "file_id": f.id},
            {"type": "memory_store", "memory_store_id": store.id},
        ]
        session = await a.beta.sessions.create(
            agent=agent.id, environment_id=env.id, resources=resources
        )
    finally:
        await a.close()
    b = server.client(api_key=KEY_B)
    try:
        missing_file = "file_011CZZZZZZZZZZZZZZZZZZZZ"
        missing_store = "memstore_011CZZZZZZZZZZZZZZZZZZZ"
        missing_skill = "skill_011CZZZZZZZZZZZZZZZZZZZZ"
        await _same_as_missing(lambda i: b.beta.files.retrieve_metadata(i), f.id, missing_file)
        await _same_as_missing(lambda i: b.beta.files.download(i), f.id, missing_file)
        await _same_as_missing(lambda i: b.beta.files.delete(i), f.id, missing_file)
        assert (await b.beta.files.list()).data == []
        await _same_as_missing(lambda i: b.beta.memory_stores.retrieve(i), store.id, missing_store)
        await _same_as_missing(
            lambda i: b.beta.memory_stores.memories.list(i), store.id, missing_store
        )
        await _same_as_missing(
            lambda i: b.beta.memory_stores.memories.retrieve(memory.id, memory_store_id=i),
            store.id,
            missing_store,
        )
        assert (await b.beta.memory_stores.list()).data == []
        await _same_as_missing(lambda i: b.beta.skills.retrieve(i), skill.id, missing_skill)
        assert (await b.beta.skills.list()).data == []
        await _same_as_missing(
            lambda i: b.beta.sessions.resources.list(i), session.id, MISSING_SESSION
        )
        assert (await b.beta.sessions.list(memory_store_id=store.id)).data == []
        # B cannot mount A's file or memory store in a session of its own.
        own_env = await b.beta.environments.create(name="b-inputs-env")
        own_agent = await b.beta.agents.create(name="b-inputs", model="claude-sonnet-4-5")
        for res in resources:
            with pytest.raises(anthropic.NotFoundError):
                await b.beta.sessions.create(
                    agent=own_agent.id, environment_id=own_env.id, resources=[res]
                )
    finally:
        await b.close()
    # A still has all of it.
    a = server.client(api_key=KEY_A)
    try:
        assert (await a.beta.files.retrieve_metadata(f.id)).id == f.id
        assert [m.path for m in (await a.beta.memory_stores.memories.list(store.id)).data] == [  # type: ignore[union-attr]
            "/a.md"
        ]
        listed = await a.beta.sessions.list(memory_store_id=store.id)
        assert [s.id for s in listed.data] == [session.id]
    finally:
        await a.close()


async def test_running_sessions_are_limited_per_workspace(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    tmp = tmp_path_factory.mktemp("running")
    srv = await start_server(
        tmp / "data",
        api_key=None,
        log_dir=tmp,
        env={"SESSIOND_API_KEYS": KEYS, "SESSIOND_RUNNING_SESSIONS": "1"},
    )
    a, b = srv.client(api_key=KEY_A), srv.client(api_key=KEY_B)
    try:
        ids = []
        for c in (a, a, b):
            agent = await c.beta.agents.create(name="r", model="claude-sonnet-4-5")
            env = await c.beta.environments.create(name="r")
            ids.append((await c.beta.sessions.create(agent=agent.id, environment_id=env.id)).id)
        first, second, other = ids
        stream = await a.beta.sessions.events.stream(first)
        await a.beta.sessions.events.send(first, events=[user_message("/sleep 30")])
        async for ev in stream:
            if ev.type == "session.status_running":
                break
        # A second session of the same workspace may not start a turn ...
        with pytest.raises(anthropic.RateLimitError) as caught:
            await a.beta.sessions.events.send(second, events=[user_message("hi")])
        assert caught.value.response.headers.get("retry-after") == "1"
        # ... a message to the running one only queues, and another workspace is apart.
        await a.beta.sessions.events.send(first, events=[user_message("queued")])
        await b.beta.sessions.events.send(other, events=[user_message("hi")])
        await a.beta.sessions.events.send(first, events=[{"type": "user.interrupt"}])
        async for ev in stream:
            if ev.type == "session.status_idle" and ev.stop_reason.type == "end_turn":
                break
        await stream.close()
        await _idle(a, first)
        await a.beta.sessions.events.send(second, events=[user_message("now")])
    finally:
        await a.close()
        await b.close()
        await terminate(srv.proc, srv._drain, srv.describe, "sessiond serve")
