"""The system prompt describes a session's memory stores (with their access and
instructions) and its skills (name, description, where SKILL.md is), as the
docs say; the agent's own system prompt comes first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sessiond.core.runtime.model import ModelRequest
from sessiond.core.runtime.offline import OfflineModel
from sessiond.core.server import CoreServer
from sessiond.v1 import agent_pb2, environment_pb2, memory_pb2, session_pb2, skill_pb2

from tests.test_core_grpc import (
    KEY,
    WORKSPACE,
    Stubs,
    keyed_channel,
    open_stream,
    user_message,
)
from tests.test_runtime_flows import send, until_idle


class RecordingModel:
    """A fake model: the offline model, keeping each request it was sent."""

    def __init__(self) -> None:
        self.requests: list[ModelRequest] = []
        self._inner = OfflineModel()

    async def stream(self, request: ModelRequest) -> AsyncIterator[Any]:
        self.requests.append(request)
        async for chunk in self._inner.stream(request):
            yield chunk


async def test_memory_and_skills_are_described_in_the_system_prompt(tmp_path: Path) -> None:
    model = RecordingModel()
    server = await CoreServer.open(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", tmp_path, model, api_keys={KEY: WORKSPACE}
    )
    port = await server.start("127.0.0.1:0")
    channel = keyed_channel(f"127.0.0.1:{port}")
    try:
        s = Stubs(channel)
        store = await server.memory.create_store(
            memory_pb2.CreateMemoryStoreRequest(name="Team Notes", description="how we work"),
            ws=WORKSPACE,
        )
        skill = await server.skills.create(
            skill_pb2.CreateSkillRequest(
                files=[
                    skill_pb2.SkillFile(
                        path="greeter/SKILL.md",
                        content=b"---\nname: greeter\ndescription: Greets people.\n---\nHi\n",
                    )
                ]
            ),
            ws=WORKSPACE,
        )
        agent = (
            await s.agents.CreateAgent(
                agent_pb2.CreateAgentRequest(
                    name="a",
                    model=agent_pb2.ModelConfig(id="m"),
                    system="Be brief.",
                    skills=[
                        agent_pb2.Skill(custom=agent_pb2.SkillRef(skill_id=skill.id, version=""))
                    ],
                )
            )
        ).agent
        env = (
            await s.envs.CreateEnvironment(environment_pb2.CreateEnvironmentRequest(name="e"))
        ).environment
        memory = session_pb2.MemoryStoreResource(
            memory_store_id=store.id,
            access=session_pb2.MEMORY_STORE_ACCESS_READ_ONLY,
            instructions="Check the style guide first.",
        )
        sid = (
            await s.sessions.CreateSession(
                session_pb2.CreateSessionRequest(
                    agent=session_pb2.AgentSelector(
                        agent=session_pb2.AgentVersionSelector(id=agent.id)
                    ),
                    environment_id=env.id,
                    resources=[session_pb2.SessionResource(memory_store=memory)],
                )
            )
        ).session.id
        stream = await open_stream(s, sid)
        await send(s, sid, user_message("hello"))
        await until_idle(stream)
        system = model.requests[-1].system or ""
        assert system.startswith("Be brief.")
        assert "/mnt/memory/team-notes (read-only): Team Notes: how we work" in system
        assert "Check the style guide first." in system
        assert "- greeter (/skills/greeter/SKILL.md): Greets people." in system
        assert (server.mounts.workspace(sid) / ".mnt/skills/greeter/SKILL.md").exists()
    finally:
        await channel.close()
        await server.stop(0.5)
