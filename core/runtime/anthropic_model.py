"""The Anthropic model: the Messages API, streamed, through the anthropic SDK.

It implements :class:`core.runtime.model.Model`. The SDK client never retries
(``max_retries=0``): the turn loop owns retries and reads
:attr:`ModelError.transient` to decide. The API key is only ever handed to the
SDK client; it is kept out of every log line and error message.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anthropic
import httpx2
from anthropic.types import (
    ContentBlockParam,
    MessageParam,
    RawMessageStreamEvent,
    TextBlockParam,
    ToolParam,
    ToolResultBlockParam,
    ToolUseBlockParam,
)
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
)

log = logging.getLogger(__name__)

OVERLOADED = "model_overloaded_error"
RATE_LIMITED = "model_rate_limited_error"
REQUEST_FAILED = "model_request_failed_error"

# error.type of an error event inside a stream -> (session error kind, transient).
_BY_ERROR_TYPE: dict[str, tuple[str, bool]] = {
    "overloaded_error": (OVERLOADED, True),
    "rate_limit_error": (RATE_LIMITED, True),
    "api_error": (REQUEST_FAILED, True),
    "timeout_error": (REQUEST_FAILED, True),
    "invalid_request_error": (REQUEST_FAILED, False),
    "authentication_error": (REQUEST_FAILED, False),
    "permission_error": (REQUEST_FAILED, False),
    "not_found_error": (REQUEST_FAILED, False),
    "request_too_large": (REQUEST_FAILED, False),
    "billing_error": (REQUEST_FAILED, False),
}

_MAX_DETAIL = 300
_MISSING_RESULT = "No result was recorded for this tool call."


class AnthropicModel:
    """A :class:`~core.runtime.model.Model` backed by the Anthropic Messages API."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        max_tokens: int = 8192,
        timeout: float = 600,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("ANTHROPIC_API_KEY")
        url = base_url if base_url is not None else os.environ.get("ANTHROPIC_BASE_URL")
        self._key = key or ""
        self._max_tokens = max_tokens
        self._client: anthropic.AsyncAnthropic | None = None
        if self._key:
            self._client = anthropic.AsyncAnthropic(
                api_key=self._key,
                base_url=url or None,
                timeout=timeout,
                max_retries=0,
            )

    async def aclose(self) -> None:
        """Closes the SDK client's connections."""
        if self._client is not None:
            await self._client.close()

    async def stream(self, request: ModelRequest) -> AsyncIterator[Chunk]:
        if self._client is None:
            raise ModelError(
                REQUEST_FAILED,
                "No Anthropic API key is configured (set ANTHROPIC_API_KEY).",
                False,
            )
        messages = to_api_messages(request.messages)
        if not messages:
            raise ModelError(REQUEST_FAILED, "The conversation has no messages to send.", False)
        tools: list[ToolParam] = [
            {"name": t.name, "description": t.description, "input_schema": t.input_schema}
            for t in request.tools
        ]
        try:
            events = await self._client.messages.create(
                model=request.model,
                max_tokens=self._max_tokens,
                messages=messages,
                system=request.system if request.system is not None else anthropic.omit,
                tools=tools if tools else anthropic.omit,
                extra_body=_model_settings(request),
                stream=True,
            )
            async with events:
                state = _StreamState()
                async for event in events:
                    for chunk in state.feed(event):
                        yield chunk
                    if state.finished:
                        return
        except Exception as e:  # mapped below; anything unknown propagates as is
            error = self._map_error(e)
            if error is None:
                raise
            log.info("model request failed: %s (%s)", error.kind, error.message)
            raise error from None
        raise ModelError(
            REQUEST_FAILED, "The model stream ended before the message was complete.", True
        )

    def _map_error(self, e: Exception) -> ModelError | None:
        if isinstance(e, ModelError):
            return e
        if isinstance(e, anthropic.APIStatusError):
            return self._status_error(e)
        if isinstance(e, anthropic.APITimeoutError | httpx2.TimeoutException):
            return ModelError(REQUEST_FAILED, "The model request timed out.", True)
        if isinstance(e, anthropic.APIConnectionError | httpx2.TransportError):
            return ModelError(REQUEST_FAILED, "The connection to the model API failed.", True)
        if isinstance(e, anthropic.APIError):
            return ModelError(
                REQUEST_FAILED, "The model API returned an unreadable response.", True
            )
        return None

    def _status_error(self, e: anthropic.APIStatusError) -> ModelError:
        status = e.status_code
        error_type = e.type if isinstance(e.type, str) else None
        by_type = _BY_ERROR_TYPE.get(error_type or "")
        if status == 529 or error_type == "overloaded_error":
            kind, transient = OVERLOADED, True
        elif status == 429 or error_type == "rate_limit_error":
            kind, transient = RATE_LIMITED, True
        elif status >= 500:
            kind, transient = REQUEST_FAILED, True
        elif status >= 400:
            kind, transient = REQUEST_FAILED, False
        elif by_type is not None:
            # An error event inside a stream that began with 200: its type decides.
            kind, transient = by_type
        else:
            kind, transient = REQUEST_FAILED, True
        where = f"HTTP {status}" if status >= 400 else "in stream"
        label = error_type or "error"
        detail = self._redact(e.api_message if isinstance(e.api_message, str) else "")
        message = f"Model API {label} ({where})"
        return ModelError(kind, f"{message}: {detail}" if detail else f"{message}.", transient)

    def _redact(self, text: str) -> str:
        text = " ".join(text.split())
        if self._key:
            text = text.replace(self._key, "[redacted]")
        if len(text) > _MAX_DETAIL:
            text = text[: _MAX_DETAIL - 1] + "…"
        return text


