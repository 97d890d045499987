"""Rebuilds a model conversation from a session's event log."""

from __future__ import annotations

from collections.abc import Sequence

from google.protobuf import json_format
from sessiond.core.bytecache import DEFAULT_CACHE_BYTES, ByteLRU, decoded_size
from sessiond.core.runtime.model import Message, Part, Text, ToolResult, ToolUse, part_words
from sessiond.core.runtime.toolplan import DELEGATE_TOOL
from sessiond.v1 import common_pb2, event_pb2


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


def build(events: Sequence[event_pb2.SessionEvent]) -> list[Message]:
    """Processed events, in order, as alternating user/assistant messages.

    Each model request span is one assistant message; tool results go back as
    a user message.
    """
    builder = _Builder()
    for ev in events:
        builder.feed(ev)
    return builder.messages


class Conversations:
    """Builds sessions' conversations, remembering each one's settled part.

    Events before a history's first unprocessed event never change, so the
    messages built from them are kept and the next request of the session
    only adds what came after (a long session is not rebuilt per request).
    What is kept is bounded by ``max_bytes``, estimated from the size of the
    events each memo was built from; least recently used go first.
    """

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self._memo: ByteLRU[str, tuple[int, str, _Builder]] = ByteLRU(max_bytes)

    def build(self, session_id: str, events: Sequence[event_pb2.SessionEvent]) -> list[Message]:
        return self.build_counted(session_id, events)[0]

    def build_counted(
        self, session_id: str, events: Sequence[event_pb2.SessionEvent]
    ) -> tuple[list[Message], int]:
        """The messages, and how many whitespace-separated words their parts
        hold (counted as they are added, so a long session is not walked
        again per request)."""
        memo = self._memo.pop(session_id)
        start, builder, nbytes = 0, _Builder(), 0
        if memo is not None:
            (count, last_id, kept), size = memo
            if 0 < count <= len(events) and events[count - 1].id == last_id:
                start, builder, nbytes = count, kept.copy(), size
        # Events the memo was built from were processed: look from there on.
        settled = next(
            (i for i in range(start, len(events)) if not events[i].HasField("processed_at")),
            len(events),
        )
        for ev in events[start:settled]:
            builder.feed(ev)
        nbytes += decoded_size(events[start:settled])
        if settled:
            self._memo.put(session_id, (settled, events[settled - 1].id, builder.copy()), nbytes)
        for ev in events[settled:]:
            builder.feed(ev)
        return builder.messages, builder.words

    def forget(self, session_id: str) -> None:
        self._memo.discard(session_id)


class _Builder:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.open_uses: list[str] = []
        self.fresh = False
        # Thread id -> the delegate call that waits for that thread's reply.
        self.sent: dict[str, str] = {}
        # Words of every part added (what the offline model counts as input).
        self.words = 0

    def copy(self) -> _Builder:
        """A builder that goes on from here; only the last message can still grow."""
        other = _Builder()
        other.messages = list(self.messages)
        if other.messages:
            last = other.messages[-1]
            other.messages[-1] = Message(last.role, list(last.parts))
        other.open_uses = list(self.open_uses)
        other.fresh = self.fresh
        other.sent = dict(self.sent)
        other.words = self.words
        return other

    def _add(self, role: str, part: Part | None, new: bool = False) -> None:
        if role == "assistant" and self.fresh:
            new, self.fresh = True, False
        if new or not self.messages or self.messages[-1].role != role:
            self.messages.append(Message(role))
        if part is not None:
            self.messages[-1].parts.append(part)
            self.words += part_words(part)

    def _result(self, r: ToolResult) -> None:
        if r.tool_use_id in self.open_uses:
            self.open_uses.remove(r.tool_use_id)
        self._add("user", r)

    def _user_turn(self, text: str) -> None:
        # Tool uses the client never answered are closed before the user moves on.
        abandoned = [
            ToolResult(u, "No result: the user sent a new message.", True) for u in self.open_uses
        ]
        self.open_uses.clear()
        parts: list[Part] = [*abandoned, Text(text)]
        self.words += sum(part_words(p) for p in parts)
        self.messages.append(Message("user", parts))

    def feed(self, ev: event_pb2.SessionEvent) -> None:
        if not ev.HasField("processed_at"):
            return
        kind = ev.WhichOneof("payload")
        if kind == "user_message":
            self._user_turn(block_text(list(ev.user_message.content)))
        elif kind == "user_define_outcome":
            # The agent works on an outcome's description as on a message ...
            self._user_turn(ev.user_define_outcome.description)
        elif kind == "span_outcome_evaluation_end":
            # ... and then on the grader's feedback, when another turn follows.
            end = ev.span_outcome_evaluation_end
            if end.result in ("needs_revision", "max_iterations_reached"):
                self._user_turn(f"Grader feedback on your work:\n{end.explanation}")
        elif kind == "span_model_request_start":
            # Opened by its first content: a request that failed before any adds nothing.
            self.fresh = True
        elif kind == "agent_message":
            self._add("assistant", Text(block_text(list(ev.agent_message.content))))
        elif kind in ("agent_tool_use", "agent_custom_tool_use", "agent_mcp_tool_use"):
            use = getattr(ev, kind)
            if use.HasField("session_thread_id"):
                return  # cross-posted from a thread: that thread's call, not this agent's
            self._add("assistant", ToolUse(ev.id, use.name, json_format.MessageToDict(use.input)))
            self.open_uses.append(ev.id)
        elif kind == "agent_tool_result":
            r = ev.agent_tool_result
            self._result(ToolResult(r.tool_use_id, block_text(list(r.content)), r.is_error))
        elif kind == "agent_mcp_tool_result":
            m = ev.agent_mcp_tool_result
            self._result(ToolResult(m.mcp_tool_use_id, block_text(list(m.content)), m.is_error))
        elif kind == "user_tool_result":
            u = ev.user_tool_result
            self._result(ToolResult(u.tool_use_id, block_text(list(u.content)), u.is_error))
        elif kind == "user_custom_tool_result":
            c = ev.user_custom_tool_result
            if c.HasField("session_thread_id"):
                return  # routed to a thread
            self._result(ToolResult(c.custom_tool_use_id, block_text(list(c.content)), c.is_error))
        elif kind == "agent_thread_message_sent":
            m = ev.agent_thread_message_sent
            if m.HasField("to_agent_name"):
                # The coordinator delegating: a call of its delegate tool.
                text = block_text(list(m.content))
                args = {"agent": m.to_agent_name, "message": text}
                self._add("assistant", ToolUse(ev.id, DELEGATE_TOOL, args))
                self.open_uses.append(ev.id)
                self.sent[m.to_session_thread_id] = ev.id
        elif kind == "agent_thread_message_received":
            m = ev.agent_thread_message_received
            text = block_text(list(m.content))
            if m.HasField("from_agent_name"):
                # A roster agent's reply: the result of the delegate call.
                use_id = self.sent.pop(m.from_session_thread_id, "")
                self._result(ToolResult(use_id, text, False))
            else:
                # Work the coordinator sent to this thread.
                self._user_turn(text)
        elif kind == "user_tool_confirmation":
            d = ev.user_tool_confirmation
            if d.HasField("session_thread_id"):
                return  # routed to a thread
            if d.result == event_pb2.TOOL_CONFIRMATION_RESULT_DENY:
                reason = d.deny_message if d.HasField("deny_message") else ""
                text = "The user denied this tool call." + (f" {reason}" if reason else "")
                self._result(ToolResult(d.tool_use_id, text, True))
