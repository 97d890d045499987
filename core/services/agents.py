"""Agents: versioned configurations."""

from __future__ import annotations

from google.protobuf import empty_pb2
from sessiond.core import errors, ids
from sessiond.core.services import roster
from sessiond.core.services.common import (
    check_metadata,
    copy_field,
    decode_page,
    encode_page,
    is_set,
    page_size,
    patch_metadata,
    require,
    ts_or_none,
)
from sessiond.core.services.emit import EmitFn, no_emit
from sessiond.core.store.store import Store
from sessiond.core.timeutil import from_timestamp, now_us, to_timestamp
from sessiond.v1 import agent_pb2

DEFAULT_PAGE = 20
MAX_PAGE = 100
MAX_NAME = 256
BUILTIN_TOOLS = ("bash", "edit", "read", "write", "glob", "grep", "web_fetch", "web_search")
_CONFIG_FIELDS = (
    "name",
    "description",
    "system",
    "model",
    "tools",
    "mcp_servers",
    "skills",
    "execution_identity",
    "multiagent",
)
_UPDATABLE = frozenset((*_CONFIG_FIELDS, "metadata"))
_REQUIRED = frozenset(("name", "model"))


def _allow() -> agent_pb2.PermissionPolicy:
    return agent_pb2.PermissionPolicy(always_allow=empty_pb2.Empty())


def normalize_tools(tools: list[agent_pb2.AgentTool], mcp_server_names: set[str]) -> None:
    """Checks tools and fills every default, so that stored agents are complete."""
    seen: set[str] = set()
    for i, tool in enumerate(tools):
        kind = tool.WhichOneof("type")
        where = f"tools[{i}]"
        if kind is None:
            raise errors.InvalidArgument(f"{where}.type is required.")
        if kind == "agent_toolset_20260401":
            ts = tool.agent_toolset_20260401
            _fill_default(ts.default_config)
            names: set[str] = set()
            for j, cfg in enumerate(ts.configs):
                name = cfg.WhichOneof("type")
                if name is None:
                    raise errors.InvalidArgument(f"{where}.configs[{j}].name is required.")
                c = getattr(cfg, name)
                if c.name and c.name != name:
                    raise errors.InvalidArgument(
                        f"{where}.configs[{j}]: name {c.name!r} does not match type {name!r}."
                    )
                if name in names:
                    raise errors.InvalidArgument(f"{where}.configs: {name!r} is configured twice.")
                names.add(name)
                c.name = name
                _fill_config(c, ts.default_config)
        elif kind == "mcp_toolset":
            ms = tool.mcp_toolset
            if ms.mcp_server_name not in mcp_server_names:
                raise errors.InvalidArgument(
                    f"{where}.mcp_server_name {ms.mcp_server_name!r} is not one of mcp_servers."
                )
            _fill_default(ms.default_config)
            for mc in ms.configs:
                _fill_config(mc, ms.default_config)
        else:
            ct = tool.custom
            require(ct.name, f"{where}.name")
            if ct.name in seen:
                raise errors.InvalidArgument(f"{where}.name {ct.name!r} is used twice.")
            seen.add(ct.name)
            schema_type = ct.input_schema.fields.get("type")
            if schema_type is None or schema_type.string_value != "object":
                raise errors.InvalidArgument(f'{where}.input_schema.type must be "object".')


def _fill_default(cfg: agent_pb2.ToolsetDefaultConfig) -> None:
    if not cfg.HasField("enabled"):
        cfg.enabled = True
    if cfg.permission_policy.WhichOneof("type") is None:
        cfg.permission_policy.CopyFrom(_allow())


def _fill_config(
    cfg: agent_pb2.ToolConfig
    | agent_pb2.McpToolConfig
    | agent_pb2.WebFetchToolConfig
    | agent_pb2.WebSearchToolConfig,
    default: agent_pb2.ToolsetDefaultConfig,
) -> None:
    if not cfg.HasField("enabled"):
        cfg.enabled = default.enabled
    if cfg.permission_policy.WhichOneof("type") is None:
        cfg.permission_policy.CopyFrom(default.permission_policy)


def normalize_config(agent: agent_pb2.Agent | agent_pb2.SessionAgent) -> None:
    name = require(agent.name, "name")
    if len(name) > MAX_NAME:
        raise errors.InvalidArgument(f"name is longer than {MAX_NAME} characters.")
    require(agent.model.id, "model.id")
    servers: set[str] = set()
    for i, server in enumerate(agent.mcp_servers):
        require(server.name, f"mcp_servers[{i}].name")
        require(server.url, f"mcp_servers[{i}].url")
        if server.name in servers:
            raise errors.InvalidArgument(f"mcp_servers[{i}].name {server.name!r} is used twice.")
        servers.add(server.name)
    normalize_tools(list(agent.tools), servers)
    # docs "Skills" (managed-agents/skills): at most 20 skills (issue 12).
    if len(agent.skills) > 20:
        raise errors.InvalidArgument("skills: an agent has at most 20 skills.")
    if agent.execution_identity.WhichOneof("type") is None:
        agent.execution_identity.service_account.SetInParent()


