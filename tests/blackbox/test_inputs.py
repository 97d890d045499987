"""Issue 12 through the SDK against `serve` and two PostgreSQL replicas: files,
memory stores, session resources (a file, a repository cloned from a git server
on loopback, memory stores) read by the agent's bash at the docs' paths."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anthropic
import pytest
from anthropic import AsyncAnthropic
from anthropic.types.beta import (
    BetaFileMetadata,
    BetaManagedAgentsMemoryStore,
    BetaManagedAgentsSession,
)
from anthropic.types.beta.memory_stores import (
    BetaManagedAgentsMemory,
    BetaManagedAgentsMemoryListItem,
    BetaManagedAgentsMemoryVersion,
)
from anthropic.types.beta.sessions import (
    BetaManagedAgentsSessionResource,
)

from tests.blackbox.cluster import Cluster, pg_url, start_cluster
from tests.blackbox.helpers import Server, check, raw_json, raw_page, start_server
from tests.blackbox.test_runtime import (
    KEY,
    Reader,
    Session,
    client_for,
    of_type,
    tool_line,
)
from tests.fixtures.git_server import GitServer, make_repo, start_git_server

TOKEN = "ghp_blackbox_" + "x" * 20


@pytest.fixture(scope="module")
async def git(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[GitServer]:
    root = tmp_path_factory.mktemp("git")
    sha = make_repo(root, "tool", {"README.md": "hello from the repo\n"}, branch="main")
    srv = await start_git_server(root, TOKEN)
    srv.root.joinpath("first_sha").write_text(sha)
    try:
        yield srv
    finally:
        await srv.close()


@pytest.fixture(scope="module", params=["serve", "replicas"])
async def inputs_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, git: GitServer
) -> AsyncIterator[Server | Cluster]:
    base = tmp_path_factory.mktemp(f"inputs-{request.param}")
    env = {
        "SESSIOND_GITHUB_BASE_URL": git.base_url,
        "SESSIOND_SANDBOX": "none",
        "SESSIOND_SECRET_KEY_FILE": str(base / "shared.key"),
    }
    srv: Server | Cluster
    if request.param == "serve":
        srv = await start_server(base / "data", api_key=KEY, log_dir=base, env=env)
    else:
        url = pg_url()
        if url is None:
            pytest.skip("no PostgreSQL for the replica suite (scripts/test.sh starts one)")
        srv = await start_cluster(url, base / "data", api_key=KEY, log_dir=base, env=env)
    try:
        yield srv
    finally:
        rc = await srv.stop()
        assert rc == 0, f"sessiond exited with {rc}\n{srv.describe()}"


@pytest.fixture
async def client(inputs_server: Server) -> AsyncIterator[AsyncAnthropic]:
    async with client_for(inputs_server) as c:
        yield c


async def _run(client: AsyncAnthropic, session_id: str, text: str) -> list[dict[str, Any]]:
    """Sends one message and returns the turn's events up to idle."""
    stream = await client.beta.sessions.events.stream(session_id)
    session = Session(client, session_id, Reader(stream, None))
    try:
        await session.say(text)
        return await session.turn(within=60)
    finally:
        await session.reader.close()


