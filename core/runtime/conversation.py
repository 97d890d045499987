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
    open_uses: list[str] = []

    fresh = False

    def add(role: str, part: Part | None, new: bool = False) -> None:
        nonlocal fresh
        if role == "assistant" and fresh:
            new, fresh = True, False
        if new or not messages or messages[-1].role != role:
            messages.append(Message(role))
        if part is not None:
            messages[-1].parts.append(part)

    def result(r: ToolResult) -> None:
        if r.tool_use_id in open_uses:
            open_uses.remove(r.tool_use_id)
        add("user", r)

    for ev in events:
        if not ev.HasField("processed_at"):
            continue
        kind = ev.WhichOneof("payload")
        if kind == "user_message":
            # Tool uses the client never answered are closed before the user moves on.
            abandoned = [
                ToolResult(u, "No result: the user sent a new message.", True) for u in open_uses
            ]
            open_uses.clear()
            messages.append(
                Message("user", [*abandoned, Text(block_text(list(ev.user_message.content)))])
            )
        elif kind == "span_model_request_start":
            # Opened by its first content: a request that failed before any adds nothing.
            fresh = True
        elif kind == "agent_message":
            add("assistant", Text(block_text(list(ev.agent_message.content))))
        elif kind in ("agent_tool_use", "agent_custom_tool_use", "agent_mcp_tool_use"):
            use = getattr(ev, kind)
            add("assistant", ToolUse(ev.id, use.name, json_format.MessageToDict(use.input)))
            open_uses.append(ev.id)
        elif kind == "agent_tool_result":
            r = ev.agent_tool_result
            result(ToolResult(r.tool_use_id, block_text(list(r.content)), r.is_error))
        elif kind == "agent_mcp_tool_result":
            m = ev.agent_mcp_tool_result
            result(ToolResult(m.mcp_tool_use_id, block_text(list(m.content)), m.is_error))
        elif kind == "user_custom_tool_result":
            c = ev.user_custom_tool_result
            result(ToolResult(c.custom_tool_use_id, block_text(list(c.content)), c.is_error))
        elif kind == "user_tool_confirmation":
            d = ev.user_tool_confirmation
            if d.result == event_pb2.TOOL_CONFIRMATION_RESULT_DENY:
                reason = d.deny_message if d.HasField("deny_message") else ""
                text = "The user denied this tool call." + (f" {reason}" if reason else "")
                result(ToolResult(d.tool_use_id, text, True))
    return messages
