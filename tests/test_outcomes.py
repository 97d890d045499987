"""The outcome loop through the core's RPCs (with a grader that waits, to be
interrupted mid-evaluation), the offline grader's `must:` rule, and the model
grader: its own request and prompt, and a lenient verdict parser."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from google.protobuf import empty_pb2
from sessiond.core import errors
from sessiond.core.runtime.anthropic_model import AnthropicModel
from sessiond.core.runtime.grader import GRADER_SYSTEM, ModelGrader, parse_verdict
from sessiond.core.runtime.offline_grader import OfflineGrader, required_texts
from sessiond.core.runtime.outcome import Evaluation, Grading
from sessiond.core.runtime.outcome_pause import interrupted_pause, paused_outcome
from sessiond.core.server import CoreServer
from sessiond.core.services.files import rubric_text
from sessiond.v1 import event_pb2, session_pb2

from tests.fixtures.messages_server import MessagesServer, Reply, text
from tests.test_core_grpc import KEY, Stubs, keyed_channel, new_session, open_stream


class FakeWaitingGrader:
    """A fake grader that waits until released (or cancelled by an interrupt)."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.cancelled = False

    async def grade(self, grading: Grading) -> Evaluation:
        self.started.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return Evaluation("satisfied", "fine")


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[CoreServer, Stubs]]:
    server = await CoreServer.open(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", tmp_path, api_keys={KEY: "default"}
    )
    port = await server.start("127.0.0.1:0")
    channel = keyed_channel(f"127.0.0.1:{port}")
    try:
        yield server, Stubs(channel)
    finally:
        await channel.close()
        await server.stop(0.5)


def define(description: str, rubric: str) -> event_pb2.SessionEvent:
    o = event_pb2.UserDefineOutcomeEvent(description=description)
    o.rubric.text.content = rubric
    return event_pb2.SessionEvent(user_define_outcome=o)


async def read_events(
    stream: object, until: str, deadline: float = 10
) -> list[event_pb2.SessionEvent]:
    seen: list[event_pb2.SessionEvent] = []

    async def go() -> None:
        async for item in stream:  # type: ignore[attr-defined]
            if item.HasField("event"):
                seen.append(item.event)
                if item.event.HasField(until):
                    return

    await asyncio.wait_for(go(), deadline)
    return seen


async def test_an_interrupt_during_evaluation_ends_it_interrupted(
    served: tuple[CoreServer, Stubs],
) -> None:
    server, s = served
    grader = FakeWaitingGrader()
    server.runtime.grader = grader
    sid = await new_session(s)
    stream = await open_stream(s, sid)
    await s.events.SendEvents(
        event_pb2.SendEventsRequest(session_id=sid, events=[define("hi", "must: hi")])
    )
    await asyncio.wait_for(grader.started.wait(), 10)
    got = await s.sessions.GetSession(session_pb2.GetSessionRequest(session_id=sid))
    assert got.session.outcome_evaluations[0].result == "evaluating"
    await s.events.SendEvents(
        event_pb2.SendEventsRequest(
            session_id=sid,
            events=[event_pb2.SessionEvent(user_interrupt=event_pb2.UserInterruptEvent())],
        )
    )
    seen = await read_events(stream, "session_status_idle")
    kinds = [e.WhichOneof("payload") for e in seen]
    assert kinds[-2:] == ["span_outcome_evaluation_end", "session_status_idle"], kinds
    start = next(e for e in seen if e.HasField("span_outcome_evaluation_start"))
    end = seen[-2].span_outcome_evaluation_end
    assert (end.result, end.iteration) == ("interrupted", 0)
    assert end.outcome_evaluation_start_id == start.id
    assert grader.cancelled
    got = await s.sessions.GetSession(session_pb2.GetSessionRequest(session_id=sid))
    state = got.session.outcome_evaluations[0]
    assert state.result == "interrupted" and state.HasField("completed_at")
    assert got.session.status == session_pb2.SESSION_STATUS_IDLE


