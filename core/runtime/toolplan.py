"""What an agent's `tools` mean for a turn: which names exist, of which kind,
under which permission policy, and the schemas the model is given."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf import json_format
from sessiond.core.runtime.model import ToolSpec
from sessiond.v1 import agent_pb2

BUILTIN = "builtin"
CUSTOM = "custom"
MCP = "mcp"


@dataclass(frozen=True)
class ToolKind:
    kind: str
    policy: str = "always_allow"  # always_allow | always_ask | auto
    mcp_server: str = ""


def _policy(p: agent_pb2.PermissionPolicy) -> str:
    return p.WhichOneof("type") or "always_allow"


class ToolPlan:
    def __init__(
        self, agent: agent_pb2.SessionAgent, builtin_schemas: dict[str, dict[str, object]]
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
            elif which == "mcp_toolset":
                ms = tool.mcp_toolset
                for cfg in ms.configs:
                    if cfg.enabled:
                        self._kinds[cfg.name] = ToolKind(
                            MCP, _policy(cfg.permission_policy), ms.mcp_server_name
                        )

    def kind(self, name: str) -> ToolKind | None:
        return self._kinds.get(name)

    def specs(self) -> list[ToolSpec]:
        return list(self._specs)
