"""The short forms the public API accepts, rewritten into their full JSON objects.

Only the shape changes here; values that are not of the short form's type are left
as they are for the codec to reject with their JSON path.
"""

from __future__ import annotations

from typing import Any, Final

AGENT_TOOLSET: Final = "agent_toolset_20260401"


def model(value: Any) -> Any:
    """``"claude-…"`` → ``{"id": "claude-…"}``; ``effort: "high"`` → ``{"type": "high"}``."""
    if isinstance(value, str):
        return {"id": value}
    if isinstance(value, dict) and isinstance(value.get("effort"), str):
        return {**value, "effort": {"type": value["effort"]}}
    return value


def tools(value: Any) -> Any:
    """Each config of the built-in toolset gets its ``type`` from its ``name``."""
    if not isinstance(value, list):
        return value
    return [_tool(tool) for tool in value]


def _tool(tool: Any) -> Any:
    if not isinstance(tool, dict) or tool.get("type") != AGENT_TOOLSET:
        return tool
    configs = tool.get("configs")
    if not isinstance(configs, list):
        return tool
    return {**tool, "configs": [_toolset_config(config) for config in configs]}


def _toolset_config(config: Any) -> Any:
    if isinstance(config, dict) and "type" not in config and isinstance(config.get("name"), str):
        return {**config, "type": config["name"]}
    return config


def agent_fields(body: dict[str, Any]) -> dict[str, Any]:
    """An object with agent fields (an agent, its overrides or a session's agent update)
    with the short forms of ``model`` and ``tools`` expanded."""
    out = dict(body)
    if "model" in out:
        out["model"] = model(out["model"])
    if "tools" in out:
        out["tools"] = tools(out["tools"])
    if "multiagent" in out:
        out["multiagent"] = multiagent(out["multiagent"])
    return out


def multiagent(value: Any) -> Any:
    """Each roster entry given as an agent id becomes ``{"type": "agent", "id": …}``."""
    if not isinstance(value, dict) or not isinstance(value.get("agents"), list):
        return value
    agents = [{"type": "agent", "id": a} if isinstance(a, str) else a for a in value["agents"]]
    return {**value, "agents": agents}


def session_agent(value: Any) -> Any:
    """``"agent_…"`` → ``{"type": "agent", "id": "agent_…"}``; an object's agent fields
    are expanded as for an agent."""
    if isinstance(value, str):
        return {"type": "agent", "id": value}
    if isinstance(value, dict):
        return agent_fields(value)
    return value