async def test_heartbeats_go_on_while_the_grader_works(
    served: tuple[CoreServer, Stubs],
) -> None:
    server, s = served
    grader = FakeWaitingGrader()
    server.runtime.grader = grader
    beats = asyncio.Queue[None]()

    async def fast_sleep(seconds: float) -> None:
        # The heartbeat's sleep: one beat per wake, as fast as the test reads them.
        await beats.put(None)
        await asyncio.sleep(0)

    server.runtime.ctx.sleep = fast_sleep
    sid = await new_session(s)
    stream = await open_stream(s, sid)
    await s.events.SendEvents(
        event_pb2.SendEventsRequest(session_id=sid, events=[define("hi", "must: hi")])
    )
    await asyncio.wait_for(grader.started.wait(), 10)
    for _ in range(3):
        await asyncio.wait_for(beats.get(), 10)
    grader.release.set()
    seen = await read_events(stream, "session_status_idle")
    ongoing = [e for e in seen if e.HasField("span_outcome_evaluation_ongoing")]
    assert len(ongoing) >= 3
    assert seen[-2].span_outcome_evaluation_end.result == "satisfied"


def grading(work: str, rubric: str) -> Grading:
    return Grading(description="d", rubric=rubric, work=work, model="m", iteration=0)


async def test_offline_grader_quotes_each_missing_text() -> None:
    rubric = "# R\nmust: alpha\n  must: beta gamma\nnot a must: delta\nmust:\n"
    assert required_texts(rubric) == ["alpha", "beta gamma"]
    ev = await OfflineGrader().grade(grading("alpha only", rubric))
    assert ev.result == "needs_revision"
    assert '"beta gamma"' in ev.explanation and '"alpha"' not in ev.explanation
    assert ev.usage.input_tokens == len(rubric.split()) + 2
    ok = await OfflineGrader().grade(grading("alpha and beta gamma", rubric))
    assert ok.result == "satisfied"


def test_a_rubric_file_is_read_as_utf8_text_only() -> None:
    assert rubric_text("# R\nmust: é\n".encode(), "file_1") == "# R\nmust: é\n"
    for data, why in ((b"\xff\xfe\x00x", "UTF-8"), (b"a\x00b", "NUL"), (b" \n", "empty")):
        with pytest.raises(errors.InvalidArgument) as e:
            rubric_text(data, "file_1", "events[0].rubric")
        assert why in e.value.message and "events[0].rubric.file_id" in e.value.message


@pytest.mark.parametrize(
    ("answer", "result", "explanation"),
    [
        ('{"result": "satisfied", "explanation": "all good"}', "satisfied", "all good"),
        (
            'Here:\n```json\n{"result": "needs_revision", "explanation": "no {x}"}\n```',
            "needs_revision",
            "no {x}",
        ),
        ('{"verdict": "FAILED", "explanation": "not applicable"}', "failed", "not applicable"),
        ("The work needs_revision: add a title.", "needs_revision", None),
        ("I cannot tell.", "failed", None),
    ],
)
def test_parse_verdict_is_lenient(answer: str, result: str, explanation: str | None) -> None:
    ev = parse_verdict(answer)
    assert ev.result == result
    if explanation is not None:
        assert ev.explanation == explanation
    assert ev.explanation


async def test_model_grader_sends_its_own_request_and_reads_the_verdict() -> None:
    async with MessagesServer() as server:
        server.queue(
            Reply(
                [text('{"result": "needs_revision", "explanation": "The title is missing."}')],
                usage={"input_tokens": 40, "output_tokens": 12},
            )
        )
        grader = ModelGrader(AnthropicModel("test-key", server.url))
        ev = await grader.grade(
            Grading(
                description="Write a report.",
                rubric="- has a title",
                work="A report without one.",
                model="claude-x",
                iteration=2,
            )
        )
    assert (ev.result, ev.explanation) == ("needs_revision", "The title is missing.")
    assert (ev.usage.input_tokens, ev.usage.output_tokens) == (40, 12)
    (req,) = server.requests
    assert req.body["system"] == GRADER_SYSTEM
    assert req.body["model"] == "claude-x"
    assert "tools" not in req.body
    (msg,) = req.body["messages"]
    sent = str(msg["content"])
    for part in ("Write a report.", "- has a title", "A report without one."):
        assert part in sent


