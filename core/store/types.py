"""What callers of the store pass and get back: appends, pages, status names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sessiond.v1 import event_pb2, session_pb2

STATUS_NAMES = {
    session_pb2.SESSION_STATUS_IDLE: "idle",
    session_pb2.SESSION_STATUS_RUNNING: "running",
    session_pb2.SESSION_STATUS_RESCHEDULING: "rescheduling",
    session_pb2.SESSION_STATUS_TERMINATED: "terminated",
}
STATUS_VALUES = {v: k for k, v in STATUS_NAMES.items()}
# Appends on PostgreSQL notify this channel: "<session id> <first seq> <last seq>".
EVENTS_CHANNEL = "sessiond_events"


class RunningLimit(Exception):
    """The append would start a turn past its workspace's running limit."""


class LeaseLost(Exception):
    """This replica no longer holds the session's turn lease: another took over."""


@dataclass(frozen=True)
class Page:
    """Keyset position: rows strictly after (or before) this key."""

    key: tuple[Any, ...]
    backward: bool = False


@dataclass
class UsageDelta:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0


@dataclass(frozen=True)
class NewEvent:
    """An event to append: its id is chosen by the caller (previews use it)."""

    id: str
    type: str
    payload: event_pb2.SessionEvent
    processed: bool = True


@dataclass(frozen=True)
class Append:
    """One append: events and the session changes they imply (see Store.append).

    With ``owner`` every write of it, marks included, happens only while that
    replica holds the session's turn lease (else :class:`LeaseLost`)."""

    session_id: str
    new: Sequence[NewEvent]
    require_open: bool = False
    status: str | None = None
    usage: UsageDelta | None = None
    turn: str | None = None
    mark_processed: tuple[str, ...] = ()
    owner: str | None = None
    # A caller's append (a send) reaches only sessions of its workspace.
    workspace: str | None = None
    # A send that starts a turn: refused (RunningLimit) when ``workspace``
    # already runs this many sessions, unless this session is one of them.
    running_limit: int | None = None

    @property
    def changes_session(self) -> bool:
        return bool(self.new) or any(x is not None for x in (self.status, self.usage, self.turn))