@dataclass
class _Block:
    kind: str  # "text", "thinking", "tool_use" or "other"
    text: list[str] = field(default_factory=list)
    tool_id: str = ""
    tool_name: str = ""


@dataclass
class _StreamState:
    """Turns the raw stream events of one response into chunks."""

    blocks: dict[int, _Block] = field(default_factory=dict)
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation: int = 0
    cache_read: int = 0
    stop_reason: str | None = None
    finished: bool = False

    def feed(self, event: RawMessageStreamEvent) -> list[Chunk]:
        if event.type == "message_start":
            u = event.message.usage
            self.input_tokens = u.input_tokens
            self.output_tokens = u.output_tokens
            self.cache_creation = u.cache_creation_input_tokens or 0
            self.cache_read = u.cache_read_input_tokens or 0
        elif event.type == "content_block_start":
            return self._start(event.index, event.content_block)
        elif event.type == "content_block_delta":
            return self._delta(event.index, event.delta)
        elif event.type == "content_block_stop":
            return self._stop(event.index)
        elif event.type == "message_delta":
            d = event.usage
            if d.input_tokens is not None:
                self.input_tokens = d.input_tokens
            if d.cache_creation_input_tokens is not None:
                self.cache_creation = d.cache_creation_input_tokens
            if d.cache_read_input_tokens is not None:
                self.cache_read = d.cache_read_input_tokens
            self.output_tokens = d.output_tokens
            if event.delta.stop_reason is not None:
                self.stop_reason = event.delta.stop_reason
        elif event.type == "message_stop":
            self.finished = True
            usage = Usage(
                self.input_tokens, self.output_tokens, self.cache_creation, self.cache_read
            )
            stop = "tool_use" if self.stop_reason == "tool_use" else "end_turn"
            return [Finish(usage, stop)]
        return []

    def _start(self, index: int, block: Any) -> list[Chunk]:
        kind = getattr(block, "type", "")
        if kind == "text":
            b = _Block("text")
            self.blocks[index] = b
            if block.text:
                b.text.append(block.text)
                return [TextDelta(block.text)]
        elif kind == "thinking":
            b = _Block("thinking")
            if block.thinking:
                b.text.append(block.thinking)
            self.blocks[index] = b
            return [ThinkingStart()]
        elif kind == "tool_use":
            b = _Block("tool_use", tool_id=block.id, tool_name=block.name)
            self.blocks[index] = b
        else:
            self.blocks[index] = _Block("other")
        return []

    def _delta(self, index: int, delta: Any) -> list[Chunk]:
        b = self.blocks.get(index)
        if b is None:
            return []
        kind = getattr(delta, "type", "")
        if b.kind == "text" and kind == "text_delta":
            if delta.text:
                b.text.append(delta.text)
                return [TextDelta(delta.text)]
        elif b.kind == "thinking" and kind == "thinking_delta":
            b.text.append(delta.thinking)
        elif b.kind == "tool_use" and kind == "input_json_delta":
            b.text.append(delta.partial_json)
        return []

    def _stop(self, index: int) -> list[Chunk]:
        b = self.blocks.pop(index, None)
        if b is None:
            return []
        text = "".join(b.text)
        if b.kind == "text":
            return [TextDone(text)] if text else []
        if b.kind == "thinking":
            return [ThinkingDone(text)]
        if b.kind == "tool_use":
            return [ToolCall(b.tool_id, b.tool_name, _tool_input(text))]
        return []