def _results(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return of_type(events, "agent.tool_result")


def _text(result: dict[str, Any]) -> str:
    return "".join(b.get("text", "") for b in result.get("content") or [])


async def _agent(client: AsyncAnthropic) -> str:
    agent = await client.beta.agents.create(
        model="claude-sonnet-4-5",
        name="inputs",
        tools=[{"type": "agent_toolset_20260401"}],
    )
    return agent.id


async def _env(client: AsyncAnthropic) -> str:
    return (await client.beta.environments.create(name="inputs")).id


# ------------------------------------------------------------------------- files


async def test_files_upload_list_metadata_download_delete(client: AsyncAnthropic) -> None:
    data = b"a,b\n1,2\n"
    up = await raw_json(
        client.beta.files.with_raw_response.upload(file=("data.csv", data, "text/csv")),
        BetaFileMetadata,
    )
    assert up["filename"] == "data.csv" and up["size_bytes"] == len(data)
    assert up["mime_type"] == "text/csv" and up["type"] == "file"
    meta = await raw_json(
        client.beta.files.with_raw_response.retrieve_metadata(up["id"]), BetaFileMetadata
    )
    assert meta["id"] == up["id"]
    page = await raw_page(client.beta.files.with_raw_response.list(), BetaFileMetadata)
    assert up["id"] in [f["id"] for f in page["data"]]
    content = await client.beta.files.download(up["id"])
    assert await content.read() == data
    deleted = await client.beta.files.delete(up["id"])
    assert deleted.id == up["id"]
    with pytest.raises(anthropic.NotFoundError):
        await client.beta.files.retrieve_metadata(up["id"])


async def test_a_bad_filename_is_a_400(client: AsyncAnthropic) -> None:
    with pytest.raises(anthropic.BadRequestError):
        await client.beta.files.upload(file=("a|b", b"x", "text/plain"))


# ------------------------------------------------------------------ memory stores


async def test_memory_store_crud_versions_precondition_and_conflict(
    client: AsyncAnthropic,
) -> None:
    ms = client.beta.memory_stores
    store = await raw_json(
        ms.with_raw_response.create(name="Prefs", description="user prefs"),
        BetaManagedAgentsMemoryStore,
    )
    sid = store["id"]
    await raw_json(ms.with_raw_response.retrieve(sid), BetaManagedAgentsMemoryStore)
    updated = await raw_json(
        ms.with_raw_response.update(sid, metadata={"team": "a"}), BetaManagedAgentsMemoryStore
    )
    assert updated["metadata"] == {"team": "a"}
    await raw_page(ms.with_raw_response.list(), BetaManagedAgentsMemoryStore)

    mem = await raw_json(
        ms.memories.with_raw_response.create(sid, path="/notes/a.md", content="one"),
        BetaManagedAgentsMemory,
    )
    assert mem["content_sha256"] == hashlib.sha256(b"one").hexdigest()
    with pytest.raises(anthropic.ConflictError) as taken:
        await ms.memories.create(sid, path="/notes/a.md", content="again")
    assert taken.value.body["error"]["type"] == "memory_path_conflict_error"  # type: ignore[index]

    changed = await raw_json(
        ms.memories.with_raw_response.update(
            mem["id"],
            memory_store_id=sid,
            content="two",
            precondition={"type": "content_sha256", "content_sha256": mem["content_sha256"]},
        ),
        BetaManagedAgentsMemory,
    )
    assert changed["memory_version_id"] != mem["memory_version_id"]
    with pytest.raises(anthropic.ConflictError) as stale:
        await ms.memories.update(
            mem["id"],
            memory_store_id=sid,
            content="three",
            precondition={"type": "content_sha256", "content_sha256": mem["content_sha256"]},
        )
    assert stale.value.body["error"]["type"] == "memory_precondition_failed_error"  # type: ignore[index]

    got = await raw_json(
        ms.memories.with_raw_response.retrieve(mem["id"], memory_store_id=sid),
        BetaManagedAgentsMemory,
    )
    assert got["content"] == "two"
    await raw_page(ms.memories.with_raw_response.list(sid), BetaManagedAgentsMemoryListItem)
    folded = await raw_page(
        ms.memories.with_raw_response.list(sid, depth=1, path_prefix="/"),
        BetaManagedAgentsMemoryListItem,
    )
    assert folded["data"] == [{"type": "memory_prefix", "path": "/notes/"}]
    with pytest.raises(anthropic.BadRequestError):
        await ms.memories.create(sid, path="/big.md", content="x" * (100 * 1024 + 1))

    versions = await raw_page(
        ms.memory_versions.with_raw_response.list(sid), BetaManagedAgentsMemoryVersion
    )
    assert [v["operation"] for v in versions["data"]] == ["modified", "created"]
    first = versions["data"][-1]["id"]
    await raw_json(
        ms.memory_versions.with_raw_response.retrieve(first, memory_store_id=sid),
        BetaManagedAgentsMemoryVersion,
    )
    redacted = await raw_json(
        ms.memory_versions.with_raw_response.redact(first, memory_store_id=sid),
        BetaManagedAgentsMemoryVersion,
    )
    assert redacted["redacted_at"] is not None and redacted.get("content") is None
    await ms.memories.delete(mem["id"], memory_store_id=sid)
    with pytest.raises(anthropic.NotFoundError):
        await ms.memories.retrieve(mem["id"], memory_store_id=sid)
    await ms.delete(sid)
    with pytest.raises(anthropic.NotFoundError):
        await ms.retrieve(sid)


# ------------------------------------------------------------- session resources


async def test_the_agent_reads_a_file_a_repository_and_a_memory(
    client: AsyncAnthropic, git: GitServer
) -> None:
    await _reads_inputs(client, git, sandboxed=False)


@pytest.fixture(scope="module")
async def sandboxed_server(git: GitServer) -> AsyncIterator[Server]:
    # Not under pytest's own 0700 base dir (see test_sandbox_escape.py): the
    # sandbox user needs search on the data dir's parents.
    base = Path(tempfile.mkdtemp(prefix="sessiond-inputs-"))
    env = {"SESSIOND_GITHUB_BASE_URL": git.base_url, "SESSIOND_SANDBOX": "bwrap"}
    srv = await start_server(base / "data", api_key=KEY, log_dir=base, env=env)
    try:
        yield srv
    finally:
        assert await srv.stop() == 0, srv.describe()
        shutil.rmtree(base, ignore_errors=True)


async def test_the_sandboxed_agent_reads_a_file_a_repository_and_a_memory(
    sandboxed_server: Server, git: GitServer
) -> None:
    """The same with bash in bubblewrap: the mounts are bound at the docs' paths
    (read-only where the docs say so), and outputs written there are collected."""
    async with client_for(sandboxed_server) as client:
        await _reads_inputs(client, git, sandboxed=True)


async def _reads_inputs(client: AsyncAnthropic, git: GitServer, *, sandboxed: bool) -> None:
    memory, outputs = "/mnt/memory/team", "/mnt/session/outputs"
    upload = "/mnt/session/uploads/data.csv"
    f = await client.beta.files.upload(file=("data.csv", b"x,y\n3,4\n", "text/csv"))
    store = await client.beta.memory_stores.create(name="team", description="team notes")
    await client.beta.memory_stores.memories.create(store.id, path="/style.md", content="use tabs")
    sha = git.root.joinpath("first_sha").read_text()
    raw = await client.beta.sessions.with_raw_response.create(
        agent=await _agent(client),
        environment_id=await _env(client),
        resources=[
            {"type": "file", "file_id": f.id, "mount_path": "/data.csv"},
            {
                "type": "github_repository",
                "url": "https://github.com/acme/tool",
                "authorization_token": TOKEN,
                "checkout": {"type": "commit", "sha": sha},
            },
            {"type": "memory_store", "memory_store_id": store.id, "access": "read_only"},
        ],
    )
    body = raw.http_response.json()
    check(BetaManagedAgentsSession, body)
    assert TOKEN not in raw.http_response.text
    paths = {r.get("mount_path") for r in body["resources"]}
    assert {"/mnt/session/uploads/data.csv", "/workspace/tool", "/mnt/memory/team"} <= paths
    session_id = body["id"]

    listed = await raw_page(
        client.beta.sessions.resources.with_raw_response.list(session_id),
        BetaManagedAgentsSessionResource,
    )
    assert len(listed["data"]) == 3
    repo_id = next(r["id"] for r in listed["data"] if r["type"] == "github_repository")
    await raw_json(
        client.beta.sessions.resources.with_raw_response.retrieve(repo_id, session_id=session_id),
        BetaManagedAgentsSessionResource,
    )

    events = await _run(
        client,
        session_id,
        "\n".join(
            [
                tool_line("bash", {"command": "cat /mnt/session/uploads/data.csv"}),
                tool_line("bash", {"command": "cat /workspace/tool/README.md"}),
                tool_line("bash", {"command": "cat /mnt/memory/team/style.md"}),
                tool_line("write", {"file_path": "/mnt/memory/team/new.md", "content": "no"}),
                tool_line("bash", {"command": f"echo no > {memory}/new.md; ls {memory}"}),
                tool_line("bash", {"command": f"echo no > {upload}; cat {upload}"}),
                tool_line("bash", {"command": f"echo done > {outputs}/done.txt && echo written"}),
            ]
        ),
    )
    results = _results(events)
    assert "3,4" in _text(results[0])
    assert "hello from the repo" in _text(results[1])
    assert "use tabs" in _text(results[2])
    assert results[3]["is_error"] and "read-only" in _text(results[3])
    if sandboxed:
        # The mounts are real: the kernel refuses writes to the read-only ones.
        assert "Read-only file system" in _text(results[4]), results[4]
        assert "Read-only file system" in _text(results[5]), results[5]
        assert "3,4" in _text(results[5])
    else:
        # Unsandboxed, the change is made on the host and then undone.
        assert "were discarded" in _text(results[4]), results[4]
    assert "written" in _text(results[6]), results[6]
    outputs = await client.beta.files.list(scope_id=session_id)
    assert [o.filename for o in outputs.data] == ["done.txt"]
    memories = await client.beta.memory_stores.memories.list(store.id)
    assert [m.path for m in memories.data] == ["/style.md"]  # type: ignore[union-attr]
    assert TOKEN not in json.dumps(events)

    updated = await client.beta.sessions.resources.update(
        repo_id, session_id=session_id, authorization_token=TOKEN + "2"
    )
    assert updated.type == "github_repository"
    file_res = next(r["id"] for r in listed["data"] if r["type"] == "file")
    await client.beta.sessions.resources.delete(file_res, session_id=session_id)
    left = await client.beta.sessions.resources.list(session_id)
    assert file_res not in [r.id for r in left.data if r.type != "memory_store"]  # type: ignore[union-attr]


async def test_a_wrong_token_fails_the_create_and_leaves_no_session(
    client: AsyncAnthropic,
) -> None:
    agent = await _agent(client)
    with pytest.raises(anthropic.BadRequestError) as err:
        await client.beta.sessions.create(
            agent=agent,
            environment_id=await _env(client),
            resources=[
                {
                    "type": "github_repository",
                    "url": "https://github.com/acme/tool",
                    "authorization_token": "wrong",
                }
            ],
        )
    assert "wrong" not in str(err.value.body)
    page = await client.beta.sessions.list(agent_id=agent)
    assert page.data == []


async def test_added_file_is_mounted_and_outputs_become_session_files(
    client: AsyncAnthropic,
) -> None:
    sess = await client.beta.sessions.create(
        agent=await _agent(client), environment_id=await _env(client)
    )
    f = await client.beta.files.upload(file=("late.txt", b"added later", "text/plain"))
    added = await raw_json(
        client.beta.sessions.resources.with_raw_response.add(sess.id, type="file", file_id=f.id),
        BetaManagedAgentsSessionResource,
    )
    assert added["mount_path"] == f"/mnt/session/uploads/{f.id}"
    events = await _run(
        client,
        sess.id,
        "\n".join(
            [
                tool_line("bash", {"command": f"cat /mnt/session/uploads/{f.id}"}),
                tool_line("bash", {"command": "echo report > /mnt/session/outputs/report.txt"}),
            ]
        ),
    )
    assert "added later" in _text(_results(events)[0])
    outputs = await raw_page(
        client.beta.files.with_raw_response.list(scope_id=sess.id), BetaFileMetadata
    )
    assert [o["filename"] for o in outputs["data"]] == ["report.txt"]
    assert outputs["data"][0]["scope"] == {"type": "session", "id": sess.id}
    content = await client.beta.files.download(outputs["data"][0]["id"])
    assert await content.read() == b"report\n"


async def test_a_memory_written_in_one_session_is_read_in_the_next(
    client: AsyncAnthropic,
) -> None:
    store = await client.beta.memory_stores.create(name="Learned")
    agent, env = await _agent(client), await _env(client)
    resources: Any = [{"type": "memory_store", "memory_store_id": store.id, "access": "read_write"}]
    first = await client.beta.sessions.create(agent=agent, environment_id=env, resources=resources)
    await _run(
        client,
        first.id,
        tool_line("bash", {"command": "echo 'the build uses make' > /mnt/memory/learned/build.md"}),
    )
    versions = await client.beta.memory_stores.memory_versions.list(store.id)
    assert [
        v.session_id if hasattr(v, "session_id") else v.created_by.session_id for v in versions.data
    ] == [first.id]  # type: ignore[union-attr]
    second = await client.beta.sessions.create(agent=agent, environment_id=env, resources=resources)
    events = await _run(
        client, second.id, tool_line("bash", {"command": "cat /mnt/memory/learned/build.md"})
    )
    assert "the build uses make" in _text(_results(events)[0])
    page = await client.beta.sessions.list(memory_store_id=store.id)
    assert {s.id for s in page.data} == {first.id, second.id}


async def test_conflicting_writes_from_two_sessions_keep_both(
    client: AsyncAnthropic, inputs_server: Server | Cluster
) -> None:
    store = await client.beta.memory_stores.create(name="Shared")
    await client.beta.memory_stores.memories.create(store.id, path="/plan.md", content="v0")
    agent, env = await _agent(client), await _env(client)
    resources: Any = [{"type": "memory_store", "memory_store_id": store.id}]
    a = await client.beta.sessions.create(agent=agent, environment_id=env, resources=resources)
    b = await client.beta.sessions.create(agent=agent, environment_id=env, resources=resources)
    await _run(client, a.id, tool_line("bash", {"command": "echo A > /mnt/memory/shared/plan.md"}))
    events = await _run(
        client, b.id, tool_line("bash", {"command": "echo B > /mnt/memory/shared/plan.md"})
    )
    mems = await client.beta.memory_stores.memories.list(store.id, view="full")
    contents = {m.path: m.content for m in mems.data}  # type: ignore[union-attr]
    conflict = "changed by another session" in _text(_results(events)[0])
    if isinstance(inputs_server, Cluster) and not conflict:
        # b's turn ran on a replica that mounted the store only after A's write
        # (each replica mounts on its own): b saw A, so B simply follows it.
        assert contents == {"/plan.md": "B\n"}
        return
    assert conflict
    assert contents["/plan.md"] == "A\n"
    assert contents[f"/plan.md.conflict-{b.id}"] == "B\n"


# ------------------------------------------------------------------------ skills

SKILL_MD = (
    b"---\nname: greeter\ndescription: Greets people politely. Use when asked to greet.\n"
    b"---\n\nSay hello.\n"
)


async def test_skills_versions_and_the_session_sees_the_bundle(client: AsyncAnthropic) -> None:
    from anthropic.types.beta import BetaSkill
    from anthropic.types.beta.skills import BetaSkillVersion

    created = await raw_json(
        client.beta.skills.with_raw_response.create(
            display_name="Greeter",
            files=[
                ("greeter/SKILL.md", SKILL_MD, "text/markdown"),
                ("greeter/hello.sh", b"echo hello\n", "text/plain"),
            ],
        ),
        BetaSkill,
    )
    skill_id = created["id"]
    assert created["display_name"] == "Greeter" and created["source"] == {"type": "custom"}
    await raw_json(client.beta.skills.with_raw_response.retrieve(skill_id), BetaSkill)
    await raw_page(client.beta.skills.with_raw_response.list(), BetaSkill)
    v2 = await raw_json(
        client.beta.skills.versions.with_raw_response.create(
            skill_id, files=[("greeter/SKILL.md", SKILL_MD + b"Twice.\n", "text/markdown")]
        ),
        BetaSkillVersion,
    )
    assert v2["name"] == "greeter" and v2["description"].startswith("Greets people")
    versions = await raw_page(
        client.beta.skills.versions.with_raw_response.list(skill_id), BetaSkillVersion
    )
    assert len(versions["data"]) == 2
    await raw_json(
        client.beta.skills.versions.with_raw_response.retrieve(v2["id"], skill_id=skill_id),
        BetaSkillVersion,
    )
    archive = await client.beta.skills.versions.download(v2["id"], skill_id=skill_id)
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(await archive.read())).namelist()
    assert names == ["greeter/SKILL.md"]
    with pytest.raises(anthropic.BadRequestError):
        await client.beta.skills.create(files=[("x/README.md", b"no skill", "text/plain")])

    agent = await client.beta.agents.create(
        model="claude-sonnet-4-5",
        name="skilled",
        tools=[{"type": "agent_toolset_20260401"}],
        skills=[{"type": "custom", "skill_id": skill_id, "version": v2["id"]}],
    )
    sess = await client.beta.sessions.create(agent=agent.id, environment_id=await _env(client))
    events = await _run(
        client, sess.id, tool_line("bash", {"command": "cat /skills/greeter/SKILL.md"})
    )
    assert "Twice." in _text(_results(events)[0])
    with pytest.raises(anthropic.BadRequestError):
        await client.beta.agents.create(
            model="claude-sonnet-4-5",
            name="too-many",
            skills=[{"type": "custom", "skill_id": skill_id, "version": "latest"}] * 21,
        )
    await client.beta.skills.versions.delete(v2["id"], skill_id=skill_id)
    await client.beta.skills.delete(skill_id)
    with pytest.raises(anthropic.NotFoundError):
        await client.beta.skills.retrieve(skill_id)
