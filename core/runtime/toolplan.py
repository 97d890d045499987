"""What an agent's `tools` mean for a turn: which names exist, of which kind,
under which permission policy, and the schemas the model is given."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from google.protobuf import json_format
from sessiond.core.runtime.mcp import McpTool
from sessiond.core.runtime.model import ToolSpec
from sessiond.v1 import agent_pb2

BUILTIN = "builtin"
CUSTOM = "custom"
MCP = "mcp"
DELEGATE = "delegate"
# The tool a coordinator delegates with (docs "Multiagent orchestration": the
# coordinator sends work to a roster agent, which runs in a thread of its own).
DELEGATE_TOOL = "delegate"


@dataclass(frozen=True)
class ToolKind:
    kind: str
    policy: str = "always_allow"  # always_allow | always_ask | auto
    mcp_server: str = ""


def _policy(p: agent_pb2.PermissionPolicy) -> str:
    return p.WhichOneof("type") or "always_allow"


class ToolPlan:
    def __init__(
        self,
        agent: agent_pb2.SessionAgent,
        builtin_schemas: dict[str, dict[str, object]],
        mcp_tools: Mapping[str, Sequence[McpTool]] | None = None,
    ) -> None:
        self._kinds: dict[str, ToolKind] = {}
        self._specs: list[ToolSpec] = []
        for tool in agent.tools:
            which = tool.WhichOneof("type")
            if which == "agent_toolset_20260401":
                ts = tool.agent_toolset_20260401
                configured = {
                    c.WhichOneof("type"): getattr(c, c.WhichOneof("type") or "bash")
                    for c in ts.configs
                }
                for name, schema in builtin_schemas.items():
                    cfg = configured.get(name)
                    enabled = cfg.enabled if cfg is not None else ts.default_config.enabled
                    if not enabled:
                        continue
                    policy = _policy(
                        cfg.permission_policy
                        if cfg is not None
                        else ts.default_config.permission_policy
                    )
                    self._kinds[name] = ToolKind(BUILTIN, policy)
                    self._specs.append(
                        ToolSpec(
                            name,
                            str(schema.get("description", "")),
                            dict(schema["input_schema"]),  # type: ignore[call-overload]
                        )
                    )
            elif which == "custom":
                ct = tool.custom
                self._kinds[ct.name] = ToolKind(CUSTOM)
                self._specs.append(
                    ToolSpec(ct.name, ct.description, json_format.MessageToDict(ct.input_schema))
                )
            elif (
                which == "mcp_toolset"
                and mcp_tools
                and tool.mcp_toolset.mcp_server_name in mcp_tools
            ):
                self._add_mcp(tool.mcp_toolset, mcp_tools[tool.mcp_toolset.mcp_server_name])
            elif which == "mcp_toolset":
                ms = tool.mcp_toolset
                for cfg in ms.configs:
                    if cfg.enabled:
                        self._kinds[cfg.name] = ToolKind(
                            MCP, _policy(cfg.permission_policy), ms.mcp_server_name
                        )

        roster = agent.multiagent.coordinator.agents
        if roster and DELEGATE_TOOL not in self._kinds:
            self._kinds[DELEGATE_TOOL] = ToolKind(DELEGATE)
            names = sorted({a.name for a in roster})
            self._specs.append(
                ToolSpec(
                    DELEGATE_TOOL,
                    "Send a task to an agent of your roster. It works on it in a session "
                    "thread of its own (keeping what it did before) and its reply comes back "
                    "as this tool's result.",
                    {
                        "type": "object",
                        "properties": {
                            "agent": {"type": "string", "enum": names},
                            "message": {"type": "string"},
                        },
                        "required": ["agent", "message"],
                    },
                )
            )

    def _add_mcp(self, ms: agent_pb2.McpToolset, listed: Sequence[McpTool]) -> None:
        """The listed tools of one MCP server, under its toolset's configs (a tool
        without a config of its own takes ``default_config``)."""
        configs = {c.name: c for c in ms.configs}
        default = ms.default_config
        for t in listed:
            cfg = configs.get(t.name)
            if cfg is not None and cfg.HasField("enabled"):
                enabled = cfg.enabled
            elif default.HasField("enabled"):
                enabled = default.enabled
            else:
                enabled = True
            if not enabled or t.name in self._kinds:
                continue
            if cfg is not None and cfg.permission_policy.WhichOneof("type"):
                policy = _policy(cfg.permission_policy)
            elif default.permission_policy.WhichOneof("type"):
                policy = _policy(default.permission_policy)
            else:
                policy = "always_allow"
            self._kinds[t.name] = ToolKind(MCP, policy, ms.mcp_server_name)
            self._specs.append(ToolSpec(t.name, t.description, dict(t.input_schema)))

    def kind(self, name: str) -> ToolKind | None:
        return self._kinds.get(name)

    def specs(self) -> list[ToolSpec]:
        return list(self._specs)
