"""Outcomes paused for the client (pure: no I/O).

A turn of an outcome's iteration that waits for a tool confirmation, a custom
tool result or a self-hosted worker's result leaves the session idle with
`requires_action` and the outcome's `outcome_evaluations` entry `running`
with no `completed_at`. Nothing of the pause is held in memory: the runner
finds it from the stored session and its history, on any replica and after a
restart, and goes on with the same iteration when the answer comes.
"""

from __future__ import annotations

from collections.abc import Sequence

from sessiond.v1 import event_pb2, session_pb2

INTERRUPTED_WHILE_WAITING = (
    "The user interrupted the session while the outcome waited for an answer; the outcome ended."
)
SUPERSEDED_WHILE_WAITING = (
    "A new outcome was defined while this one waited for an answer; this one ended."
)


def has_open_outcome(session: session_pb2.Session) -> bool:
    """Whether an outcome of the session was started and has not ended (cheap:
    no history needed)."""
    return any(
        e.result == "running" and not e.HasField("completed_at")
        for e in session.outcome_evaluations
    )


def paused_outcome(
    session: session_pb2.Session, events: Sequence[event_pb2.SessionEvent]
) -> tuple[event_pb2.SessionEvent, int, str] | None:
    """The outcome a turn's wait for the client paused, if any: its
    `user.define_outcome`, its iteration, and the event after which the
    agent's work of that iteration counts. Only while nobody runs it: the
    session is idle and its newest idle says `requires_action`."""
    if session.status != session_pb2.SESSION_STATUS_IDLE or not has_open_outcome(session):
        return None
    last_idle = next((e for e in reversed(events) if e.HasField("session_status_idle")), None)
    if last_idle is None:
        return None
    if last_idle.session_status_idle.stop_reason.WhichOneof("type") != "requires_action":
        return None
    running = {
        e.outcome_id
        for e in session.outcome_evaluations
        if e.result == "running" and not e.HasField("completed_at")
    }
    define = next(
        (
            e
            for e in reversed(events)
            if e.HasField("user_define_outcome") and e.user_define_outcome.outcome_id in running
        ),
        None,
    )
    if define is None:
        return None
    oid = define.user_define_outcome.outcome_id
    ends = [
        e
        for e in events
        if e.HasField("span_outcome_evaluation_end")
        and e.span_outcome_evaluation_end.outcome_id == oid
    ]
    return define, len(ends), (ends[-1].id if ends else define.id)


def interrupted_pause(events: Sequence[event_pb2.SessionEvent]) -> bool:
    """Whether a `user.interrupt` came after the session last went idle (the
    wait of a paused outcome was interrupted)."""
    for ev in reversed(events):
        if ev.HasField("session_status_idle"):
            return False
        if ev.HasField("user_interrupt"):
            return True
    return False