def _tool_input(raw: str) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return {"raw": raw}
    return parsed if isinstance(parsed, dict) else {"value": parsed}


def to_api_messages(messages: list[Message]) -> list[MessageParam]:
    """The conversation as Messages API ``messages``.

    Consecutive messages of one role are merged and empty ones dropped; the
    first message sent is a user message. Messages are never reordered. To keep
    a request valid even when the conversation is not: a tool_result whose
    tool_use is not in the assistant message just before becomes a text block,
    a tool_use with no result gets an error result, and the tool_result blocks
    of a user message are put before its other blocks.
    """
    merged: list[tuple[str, list[ContentBlockParam]]] = []
    for m in messages:
        role = "assistant" if m.role == "assistant" else "user"
        blocks = _blocks(m)
        if not blocks:
            continue
        if merged and merged[-1][0] == role:
            merged[-1][1].extend(blocks)
        else:
            merged.append((role, blocks))
    while merged and merged[0][0] != "user":
        merged.pop(0)

    out: list[MessageParam] = []
    for i, (role, blocks) in enumerate(merged):
        if role == "assistant":
            out.append({"role": "assistant", "content": blocks})
            continue
        prev = merged[i - 1][1] if i > 0 else []
        out.append({"role": "user", "content": _user_blocks(blocks, prev)})
    # A trailing assistant tool_use with no user message after it.
    if merged and merged[-1][0] == "assistant":
        missing = _user_blocks([], merged[-1][1])
        if missing:
            out.append({"role": "user", "content": missing})
    return out


def _blocks(m: Message) -> list[ContentBlockParam]:
    out: list[ContentBlockParam] = []
    for part in m.parts:
        if isinstance(part, Text):
            if part.text.strip():
                text: TextBlockParam = {"type": "text", "text": part.text}
                out.append(text)
        elif isinstance(part, ToolUse):
            use: ToolUseBlockParam = {
                "type": "tool_use",
                "id": part.id,
                "name": part.name,
                "input": part.input,
            }
            out.append(use)
        elif isinstance(part, ToolResult):
            out.append(_result(part.tool_use_id, part.text, part.is_error))
        # Thinking is not sent back: it carries no signature.
    return out


def _result(tool_use_id: str, text: str, is_error: bool) -> ToolResultBlockParam:
    block: ToolResultBlockParam = {"type": "tool_result", "tool_use_id": tool_use_id}
    if text:
        block["content"] = text
    if is_error:
        block["is_error"] = True
    return block


def _user_blocks(
    blocks: list[ContentBlockParam], prev: list[ContentBlockParam]
) -> list[ContentBlockParam]:
    """A user message's blocks checked against the assistant message before it."""
    uses = [b["id"] for b in prev if b["type"] == "tool_use"]
    answered: set[str] = set()
    results: list[ContentBlockParam] = []
    rest: list[ContentBlockParam] = []
    for b in blocks:
        if b["type"] != "tool_result":
            rest.append(b)
            continue
        use_id = b["tool_use_id"]
        if use_id in uses and use_id not in answered:
            answered.add(use_id)
            results.append(b)
        else:
            rest.append(_orphan_text(b))
    for use_id in uses:
        if use_id not in answered:
            results.append(_result(use_id, _MISSING_RESULT, True))
    return results + rest


def _orphan_text(b: ToolResultBlockParam) -> TextBlockParam:
    status = " (error)" if b.get("is_error") else ""
    content = b.get("content", "")
    body = content if isinstance(content, str) else ""
    return {"type": "text", "text": f"[tool result for {b['tool_use_id']}{status}]\n{body}"}


def _model_settings(request: ModelRequest) -> dict[str, object] | None:
    """The agent's effort, speed and inference region, where set."""
    body: dict[str, object] = {}
    if request.effort:
        body["output_config"] = {"effort": request.effort}
    if request.speed:
        body["speed"] = request.speed
    if request.inference_geo:
        body["inference_geo"] = request.inference_geo
    return body or None
