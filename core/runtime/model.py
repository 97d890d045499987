"""The one interface between the turn loop and any model.

The loop hands a model a :class:`ModelRequest` (the conversation rebuilt from
the event log) and reads a stream of chunks back. It never knows which model
it talks to: the offline model and the Anthropic model both implement
:class:`Model`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Thinking:
    text: str


@dataclass(frozen=True)
class ToolUse:
    id: str
    name: str
    input: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    tool_use_id: str
    text: str
    is_error: bool = False


Part = Text | Thinking | ToolUse | ToolResult


@dataclass
class Message:
    role: str  # "user" or "assistant"
    parts: list[Part] = field(default_factory=list)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass
class ModelRequest:
    model: str
    system: str | None
    messages: list[Message]
    tools: list[ToolSpec] = field(default_factory=list)
    # Identifies the turn, for models that keep state across its requests.
    turn_key: str = ""
    # The agent's model settings, sent where the model supports them.
    effort: str | None = None
    speed: str | None = None
    inference_geo: str | None = None
    # The words of ``messages``' parts when the caller counted them as it
    # built them (None: ``prompt_words`` counts them).
    message_words: int | None = None


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0


@dataclass(frozen=True)
class TextDelta:
    """A fragment of the text block being produced."""

    text: str


@dataclass(frozen=True)
class TextDone:
    """A complete text block (the concatenation of its deltas)."""

    text: str


@dataclass(frozen=True)
class ThinkingStart:
    pass


@dataclass(frozen=True)
class ThinkingDone:
    text: str


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    input: dict[str, Any]


@dataclass(frozen=True)
class Finish:
    usage: Usage
    stop_reason: str  # "end_turn" or "tool_use"


Chunk = TextDelta | TextDone | ThinkingStart | ThinkingDone | ToolCall | Finish


class ModelError(Exception):
    """A model request failed.

    ``kind`` is the session error type (model_overloaded_error,
    model_rate_limited_error, model_request_failed_error); ``transient``
    errors are retried.
    """

    def __init__(self, kind: str, message: str, transient: bool) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.transient = transient


class Model(Protocol):
    def stream(self, request: ModelRequest) -> AsyncIterator[Chunk]: ...


def count_words(text: str) -> int:
    return len(text.split())


def part_words(part: Part) -> int:
    """Whitespace-separated words of one part (a tool use counts its name)."""
    if isinstance(part, Text | Thinking | ToolResult):
        return count_words(part.text)
    return count_words(part.name)


def prompt_words(request: ModelRequest) -> int:
    """Whitespace-separated words of everything a request sends."""
    total = count_words(request.system or "")
    if request.message_words is not None:
        return total + request.message_words
    for message in request.messages:
        for part in message.parts:
            total += part_words(part)
    return total
