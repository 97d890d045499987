"""AnthropicModel against a local scripted Messages API (no real network)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from sessiond.core.runtime.anthropic_model import AnthropicModel, to_api_messages
from sessiond.core.runtime.model import (
    Chunk,
    Finish,
    Message,
    ModelError,
    ModelRequest,
    Text,
    TextDelta,
    TextDone,
    Thinking,
    ThinkingDone,
    ThinkingStart,
    ToolCall,
    ToolResult,
    ToolSpec,
    ToolUse,
    Usage,
)

from tests.fixtures.messages_server import (
    HttpError,
    MessagesServer,
    Reply,
    StreamError,
    text,
    thinking,
    tool_use,
)

KEY = "sk-ant-test-0123456789-SECRET"


@pytest.fixture
async def server() -> AsyncIterator[MessagesServer]:
    async with MessagesServer() as s:
        yield s


@pytest.fixture
async def model(server: MessagesServer) -> AsyncIterator[AnthropicModel]:
    m = AnthropicModel(KEY, server.url, max_tokens=1024, timeout=10)
    yield m
    await m.aclose()


def hello(model_id: str = "claude-test") -> ModelRequest:
    return ModelRequest(model_id, None, [Message("user", [Text("Hello")])])


def sent_key(headers: dict[str, str]) -> str | None:
    """The API key a request carried.

    The anthropic SDK 2.12.0 sends an api_key as ``Authorization: Bearer``;
    older versions sent ``x-api-key``. Either way it is the key given.
    """
    if "x-api-key" in headers:
        return headers["x-api-key"]
    auth = headers.get("authorization", "")
    return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None


async def collect(model: AnthropicModel, request: ModelRequest) -> list[Chunk]:
    return [chunk async for chunk in model.stream(request)]


async def fail(model: AnthropicModel, request: ModelRequest) -> ModelError:
    with pytest.raises(ModelError) as info:
        await collect(model, request)
    return info.value


async def test_text_streams_deltas_then_done(server: MessagesServer, model: AnthropicModel) -> None:
    server.queue(Reply([text("Hi there, friend", ["Hi", " there", ",", " friend"])]))
    chunks = await collect(model, hello())
    assert chunks[:4] == [
        TextDelta("Hi"),
        TextDelta(" there"),
        TextDelta(","),
        TextDelta(" friend"),
    ]
    assert chunks[4] == TextDone("Hi there, friend")
    assert isinstance(chunks[5], Finish) and chunks[5].stop_reason == "end_turn"
    assert len(chunks) == 6


async def test_thinking_then_text(server: MessagesServer, model: AnthropicModel) -> None:
    server.queue(Reply([thinking("Let me think about it"), text("Answer")]))
    chunks = await collect(model, hello())
    assert chunks == [
        ThinkingStart(),
        ThinkingDone("Let me think about it"),
        TextDelta("Answer"),
        TextDone("Answer"),
        Finish(Usage(10, 5), "end_turn"),
    ]


async def test_two_tool_calls(server: MessagesServer, model: AnthropicModel) -> None:
    server.queue(
        Reply(
            [
                text("Checking."),
                tool_use("toolu_1", "read", {"path": "/tmp/a.txt", "limit": 10}, pieces=4),
                tool_use("toolu_2", "bash", {"command": "ls -la", "opts": {"x": [1, 2]}}),
                tool_use("toolu_3", "noargs", {}),
            ],
            stop_reason="tool_use",
        )
    )
    chunks = await collect(model, hello())
    calls = [c for c in chunks if isinstance(c, ToolCall)]
    assert calls == [
        ToolCall("toolu_1", "read", {"path": "/tmp/a.txt", "limit": 10}),
        ToolCall("toolu_2", "bash", {"command": "ls -la", "opts": {"x": [1, 2]}}),
        ToolCall("toolu_3", "noargs", {}),
    ]
    assert chunks[-1] == Finish(Usage(10, 5), "tool_use")


async def test_other_stop_reasons_end_the_turn(
    server: MessagesServer, model: AnthropicModel
) -> None:
    server.queue(Reply([text("cut")], stop_reason="max_tokens"))
    chunks = await collect(model, hello())
    assert isinstance(chunks[-1], Finish) and chunks[-1].stop_reason == "end_turn"


async def test_usage_with_cache_fields(server: MessagesServer, model: AnthropicModel) -> None:
    usage = {
        "input_tokens": 123,
        "output_tokens": 45,
        "cache_creation_input_tokens": 67,
        "cache_read_input_tokens": 89,
    }
    server.queue(Reply([text("ok")], usage=usage))
    chunks = await collect(model, hello())
    assert chunks[-1] == Finish(Usage(123, 45, 67, 89), "end_turn")


async def test_request_body(server: MessagesServer, model: AnthropicModel) -> None:
    server.queue(Reply([text("Done.")]))
    request = ModelRequest(
        model="claude-sonnet-test",
        system="You are terse.",
        messages=[
            Message("user", [Text("List files")]),
            Message(
                "assistant",
                [
                    Thinking("private"),
                    Text("Sure."),
                    ToolUse("toolu_a", "bash", {"command": "ls"}),
                ],
            ),
            Message("user", [ToolResult("toolu_a", "a.txt\nb.txt", is_error=True)]),
        ],
        tools=[ToolSpec("bash", "Runs a command.", {"type": "object", "properties": {}})],
    )
    await collect(model, request)
    (sent,) = server.requests
    body = sent.body
    assert body["model"] == "claude-sonnet-test"
    assert body["max_tokens"] == 1024
    assert body["stream"] is True
    assert body["system"] == "You are terse."
    assert body["tools"] == [
        {
            "name": "bash",
            "description": "Runs a command.",
            "input_schema": {"type": "object", "properties": {}},
        }
    ]
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "List files"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Sure."},
                {"type": "tool_use", "id": "toolu_a", "name": "bash", "input": {"command": "ls"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_a",
                    "content": "a.txt\nb.txt",
                    "is_error": True,
                }
            ],
        },
    ]


async def test_system_and_tools_omitted_when_absent(
    server: MessagesServer, model: AnthropicModel
) -> None:
    server.queue(Reply([text("ok")]))
    await collect(model, hello())
    body = server.requests[0].body
    assert "system" not in body
    assert "tools" not in body


async def test_api_key_header_is_sent(server: MessagesServer, model: AnthropicModel) -> None:
    server.queue(Reply([text("ok")]))
    await collect(model, hello())
    assert sent_key(server.requests[0].headers) == KEY


async def test_key_and_base_url_from_env(
    server: MessagesServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "env-key-42")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    m = AnthropicModel()
    server.queue(Reply([text("ok")]))
    try:
        await collect(m, hello())
    finally:
        await m.aclose()
    assert sent_key(server.requests[0].headers) == "env-key-42"


async def test_no_key_is_a_permanent_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    err = await fail(AnthropicModel(base_url="http://127.0.0.1:9"), hello())
    assert (err.kind, err.transient) == ("model_request_failed_error", False)


@pytest.mark.parametrize(
    ("status", "error_type", "kind", "transient"),
    [
        (429, "rate_limit_error", "model_rate_limited_error", True),
        (529, "overloaded_error", "model_overloaded_error", True),
        (529, "api_error", "model_overloaded_error", True),
        (500, "api_error", "model_request_failed_error", True),
        (503, "something_new", "model_request_failed_error", True),
        (400, "invalid_request_error", "model_request_failed_error", False),
        (401, "authentication_error", "model_request_failed_error", False),
        (403, "permission_error", "model_request_failed_error", False),
        (404, "not_found_error", "model_request_failed_error", False),
        (413, "request_too_large", "model_request_failed_error", False),
    ],
)
async def test_http_errors(
    server: MessagesServer,
    model: AnthropicModel,
    status: int,
    error_type: str,
    kind: str,
    transient: bool,
) -> None:
    server.queue(HttpError(status, error_type, "scripted failure"))
    err = await fail(model, hello())
    assert (err.kind, err.transient) == (kind, transient)
    assert str(status) in err.message
    assert len(server.requests) == 1  # the SDK does not retry


async def test_in_stream_overloaded_error(server: MessagesServer, model: AnthropicModel) -> None:
    server.queue(StreamError("overloaded_error", "Overloaded", blocks=[text("partial")]))
    seen: list[Chunk] = []
    with pytest.raises(ModelError) as info:
        async for chunk in model.stream(hello()):
            seen.append(chunk)
    assert (info.value.kind, info.value.transient) == ("model_overloaded_error", True)
    assert seen == [TextDelta("partial"), TextDone("partial")]


async def test_in_stream_api_error_is_transient(
    server: MessagesServer, model: AnthropicModel
) -> None:
    server.queue(StreamError("api_error", "Internal"))
    err = await fail(model, hello())
    assert (err.kind, err.transient) == ("model_request_failed_error", True)


async def test_in_stream_invalid_request_is_permanent(
    server: MessagesServer, model: AnthropicModel
) -> None:
    server.queue(StreamError("invalid_request_error", "bad"))
    err = await fail(model, hello())
    assert (err.kind, err.transient) == ("model_request_failed_error", False)


async def test_stream_cut_short_is_transient(server: MessagesServer, model: AnthropicModel) -> None:
    server.queue(Reply([text("partial")], complete=False))
    err = await fail(model, hello())
    assert (err.kind, err.transient) == ("model_request_failed_error", True)


async def test_connection_refused_is_transient() -> None:
    m = AnthropicModel(KEY, "http://127.0.0.1:9", timeout=5)
    try:
        err = await fail(m, hello())
    finally:
        await m.aclose()
    assert (err.kind, err.transient) == ("model_request_failed_error", True)


async def test_key_never_in_errors_or_logs(
    server: MessagesServer, model: AnthropicModel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.queue(
        Reply([text("ok")]),
        HttpError(401, "authentication_error", f"invalid x-api-key: {KEY}"),
        HttpError(529, "overloaded_error", "Overloaded"),
        StreamError("overloaded_error", f"echo {KEY}"),
    )
    await collect(model, hello())
    errors = [await fail(model, hello()) for _ in range(3)]
    for err in errors:
        assert KEY not in err.message
        assert KEY not in str(err)
    assert "[redacted]" in errors[0].message
    assert len(server.requests) == 4
    assert caplog.records  # something was logged, and none of it holds the key
    assert KEY not in caplog.text
    for record in caplog.records:
        assert KEY not in record.getMessage()


def test_conversion_merges_and_drops() -> None:
    messages = [
        Message("assistant", [Text("stray opening")]),
        Message("user", [Text("one")]),
        Message("user", [Text("  ")]),
        Message("user", [Text("two")]),
        Message("assistant", []),
        Message("assistant", [Thinking("hmm")]),
        Message("assistant", [Text("reply")]),
    ]
    assert to_api_messages(messages) == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}],
        },
        {"role": "assistant", "content": [{"type": "text", "text": "reply"}]},
    ]


def test_conversion_keeps_tool_results_valid() -> None:
    messages = [
        Message("user", [Text("go")]),
        Message("assistant", [ToolUse("t1", "a", {}), ToolUse("t2", "b", {})]),
        Message("user", [Text("interrupting"), ToolResult("t1", "ok"), ToolResult("zz", "old")]),
    ]
    out = to_api_messages(messages)
    assert out[2] == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "t1", "content": "ok"},
            {
                "type": "tool_result",
                "tool_use_id": "t2",
                "content": "No result was recorded for this tool call.",
                "is_error": True,
            },
            {"type": "text", "text": "interrupting"},
            {"type": "text", "text": "[tool result for zz]\nold"},
        ],
    }


async def test_the_agents_model_settings_are_sent(
    server: MessagesServer, model: AnthropicModel
) -> None:
    server.queue(Reply([text("ok")]), Reply([text("ok")]))
    request = hello()
    request.effort, request.speed, request.inference_geo = "high", "fast", "us"
    await collect(model, request)
    await collect(model, hello())
    tuned, plain = (r.body for r in server.requests)
    assert tuned["output_config"] == {"effort": "high"}
    assert tuned["speed"] == "fast" and tuned["inference_geo"] == "us"
    assert not {"output_config", "speed", "inference_geo"} & set(plain)