class AgentService:
    def __init__(self, store: Store) -> None:
        self._store = store
        # Webhook events (core/services/emit.py); wired by the core server.
        self.emit: EmitFn = no_emit

    async def create(self, req: agent_pb2.CreateAgentRequest, *, ws: str) -> agent_pb2.Agent:
        now = to_timestamp(now_us())
        agent = agent_pb2.Agent(id=ids.new_id(ids.AGENT), version=1)
        for name in _CONFIG_FIELDS:
            copy_field(req, agent, name)
        agent.metadata.update(req.metadata)
        check_metadata(agent.metadata)
        normalize_config(agent)
        await roster.resolve(agent, self._getter(ws))
        agent.created_at.CopyFrom(now)
        agent.updated_at.CopyFrom(now)
        await self._store.insert_agent(agent, ws=ws)
        await self.emit(ws, "agent.created", {"id": agent.id})
        return agent

    def _getter(self, ws: str) -> roster.GetAgent:
        async def get(agent_id: str, version: int | None) -> agent_pb2.Agent:
            return await self._store.get_agent(agent_id, version, ws=ws)

        return get

    async def get(self, agent_id: str, version: int | None, *, ws: str) -> agent_pb2.Agent:
        if version is not None and version < 1:
            raise errors.InvalidArgument(f"version must be at least 1, got {version}.")
        return await self._store.get_agent(agent_id, version, ws=ws)

    async def update(self, req: agent_pb2.UpdateAgentRequest, *, ws: str) -> agent_pb2.Agent:
        current = await self._store.get_agent(req.agent_id, ws=ws)
        if current.HasField("archived_at"):
            raise errors.Conflict(f"Agent {req.agent_id!r} is archived and cannot be updated.")
        if req.HasField("version") and req.version != current.version:
            raise errors.Conflict(
                f"version {req.version} is not the current version of agent {req.agent_id!r} "
                f"({current.version}); retrieve it and retry."
            )
        paths = list(req.update_mask.paths)
        unknown = [p for p in paths if p not in _UPDATABLE]
        if unknown:
            raise errors.InvalidArgument(f"{unknown[0]}: this field cannot be updated.")
        new = agent_pb2.Agent()
        new.CopyFrom(current)
        for path in paths:
            if path == "metadata":
                patch_metadata(new.metadata, req.metadata, req.metadata_remove)
                continue
            if path in _REQUIRED and not is_set(req, path):
                raise errors.InvalidArgument(f"{path} cannot be cleared.")
            new.ClearField(path)
            copy_field(req, new, path)
        normalize_config(new)
        if "multiagent" in paths:
            await roster.resolve(new, self._getter(ws))
        if new == current:
            return current
        new.version = current.version + 1
        roster.set_self_version(new, new.version)
        new.updated_at.CopyFrom(to_timestamp(now_us()))
        await self._store.add_agent_version(new, current.version, ws=ws)
        await self.emit(ws, "agent.updated", {"id": new.id})
        return new

    async def list_agents(
        self, req: agent_pb2.ListAgentsRequest, *, ws: str
    ) -> tuple[list[agent_pb2.Agent], str]:
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        agents, more = await self._store.list_agents(
            limit,
            decode_page(req.page_token),
            req.include_archived,
            ts_or_none(req, "created_at_gte"),
            ts_or_none(req, "created_at_lte"),
            ws=ws,
        )
        token = ""
        if more and agents:
            last = agents[-1]
            token = encode_page([from_timestamp(last.created_at), last.id])
        return agents, token

    async def archive(self, agent_id: str, *, ws: str) -> agent_pb2.Agent:
        agent = await self._store.archive_agent(agent_id, now_us(), ws=ws)
        await self.emit(ws, "agent.archived", {"id": agent.id})
        return agent

    async def versions(
        self, req: agent_pb2.ListAgentVersionsRequest, *, ws: str
    ) -> tuple[list[agent_pb2.Agent], str]:
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        agents, more = await self._store.list_agent_versions(
            req.agent_id, limit, decode_page(req.page_token), ws=ws
        )
        token = encode_page([agents[-1].version]) if more and agents else ""
        return agents, token
