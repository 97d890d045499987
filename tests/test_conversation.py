"""The model's conversation built incrementally per session equals the one
built from the whole history, whatever the history grows into, and so does
the count of its words (the offline model's input tokens)."""

from __future__ import annotations

import random

from google.protobuf import struct_pb2
from sessiond.core.runtime.conversation import Conversations, build
from sessiond.core.runtime.model import ModelRequest, prompt_words
from sessiond.core.timeutil import to_timestamp
from sessiond.v1 import common_pb2, event_pb2

_seq = 0


def _event(processed: bool = True, **payload: object) -> event_pb2.SessionEvent:
    global _seq
    _seq += 1
    ev = event_pb2.SessionEvent(id=f"sevt_{_seq:06d}", sequence=_seq, **payload)  # type: ignore[arg-type]
    if processed:
        ev.processed_at.CopyFrom(to_timestamp(_seq))
    return ev


def _text(t: str) -> list[common_pb2.ContentBlock]:
    return [common_pb2.ContentBlock(text=common_pb2.TextBlock(text=t))]


def _processed(ev: event_pb2.SessionEvent) -> event_pb2.SessionEvent:
    done = event_pb2.SessionEvent()
    done.CopyFrom(ev)
    done.processed_at.CopyFrom(to_timestamp(ev.sequence + 1_000_000))
    return done


def _turn(rng: random.Random, text: str) -> list[event_pb2.SessionEvent]:
    out = [_event(span_model_request_start=event_pb2.SpanModelRequestStartEvent())]
    for i in range(rng.randint(0, 2)):
        out.append(_event(agent_message=event_pb2.AgentMessageEvent(content=_text(f"{text} {i}"))))
    if rng.random() < 0.5:
        use = _event(
            agent_tool_use=event_pb2.AgentToolUseEvent(
                name="bash", input=struct_pb2.Struct(fields={"c": struct_pb2.Value(number_value=1)})
            )
        )
        out.append(use)
        if rng.random() < 0.7:
            result = event_pb2.AgentToolResultEvent(tool_use_id=use.id, content=_text("ok"))
            out.append(_event(agent_tool_result=result))
    out.append(_event(span_model_request_end=event_pb2.SpanModelRequestEndEvent()))
    return out


def test_incremental_conversations_equal_full_builds() -> None:
    rng = random.Random(7)
    conversations = Conversations(max_bytes=4096)
    histories: dict[str, list[event_pb2.SessionEvent]] = {"a": [], "b": [], "c": []}
    queued: dict[str, int | None] = dict.fromkeys(histories)
    for step in range(400):
        sid = rng.choice(list(histories))
        history = histories[sid]
        waiting = queued[sid]
        if waiting is None:
            # A message arrives unprocessed; it stays queued while turns go on.
            history.append(
                _event(
                    processed=False,
                    user_message=event_pb2.UserMessageEvent(content=_text(f"u{step}")),
                )
            )
            queued[sid] = len(history) - 1
        elif rng.random() < 0.4:
            # Its turn starts: it is processed where it stands in the history.
            history[waiting] = _processed(history[waiting])
            queued[sid] = None
        history.extend(_turn(rng, f"t{step}"))
        messages, words = conversations.build_counted(sid, history)
        full = build(history)
        assert messages == full, f"step {step}"
        # The words counted as the conversation grew are those of a full count.
        assert words == prompt_words(ModelRequest("m", None, full)), f"step {step}"


def test_a_history_that_does_not_continue_the_remembered_one_is_rebuilt() -> None:
    conversations = Conversations()
    first = [_event(user_message=event_pb2.UserMessageEvent(content=_text("one")))]
    conversations.build("s", first)
    other = [_event(user_message=event_pb2.UserMessageEvent(content=_text("two")))]
    assert conversations.build("s", other) == build(other)


def test_an_outcome_and_its_feedback_are_user_turns() -> None:
    from sessiond.core.runtime.model import Text

    outcome = event_pb2.UserDefineOutcomeEvent(description="Write it.", outcome_id="outc_1")
    outcome.rubric.text.content = "must: X"

    def end(result: str, explanation: str) -> event_pb2.SessionEvent:
        return _event(
            span_outcome_evaluation_end=event_pb2.SpanOutcomeEvaluationEndEvent(
                result=result, explanation=explanation, outcome_id="outc_1"
            )
        )

    history = [
        _event(user_define_outcome=outcome),
        _event(span_model_request_start=event_pb2.SpanModelRequestStartEvent()),
        _event(agent_message=event_pb2.AgentMessageEvent(content=_text("first"))),
        end("needs_revision", 'missing "X"'),
        _event(span_model_request_start=event_pb2.SpanModelRequestStartEvent()),
        _event(agent_message=event_pb2.AgentMessageEvent(content=_text("X"))),
        end("satisfied", "all there"),
    ]
    messages = build(history)
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[0].parts == [Text("Write it.")]
    (feedback,) = messages[2].parts
    assert isinstance(feedback, Text) and 'missing "X"' in feedback.text
    # A terminal verdict is not fed back: nothing follows it.
    assert "all there" not in str(messages)
