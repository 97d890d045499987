"""A coordinator's roster: checked and resolved to agent versions.

Docs "Multiagent orchestration" (platform.claude.com/docs/en/managed-agents/multiagent)
and the SDK's ``BetaManagedAgentsMultiagentCoordinatorParams``: 1 to 20 entries, each an
agent id, a versioned agent reference or ``self``; distinct agents, at most one ``self``;
every agent must exist, not be archived, and have no ``multiagent`` of its own (one
level of delegation).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sessiond.core import errors
from sessiond.v1 import agent_pb2

MAX_ROSTER = 20

GetAgent = Callable[[str, int | None], Awaitable[agent_pb2.Agent]]


async def resolve(agent: agent_pb2.Agent, get_agent: GetAgent) -> None:
    """Checks ``agent.multiagent`` and pins each roster entry to an agent version
    (``self`` becomes the agent's own id at its own version)."""
    if not agent.HasField("multiagent"):
        return
    kind = agent.multiagent.WhichOneof("type")
    if kind != "coordinator":
        raise errors.InvalidArgument('multiagent.type must be "coordinator".')
    entries = list(agent.multiagent.coordinator.agents)
    if not 1 <= len(entries) <= MAX_ROSTER:
        raise errors.InvalidArgument(
            f"multiagent.agents must have 1 to {MAX_ROSTER} entries, got {len(entries)}."
        )
    resolved: list[agent_pb2.RosterEntry] = []
    seen: set[str] = set()
    selves = 0
    for i, entry in enumerate(entries):
        where = f"multiagent.agents[{i}]"
        member = entry.WhichOneof("type")
        if member is None:
            raise errors.InvalidArgument(f"{where}.type is required.")
        if member == "self" or entry.agent.id == agent.id:
            selves += 1
            if selves > 1:
                raise errors.InvalidArgument(f'{where}: a roster has at most one "self".')
            ref = agent_pb2.RosterAgent(id=agent.id, version=agent.version)
        else:
            ref = await _pin(entry.agent, where, get_agent)
        if ref.id in seen:
            raise errors.InvalidArgument(f"{where}: agent {ref.id!r} is in the roster twice.")
        seen.add(ref.id)
        resolved.append(agent_pb2.RosterEntry(agent=ref))
    del agent.multiagent.coordinator.agents[:]
    agent.multiagent.coordinator.agents.extend(resolved)


def set_self_version(agent: agent_pb2.Agent, version: int) -> None:
    """The ``self`` entry follows the agent to its new version."""
    for entry in agent.multiagent.coordinator.agents:
        if entry.agent.id == agent.id:
            entry.agent.version = version


async def _pin(
    ref: agent_pb2.RosterAgent, where: str, get_agent: GetAgent
) -> agent_pb2.RosterAgent:
    if not ref.id:
        raise errors.InvalidArgument(f"{where}.id is required.")
    if ref.HasField("version") and ref.version < 1:
        raise errors.InvalidArgument(f"{where}.version must be at least 1, got {ref.version}.")
    try:
        found = await get_agent(ref.id, ref.version if ref.HasField("version") else None)
    except errors.NotFound:
        raise errors.InvalidArgument(
            f"{where}: no agent {ref.id!r}"
            + (f" at version {ref.version}" if ref.HasField("version") else "")
            + " exists in this workspace."
        ) from None
    if found.HasField("archived_at"):
        raise errors.InvalidArgument(f"{where}: agent {ref.id!r} is archived.")
    if found.HasField("multiagent"):
        raise errors.InvalidArgument(
            f"{where}: agent {ref.id!r} has a multiagent roster of its own; roster agents "
            "cannot delegate further (one level of delegation)."
        )
    return agent_pb2.RosterAgent(id=found.id, version=found.version)
