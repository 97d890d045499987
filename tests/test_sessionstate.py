"""The pure session-state rules the services and the runtime share."""

from __future__ import annotations

from google.protobuf import timestamp_pb2
from sessiond.core.sessionstate import (
    STATUS_OF_PROTO,
    Status,
    answer_target,
    check_answer,
    open_model_request,
    pending_actions,
)
from sessiond.v1 import event_pb2, session_pb2


def ev(eid: str, processed: bool = True, **payload: object) -> event_pb2.SessionEvent:
    e = event_pb2.SessionEvent(id=eid, **payload)  # type: ignore[arg-type]
    if processed:
        e.processed_at.CopyFrom(timestamp_pb2.Timestamp(seconds=1))
    return e


ASK = event_pb2.AgentToolUseEvent(name="bash", evaluated_permission=event_pb2.PERMISSION_ASK)
ALLOW = event_pb2.AgentToolUseEvent(name="bash", evaluated_permission=event_pb2.PERMISSION_ALLOW)


def confirm(eid: str, target: str, processed: bool = True) -> event_pb2.SessionEvent:
    c = event_pb2.UserToolConfirmationEvent(
        tool_use_id=target, result=event_pb2.TOOL_CONFIRMATION_RESULT_ALLOW
    )
    return ev(eid, processed, user_tool_confirmation=c)


def custom_result(eid: str, target: str, processed: bool = True) -> event_pb2.SessionEvent:
    r = event_pb2.UserCustomToolResultEvent(custom_tool_use_id=target)
    return ev(eid, processed, user_custom_tool_result=r)


def test_tool_uses_that_wait_are_pending_until_answered() -> None:
    events = [
        ev("u1", agent_tool_use=ASK),
        ev("u2", agent_tool_use=ALLOW),
        ev("u3", agent_custom_tool_use=event_pb2.AgentCustomToolUseEvent(name="x")),
        ev(
            "u4",
            agent_mcp_tool_use=event_pb2.AgentMcpToolUseEvent(
                evaluated_permission=event_pb2.PERMISSION_ASK
            ),
        ),
    ]
    assert pending_actions(events) == ["u1", "u3", "u4"]
    answered = [*events, confirm("a1", "u1"), custom_result("a2", "u3", processed=False)]
    # A queued (unprocessed) answer counts only when asked to.
    assert pending_actions(answered) == ["u3", "u4"]
    assert pending_actions(answered, queued=True) == ["u4"]


def test_answer_target_names_the_tool_use_answered() -> None:
    assert answer_target(confirm("a", "u1")) == "u1"
    assert answer_target(custom_result("a", "u2")) == "u2"
    assert answer_target(ev("m", user_message=event_pb2.UserMessageEvent())) is None


def test_an_answer_must_target_a_waiting_use_of_its_kind() -> None:
    kinds: dict[str, str | None] = {"u1": "agent_tool_use", "u3": "agent_custom_tool_use"}
    waiting = {"u1", "u3"}
    assert check_answer(confirm("a", "u1"), waiting, kinds) is None
    assert check_answer(custom_result("a", "u3"), waiting, kinds) is None
    wrong_kind = check_answer(confirm("a", "u3"), waiting, kinds)
    assert wrong_kind is not None and "waits for confirmation" in wrong_kind
    assert check_answer(custom_result("a", "nope"), waiting, kinds) is not None


def test_open_model_request_is_the_start_without_an_end() -> None:
    start = ev("s1", span_model_request_start=event_pb2.SpanModelRequestStartEvent())
    end = ev(
        "e1",
        span_model_request_end=event_pb2.SpanModelRequestEndEvent(model_request_start_id="s1"),
    )
    again = ev("s2", span_model_request_start=event_pb2.SpanModelRequestStartEvent())
    assert open_model_request([]) is None
    assert open_model_request([start]) == "s1"
    assert open_model_request([start, end]) is None
    assert open_model_request([start, end, again]) == "s2"


def test_every_session_status_has_a_name() -> None:
    named = {v for k, v in session_pb2.SessionStatus.items() if v != 0}
    assert set(STATUS_OF_PROTO) == named
    assert STATUS_OF_PROTO[session_pb2.SESSION_STATUS_IDLE] == Status.IDLE == "idle"
