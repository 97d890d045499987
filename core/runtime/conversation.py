"""Rebuilds a model conversation from a session's event log."""

from __future__ import annotations

from google.protobuf import json_format
from sessiond.v1 import common_pb2, event_pb2

from core.runtime.model import Message, Part, Text, ToolResult, ToolUse


def block_text(blocks: list[common_pb2.ContentBlock]) -> str:
    out = []
    for b in blocks:
        kind = b.WhichOneof("type")
        if kind == "text":
            out.append(b.text.text)
        elif kind == "search_result":
            out.append("\n".join(c.text for c in b.search_result.content))
        elif kind is not None:
            out.append(f"[{kind}]")
    return "\n".join(out)


def build(events: list[event_pb2.SessionEvent]) -> list[Message]:
    """Processed events, in order, as alternating user/assistant messages.

    Each model request span is one assistant message; tool results go back as
    a user message.
    """
    messages: list[Message] = []

    def add(role: str, part: Part | None, new: bool = False) -> None:
        if new or not messages or messages[-1].role != role:
            messages.append(Message(role))
        if part is not None:
            messages[-1].parts.append(part)

    for ev in events:
        if not ev.HasField("processed_at"):
            continue
        kind = ev.WhichOneof("payload")
        if kind == "user_message":
            add("user", Text(block_text(list(ev.user_message.content))), new=True)
        elif kind == "span_model_request_start":
            add("assistant", None, new=True)
        elif kind == "agent_message":
            add("assistant", Text(block_text(list(ev.agent_message.content))))
        elif kind in ("agent_tool_use", "agent_custom_tool_use", "agent_mcp_tool_use"):
            use = getattr(ev, kind)
            add("assistant", ToolUse(ev.id, use.name, json_format.MessageToDict(use.input)))
        elif kind == "agent_tool_result":
            r = ev.agent_tool_result
            add("user", ToolResult(r.tool_use_id, block_text(list(r.content)), r.is_error))
        elif kind == "agent_mcp_tool_result":
            m = ev.agent_mcp_tool_result
            add("user", ToolResult(m.mcp_tool_use_id, block_text(list(m.content)), m.is_error))
        elif kind == "user_custom_tool_result":
            c = ev.user_custom_tool_result
            add("user", ToolResult(c.custom_tool_use_id, block_text(list(c.content)), c.is_error))
    return messages