async def test_a_server_stop_during_evaluation_ends_the_outcome_failed(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    server = await CoreServer.open(db, tmp_path, api_keys={KEY: "default"})
    grader = FakeWaitingGrader()
    server.runtime.grader = grader
    port = await server.start("127.0.0.1:0")
    channel = keyed_channel(f"127.0.0.1:{port}")
    try:
        s = Stubs(channel)
        sid = await new_session(s)
        await s.events.SendEvents(
            event_pb2.SendEventsRequest(session_id=sid, events=[define("hi", "must: hi")])
        )
        await asyncio.wait_for(grader.started.wait(), 10)
    finally:
        await channel.close()
        await server.stop(0.5)
    again = await CoreServer.open(db, tmp_path, api_keys={KEY: "default"})
    try:
        got = await again.sessions.get(sid, ws="default")
        events = await again.log.history(sid)
    finally:
        await again.stop(0.5)
    kinds = [e.WhichOneof("payload") for e in events]
    assert kinds[-3:] == ["span_outcome_evaluation_end", "session_error", "session_status_idle"]
    assert events[-3].span_outcome_evaluation_end.result == "failed"
    state = got.outcome_evaluations[0]
    assert state.result == "failed" and state.HasField("completed_at")
    assert got.status == session_pb2.SESSION_STATUS_IDLE


def _ev(ident: str, **payload: object) -> event_pb2.SessionEvent:
    return event_pb2.SessionEvent(id=ident, **payload)  # type: ignore[arg-type]


def _idle(stop: str) -> event_pb2.SessionEvent:
    reason = (
        event_pb2.StopReason(requires_action=event_pb2.RequiresAction(event_ids=["u"]))
        if stop == "requires_action"
        else event_pb2.StopReason(end_turn=empty_pb2.Empty())
    )
    return event_pb2.SessionEvent(
        session_status_idle=event_pb2.SessionStatusIdleEvent(stop_reason=reason)
    )


def test_a_paused_outcome_is_found_from_the_session_and_its_history() -> None:
    defined = define("d", "must: x")
    defined.id = "def"
    defined.user_define_outcome.outcome_id = "outc_1"
    session = session_pb2.Session(status=session_pb2.SESSION_STATUS_IDLE)
    session.outcome_evaluations.add(outcome_id="outc_1", description="d", result="running")
    end = event_pb2.SpanOutcomeEvaluationEndEvent(outcome_id="outc_1", result="needs_revision")
    history = [defined, _ev("end0", span_outcome_evaluation_end=end), _idle("requires_action")]
    found = paused_outcome(session, history)
    assert found is not None and (found[0].id, found[1], found[2]) == ("def", 1, "end0")
    assert paused_outcome(session, [defined, _idle("requires_action")])[1:] == (0, "def")  # type: ignore[index]
    # Not paused: the last idle ended the turn, the session runs, or the outcome ended.
    assert paused_outcome(session, [defined, _idle("end_turn")]) is None
    running = session_pb2.Session(status=session_pb2.SESSION_STATUS_RUNNING)
    running.outcome_evaluations.extend(session.outcome_evaluations)
    assert paused_outcome(running, history) is None
    session.outcome_evaluations[0].completed_at.seconds = 1
    assert paused_outcome(session, history) is None
    # An interrupt counts only after the session last went idle.
    stop = _ev("i", user_interrupt=event_pb2.UserInterruptEvent())
    assert interrupted_pause([*history, stop])
    assert not interrupted_pause([defined, stop, _idle("requires_action")])
