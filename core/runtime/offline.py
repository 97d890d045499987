"""The offline model: deterministic, no network (CONTRACT.md §3).

It reads the newest user message of the turn. Without steps (no line starts
with "/") it echoes the text. Otherwise the steps run in order; a run of
consecutive /tool lines ends one model response, so the turn's requests walk
through the steps response by response.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sessiond.core import ids
from sessiond.core.runtime.model import (
    Chunk,
    Finish,
    Message,
    ModelError,
    ModelRequest,
    Text,
    TextDelta,
    TextDone,
    ThinkingDone,
    ThinkingStart,
    ToolCall,
    ToolResult,
    ToolUse,
    Usage,
    count_words,
    prompt_words,
)
from sessiond.core.runtime.toolplan import DELEGATE_TOOL

Sleep = Callable[[float], Awaitable[None]]
# Steps that are tool calls: consecutive ones are one model response.
_CALLS = ("tool", "delegate")


@dataclass(frozen=True)
class Step:
    verb: str
    arg: str
    line: int


def parse_steps(text: str) -> list[Step]:
    steps = []
    for i, raw in enumerate(text.splitlines()):
        line = raw.strip()
        if not line.startswith("/"):
            continue
        verb, _, arg = line[1:].partition(" ")
        steps.append(Step(verb.lower(), arg.strip(), i))
    return steps


def segments(steps: list[Step]) -> list[list[Step]]:
    """Splits steps into model responses: each ends after a run of /tool lines."""
    out: list[list[Step]] = [[]]
    for i, step in enumerate(steps):
        out[-1].append(step)
        nxt = steps[i + 1] if i + 1 < len(steps) else None
        if step.verb in _CALLS and (nxt is None or nxt.verb not in _CALLS):
            out.append([])
    return out


def _newest_user_text(messages: list[Message]) -> tuple[str, int]:
    """The newest user message's text and its index in the conversation."""
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        texts = [p.text for p in m.parts if isinstance(p, Text)]
        if m.role == "user" and texts:
            return "\n".join(texts), i
    return "", len(messages)


class OfflineModel:
    def __init__(self, sleep: Sleep = asyncio.sleep) -> None:
        self._sleep = sleep
        # Per turn: how many requests still fail, and the fail steps consumed.
        self._failing: dict[str, tuple[str, int]] = {}
        self._consumed: dict[str, set[int]] = {}

    async def stream(self, request: ModelRequest) -> AsyncIterator[Chunk]:
        text, at = _newest_user_text(request.messages)
        key = request.turn_key
        pending = self._failing.get(key)
        if pending is not None:
            kind, left = pending
            if left > 0:
                self._failing[key] = (kind, left - 1)
                raise ModelError(kind, "The model is overloaded (offline /fail step).", True)
            del self._failing[key]
        input_tokens = prompt_words(request)
        steps = parse_steps(text)
        if not steps:
            async for chunk in self._say(text):
                yield chunk
            yield Finish(Usage(input_tokens, count_words(text)), "end_turn")
            return
        after = request.messages[at + 1 :]
        responses = sum(1 for m in after if m.role == "assistant")
        segs = segments(steps)
        out_words = 0
        if responses < len(segs):
            calls: list[ToolCall] = []
            for step in segs[responses]:
                if step.verb == "fail" and step.line not in self._consumed.setdefault(key, set()):
                    self._consumed[key].add(step.line)
                    self._fail(step, key)
                if step.verb == "say":
                    out_words += count_words(step.arg)
                    async for chunk in self._say(step.arg):
                        yield chunk
                elif step.verb == "think":
                    out_words += count_words(step.arg)
                    yield ThinkingStart()
                    yield ThinkingDone(step.arg)
                elif step.verb == "sleep":
                    await self._sleep(_seconds(step.arg))
                elif step.verb == "tool":
                    calls.append(_tool_call(step))
                elif step.verb == "delegate":
                    name, _, message = step.arg.partition(" ")
                    calls.append(
                        ToolCall(
                            ids.new_id("toolu"),
                            DELEGATE_TOOL,
                            {"agent": name, "message": message.strip()},
                        )
                    )
            if calls:
                for call in calls:
                    out_words += count_words(call.name)
                    yield call
                yield Finish(Usage(input_tokens, out_words), "tool_use")
                return
            if responses < len(segs) - 1 or not _had_tools(after):
                yield Finish(Usage(input_tokens, out_words), "end_turn")
                return
        summary = _summary(after)
        out_words += count_words(summary)
        async for chunk in self._say(summary):
            yield chunk
        self._consumed.pop(key, None)
        yield Finish(Usage(input_tokens, out_words), "end_turn")

    async def _say(self, text: str) -> AsyncIterator[Chunk]:
        words = text.split(" ")
        for i, word in enumerate(words):
            yield TextDelta(word if i == 0 else " " + word)
        yield TextDone(text)

    def _fail(self, step: Step, key: str) -> None:
        kind, _, count = step.arg.partition(" ")
        if kind == "overloaded":
            try:
                n = int(count or "1")
            except ValueError:
                n = 1
            if n > 0:
                self._failing[key] = ("model_overloaded_error", n - 1)
                raise ModelError(
                    "model_overloaded_error", "The model is overloaded (offline /fail step).", True
                )
        else:
            raise ModelError(
                "model_request_failed_error",
                "The model request failed (offline /fail step).",
                False,
            )


def _seconds(arg: str) -> float:
    try:
        return max(0.0, float(arg))
    except ValueError:
        return 0.0


def _tool_call(step: Step) -> ToolCall:
    name, _, raw = step.arg.partition(" ")
    args: dict[str, Any]
    try:
        parsed = json.loads(raw) if raw.strip() else {}
        args = parsed if isinstance(parsed, dict) else {"value": parsed}
    except json.JSONDecodeError:
        args = {"raw": raw}
    return ToolCall(ids.new_id("toolu"), name, args)


def _had_tools(after: list[Message]) -> bool:
    return any(isinstance(p, ToolUse) for m in after for p in m.parts)


def _summary(after: list[Message]) -> str:
    results = [p for m in after for p in m.parts if isinstance(p, ToolResult)]
    names = {p.id: p.name for m in after for p in m.parts if isinstance(p, ToolUse)}
    if not results:
        return "Done."
    lines = [f"Tool results ({len(results)}):"]
    for r in results:
        status = "error" if r.is_error else "ok"
        lines.append(f"- {names.get(r.tool_use_id, 'tool')} [{status}]: {r.text}")
    return "\n".join(lines)
